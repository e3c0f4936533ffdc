"""What the programme workflow takes, answers to queries and returns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.pair import PairOutcome
from domain.matching import MatchingProposal
from domain.programme import ProgrammePlan


class ProgrammePhase(StrEnum):
    LAUNCHING = "launching"
    SELF_ASSESSMENT = "self_assessment"
    MATCHING = "matching"
    REVIEW = "matching_review"
    RUNNING = "running"
    COMPLETED = "completed"


class MatchingRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    plan: ProgrammePlan
    banned: tuple[tuple[str, str], ...] = ()
    forced: tuple[tuple[str, str], ...] = ()


class MatchingView(BaseModel):
    """The matching as the coordinator reviews it: the proposal and their decisions so far."""

    programme_id: str
    phase: ProgrammePhase
    proposal: MatchingProposal | None
    banned: list[tuple[str, str]]
    forced: list[tuple[str, str]]
    review_deadline: datetime | None
    approved: bool
    auto_approve: bool


class PairRecord(BaseModel):
    pair_id: str
    mentor_id: str
    mentee_id: str
    phase: str = "starting"
    started: bool = False
    outcome: PairOutcome | None = None


class ProgrammeState(BaseModel):
    phase: ProgrammePhase = ProgrammePhase.LAUNCHING
    enrolled: int = 0  # participants whose enrolment events are recorded
    assessments_started: int = 0
    assessment_deadline: datetime | None = None
    concern_tasks: dict[str, UUID] = Field(default_factory=dict)
    proposal: MatchingProposal | None = None
    review_deadline: datetime | None = None
    review_reminders: int = 0
    approved: bool = False
    pairs: dict[str, PairRecord] = Field(default_factory=dict)
    pending_outcomes: list[PairOutcome] = Field(default_factory=list)
    repairings: dict[str, int] = Field(default_factory=dict)
    banned: list[tuple[str, str]] = Field(default_factory=list)
    forced: list[tuple[str, str]] = Field(default_factory=list)
    unmatched: list[str] = Field(default_factory=list)
    handled_commands: list[str] = Field(default_factory=list)
    concerns: int = 0
    runs: int = 1
    max_history_length: int = 0


class ProgrammeInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    plan: ProgrammePlan
    state: ProgrammeState | None = None


class ProgrammeSummary(BaseModel):
    programme_id: str
    phase: ProgrammePhase
    participants: int
    responded: int | None
    pairs_formed: int
    pairs_active: int
    pairs_completed: int
    pairs_ended_early: int
    pairs_dissolved: int
    repairings: int
    unmatched: int
    # Who is still without a partner, in the order they were left (the coordinator calls them).
    unmatched_ids: list[str] = Field(default_factory=list)
    concerns: int
    sessions_planned: int
    sessions_held: int
    next_deadline: datetime | None
    waiting_for: str
    pairs: list[PairRecord]
    runs: int
    max_history_length: int
