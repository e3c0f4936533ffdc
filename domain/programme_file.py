"""A programme file (YAML) into a `ProgrammeSpec`: what the file may say is declared once, as the
pydantic model `_ProgrammeFile`, and each of pydantic's errors becomes a `Problem` at
FILE:LINE: field: message, in our words.

Coordinators write these files by hand. All problems are reported at once, so a file is never fixed
one error per run; `ProgrammeFileError` is the only exception that leaves this module.

This module opens nothing: the caller hands in the programme file as a `domain.tree` (its values
with their lines) and a `ReadNamed` for the participants file it names (control.files reads it,
keeping it inside the programme's folder; domain.participants_file parses its bytes, and
domain.organisation_file those of the optional organisation file). The tree's
scalars reach the validators as nodes, so each setting reads them in the file's own terms:
`name: 2027` is the text "2027", while `sessions: "12"` is text where a number belongs, never
silently converted.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from typing import Annotated, Any, Literal, TypeVar, get_args

import annotated_types
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from domain.file_problems import (
    Problem,
    ProgrammeFileError,
    Report,
    describe,
    did_you_mean,
    refusal_message,
)
from domain.holiday_calendar import UnknownRegion, parse_region
from domain.meeting_rules import WorkingHours
from domain.organisation_file import organisation_managers, parse_organisation
from domain.participants_file import looks_like_email, parse_locale, parse_participants
from domain.programme import (
    MAX_SESSION_MINUTES,
    MIN_SESSION_MINUTES,
    Durations,
    Locale,
    MatchingSettings,
    OnboardingSettings,
    Participant,
    ProgrammeSpec,
    Skill,
)
from domain.skills import CATALOGUE
from domain.text import refusal
from domain.tree import Kind, ListNode, MapNode, Node, Scalar, entry_at

__all__ = [
    "ListFolder",
    "NamedFile",
    "Problem",
    "ProgrammeFileError",
    "ReadNamed",
    "Unreadable",
    "parse_programme",
]

_PROGRAMME_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")
_SKILL_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_CLOCK = r"(\d{1,2})[:hH](\d{2})"
_HOURS = re.compile(rf"^{_CLOCK}\s*(?:-|–|to|à)\s*{_CLOCK}$")


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
# The Markdown files under a folder a programme file names, each as `ReadNamed` takes it.
ListFolder = Callable[[str], list[str] | Unreadable]


def _no_folders(written: str) -> list[str] | Unreadable:
    return Unreadable(f"{written}: folders cannot be read here")


def parse_programme(
    name: str, root: Node, read_named: ReadNamed, list_folder: ListFolder = _no_folders
) -> ProgrammeSpec:
    """Validate a programme file and parse the participants file it names.

    `name` is what problems call the programme file (its path as the coordinator typed it), and
    `root` is its document.
    Raises `ProgrammeFileError` listing every problem; never raises anything else.
    """
    problems: list[Problem] = []
    try:
        spec = _load(name, root, read_named, list_folder, problems)
    except Exception as exc:
        # A bug in this module must still reach the coordinator as a line, not as a traceback;
        # the chained exception keeps the traceback for whoever debugs it.
        problems.append(Problem(name, 0, "file", f"unexpected error while reading: {exc!r}"))
        raise ProgrammeFileError(problems) from exc
    if spec is None or problems:
        # In reading order: the programme file's first, then each file it names, by line.
        files = [name, *dict.fromkeys(p.file for p in problems)]
        raise ProgrammeFileError(sorted(problems, key=lambda p: (files.index(p.file), p.line)))
    return spec


# ---------------------------------------------------------------------------------------------
# What a programme file may say. A validator refuses with a code and our own words; `_SHOWN` are
# the codes whose message goes on with what the file holds instead ("..., got 'twelve'").


def _refuse(code: str, message: str, key: str = "") -> PydanticCustomError:
    # `key`: the entry of a mapping that a check of the whole mapping is about.
    return PydanticCustomError(code, message, {_OURS: True, "key": key})


_OURS = "programme_file"  # marks the errors worded here, among pydantic's


def _text(value: object) -> str:
    """Any scalar as typed, stripped, if it may be shown to people (domain.text)."""
    if isinstance(value, str):
        return value  # the catalogue's own words
    if not isinstance(value, Scalar):
        raise _refuse("not_text", "must be text")
    text = value.text.strip()
    if value.kind is Kind.NULL or not text:
        raise _refuse("empty", "must not be empty")
    refused = refusal(text)
    if refused is not None:
        raise _refuse("hidden_character", refusal_message(refused))
    return text


def _shaped(code: str, fits: Callable[[str], object], says: str) -> BeforeValidator:
    """Text that must fit a rule; `says` what is wrong with `{text}`."""

    def check(value: object) -> str:
        text = _text(value)
        if not fits(text):
            raise _refuse(code, says.format(text=repr(text)))
        return text

    return BeforeValidator(check)


def _date(value: object) -> date:
    text = _text(value)
    match = _DATE.match(text)
    if match is None:
        raise _refuse("date_format", "must be a date written YYYY-MM-DD")
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError as exc:
        raise _refuse("impossible_date", f"impossible date {text} ({exc})") from None


def _locale(value: object) -> Locale:
    locale = parse_locale(_text(value))
    if locale is None:
        raise _refuse("locale", "must be fr or en")
    return locale


def _timezone(value: object) -> str:
    name = _text(value)
    if name not in _zones():
        raise _refuse(
            "timezone",
            f"unknown time zone {name!r}{did_you_mean(name, _zones())}: "
            "use an IANA name such as Europe/Paris or America/Montreal",
        )
    return name


def _holidays(value: object) -> str:
    text = _text(value)
    try:
        region = parse_region(text)
    except UnknownRegion as exc:
        if exc.what == "country":
            use = (
                "a country code such as FR, BE, CH, DE or GB, with an optional subdivision (FR-57)"
            )
        else:
            use = "one of " + ", ".join(exc.known)
        raise _refuse(
            "holidays", f"unknown {exc.what} in {text!r}: use {use}, or none for no holidays"
        ) from None
    return region.code if region is not None else "none"


def _working_hours(value: object) -> WorkingHours:
    text = _text(value)
    match = _HOURS.match(text)
    if match is None:
        raise _refuse("working_hours", "must be two times of day, e.g. 09:00-18:00")
    numbers = [int(part) for part in match.groups()]
    if numbers[0] > 23 or numbers[2] > 24 or numbers[1] > 59 or numbers[3] > 59:
        raise _refuse("working_hours", f"impossible time of day in {text!r}")
    end = time(23, 59) if numbers[2] == 24 else time(numbers[2], numbers[3])
    if end <= time(numbers[0], numbers[1]):
        raise _refuse("working_hours", "must end after they start")
    return WorkingHours(start=time(numbers[0], numbers[1]), end=end)


def _zones() -> frozenset[str]:
    return _ZONES


def _meant(value: object) -> object:
    """What a scalar means (`12` a number, `"12"` text), for the field's own type to check."""
    return value.value if isinstance(value, Scalar) else value


