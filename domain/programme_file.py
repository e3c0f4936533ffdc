"""Parsing a programme file (YAML) and its participants (CSV) into a `ProgrammeSpec`.

Coordinators write these files by hand or export them from a spreadsheet. Every mistake becomes a
`Problem` pointing at FILE:LINE, and all of them are reported at once, so a file is never fixed
one error per run. `ProgrammeFileError` is the only exception that leaves this module.

This module opens nothing: the caller hands in the programme file as a `domain.tree` (its values
with their lines) and a `ReadNamed` for the participants file it names, whose bytes this module
parses (control.files reads them from disk, keeping such a file inside the programme's folder).
"""

from __future__ import annotations

import csv
import difflib
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, get_origin

import annotated_types
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from domain.programme import (
    Durations,
    Locale,
    MatchingSettings,
    Participant,
    ProgrammeSpec,
    Role,
    Skill,
    participant_id,
)
from domain.skills import CATALOGUE
from domain.text import TextFault, TextRefusal, refusal
from domain.tree import Kind, ListNode, MapNode, Node, Scalar

_PROGRAMME_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_SKILL_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# Deliberately simple: catches the typos a spreadsheet produces (spaces, commas, missing domain),
# not every address RFC 5322 allows.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_INTEGER = re.compile(r"^[+-]?\d+$")

_CSV_HINT = "; save it from your spreadsheet as 'CSV UTF-8'"


@dataclass(frozen=True)
class Problem:
    """One mistake in a programme file or its participants file; line 0 when it has no line."""

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ProgrammeFileError(Exception):
    """Every problem found in a programme file and its participants file."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        # The problems are the only argument so that the exception survives pickling.
        super().__init__(list(problems))
        self.problems: list[Problem] = list(problems)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


@dataclass(frozen=True)
class NamedFile:
    """A file that a programme file names: what problems call it, and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Unreadable:
    """Why a file cannot be read; for a named file the reason starts with how it is called."""

    reason: str


# Reads the file a programme file names, given as written there (relative to the programme file).
ReadNamed = Callable[[str], NamedFile | Unreadable]


def parse_programme(name: str, root: Node, read_named: ReadNamed) -> ProgrammeSpec:
    """Validate a programme file and parse the participants file it names.

    `name` is what problems call the programme file (its path as the coordinator typed it), and
    `root` is its document.
    Raises `ProgrammeFileError` listing every problem; never raises anything else.
    """
    problems: list[Problem] = []
    try:
        spec = _load(name, root, read_named, problems)
    except Exception as exc:
        # A bug in this module must still reach the coordinator as a line, not as a traceback;
        # the chained exception keeps the traceback for whoever debugs it.
        problems.append(Problem(name, 0, "file", f"unexpected error while reading: {exc!r}"))
        raise ProgrammeFileError(problems) from exc
    if spec is None or problems:
        raise ProgrammeFileError(_in_reading_order(problems, name))
    return spec


# ---------------------------------------------------------------------------------------------
# Reporting


@dataclass(frozen=True)
class _Report:
    """Adds problems about one file to the shared list."""

    file: str
    problems: list[Problem]

    def add(self, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, field, message))

    def at(self, node: Node, field: str, message: str) -> None:
        self.add(node.line, field, message)


def _in_reading_order(problems: list[Problem], first_file: str) -> list[Problem]:
    """The programme file's problems first, then the participants file's, each by line."""
    return sorted(problems, key=lambda p: (p.file != first_file, p.line))


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _describe(node: Node) -> str:
    if isinstance(node, ListNode):
        return "a list"
    if isinstance(node, MapNode):
        return "a mapping"
    if node.kind is Kind.NULL:
        return "nothing"
    text = node.text
    return repr(text if len(text) <= 40 else text[:37] + "...")


# ---------------------------------------------------------------------------------------------
# Encodings


def _decode(data: bytes, report: _Report, hint: str = "") -> str | None:
    """The text of a UTF-8 file (BOM or not), or None after reporting why it is not text."""
    if data.startswith(b"PK\x03\x04"):
        report.add(1, "encoding", f"this is a zip archive (an Excel workbook?), not text{hint}")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        report.add(line, "encoding", f"not UTF-8 text (byte 0x{data[exc.start]:02x}){hint}")
        return None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        report.add(line, "encoding", f"binary data (a NUL byte), not text{hint}")
        return None
    return text


# ---------------------------------------------------------------------------------------------
# The programme file


