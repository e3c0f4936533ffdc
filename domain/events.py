"""Domain events: what happened, as recorded in the event store (DESIGN §5).

Event ids are minted by workflow code (`workflow.uuid4()`), never by the activity that writes them,
so a retried activity re-sends the same ids and the store writes nothing twice.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from domain.event_payloads import checked_data
from domain.event_types import EventType

__all__ = [
    "EventType",
    "NewEvent",
    "RecordedEvent",
    "pair_stream",
    "participant_stream",
    "programme_stream",
    "task_stream",
]


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

    @field_validator("data")
    @classmethod
    def _data_of_its_type(cls, data: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        # Wherever an event is made, its data is its type's (domain/event_payloads.py).
        event_type = info.data.get("type")
        return data if event_type is None else checked_data(event_type, data)


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