def _settings(value: object) -> object:
    """A section whose model, the programme's own, reads what the scalars mean."""
    if not isinstance(value, dict):
        raise _refuse("not_mapping", "must be a mapping (key: value lines)")

    def meaning(value: object) -> object:
        if isinstance(value, dict):
            return {key: meaning(item) for key, item in value.items()}
        if isinstance(value, tuple):
            return tuple(meaning(item) for item in value)
        return _meant(value)

    return meaning(value)


def _list_of(what: str) -> BeforeValidator:
    def check(value: object) -> object:
        if not isinstance(value, tuple):
            raise _refuse("not_list", f"must be a list of {what}")
        return value

    return BeforeValidator(check)


def _whole_weeks(days: int) -> int:
    # Checked on its own, so that it is reported with every other problem of the file.
    if days % 7:
        raise _refuse(
            "cadence_not_weeks",
            f"must be a whole number of weeks (7, 14, 21, 28…), got {days}: "
            "each pair meets on its weekly slot",
        )
    return days


def _some(skills: tuple[_FileSkill, ...]) -> tuple[_FileSkill, ...]:
    if not skills:
        raise _refuse("no_skill", "must list at least one skill")
    return skills


_SHOWN = frozenset({"not_text", "not_mapping", "not_list", "date_format", "locale"})
_ZONES = frozenset(zoneinfo.available_timezones())

