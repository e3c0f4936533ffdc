"""Participant tasks and the notifications that announce them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class TaskKind(StrEnum):
    SELF_ASSESSMENT = "self_assessment"
    CHEMISTRY = "chemistry"
    GOALS_PROPOSE = "goals_propose"
    GOALS_CONFIRM = "goals_confirm"
    SESSION_LOG = "session_log"
    MIDPOINT_SURVEY = "midpoint_survey"
    FINAL_EVALUATION = "final_evaluation"
    MATCHING_REVIEW = "matching_review"
    CONCERN = "concern"
    PAIR_MANAGE = "pair_manage"
    ONBOARDING = "onboarding"  # read the charter and one's role guide, and accept them
    SESSION_AGENDA = "session_agenda"  # the mentee's agenda, two days before a session


class TaskStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class TaskDeadline(BaseModel):
    """An open task's new deadline (`tandem task extend`); its links expire later with it."""

    model_config = ConfigDict(frozen=True)

    task_id: UUID
    due_at: datetime


class TaskSpec(BaseModel):
    """A task issued to one participant; the web page and the simulator act on it by update."""

    model_config = ConfigDict(frozen=True)

    task_id: UUID
    programme_id: str
    participant_id: str
    kind: TaskKind
    workflow_id: str
    update_name: str
    due_at: datetime
    context: dict[str, Any] = Field(default_factory=dict)
    # Programme time (the workflow's clock), which a compressed demo or a simulation runs ahead
    # of the database's clock; None means "now" for the store.
    issued_at: datetime | None = None


class TaskClosure(BaseModel):
    model_config = ConfigDict(frozen=True)

    task_id: UUID
    status: TaskStatus
    # Programme time, like `TaskSpec.issued_at`; None means "now" for the store.
    closed_at: datetime | None = None
    # The participant's answer (without the ids the link already carries), shown read-only when
    # the link is opened again.
    answer: dict[str, Any] | None = None


class Notification(BaseModel):
    """One e-mail to one participant (or the coordinator when `participant_id` is None).

    `notification_id` is minted in the workflow: the sender skips an id it has already sent.
    """

    model_config = ConfigDict(frozen=True)

    notification_id: UUID
    programme_id: str
    participant_id: str | None
    template: str
    task_id: UUID | None = None
    context: dict[str, Any] = Field(default_factory=dict)
