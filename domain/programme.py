"""The programme as the coordinator describes it, and the plan the workflows run.

`ProgrammeSpec` is what a programme file parses into: it holds personal data (names, e-mails).
`ProgrammePlan` is what `ProgrammeWorkflow` receives: the same programme with every person reduced
to an opaque participant id, so that no name or e-mail ever enters a workflow history (histories
cannot be erased; the participant table can).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from domain.holiday_calendar import holiday_dates
from domain.matching import MatchingWeights
from domain.meeting_rules import MeetingRules, WorkingHours
from domain.org_chart import cohort_lines

# How long a session may last, in minutes.
MIN_SESSION_MINUTES, MAX_SESSION_MINUTES = 30, 120


class Role(StrEnum):
    MENTOR = "mentor"  # the junior colleague who teaches digital skills
    MENTEE = "mentee"  # the senior colleague who learns them


class Locale(StrEnum):
    FR = "fr"
    EN = "en"


class Skill(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    label_fr: str
    label_en: str

    def label(self, locale: Locale) -> str:
        return self.label_fr if locale == Locale.FR else self.label_en


class Durations(BaseModel):
    """Every wait of the lifecycle, in days; a programme file may override any of them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    self_assessment_days: int = Field(7, gt=0)
    self_assessment_reminder_days: tuple[PositiveInt, ...] = (3, 6)
    matching_review_days: int = Field(3, gt=0)
    chemistry_days: int = Field(10, gt=0)
    goals_days: int = Field(7, gt=0)
    session_reminder_days_before: int = Field(2, gt=0)
    session_log_grace_days: int = Field(7, gt=0)
    max_pause_days: int = Field(28, gt=0)
    survey_days: int = Field(7, gt=0)
    final_evaluation_days: int = Field(14, gt=0)
    task_link_grace_days: int = Field(3, ge=0)


