"""The participants file a programme file names: a CSV roster exported from a spreadsheet.

Comma, semicolon (French Excel) or tab separated, UTF-8 with or without a BOM, the coordinator's
own extra columns ignored. Every mistake is a `Problem` at FILE:LINE, and no message quotes a cell:
the line and the column say where to look, and the file may hold anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from domain.csv_rows import CSV_HINT, column_name, csv_rows
from domain.file_problems import Problem, Report, decode, refusal_message
from domain.org_chart import reporting_cycles
from domain.programme import Locale, Participant, Role, participant_id
from domain.text import refusal

# Deliberately simple: catches the typos a spreadsheet produces (spaces, commas, missing domain),
# not every address RFC 5322 allows.
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}$"
)
_INTEGER = re.compile(r"^[+-]?\d+$")


def looks_like_email(text: str) -> bool:
    return _EMAIL.match(text) is not None


def parse_locale(text: str) -> Locale | None:
    try:
        return Locale(text.strip().lower())
    except ValueError:
        return None


def parse_participants(
    name: str,
    data: bytes,
    problems: list[Problem],
    programme_id: str,
    default_locale: Locale,
    *,
    both_roles: bool = True,
) -> tuple[Participant, ...] | None:
    """The participants in a roster's bytes; `name` is what problems call the file.

    Problems are added to `problems`; None when the file cannot be read at all. The participants'
    ids depend on the programme's id. Late joiners (`both_roles=False`) may all have one role:
    the programme already has the other.
    """
    report = Report(name, problems)
    text = decode(data, report, CSV_HINT)
    if text is None:
        return None
    return _participants(text, report, programme_id, default_locale, both_roles)


_REQUIRED_COLUMNS = ("email", "name", "role")
_OPTIONAL_COLUMNS = ("department", "manager_email", "grade", "locale")
_COLUMN_ALIASES = {"e_mail": "email", "manager_e_mail": "manager_email"}


@dataclass(frozen=True)
class _Record:
    """A non-blank CSV row: its first physical line and its known cells, stripped ("" if absent)."""

    line: int
    cells: dict[str, str]


def _participants(
    text: str, report: Report, programme_id: str, default_locale: Locale, both_roles: bool = True
) -> tuple[Participant, ...] | None:
    rows = csv_rows(text, report)
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
    if both_roles:
        _check_both_roles(records, header_line, report)
    elif not records:
        report.add(header_line, "row", "no participant: the file has a header and nothing else")
    return tuple(p for p in participants if p is not None)


def _column_name(cell: str) -> str:
    return column_name(cell, _COLUMN_ALIASES)


def _columns(header: list[str], line: int, report: Report) -> dict[str, int] | None:
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
    line: int, cells: list[str], columns: dict[str, int], width: int, report: Report
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
    record: _Record, programme_id: str, default_locale: Locale, report: Report
) -> Participant | None:
    # No message quotes a cell: the line and the column say where to look, and the file named
    # by a programme file may hold anything.
    cells = record.cells
    errors: dict[str, str] = {}
    if not looks_like_email(cells["email"]):
        errors["email"] = "malformed e-mail address" if cells["email"] else "missing"
    name_refused = refusal(cells["name"]) if cells["name"] else None
    if not cells["name"]:
        errors["name"] = "missing"
    elif name_refused is not None:
        errors["name"] = refusal_message(name_refused)
    department_refused = refusal(cells["department"]) if cells["department"] else None
    if department_refused is not None:
        errors["department"] = refusal_message(department_refused)
    role = _parse_role(cells["role"])
    if role is None:
        errors["role"] = "unknown role: expected mentor or mentee" if cells["role"] else "missing"
    grade = None
    if cells["grade"]:
        if _INTEGER.match(cells["grade"]):
            grade = int(cells["grade"])
        else:
            errors["grade"] = "must be a whole number"
    locale = parse_locale(cells["locale"]) if cells["locale"] else default_locale
    if locale is None:
        errors["locale"] = "must be fr or en"
    if cells["manager_email"] and not looks_like_email(cells["manager_email"]):
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


def _check_duplicate_emails(records: list[_Record], report: Report) -> None:
    first_line: dict[str, int] = {}
    for record in records:
        key = record.cells["email"].lower()
        if not key:
            continue
        if key in first_line:
            report.add(record.line, "email", f"duplicate e-mail (first on line {first_line[key]})")
        else:
            first_line[key] = record.line


def _check_reporting_cycles(records: list[_Record], report: Report) -> None:
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
    for cycle in reporting_cycles(manager_of):
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


def _check_both_roles(records: list[_Record], header_line: int, report: Report) -> None:
    roles = {_parse_role(record.cells["role"]) for record in records}
    for role in Role:
        if role not in roles:
            report.add(
                header_line,
                "role",
                f"no {role.value} at all: a programme needs at "
                f"least one row with role {role.value}",
            )