def _load(
    name: str, root: Node, read_named: ReadNamed, problems: list[Problem]
) -> ProgrammeSpec | None:
    report = _Report(name, problems)
    entries = _mapping_entries(root, "", report, what="the programme file")
    if entries is None:
        return None
    values = _read_settings(entries, report)
    participants = _read_participants(entries, read_named, values, report)
    if problems or participants is None:
        return None
    return _build_spec(values, participants, name, report)


def _mapping_entries(
    node: Node, section: str, report: _Report, what: str = ""
) -> dict[str, tuple[Scalar, Node]] | None:
    """The key and value nodes of a mapping, reporting keys that are not names or set twice."""
    if not isinstance(node, MapNode):
        message = f"must be a mapping (key: value lines), got {_describe(node)}"
        report.at(node, section or "file", f"{what} {message}" if what else message)
        return None
    entries: dict[str, tuple[Scalar, Node]] = {}
    for key_node, value_node in node.entries:
        if not isinstance(key_node, Scalar):
            report.at(key_node, section or "file", "a key must be a plain name")
            continue
        key = key_node.text
        name = f"{section}.{key}" if section else key
        if key in entries:
            first = entries[key][0].line
            report.at(key_node, name, f"is set twice (first on line {first})")
            continue
        entries[key] = (key_node, value_node)
    return entries


_Reader = Callable[[Node, str, _Report], object]
# A mapping's entries by key, each with its key's node (for the key's line) and its value's node.
Entries = Mapping[str, tuple[Scalar, Node]]


def _read_settings(entries: Entries, report: _Report) -> dict[str, Any]:
    """Every top-level setting that is valid; problems reported for the others."""
    values: dict[str, Any] = {}
    for key, (key_node, value_node) in entries.items():
        reader = _READERS.get(key)
        if reader is None:
            report.at(key_node, key, f"unknown setting{_did_you_mean(key, _READERS)}")
            continue
        value = reader(value_node, key, report)
        if value is not None:
            values[key] = value
    for key in _REQUIRED:
        if key not in entries:
            report.add(0, key, "is required")
    return values


def _text(node: Node, name: str, report: _Report) -> str | None:
    # Any plain scalar is taken as the text the coordinator typed: `name: 2027` means "2027".
    if not isinstance(node, Scalar):
        report.at(node, name, f"must be text, got {_describe(node)}")
        return None
    text = node.text.strip()
    if node.kind is Kind.NULL or not text:
        report.at(node, name, "must not be empty")
        return None
    refused = refusal(text)
    if refused is not None:
        report.at(node, name, _refusal_message(refused))
        return None
    return text


def _refusal_message(refused: TextRefusal) -> str:
    """The English words for a `domain.text` refusal; the character is named, never shown."""
    if refused.fault == TextFault.EMPTY:
        return "has no visible character, only spaces or invisible characters"
    what = {
        TextFault.INVISIBLE: "an invisible character",
        TextFault.BIDI: "a character that reverses the display direction",
        TextFault.CONTROL: "a control character",
    }[refused.fault]
    return f"contains {what} ({refused.code_point}); type the text again without it"


def _programme_id(node: Node, name: str, report: _Report) -> str | None:
    text = _text(node, name, report)
    if text is not None and not _PROGRAMME_ID.match(text):
        report.at(
            node,
            name,
            f"{text!r} is not a valid id: use 2 to 63 lowercase letters, digits or dashes, "
            "starting with a letter or digit (e.g. pilote-2027)",
        )
        return None
    return text


def _date(node: Node, name: str, report: _Report) -> date | None:
    text = _text(node, name, report)
    if text is None:
        return None
    match = _DATE.match(text)
    if match is None:
        report.at(node, name, f"must be a date written YYYY-MM-DD, got {text!r}")
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        report.at(node, name, f"impossible date {text} ({exc})")
        return None


def _locale(node: Node, name: str, report: _Report) -> Locale | None:
    text = _text(node, name, report)
    if text is None:
        return None
    locale = _parse_locale(text)
    if locale is None:
        report.at(node, name, f"must be fr or en, got {text!r}")
    return locale


def _parse_locale(text: str) -> Locale | None:
    try:
        return Locale(text.strip().lower())
    except ValueError:
        return None


def _email(node: Node, name: str, report: _Report) -> str | None:
    text = _text(node, name, report)
    if text is not None and not _EMAIL.match(text):
        report.at(node, name, f"malformed e-mail {text!r}")
        return None
    return text


