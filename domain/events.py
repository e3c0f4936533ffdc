"""Domain events: what happened, as recorded in the event store (DESIGN §5).

Event ids are minted by workflow code (`workflow.uuid4()`), never by the activity that writes them,
so a retried activity re-sends the same ids and the store writes nothing twice.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class EventType(StrEnum):
    PROGRAMME_LAUNCHED = "ProgrammeLaunched"
    PARTICIPANT_ENROLLED = "ParticipantEnrolled"
    SELF_ASSESSMENT_OPENED = "SelfAssessmentOpened"
    SELF_ASSESSMENT_SUBMITTED = "SelfAssessmentSubmitted"
    SELF_ASSESSMENT_MISSED = "SelfAssessmentMissed"
    MATCHING_PROPOSED = "MatchingProposed"
    MATCHING_REVISED = "MatchingRevised"
    MATCHING_APPROVED = "MatchingApproved"
    MATCHING_ABANDONED = "MatchingAbandoned"
    PAIR_FORMED = "PairFormed"
    CHEMISTRY_ANSWERED = "ChemistryAnswered"
    PAIR_DISSOLVED = "PairDissolved"
    PARTICIPANT_NUDGED = "ParticipantNudged"
    PARTICIPANT_UNMATCHED = "ParticipantUnmatched"
    GOALS_PROPOSED = "GoalsProposed"
    GOALS_CONFIRMED = "GoalsConfirmed"
    SESSION_SCHEDULED = "SessionScheduled"
    SESSION_RESCHEDULED = "SessionRescheduled"
    SESSION_LOGGED = "SessionLogged"
    SESSION_MISSED = "SessionMissed"
    PAIR_AT_RISK = "PairAtRisk"
    PAIR_PAUSED = "PairPaused"
    PAIR_RESUMED = "PairResumed"
    MIDPOINT_ANSWERED = "MidpointSurveyAnswered"
    FINAL_EVALUATION_SUBMITTED = "FinalEvaluationSubmitted"
    CONCERN_RAISED = "ConcernRaised"
    COORDINATOR_ALERTED = "CoordinatorAlerted"
    PAIR_COMPLETED = "PairCompleted"
    PAIR_ENDED_EARLY = "PairEndedEarly"
    PROGRAMME_COMPLETED = "ProgrammeCompleted"
    PERSONAL_DATA_EXPORTED = "PersonalDataExported"
    PERSONAL_DATA_ERASED = "PersonalDataErased"
    TASK_OPENED = "TaskOpened"
    TASK_CLOSED = "TaskClosed"
    # The audit trail (domain/accounts.py): a coordinator's action, on an `audit-*` stream.
    COORDINATOR_ACTED = "CoordinatorActed"


def programme_stream(programme_id: str) -> str:
    return f"programme-{programme_id}"


def pair_stream(programme_id: str, pair_id: str) -> str:
    # Pair ids count from 0001 in each programme: the programme keeps two cohorts' streams apart.
    return f"pair-{programme_id}-{pair_id}"


def participant_stream(participant_id: str) -> str:
    return f"participant-{participant_id}"


def task_stream(task_id: UUID) -> str:
    return f"task-{task_id}"


class NewEvent(BaseModel):
    """An event about to be appended; `event_id` makes the append idempotent."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID
    stream_name: str
    type: EventType
    data: dict[str, Any] = Field(default_factory=dict)
    schema_version: int = 1
    metadata: dict[str, str] = Field(default_factory=dict)


class RecordedEvent(BaseModel):
    """An event as read back from the store."""

    model_config = ConfigDict(frozen=True)

    position: int
    event_id: UUID
    stream_name: str
    stream_position: int
    type: str
    schema_version: int
    data: dict[str, Any]
    metadata: dict[str, Any]
    recorded_at: Any  # datetime with tz; Any keeps asyncpg's value as it is
