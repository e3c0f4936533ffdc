"""What a pair is made of: its phase, its sessions, its open tasks and the terms it runs on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.meeting_rules import MeetingRules, proposed_slot, slot_options
from domain.programme import Durations
from domain.programme_clock import ProgrammeClock
from domain.session_plan import SessionTheme
from domain.tasks import TaskKind

_SESSION_TIME = time(9, 0)
_REAL_DAY = 86_400


class PairPhase(StrEnum):
    CHEMISTRY = "chemistry"
    GOALS = "goals"
    SESSIONS = "sessions"
    FINAL = "final_evaluation"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"
    DISSOLVED = "dissolved"


TERMINAL = frozenset({PairPhase.COMPLETED, PairPhase.ENDED_EARLY, PairPhase.DISSOLVED})


class Session(BaseModel):
    number: int
    at: datetime
    planned: datetime  # where the series' calendar rule puts it (`at` moves, this does not)
    # The public holiday the cadence put it on, before it moved to the next working day.
    moved_from: date | None = None
    reminded: bool = False
    log_task: UUID | None = None
    # When its log is due; set once the session has taken place and its log was asked for.
    log_due: datetime | None = None
    logged: bool = False
    held: bool | None = None
    missed: bool = False
    # What it practises (domain.session_plan); None in pairs planned before sessions had themes.
    theme: SessionTheme | None = None

    @property
    def resolved(self) -> bool:
        return self.logged or self.missed

    @property
    def took_place(self) -> bool:
        """Its date has come: its log is asked for, and it can no longer move."""
        return self.log_due is not None


class OpenTask(BaseModel):
    task_id: UUID
    participant_id: str
    kind: TaskKind
    due_at: datetime
    session_number: int | None = None


class OnboardingTerms(BaseModel):
    """A new pair's onboarding, as the programme sets it: the partners who have not accepted the
    charter yet (`waits_for`), and those of them whose task this pair opens (`opens_for`; a
    participant already asked by another of their pairs accepts there, and the programme tells
    this one)."""

    model_config = ConfigDict(frozen=True)

    days: int
    waits_for: tuple[str, ...] = ()
    opens_for: tuple[str, ...] = ()


@dataclass(frozen=True)
class PairTerms:
    """Who is in the pair and the programme's terms it runs on."""

    mentor_id: str
    mentee_id: str
    sessions: int
    cadence_days: int
    durations: Durations
    day_seconds: int  # a programme day (a compressed demo's is shorter)
    skills: tuple[str, ...]
    # When sessions may take place, and the programme's clock; both None in runs started before
    # sessions were planned in working hours (they keep the old timing).
    meetings: MeetingRules | None = None
    clock: ProgrammeClock | None = None
    # The slots both partners gave in their self-assessment ("tue-pm"), in the order of the week.
    common_slots: tuple[str, ...] = field(default=())

    def days(self, count: float) -> timedelta:
        return timedelta(seconds=count * self.day_seconds)

    @property
    def cadence(self) -> timedelta:
        return self.days(self.cadence_days)

    @property
    def sides(self) -> tuple[tuple[str, str], tuple[str, str]]:
        """(participant, partner) for the mentor, then the mentee."""
        return ((self.mentor_id, self.mentee_id), (self.mentee_id, self.mentor_id))

    def role_of(self, participant_id: str) -> str:
        if participant_id == self.mentor_id:
            return "mentor"
        return "mentee" if participant_id == self.mentee_id else participant_id

    def partner_of(self, participant_id: str) -> str:
        return self.mentee_id if participant_id == self.mentor_id else self.mentor_id

    @property
    def planning(self) -> tuple[MeetingRules, ProgrammeClock] | None:
        """The rules and clock sessions are planned with in programme time; None in pairs
        started before, which keep the old timing."""
        if self.meetings is None or self.clock is None:
            return None
        return self.meetings, self.clock

    @property
    def proposed_slot(self) -> str:
        return proposed_slot(self.common_slots)

    @property
    def slot_options(self) -> tuple[str, ...]:
        return slot_options(self.common_slots)

    def at_nine(self, moment: datetime) -> datetime:
        # Real programmes meet in office hours; a compressed demo keeps exact offsets instead.
        if self.day_seconds != _REAL_DAY:
            return moment
        return datetime.combine(moment.date(), _SESSION_TIME, tzinfo=moment.tzinfo)