def _email_list(node: Node, name: str, report: _Report) -> tuple[str, ...] | None:
    """Distinct e-mail addresses, in lower case: accounts are looked up by address."""
    if not isinstance(node, ListNode):
        report.at(
            node,
            name,
            f"must be a list of e-mail addresses, e.g. [rh@example.com], got {_describe(node)}",
        )
        return None
    emails: list[str] = []
    first_line: dict[str, int] = {}
    valid = True
    for item in node.items:
        email = _email(item, name, report)
        if email is None:
            valid = False
            continue
        email = email.lower()
        if email in first_line:
            report.at(item, name, f"{email} is listed twice (first on line {first_line[email]})")
            valid = False
            continue
        first_line[email] = item.line
        emails.append(email)
    return tuple(emails) if valid else None


def _whole_number(node: Node, name: str, report: _Report, minimum: int | None) -> int | None:
    # YAML decides: `12` is a number, `"12"` is text and `12.0` a float, none of which is
    # silently converted, so a typo never turns into a surprising value.
    if not isinstance(node, Scalar) or node.kind is not Kind.INT or not isinstance(node.value, int):
        report.at(node, name, f"must be a whole number, got {_describe(node)}")
        return None
    value = node.value
    if minimum is not None and value < minimum:
        expected = "a positive whole number" if minimum == 1 else f"at least {minimum}"
        report.at(node, name, f"must be {expected}, got {value}")
        return None
    return value


def _positive_int(node: Node, name: str, report: _Report) -> int | None:
    return _whole_number(node, name, report, minimum=1)


def _bool(node: Node, name: str, report: _Report) -> bool | None:
    if (
        not isinstance(node, Scalar)
        or node.kind is not Kind.BOOL
        or not isinstance(node.value, bool)
    ):
        report.at(node, name, f"must be true or false, got {_describe(node)}")
        return None
    return node.value


def _positive_int_list(node: Node, name: str, report: _Report) -> tuple[int, ...] | None:
    if not isinstance(node, ListNode):
        report.at(node, name, f"must be a list of whole numbers, got {_describe(node)}")
        return None
    items = [_positive_int(item, name, report) for item in node.items]
    values = [item for item in items if item is not None]
    return tuple(values) if len(values) == len(items) else None


# --- skills


def _skills(node: Node, name: str, report: _Report) -> tuple[Skill, ...] | None:
    if not isinstance(node, ListNode):
        report.at(
            node,
            name,
            f"must be a list of skill ids, e.g. [linkedin, generative-ai], got {_describe(node)}",
        )
        return None
    if not node.items:
        report.at(node, name, "must list at least one skill")
        return None
    skills: list[Skill] = []
    first_line: dict[str, int] = {}
    valid = True
    for item in node.items:
        skill = _skill(item, name, report)
        if skill is None:
            valid = False
        elif skill.id in first_line:
            report.at(
                item,
                name,
                f"skill {skill.id!r} is listed twice (first on line {first_line[skill.id]})",
            )
            valid = False
        else:
            first_line[skill.id] = item.line
            skills.append(skill)
    return tuple(skills) if valid else None


def _skill(node: Node, name: str, report: _Report) -> Skill | None:
    if isinstance(node, MapNode):
        return _own_skill(node, name, report)
    skill_id = _text(node, name, report)
    if skill_id is None:
        return None
    skill = CATALOGUE.get(skill_id.lower())
    if skill is None:
        report.at(
            node,
            name,
            f"unknown skill {skill_id!r}{_did_you_mean(skill_id.lower(), CATALOGUE)}; "
            f"the catalogue has {', '.join(CATALOGUE)}, "
            f"or define your own as {{id: {skill_id}, label: ...}}",
        )
    return skill


_OWN_SKILL_KEYS = ("id", "label", "label_fr", "label_en")