_Text = Annotated[str, BeforeValidator(_text)]
_Id = Annotated[
    str,
    _shaped(
        "programme_id",
        _PROGRAMME_ID.match,
        "{text} is not a valid id: use 2 to 63 lowercase letters, digits or dashes, "
        "starting with a letter or digit (e.g. pilote-2027)",
    ),
]
_Email = Annotated[str, _shaped("email", looks_like_email, "malformed e-mail {text}")]
_FileLocale = Annotated[Locale, BeforeValidator(_locale)]
_Count = Annotated[int, BeforeValidator(_meant), Field(gt=0)]


class _FileSkill(BaseModel):
    """A skill of the catalogue by its id, or the programme's own: {id, label} or
    {id, label_fr, label_en}."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Annotated[
        str,
        _shaped(
            "skill_id",
            _SKILL_ID.match,
            "{text} is not a valid skill id: use lowercase letters, digits or dashes",
        ),
    ] = ""
    label: _Text = ""
    label_fr: _Text = ""
    label_en: _Text = ""

    @model_validator(mode="before")
    @classmethod
    def _from_the_catalogue(cls, value: object) -> object:
        if isinstance(value, dict):
            return value
        skill_id = _text(value)
        skill = CATALOGUE.get(skill_id.lower())
        if skill is None:
            raise _refuse(
                "unknown_skill",
                f"unknown skill {skill_id!r}{did_you_mean(skill_id.lower(), CATALOGUE)}; "
                f"the catalogue has {', '.join(CATALOGUE)}, "
                f"or define your own as {{id: {skill_id}, label: ...}}",
            )
        return skill.model_dump()

    @model_validator(mode="after")
    def _named_and_labelled(self) -> _FileSkill:
        if not self.id:
            raise _refuse("skill_without_id", "a skill of your own needs an id", key="id")
        if not (self.label or (self.label_fr and self.label_en)):
            raise _refuse(
                "skill_without_label",
                "a skill of your own needs a label (or both label_fr and label_en)",
                key="label",
            )
        return self

    def skill(self) -> Skill:
        return Skill(
            id=self.id, label_fr=self.label_fr or self.label, label_en=self.label_en or self.label
        )


def _as_in_spec(setting: str) -> Any:
    """An optional setting's default: the one `ProgrammeSpec` declares."""
    return ProgrammeSpec.model_fields[setting].get_default(call_default_factory=True)


# The texts a programme may give its participants to read before their first meeting.
ONBOARDING_TEXTS = ("charter", "mentor", "mentee")
_Language = Literal["fr", "en"]  # the languages Tandem speaks (domain.programme.Locale)


def _per_language(value: object) -> object:
    """A file per language: `fr: charte.md`, `en: charter.md`."""
    if not isinstance(value, dict):
        raise _refuse("not_mapping", "must give a file per language, e.g. {fr: charte.md}")
    unknown = sorted(str(k) for k in value if k not in get_args(_Language))
    if unknown:
        raise _refuse(
            "unknown_language",
            f"names a language Tandem does not speak: {', '.join(unknown)} (fr or en)",
        )
    return value


_Files = Annotated[dict[_Language, str], BeforeValidator(_per_language)]
_FilesMeant = Annotated[_Files, BeforeValidator(_settings)]  # read outside its section's model


