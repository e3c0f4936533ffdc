"""Parsing a matching problem file: people with their self-assessments, to try the matcher offline.

`tandem match FILE` runs the engine on such a file so a coordinator can try weights, bans and
forced pairs before a programme starts. The format is documented in docs/matching.md. As with
programme files, every problem is reported at once as FILE:LINE: field: message. The document
comes from the caller as a `domain.tree` (control.files reads the file and control.yaml_tree
parses its YAML).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from domain.answers import MeetingFormat
from domain.file_problems import Problem, ProgrammeFileError, Report, refusal_message
from domain.matching import MAX_CAPACITY, MatchingProblem, MatchingWeights, Profile
from domain.org_chart import cohort_lines, reporting_cycles
from domain.text import refusal
from domain.tree import KeyNotAName, Node, entry_at, plain


def _visible(text: str) -> str:
    refused = refusal(text)
    if refused is not None:
        raise ValueError(refusal_message(refused))
    return text


# What the matcher's answer shows people: the ids in its pairs, the departments in its reasons.
_Shown = Annotated[str, AfterValidator(_visible)]


class _Person(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: _Shown = Field(min_length=1, max_length=100)
    grade: int | None = None
    department: _Shown | None = None
    manager: str | None = None
    languages: tuple[str, ...] = Field(("fr",), min_length=1)
    format: MeetingFormat = MeetingFormat.HYBRID
    availability: tuple[str, ...] = ()
    levels: dict[str, int] = Field(default_factory=dict)


class _Mentor(_Person):
    capacity: int = Field(1, ge=1, le=MAX_CAPACITY)
    wants_to_learn: tuple[str, ...] = ()


class _Mentee(_Person):
    targets: dict[str, int] = Field(default_factory=dict)
    priorities: tuple[str, ...] = Field((), max_length=3)
    offers: tuple[str, ...] = ()


class _OrgPerson(BaseModel):
    """Someone outside the matching, for the management chains that go through them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: _Shown = Field(min_length=1, max_length=100)
    manager: str | None = None


class _ProblemFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: MatchingWeights = MatchingWeights()
    favour_participation: bool = True
    backups_per_mentee: int = Field(3, ge=0, le=20)
    mentors: tuple[_Mentor, ...]
    mentees: tuple[_Mentee, ...]
    banned: tuple[tuple[str, str], ...] = ()
    forced: tuple[tuple[str, str], ...] = ()
    organisation: tuple[_OrgPerson, ...] = ()


def parse_matching_problem(name: str, root: Node) -> MatchingProblem:
    """Check a matching problem file's document; `name` is what problems call the file.

    Raises `ProgrammeFileError` with every problem; never raises anything else.
    """
    problems: list[Problem] = []
    report = Report(name, problems)
    try:
        problem = _load(root, report)
    except Exception as exc:  # a bug here must still reach the coordinator as a line
        report.add(0, "file", f"unexpected error while reading: {exc!r}")
        raise ProgrammeFileError(problems) from exc
    if problem is None or problems:
        raise ProgrammeFileError(sorted(problems, key=lambda p: p.line))
    return problem


def _load(root: Node, report: Report) -> MatchingProblem | None:
    try:
        document = plain(root)
    except KeyNotAName as exc:
        report.add(exc.line, "file", "a key must be a plain name")
        return None
    if not isinstance(document, dict):
        report.add(1, "file", "must be a mapping with mentors: and mentees: lists")
        return None
    try:
        parsed = _ProblemFile.model_validate(document)
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            report.add(_line_of(root, loc), _field_name(loc), _message(error))
        return None
    if not _check_people(parsed, root, report) or not _check_organisation(parsed, root, report):
        return None
    lines = cohort_lines((p.id for p in (*parsed.mentors, *parsed.mentees)), _manager_of(parsed))
    return MatchingProblem(
        mentors=tuple(
            _profile(m, lines, capacity=m.capacity, exchange=m.wants_to_learn)
            for m in parsed.mentors
        ),
        mentees=tuple(
            _profile(e, lines, targets=e.targets, priorities=e.priorities, exchange=e.offers)
            for e in parsed.mentees
        ),
        weights=parsed.weights,
        banned=frozenset(parsed.banned),
        forced=parsed.forced,
        backups_per_mentee=parsed.backups_per_mentee,
        favour_participation=parsed.favour_participation,
    )


