"""The one activity a workflow step calls: record its events, issue and close its tasks, send its
e-mails — batched because every activity costs history events and a server round trip."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from domain.events import NewEvent
from domain.tasks import Notification, TaskClosure, TaskDeadline, TaskSpec


class Withdrawal(BaseModel):
    model_config = ConfigDict(frozen=True)

    participant_id: str
    at: datetime


class StepInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    events: tuple[NewEvent, ...] = ()
    open_tasks: tuple[TaskSpec, ...] = ()
    close_tasks: tuple[TaskClosure, ...] = ()
    extend_tasks: tuple[TaskDeadline, ...] = ()
    # Participants who left the programme: their links stop working at once (store/participants).
    withdrawals: tuple[Withdrawal, ...] = ()
    notifications: tuple[Notification, ...] = ()
    correlation: dict[str, str] = Field(default_factory=dict)  # workflow id, run id


class StepResult(BaseModel):
    events_written: int = 0
    emails_sent: int = 0