class _FileOnboarding(BaseModel):
    """`onboarding:`: whether pairs start with it, its days, and the programme's own texts (a
    Markdown file per text and language, relative to the programme file)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    days: int = Field(5, gt=0)
    charter: _Files = Field(default_factory=dict)
    mentor: _Files = Field(default_factory=dict)
    mentee: _Files = Field(default_factory=dict)


_Skills = Annotated[
    tuple[_FileSkill, ...],
    _list_of("skill ids, e.g. [linkedin, generative-ai]"),
    AfterValidator(_some),
]


class _ProgrammeFile(BaseModel):
    """Every setting a programme file may hold, and how each is read."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: _Id
    name: _Text
    starts_on: Annotated[date, BeforeValidator(_date)]
    locale: _FileLocale = _as_in_spec("locale")
    sessions: _Count = _as_in_spec("sessions")
    cadence_days: Annotated[_Count, AfterValidator(_whole_weeks)] = _as_in_spec("cadence_days")
    skills: _Skills
    participants: _Text  # the participants file, relative to this one
    organisation: _Text = ""  # the organisation file (everyone's manager), relative to this one
    matching: Annotated[MatchingSettings, BeforeValidator(_settings)] = _as_in_spec("matching")
    durations: Annotated[Durations, BeforeValidator(_settings)] = _as_in_spec("durations")
    coordinator_email: _Email = _as_in_spec("coordinator_email")  # where participants write to
    coordinators: Annotated[
        tuple[_Email, ...], _list_of("e-mail addresses, e.g. [rh@example.com]")
    ] = _as_in_spec("coordinators")
    # When sessions take place (domain.meeting_rules).
    timezone: Annotated[str, BeforeValidator(_timezone)] = _as_in_spec("timezone")
    holidays: Annotated[str, BeforeValidator(_holidays)] = _as_in_spec("holidays")
    # From a short practice (30 minutes is enough, and easier to fit in) to a long workshop.
    session_minutes: Annotated[
        int, BeforeValidator(_meant), Field(ge=MIN_SESSION_MINUTES, le=MAX_SESSION_MINUTES)
    ] = _as_in_spec("session_minutes")
    working_hours: Annotated[WorkingHours, BeforeValidator(_working_hours)] = _as_in_spec(
        "working_hours"
    )
    # Days its personal data is kept once the programme has ended.
    retention_days: _Count = _as_in_spec("retention_days")
    onboarding: Annotated[_FileOnboarding, BeforeValidator(_settings)] = _FileOnboarding()
    # A folder laid out as the guide library is, whose files add to it or replace its own.
    guides: _Text = ""
    # The pilot this programme is the next wave of: its returning mentors are invited first and
    # its pairs and bans are not repeated (domain/pilot.py). Whether it exists is the store's to
    # say (`tandem programme validate` asks it when it can; a start always does).
    follows: _Id = ""

    @model_validator(mode="after")
    def _follows_another(self) -> _ProgrammeFile:
        if self.follows and self.follows == self.id:
            raise _refuse(
                "follows_itself", "a programme cannot follow itself: name its pilot's id", "follows"
            )
        return self

    @model_validator(mode="after")
    def _sessions_fit_the_day(self) -> _ProgrammeFile:
        if self.session_minutes > self.working_hours.minutes:
            raise _refuse(
                "session_too_long",
                f"a session of {self.session_minutes} minutes does not fit in working hours of "
                f"{self.working_hours.minutes} minutes",
                key="session_minutes",
            )
        return self


_T = TypeVar("_T")


# ---------------------------------------------------------------------------------------------
# Reading the file


def _load(
    name: str, root: Node, read_named: ReadNamed, list_folder: ListFolder, problems: list[Problem]
) -> ProgrammeSpec | None:
    report = Report(name, problems)
    if not isinstance(root, MapNode):
        message = f"the programme file must be a mapping (key: value lines), got {describe(root)}"
        report.at(root, "file", message)
        return None
    document = _document(root, "", report, set())
    settings: _ProgrammeFile | None = None
    wrong: list[tuple[int | str, ...]] = []
    try:
        settings = _ProgrammeFile.model_validate(document, strict=True)
    except ValidationError as exc:
        wrong = [tuple(error["loc"]) for error in exc.errors()]
        _report(exc, root, report)
    _report_repeats(root, wrong, report)
    participants = _read_participants(document, root, read_named, report)
    organisation = _read_organisation(document, root, read_named, report, participants or ())
    # Read even when another setting is wrong, so that one run names every problem of the file.
    texts = _read_onboarding(document, root, read_named, report)
    guides = _read_guides(document, root, read_named, list_folder, report)
    if problems or settings is None or participants is None:
        return None
    try:
        return ProgrammeSpec.model_validate(
            {
                **dict(settings),
                "skills": tuple(skill.skill() for skill in settings.skills),
                "participants": participants,
                "organisation": organisation,
                "source_file": name,
                "guides": guides,
                "onboarding": OnboardingSettings(
                    enabled=settings.onboarding.enabled, days=settings.onboarding.days, texts=texts
                ),
                "follows": settings.follows or None,
                "follows_line": entry_at(root, ("follows",))[1].line if settings.follows else 0,
            }
        )
    except ValidationError as exc:  # the file's own checks should make this unreachable
        _report(exc, root, report)
        return None


