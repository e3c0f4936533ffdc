"""What the programme workflow takes, answers to queries and returns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.pair import OnboardedNotice, PairOutcome
from domain.matching import MatchingProposal
from domain.pilot import PilotFacts
from domain.programme import ParticipantRef, ProgrammePlan


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
    # A round of some of the plan's participants (None: all of them). A top-up round names the
    # late joiners and those left over, and every mentor with room left: `load` says how many
    # mentees each mentor already has in a running pair.
    participant_ids: tuple[str, ...] | None = None
    load: dict[str, int] = Field(default_factory=dict)


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
    # A wave's mentors back from its pilot (their pilot pairs and its bans are in `banned`).
    returning: list[str] = Field(default_factory=list)


class PairRecord(BaseModel):
    pair_id: str
    mentor_id: str
    mentee_id: str
    phase: str = "starting"
    started: bool = False
    outcome: PairOutcome | None = None


class LateWindow(BaseModel):
    """A self-assessment window of its own: a late joiner's, or one reopened by an extension."""

    participant_id: str
    due_at: datetime
    attempt: int = 1  # windows this participant has had after the programme's own


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
    # Roster changes (domain/roster.py): who joined late, who left and why, the windows of
    # their own still to be matched, and the matching rounds so far.
    joined: list[ParticipantRef] = Field(default_factory=list)
    chains: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    withdrawn: dict[str, str] = Field(default_factory=dict)
    windows: list[LateWindow] = Field(default_factory=list)
    window_attempts: dict[str, int] = Field(default_factory=dict)
    matching_round: int = 0
    round_ids: list[str] | None = None  # the current round's participants (None: everyone)
    round_load: dict[str, int] = Field(default_factory=dict)
    base_proposal: MatchingProposal | None = None  # the rounds approved, while a top-up is reviewed
    partners_repaired: int = 0
    # When the programme launched: its clock's origin (domain.programme_clock). None in runs
    # launched before the clock, whose e-mails keep their recorded dates and whose sessions keep
    # the old timing.
    clock_origin: datetime | None = None
    # Participant -> the weekly slots they gave, from every matching so far.
    availability: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # Onboarding: who accepted the charter, and which pair holds each pending participant's
    # task (a participant in two new pairs is asked once).
    onboarded: list[str] = Field(default_factory=list)
    onboarding_asked_in: dict[str, str] = Field(default_factory=dict)
    onboarding_relays: list[OnboardedNotice] = Field(default_factory=list)  # to tell other pairs
    # What a wave took from the pilot it follows (domain/pilot.py), read once before its first
    # self-assessment invitations; None for a programme that follows none.
    pilot: PilotFacts | None = None


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
    # Roster changes since the start (domain/roster.py).
    late_joiner_ids: list[str] = Field(default_factory=list)
    late_joiners_paired: int = 0  # late joiners in a pair formed by a top-up round
    withdrawn_ids: list[str] = Field(default_factory=list)
    # Participants given a new partner after theirs left or their pair dissolved, both sides.
    partners_repaired: int = 0
    matching_rounds: int = 0  # 1 once matched, one more per top-up round
    next_top_up: datetime | None = None  # when the next top-up round matches
    # A wave's mentors back from the pilot it follows, who would mentor again: invited first.
    returning_mentor_ids: list[str] = Field(default_factory=list)
