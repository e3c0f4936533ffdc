"""A task's life as events (`TaskOpened`, `TaskClosed`), so read models can follow tasks.

The task ids are minted in the workflow; each event id is derived from its task id, so a retried
step re-derives the same ids and the event store writes nothing twice, without the workflow
minting more ids (which would change what its runs replay).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID, uuid5

from domain.events import EventType, NewEvent, task_stream
from domain.tasks import TaskClosure, TaskSpec

# Fixed forever: changing it would give every past task's events new ids.
_NAMESPACE = UUID("5b7f6a52-3f0e-4d8e-9b8e-7a2f0d1c6e41")


def task_events(opened: Sequence[TaskSpec], closed: Sequence[TaskClosure]) -> list[NewEvent]:
    events = [
        NewEvent(
            event_id=uuid5(_NAMESPACE, f"{task.task_id}/opened"),
            stream_name=task_stream(task.task_id),
            type=EventType.TASK_OPENED,
            data={
                "participant_id": task.participant_id,
                "kind": task.kind.value,
                "due_at": task.due_at.isoformat(),
            },
            metadata=_when(task.issued_at),
        )
        for task in opened
    ]
    events += [
        NewEvent(
            event_id=uuid5(_NAMESPACE, f"{closure.task_id}/closed"),
            stream_name=task_stream(closure.task_id),
            type=EventType.TASK_CLOSED,
            data={"status": closure.status.value},
            metadata=_when(closure.closed_at),
        )
        for closure in closed
    ]
    return events


def _when(moment: datetime | None) -> dict[str, str]:
    # Programme time, like every event the workflows record (see workflows/shared.py).
    return {} if moment is None else {"occurred_at": moment.isoformat()}