def _document(node: Node, path: str, report: Report, open_nodes: set[int]) -> object:
    """The tree as dicts (by key as typed) and tuples of its scalar nodes, for `_ProgrammeFile`.

    Reports what no model can see once the tree is plain: keys that are not names, or set twice.
    An alias inside itself becomes None where it repeats (what it holds is reported there).
    """
    if isinstance(node, Scalar):
        return node
    if id(node) in open_nodes:
        return None
    open_nodes.add(id(node))
    try:
        if isinstance(node, ListNode):
            return tuple(_document(item, path, report, open_nodes) for item in node.items)
        entries: dict[str, object] = {}
        first_line: dict[str, int] = {}
        for key, value in node.entries:
            if not isinstance(key, Scalar):
                report.at(key, path or "file", "a key must be a plain name")
                continue
            name = f"{path}.{key.text}" if path else key.text
            if key.text in first_line:
                report.at(key, name, f"is set twice (first on line {first_line[key.text]})")
                continue
            first_line[key.text] = key.line
            entries[key.text] = _document(value, name, report, open_nodes)
        return entries
    finally:
        open_nodes.discard(id(node))


def _read_participants(
    document: object, root: MapNode, read_named: ReadNamed, report: Report
) -> tuple[Participant, ...] | None:
    """The participants file's rows, read even when other settings are wrong: every problem of
    both files is reported at once."""
    relative = _setting(_Text, document, "participants", "")
    if not relative:
        return None  # missing or wrong: already reported
    named = read_named(relative)
    if isinstance(named, Unreadable):
        report.at(entry_at(root, ("participants",))[1], "participants", named.reason)
        return None
    return parse_participants(
        named.name,
        named.data,
        report.problems,
        _setting(_Id, document, "id", ""),
        _setting(_FileLocale, document, "locale", Locale.FR),
    )


def _read_organisation(
    document: object,
    root: MapNode,
    read_named: ReadNamed,
    report: Report,
    participants: tuple[Participant, ...],
) -> dict[str, str]:
    """The organisation file's managers (none when the programme file names no such file)."""
    relative = _setting(_Text, document, "organisation", "")
    if not relative:
        return {}  # not given, or wrong: already reported
    named = read_named(relative)
    if isinstance(named, Unreadable):
        report.at(entry_at(root, ("organisation",))[1], "organisation", named.reason)
        return {}
    rows = parse_organisation(named.name, named.data, report.problems)
    return organisation_managers(rows, participants, Report(named.name, report.problems))


_GUIDE_PATH = re.compile(
    r"^(?:exercises/(?P<locale>fr|en)/(?P<skill>[a-z0-9][a-z0-9-]*)/[0-4]\.md"
    r"|review/(?:fr|en)\.md|onboarding/(?:fr|en)/(?:charter|mentor|mentee)\.md)$"
)
_GUIDE_LAYOUT = (
    "exercises/<fr|en>/<skill>/<level 0-4>.md, review/<fr|en>.md or "
    "onboarding/<fr|en>/<charter|mentor|mentee>.md"
)