def _own_skill(node: MapNode, name: str, report: _Report) -> Skill | None:
    """A programme's own skill: {id, label} or {id, label_fr, label_en}."""
    entries = _mapping_entries(node, name, report)
    if entries is None:
        return None
    texts: dict[str, str] = {}
    valid = True
    for key, (key_node, value_node) in entries.items():
        if key not in _OWN_SKILL_KEYS:
            report.at(
                key_node,
                f"{name}.{key}",
                f"unknown key{_did_you_mean(key, _OWN_SKILL_KEYS)}"
                f"; a skill has {', '.join(_OWN_SKILL_KEYS)}",
            )
            valid = False
            continue
        text = _text(value_node, f"{name}.{key}", report)
        if text is None:
            valid = False
        else:
            texts[key] = text
    skill_id = texts.get("id")
    if "id" not in entries:
        report.at(node, f"{name}.id", "a skill of your own needs an id")
        valid = False
    elif skill_id is not None and not _SKILL_ID.match(skill_id):
        report.at(
            entries["id"][1],
            f"{name}.id",
            f"{skill_id!r} is not a valid skill id: use lowercase letters, digits or dashes",
        )
        valid = False
    if "label" not in entries and not {"label_fr", "label_en"} <= entries.keys():
        report.at(
            node,
            f"{name}.label",
            "a skill of your own needs a label (or both label_fr and label_en)",
        )
        valid = False
    if not valid or skill_id is None:
        return None
    label_fr = texts.get("label_fr", texts.get("label", ""))
    label_en = texts.get("label_en", texts.get("label", ""))
    return Skill(id=skill_id, label_fr=label_fr, label_en=label_en)


# --- matching and durations sections

_M = TypeVar("_M", bound=BaseModel)


def _section(model: type[_M], node: Node, section: str, report: _Report) -> _M | None:
    """A settings section whose keys are the fields of `model`, checked by their annotations."""
    entries = _mapping_entries(node, section, report)
    if entries is None:
        return None
    fields = model.model_fields
    values: dict[str, object] = {}
    valid = True
    for key, (key_node, value_node) in entries.items():
        name = f"{section}.{key}"
        info = fields.get(key)
        if info is None:
            report.at(
                key_node,
                name,
                f"unknown setting{_did_you_mean(key, fields)}; {section} has {', '.join(fields)}",
            )
            valid = False
            continue
        value = _field_value(info, value_node, name, report)
        if value is None:
            valid = False
        else:
            values[key] = value
    if not valid:
        return None
    try:
        return model.model_validate(values)
    except ValidationError as exc:  # a constraint the checks above do not know about yet
        _report_validation(exc, section, node.line, report)
        return None


def _field_value(info: FieldInfo, node: Node, name: str, report: _Report) -> object:
    if info.annotation is bool:
        return _bool(node, name, report)
    if info.annotation is int:
        return _whole_number(node, name, report, _minimum(info))
    if info.annotation is float:
        return _number(node, name, report, info)
    if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
        return _section(info.annotation, node, name, report)
    if get_origin(info.annotation) is tuple:
        return _positive_int_list(node, name, report)
    report.at(node, name, "cannot be set in a programme file")
    return None


def _number(node: Node, name: str, report: _Report, info: FieldInfo) -> float | None:
    if (
        not isinstance(node, Scalar)
        or node.kind not in (Kind.INT, Kind.FLOAT)
        or not isinstance(node.value, int | float)
    ):
        report.at(node, name, f"must be a number, got {_describe(node)}")
        return None
    value = float(node.value)
    low, high = _bounds(info)
    if not low <= value <= high:  # also refuses .nan
        report.at(node, name, f"must be a number from {low:g} to {high:g}, got {node.text}")
        return None
    return value


def _bounds(info: FieldInfo) -> tuple[float, float]:
    low, high = float("-inf"), float("inf")
    for constraint in info.metadata:
        if isinstance(constraint, annotated_types.Ge):
            low = float(constraint.ge)  # type: ignore[arg-type]
        if isinstance(constraint, annotated_types.Le):
            high = float(constraint.le)  # type: ignore[arg-type]
    return low, high


def _minimum(info: FieldInfo) -> int | None:
    for constraint in info.metadata:
        if isinstance(constraint, annotated_types.Gt) and isinstance(constraint.gt, int):
            return constraint.gt + 1
        if isinstance(constraint, annotated_types.Ge) and isinstance(constraint.ge, int):
            return constraint.ge
    return None


def _matching(node: Node, name: str, report: _Report) -> MatchingSettings | None:
    return _section(MatchingSettings, node, name, report)


def _durations(node: Node, name: str, report: _Report) -> Durations | None:
    return _section(Durations, node, name, report)


def _report_validation(exc: ValidationError, section: str, line: int, report: _Report) -> None:
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"])
        name = ".".join(part for part in (section, location) if part)
        report.add(line, name or "file", error["msg"])


_READERS: dict[str, _Reader] = {
    "id": _programme_id,
    "name": _text,
    "starts_on": _date,
    "locale": _locale,
    "sessions": _positive_int,
    "cadence_days": _positive_int,
    "skills": _skills,
    "participants": _text,
    "matching": _matching,
    "durations": _durations,
    "coordinator_email": _email,
    "coordinators": _email_list,
}
_REQUIRED = ("id", "name", "starts_on", "skills", "participants")


