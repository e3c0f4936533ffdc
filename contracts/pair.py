"""What a pair's workflow takes, answers to queries and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

# The pair's own model lives in the domain, with its rules (domain.pair_rules).
from domain.meeting_rules import MeetingRules
from domain.pair_state import TERMINAL, OnboardingTerms, OpenTask, PairPhase, Session
from domain.programme import Durations
from domain.programme_clock import ProgrammeClock
from domain.session_plan import SessionTheme

__all__ = [
    "TERMINAL",
    "OnboardedNotice",
    "OnboardingTerms",
    "OpenTask",
    "PairInput",
    "PairOutcome",
    "PairPhase",
    "PairStatus",
    "Session",
    "SessionPlanRequest",
    "UpcomingSession",
]


class PairInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    programme_id: str
    pair_id: str
    mentor_id: str
    mentee_id: str
    sessions: int
    cadence_days: int
    durations: Durations
    day_seconds: int
    skills: tuple[str, ...]
    programme_workflow_id: str
    # The programme's clock, so e-mails give programme dates (a demo compresses its days). None
    # in runs started before it: their dates are their own.
    clock: ProgrammeClock | None = None
    # When sessions may take place; absent from pairs started before sessions were planned in
    # working hours, which keep the old timing.
    meetings: MeetingRules | None = None
    common_slots: tuple[str, ...] = ()  # the slots both gave, in the order of the week
    # Who must accept the charter before the chemistry meeting; None: no onboarding (the
    # programme has none, or the pair was started before it existed).
    onboarding: OnboardingTerms | None = None


class PairOutcome(BaseModel):
    pair_id: str
    mentor_id: str
    mentee_id: str
    phase: PairPhase
    ended_by: str | None = None  # participant id, or "coordinator"
    reason: str = ""
    sessions_planned: int = 0
    sessions_held: int = 0
    sessions_missed: int = 0
    at_risk_episodes: int = 0
    # One of the two left the programme (`tandem roster withdraw`): the programme tells both,
    # with the calendar's cancellation when sessions had been planned.
    withdrawn_by: str | None = None
    cancellation: dict[str, Any] | None = None


class OnboardedNotice(BaseModel):
    """Between a pair and its programme: this participant accepted the charter in that pair."""

    participant_id: str
    pair_id: str


class WithdrawnNotice(BaseModel):
    """The programme's signal to a pair: this participant has left."""

    participant_id: str


class UpcomingSession(BaseModel):
    number: int
    at: datetime
    theme: SessionTheme | None = None  # None in pairs planned before sessions had themes


class SessionPlanRequest(BaseModel):
    """What the pair asks to plan its sessions' themes: the mentee, from their self-assessment."""

    model_config = ConfigDict(frozen=True)

    mentee_id: str
    sessions: int
    skills: tuple[str, ...]


class PairStatus(BaseModel):
    pair_id: str
    phase: PairPhase
    waiting_for: str
    next_deadline: datetime | None
    sessions_held: int
    sessions_missed: int
    at_risk: bool
    paused_until: datetime | None
    open_tasks: list[OpenTask]
    # Sessions not yet taken place, with their current dates in programme time (what a
    # reschedule can move).
    upcoming_sessions: list[UpcomingSession] = []
    # The weekly slot the sessions are planned at ("tue-pm"), and the ones the pair may choose.
    slot: str | None = None
    slot_options: list[str] = []
    # Every session's theme, in order; empty in pairs planned before sessions had themes.
    themes: list[SessionTheme] = []