def _read_guides(
    document: object,
    root: MapNode,
    read_named: ReadNamed,
    list_folder: ListFolder,
    report: Report,
) -> dict[str, str]:
    """The programme's own guides (`guides:`), by their path under its folder, each checked to
    be where the library would look for it and to start with its title (and to be about one of
    the programme's skills, when those are valid)."""
    folder_name = _setting(_Text, document, "guides", "")
    if not folder_name:
        return {}
    at = entry_at(root, ("guides",))[1]
    listed = list_folder(folder_name)
    if isinstance(listed, Unreadable):
        report.at(at, "guides", listed.reason)
        return {}
    folder = folder_name.rstrip("/") + "/"
    valid_skills: tuple[_FileSkill, ...] | None = _setting(_Skills, document, "skills", None)
    skills = None if valid_skills is None else {s.id for s in valid_skills}
    guides: dict[str, str] = {}
    for written in listed:
        inside = written.removeprefix(folder)
        shape = _GUIDE_PATH.match(inside)
        if shape is None:
            report.at(
                at, "guides", f"{written}: not a place the guides are read from ({_GUIDE_LAYOUT})"
            )
            continue
        if shape["skill"] is not None and skills is not None and shape["skill"] not in skills:
            report.at(at, "guides", f"{written}: {shape['skill']} is not a skill of the programme")
            continue
        markdown = _guide_text(read_named(written), report)
        if markdown is not None:
            guides[inside] = markdown
    return guides


def _guide_text(named: NamedFile | Unreadable, report: Report) -> str | None:
    """A guide's Markdown, or None once its problem is reported."""
    if isinstance(named, Unreadable):
        report.add(0, "guides", named.reason)
        return None
    try:
        markdown = named.data.decode("utf-8").strip()
    except UnicodeDecodeError:
        Report(named.name, report.problems).add(0, "file", "is not UTF-8 text")
        return None
    first, _, rest = markdown.partition("\n")
    if not first.startswith("# ") or not first[2:].strip():
        Report(named.name, report.problems).add(
            1, "title", "a guide starts with its title, as `# Title`"
        )
        return None
    if not rest.strip():
        Report(named.name, report.problems).add(2, "text", "the guide has a title and no text")
        return None
    return markdown


def _read_onboarding(
    document: object, root: MapNode, read_named: ReadNamed, report: Report
) -> dict[str, dict[str, str]]:
    """The programme's own onboarding texts, each file read and checked to start with its title
    (`# Title`), as the guide library's do. Each text's files are read when they are named
    rightly, whatever the rest of `onboarding:` holds."""
    onboarding = document.get("onboarding") if isinstance(document, dict) else None
    texts: dict[str, dict[str, str]] = {}
    for text in ONBOARDING_TEXTS:
        files: dict[str, str] = _setting(_FilesMeant, onboarding, text, {})
        for locale, relative in files.items():
            at = entry_at(root, ("onboarding", text, locale))[1]
            field = f"onboarding.{text}.{locale}"
            named = read_named(relative)
            if isinstance(named, Unreadable):
                report.at(at, field, named.reason)
                continue
            markdown = _guide_text(named, report)
            if markdown is not None:
                texts.setdefault(text, {})[locale] = markdown
    return texts


def _setting(kind: Any, document: object, key: str, default: _T) -> _T:
    """One setting, when it is valid on its own."""
    if not isinstance(document, dict) or key not in document:
        return default
    try:
        value: _T = TypeAdapter(kind).validate_python(document[key], strict=True)
    except ValidationError:
        return default
    return value


def _report_repeats(root: MapNode, wrong: list[tuple[int | str, ...]], report: Report) -> None:
    """A skill or coordinator listed twice; an entry wrong on its own is not compared."""
    for setting, says in (
        ("skills", "skill {key!r} is listed twice (first on line {line})"),
        ("coordinators", "{key} is listed twice (first on line {line})"),
    ):
        _, node, _ = entry_at(root, (setting,))
        first_line: dict[str, int] = {}
        for n, item in enumerate(node.items if isinstance(node, ListNode) else ()):
            # A skill of the programme's own is known by its id, any other entry by itself.
            _, known_as, _ = entry_at(item, ("id",))
            if not isinstance(known_as, Scalar) or any(loc[:2] == (setting, n) for loc in wrong):
                continue
            key = known_as.text.strip().lower()
            if key in first_line:
                report.at(item, setting, says.format(key=key, line=first_line[key]))
            else:
                first_line[key] = item.line


