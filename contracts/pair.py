"""What a pair's workflow takes, answers to queries and returns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.programme import Durations
from domain.tasks import TaskKind


class PairPhase(StrEnum):
    CHEMISTRY = "chemistry"
    GOALS = "goals"
    SESSIONS = "sessions"
    FINAL = "final_evaluation"
    COMPLETED = "completed"
    ENDED_EARLY = "ended_early"
    DISSOLVED = "dissolved"


TERMINAL = frozenset({PairPhase.COMPLETED, PairPhase.ENDED_EARLY, PairPhase.DISSOLVED})


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


class Session(BaseModel):
    number: int
    at: datetime
    planned: datetime  # where the series' calendar rule puts it (`at` moves, this does not)
    reminded: bool = False
    log_task: UUID | None = None
    logged: bool = False
    held: bool | None = None
    missed: bool = False

    @property
    def resolved(self) -> bool:
        return self.logged or self.missed


class OpenTask(BaseModel):
    task_id: UUID
    participant_id: str
    kind: TaskKind
    due_at: datetime
    session_number: int | None = None


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


class UpcomingSession(BaseModel):
    number: int
    at: datetime


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
    # Sessions not yet taken place, with their current dates (what a reschedule can move).
    upcoming_sessions: list[UpcomingSession] = []