def _profile(person: _Person, lines: dict[str, tuple[str, ...]], **extra: Any) -> Profile:
    return Profile(
        id=person.id,
        grade=person.grade,
        department=person.department,
        manager_id=person.manager,
        above=lines[person.id],
        languages=person.languages,
        format=person.format,
        availability=person.availability,
        levels=person.levels,
        **extra,
    )


def _check_people(parsed: _ProblemFile, root: Node, report: Report) -> bool:
    """What one entry cannot know: duplicate ids, and pairs naming someone who is not there."""
    ok = True
    seen: dict[str, str] = {}
    for group, people in (("mentors", parsed.mentors), ("mentees", parsed.mentees)):
        if not people:
            report.add(
                _line_of(root, (group,)), group, f"lists no {group}: there is nobody to match"
            )
            ok = False
        for n, p in enumerate(people):
            if p.id in seen:
                report.add(
                    _line_of(root, (group, n, "id")),
                    f"{group}[{n}].id",
                    f"{p.id!r} is already used by one of the {seen[p.id]}",
                )
                ok = False
            seen.setdefault(p.id, group)
            for skill, level in {**p.levels, **getattr(p, "targets", {})}.items():
                if not 0 <= level <= 4:
                    report.add(
                        _line_of(root, (group, n, "levels", skill)),
                        f"{group}[{n}].levels.{skill}",
                        f"a level goes from 0 to 4, got {level}",
                    )
                    ok = False
    mentors = {m.id for m in parsed.mentors}
    mentees = {e.id for e in parsed.mentees}
    for section in ("banned", "forced"):
        for n, (mentor, mentee) in enumerate(getattr(parsed, section)):
            for who, known, role in ((mentor, mentors, "mentor"), (mentee, mentees, "mentee")):
                if who not in known:
                    report.add(
                        _line_of(root, (section, n)),
                        f"{section}[{n}]",
                        f"{who!r} is not a {role} of this file (a pair is [mentor, mentee])",
                    )
                    ok = False
    return ok


def _manager_of(parsed: _ProblemFile) -> dict[str, str | None]:
    managers: dict[str, str | None] = {p.id: p.manager for p in parsed.organisation}
    managers.update({p.id: p.manager for p in (*parsed.mentors, *parsed.mentees)})
    return managers


def _check_organisation(parsed: _ProblemFile, root: Node, report: Report) -> bool:
    """People outside the matching listed once each, and no one their own manager."""
    ok = True
    cohort = {p.id for p in (*parsed.mentors, *parsed.mentees)}
    index: dict[str, int] = {}
    for n, person in enumerate(parsed.organisation):
        where = _line_of(root, ("organisation", n, "id"))
        if person.id in cohort:
            report.add(
                where,
                f"organisation[{n}].id",
                f"{person.id!r} is in the matching: give their manager in their own entry",
            )
            ok = False
        elif person.id in index:
            report.add(
                where,
                f"organisation[{n}].id",
                f"{person.id!r} is already listed (organisation[{index[person.id]}])",
            )
            ok = False
        index.setdefault(person.id, n)
    if not ok:
        return False
    people = {
        **{p.id: ("organisation", n) for n, p in enumerate(parsed.organisation)},
        **{p.id: ("mentors", n) for n, p in enumerate(parsed.mentors)},
        **{p.id: ("mentees", n) for n, p in enumerate(parsed.mentees)},
    }
    for cycle in reporting_cycles(_manager_of(parsed)):
        # The row named is a row of the cycle: one of `organisation` when the cycle has one.
        rows = sorted(people[p] for p in cycle)
        group, n = next((row for row in rows if row[0] == "organisation"), rows[0])
        field = "organisation" if group == "organisation" else f"{group}[{n}].manager"
        report.add(
            _line_of(root, (group, n, "manager")),
            field,
            f"reporting-line cycle: {' -> '.join(cycle + cycle[:1])} "
            "(each one's manager is the next)",
        )
        ok = False
    return ok


def _line_of(root: Node, loc: tuple[Any, ...]) -> int:
    """The line of the deepest node `loc` reaches: the entry itself, or the nearest parent."""
    return entry_at(root, loc)[1].line


def _field_name(loc: tuple[Any, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name or "file"


def _message(error: Any) -> str:
    if error["type"] == "missing":
        return "is required"
    if error["type"] == "extra_forbidden":
        return "unknown field"
    if error["type"] == "value_error":  # raised by this module, already in its final words
        return str(error["ctx"]["error"])
    text = str(error["msg"])
    return text[0].lower() + text[1:]