# ---------------------------------------------------------------------------------------------
# Pydantic's errors as problems


def _report(error: ValidationError, root: MapNode, report: Report) -> None:
    for detail in error.errors():
        loc = tuple(detail["loc"])
        key, node, _ = entry_at(root, loc)
        about = (detail.get("ctx") or {}).get("key")
        if not loc and about:  # a check of the whole file, about one setting: at its line
            key, node, _ = entry_at(root, (about,))
        if detail["type"] == "missing":
            line = 0 if len(loc) == 1 else node.line  # the mapping that lacks it, if nested
        elif detail["type"] == "extra_forbidden" and key is not None:
            line = key.line
        else:
            line = node.line
        report.add(line, _field_name(loc, detail), _message(detail, loc, node))


def _field_name(loc: tuple[int | str, ...], detail: ErrorDetails) -> str:
    """Settings by name, list entries by their list's: "matching.weights.skills", "skills.id"."""
    parts = [part for part in loc if isinstance(part, str)]
    key = (detail.get("ctx") or {}).get("key")
    return ".".join([*parts, key] if key else parts) or "file"


_TYPES = {
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "bool_type": "must be true or false",
    "model_type": "must be a mapping (key: value lines)",
    "tuple_type": "must be a list of whole numbers",  # the only list in a section
}
_RANGES = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})


def _message(detail: ErrorDetails, loc: tuple[int | str, ...], node: Node) -> str:
    kind = detail["type"]
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return _unknown(loc)
    if kind in _RANGES:
        got = node.text if isinstance(node, Scalar) else describe(node)
        return f"{_range(loc, detail.get('ctx') or {})}, got {got}"
    if kind in _TYPES:
        return f"{_TYPES[kind]}, got {describe(node)}"
    if kind in _SHOWN:
        return f"{detail['msg']}, got {describe(node)}"
    if (detail.get("ctx") or {}).get(_OURS):
        return detail["msg"]
    return f"is not a valid value ({kind})"


def _range(loc: tuple[int | str, ...], ctx: dict[str, Any]) -> str:
    low, high = _bounds(loc)
    if low is not None and high is not None:
        return f"must be a number from {low:g} to {high:g}"
    if "gt" in ctx or "ge" in ctx:
        minimum = ctx["gt"] + 1 if "gt" in ctx else ctx["ge"]
        return "must be a positive whole number" if minimum == 1 else f"must be at least {minimum}"
    return f"must be at most {ctx.get('le', ctx.get('lt'))}"


def _bounds(loc: tuple[int | str, ...]) -> tuple[float | None, float | None]:
    """A section setting's lower and upper bounds, when it has both."""
    model = _model_at(loc[:-1])
    field = model.model_fields.get(str(loc[-1])) if model else None
    low = high = None
    for constraint in field.metadata if field else ():
        if isinstance(constraint, annotated_types.Ge):
            low = float(constraint.ge)  # type: ignore[arg-type]
        if isinstance(constraint, annotated_types.Le):
            high = float(constraint.le)  # type: ignore[arg-type]
    return low, high


def _unknown(loc: tuple[int | str, ...]) -> str:
    model = _model_at(loc[:-1])
    keys = list(model.model_fields) if model else []
    hint = did_you_mean(str(loc[-1]), keys)
    if model is _ProgrammeFile:
        return f"unknown setting{hint}"
    if model is _FileSkill:
        return f"unknown key{hint}; a skill has {', '.join(keys)}"
    section = ".".join(str(part) for part in loc[:-1])
    return f"unknown setting{hint}; {section} has {', '.join(keys)}"


def _model_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model that reads the mapping at `loc` in the file, if one does."""
    current: Any = _ProgrammeFile
    for part in loc:
        if isinstance(part, int):
            current = next(iter(get_args(current)), None)  # tuple[X, ...]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(part)
            current = field.annotation if field else None
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None