def _build_spec(
    values: dict[str, Any], participants: tuple[Participant, ...], name: str, report: _Report
) -> ProgrammeSpec | None:
    settings = {key: value for key, value in values.items() if key != "participants"}
    try:
        return ProgrammeSpec.model_validate(
            {**settings, "participants": participants, "source_file": name}
        )
    except ValidationError as exc:  # the checks above should make this unreachable
        _report_validation(exc, "", 0, report)
        return None


# ---------------------------------------------------------------------------------------------
# The participants file

_REQUIRED_COLUMNS = ("email", "name", "role")
_OPTIONAL_COLUMNS = ("department", "manager_email", "grade", "locale")
_COLUMN_ALIASES = {"e_mail": "email", "manager_e_mail": "manager_email"}


@dataclass(frozen=True)
class _Record:
    """A non-blank CSV row: its first physical line and its known cells, stripped ("" if absent)."""

    line: int
    cells: dict[str, str]


def _read_participants(
    entries: Entries,
    read_named: ReadNamed,
    values: dict[str, Any],
    yaml_report: _Report,
) -> tuple[Participant, ...] | None:
    relative = values.get("participants")
    if not isinstance(relative, str):
        return None  # missing or invalid: already reported
    value_node = entries["participants"][1]
    named = read_named(relative)
    if isinstance(named, Unreadable):
        yaml_report.at(value_node, "participants", named.reason)
        return None
    report = _Report(named.name, yaml_report.problems)
    text = _decode(named.data, report, _CSV_HINT)
    if text is None:
        return None
    # The participants' ids depend on the programme id; an invalid one is already reported.
    return _parse_participants(
        text, report, str(values.get("id", "")), values.get("locale", Locale.FR)
    )


def _parse_participants(
    text: str, report: _Report, programme_id: str, default_locale: Locale
) -> tuple[Participant, ...] | None:
    rows = _csv_rows(text, report)
    if rows is None:
        return None
    if not rows:
        report.add(
            1,
            "header",
            "the file is empty; the first line must be a header with email, name and role columns",
        )
        return None
    header_line, header = rows[0]
    columns = _columns(header, header_line, report)
    if columns is None:
        return None
    records = [_record(line, cells, columns, len(header), report) for line, cells in rows[1:]]
    participants = [_participant(r, programme_id, default_locale, report) for r in records]
    _check_duplicate_emails(records, report)
    _check_reporting_cycles(records, report)
    _check_both_roles(records, header_line, report)
    return tuple(p for p in participants if p is not None)


def _csv_rows(text: str, report: _Report) -> list[tuple[int, list[str]]] | None:
    """The non-blank rows with the line each starts on; None after reporting unreadable CSV."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            # Spreadsheets export empty rows as ";;;;", not as empty lines.
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        report.add(line, "file", f"cannot be read as CSV: {exc}")
        return None
    return rows


def _sniff_delimiter(text: str) -> str:
    """Comma, semicolon (French Excel) or tab: whichever the header line uses most."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    return max((",", ";", "\t"), key=header.count)


def _column_name(cell: str) -> str:
    name = re.sub(r"[\s-]+", "_", cell.strip().lower())
    return _COLUMN_ALIASES.get(name, name)