class OnboardingSettings(BaseModel):
    """The charter and role guides each participant reads and accepts once paired, before the
    chemistry meeting: how many days they have (the meeting waits for both, or the deadline)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    days: int = Field(5, gt=0)
    # The programme's own texts, from the files its `onboarding:` names, each in place of the
    # guide library's: "charter", "mentor" or "mentee" -> locale -> Markdown, title line first.
    texts: dict[str, dict[str, str]] = Field(default_factory=dict)


class MatchingSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    auto_approve: bool = False
    max_repairings: int = Field(2, ge=0)
    backups_per_mentee: int = Field(3, ge=0)
    # As many mentees matched as possible first, then the best total score among those.
    favour_participation: bool = True
    weights: MatchingWeights = MatchingWeights()


class Participant(BaseModel):
    """One row of the participants CSV, with its personal data."""

    model_config = ConfigDict(frozen=True)

    id: str
    email: str
    name: str
    role: Role
    department: str | None = None
    manager_email: str | None = None
    grade: int | None = None
    locale: Locale = Locale.FR


class ProgrammeSpec(BaseModel):
    """A validated programme file and its participants."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    starts_on: date
    locale: Locale = Locale.FR
    sessions: int = Field(12, gt=0)
    cadence_days: int = Field(14, gt=0)
    skills: tuple[Skill, ...]
    participants: tuple[Participant, ...]
    matching: MatchingSettings = MatchingSettings()
    durations: Durations = Durations()
    coordinator_email: str | None = None  # where participants write to
    # The coordinator accounts that may see and act on this programme, by e-mail.
    coordinators: tuple[str, ...] = ()
    source_file: str = ""
    # The programme file's `organisation:` file: e-mail -> manager's e-mail, lower case, for
    # people enrolled or not. Personal data of people outside the programme: it reaches workflows
    # only as each participant's `ParticipantRef.above`.
    organisation: dict[str, str] = Field(default_factory=dict)
    # When sessions take place: the programme's time zone (IANA), its public holidays' region
    # ("FR", "FR-57", "none"), a session's length and the working day.
    timezone: str = "Europe/Paris"
    holidays: str = "FR"
    session_minutes: int = Field(60, ge=MIN_SESSION_MINUTES, le=MAX_SESSION_MINUTES)
    working_hours: WorkingHours = WorkingHours()
    # How many days after the programme ends its personal data is kept before it is purged
    # (store/retention.py): long enough for the final report, short enough to be defended.
    retention_days: int = Field(365, gt=0)
    onboarding: OnboardingSettings = OnboardingSettings()
    # The programme's own guides (`guides:`), by their path in the library's layout
    # ("exercises/fr/sap/0.md"): each adds to the guide library or replaces its file.
    guides: dict[str, str] = Field(default_factory=dict)
    # The pilot this programme follows (`follows:`), and the programme file's line that names it,
    # for the problem a start reports when the store has no such programme (domain/pilot.py).
    follows: str | None = None
    follows_line: int = Field(0, exclude=True)

    @field_validator("coordinators")
    @classmethod
    def _lower_case(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # Accounts are found by address, and an address's case carries no meaning in practice.
        return tuple(email.strip().lower() for email in value)

    def manager_of(self) -> dict[str, str]:
        """E-mail -> manager's e-mail, lower case: the organisation file, then the participants
        file's `manager_email` (the two agree wherever both say, the programme file checks)."""
        managers = dict(self.organisation)
        for p in self.participants:
            if p.manager_email:
                managers[p.email.lower()] = p.manager_email.lower()
        return managers

    def plan(self, day_seconds: int = 86_400) -> ProgrammePlan:
        by_email = {p.email.lower(): p.id for p in self.participants}
        lines = cohort_lines(by_email, self.manager_of())
        return ProgrammePlan(
            id=self.id,
            name=self.name,
            starts_on=self.starts_on,
            sessions=self.sessions,
            cadence_days=self.cadence_days,
            skills=self.skills,
            participants=tuple(participant_ref(p, by_email, lines) for p in self.participants),
            matching=self.matching,
            durations=self.durations,
            day_seconds=day_seconds,
            meetings=self.meeting_rules(),
            onboarding_days=self.onboarding.days if self.onboarding.enabled else None,
            follows=self.follows,
        )

    def meeting_rules(self) -> MeetingRules:
        return MeetingRules(
            timezone=self.timezone,
            holidays=self.holidays,
            # From the year before: a programme may be launched ahead of its start date.
            holiday_dates=holiday_dates(self.holidays, self.starts_on.year - 1, years=4),
            session_minutes=self.session_minutes,
            working_hours=self.working_hours,
        )


class ParticipantRef(BaseModel):
    """A participant as workflows see them: no name, no e-mail."""

    model_config = ConfigDict(frozen=True)

    id: str
    role: Role
    locale: Locale = Locale.FR
    grade: int | None = None
    department: str | None = None
    manager_id: str | None = None  # only when the manager is in the programme
    # The participants above them in their management chain, any depth, also through managers
    # who are not in the programme (`domain.org_chart.cohort_lines`).
    above: tuple[str, ...] = ()


class ProgrammePlan(BaseModel):
    """The input of `ProgrammeWorkflow`."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    starts_on: date
    sessions: int
    cadence_days: int
    skills: tuple[Skill, ...]
    participants: tuple[ParticipantRef, ...]
    matching: MatchingSettings = MatchingSettings()
    durations: Durations = Durations()
    # Length of a programme "day" in seconds: 86,400 in production; a demo compresses it.
    day_seconds: int = Field(86_400, gt=0)
    # When sessions take place; plans of runs started before these existed get the defaults.
    meetings: MeetingRules = MeetingRules()
    # Days a new pair's partners have to accept the charter before their chemistry meeting;
    # None: no onboarding (the programme's choice, or a run started before it existed).
    onboarding_days: int | None = None
    # The pilot's id when this programme is a wave that follows one (domain/pilot.py).
    follows: str | None = None

    def participant(self, participant_id: str) -> ParticipantRef:
        for p in self.participants:
            if p.id == participant_id:
                return p
        raise KeyError(participant_id)


def participant_ref(
    person: Participant, by_email: Mapping[str, str], lines: Mapping[str, tuple[str, ...]]
) -> ParticipantRef:
    """`person` as workflows see them: `by_email` maps the cohort's lowercased addresses to their
    ids, `lines` each address to the addresses above it (`domain.org_chart.cohort_lines`)."""
    manager = person.manager_email
    return ParticipantRef(
        id=person.id,
        role=person.role,
        locale=person.locale,
        grade=person.grade,
        department=person.department,
        manager_id=by_email.get(manager.lower()) if manager else None,
        above=tuple(sorted(by_email[e] for e in lines[person.email.lower()])),
    )


def participant_id(programme_id: str, email: str) -> str:
    """A stable, opaque id: the same person in the same programme always gets the same one."""
    digest = hashlib.sha256(f"{programme_id}\x00{email.strip().lower()}".encode()).hexdigest()
    return f"p{digest[:12]}"