def _columns(header: list[str], line: int, report: _Report) -> dict[str, int] | None:
    """Known column -> index; None after reporting missing required columns."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _column_name(cell)
        if name not in _REQUIRED_COLUMNS + _OPTIONAL_COLUMNS:
            continue  # the coordinator's own columns (notes, site...) are none of our business
        if name in columns:
            report.add(
                line, name, f"column appears twice (columns {columns[name] + 1} and {index + 1})"
            )
            continue
        columns[name] = index
    missing = [name for name in _REQUIRED_COLUMNS if name not in columns]
    # Only the columns this module knows are named: the header itself is never repeated, in case
    # the file is not a participants file at all.
    known = ", ".join(columns) or "none of email, name, role"
    for name in missing:
        report.add(
            line,
            name,
            f"missing column {name}: the first line must be a header with email, name and role "
            f"columns (recognised: {known})",
        )
    return None if missing else columns


def _record(
    line: int, cells: list[str], columns: dict[str, int], width: int, report: _Report
) -> _Record:
    if any(cell.strip() for cell in cells[width:]):
        report.add(
            line,
            "row",
            f"{len(cells)} values for {width} columns; a value containing "
            "the delimiter must be in double quotes",
        )
    known = {
        name: cells[index].strip() if index < len(cells) else "" for name, index in columns.items()
    }
    return _Record(
        line, {name: known.get(name, "") for name in _REQUIRED_COLUMNS + _OPTIONAL_COLUMNS}
    )


def _participant(
    record: _Record, programme_id: str, default_locale: Locale, report: _Report
) -> Participant | None:
    # No message quotes a cell: the line and the column say where to look, and the file named
    # by a programme file may hold anything.
    cells = record.cells
    errors: dict[str, str] = {}
    if not _EMAIL.match(cells["email"]):
        errors["email"] = "malformed e-mail address" if cells["email"] else "missing"
    name_refused = refusal(cells["name"]) if cells["name"] else None
    if not cells["name"]:
        errors["name"] = "missing"
    elif name_refused is not None:
        errors["name"] = _refusal_message(name_refused)
    department_refused = refusal(cells["department"]) if cells["department"] else None
    if department_refused is not None:
        errors["department"] = _refusal_message(department_refused)
    role = _parse_role(cells["role"])
    if role is None:
        errors["role"] = "unknown role: expected mentor or mentee" if cells["role"] else "missing"
    grade = None
    if cells["grade"]:
        if _INTEGER.match(cells["grade"]):
            grade = int(cells["grade"])
        else:
            errors["grade"] = "must be a whole number"
    locale = _parse_locale(cells["locale"]) if cells["locale"] else default_locale
    if locale is None:
        errors["locale"] = "must be fr or en"
    if cells["manager_email"] and not _EMAIL.match(cells["manager_email"]):
        errors["manager_email"] = "malformed e-mail address"
    for field, message in errors.items():
        report.add(record.line, field, message)
    if errors or role is None or locale is None:
        return None
    return Participant(
        id=participant_id(programme_id, cells["email"]),
        email=cells["email"],
        name=cells["name"],
        role=role,
        department=cells["department"] or None,
        manager_email=cells["manager_email"] or None,
        grade=grade,
        locale=locale,
    )


def _parse_role(text: str) -> Role | None:
    try:
        return Role(text.strip().lower())
    except ValueError:
        return None


def _check_duplicate_emails(records: list[_Record], report: _Report) -> None:
    first_line: dict[str, int] = {}
    for record in records:
        key = record.cells["email"].lower()
        if not key:
            continue
        if key in first_line:
            report.add(record.line, "email", f"duplicate e-mail (first on line {first_line[key]})")
        else:
            first_line[key] = record.line


def _check_reporting_cycles(records: list[_Record], report: _Report) -> None:
    """Someone managed, directly or not, by themselves: the roster is wrong somewhere."""
    line_of: dict[str, int] = {}
    manager_of: dict[str, str] = {}
    for record in records:
        email = record.cells["email"].lower()
        if not email or email in line_of:
            continue  # duplicates are reported on their own
        line_of[email] = record.line
        if record.cells["manager_email"]:
            manager_of[email] = record.cells["manager_email"].lower()
    for cycle in _cycles(manager_of):
        if len(cycle) == 1:
            report.add(line_of[cycle[0]], "manager_email", "names the person as their own manager")
            continue
        start = min(range(len(cycle)), key=lambda i: line_of[cycle[i]])
        ordered = [line_of[email] for email in cycle[start:] + cycle[:start]]
        chain = " -> ".join(f"line {line}" for line in [*ordered, ordered[0]])
        report.add(
            ordered[0],
            "manager_email",
            f"reporting-line cycle: {chain} (each row's manager is on the next line)",
        )


def _cycles(successor: dict[str, str]) -> list[list[str]]:
    """The cycles of a graph where each node has at most one successor (its manager)."""
    done: set[str] = set()
    cycles: list[list[str]] = []
    for start in successor:
        path: list[str] = []
        position: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in done and node not in position:
            position[node] = len(path)
            path.append(node)
            node = successor.get(node)
        if node is not None and node in position:
            cycles.append(path[position[node] :])
        done.update(path)
    return cycles


def _check_both_roles(records: list[_Record], header_line: int, report: _Report) -> None:
    roles = {_parse_role(record.cells["role"]) for record in records}
    for role in Role:
        if role not in roles:
            report.add(
                header_line,
                "role",
                f"no {role.value} at all: a programme needs at "
                f"least one row with role {role.value}",
            )


# Shared with the other files coordinators write by hand (domain.matching_file).
Report = _Report
decode = _decode
refusal_message = _refusal_message
