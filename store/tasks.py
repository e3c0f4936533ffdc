"""Open and closed participant tasks: what the web page shows and the simulator acts on.

The workflow owns a task's life (its history says when it opened and closed); this table is the
queryable copy, written by idempotent activities, so every write tolerates a retry.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from domain.report import TaskTiming
from domain.tasks import TaskClosure, TaskDeadline, TaskSpec, TaskStatus
from store.db import json_dumps


class TaskRecord(TaskSpec):
    """A stored task: the spec it was issued with, plus where it stands."""

    status: TaskStatus
    issued_at: datetime
    closed_at: datetime | None
    answer: dict[str, Any] | None = None


_COLUMNS = (
    "task_id, programme_id, participant_id, kind, workflow_id, update_name, due_at, context, "
    "status, issued_at, closed_at, answer"
)


def _to_record(row: asyncpg.Record) -> TaskRecord:
    fields = dict(row)
    fields["task_id"] = UUID(int=row["task_id"].int)  # asyncpg's UUID subclass -> plain UUID
    return TaskRecord(**fields)


class TaskStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def open_many(self, tasks: Sequence[TaskSpec]) -> int:
        """Insert tasks not yet stored (by task_id); returns how many were new."""
        if not tasks:
            return 0
        status = await self._pool.execute(
            """
            INSERT INTO tasks (task_id, programme_id, participant_id, kind, workflow_id,
                               update_name, due_at, context, issued_at)
            SELECT task_id, programme_id, participant_id, kind, workflow_id, update_name, due_at,
                   context::jsonb, coalesce(issued_at, now())
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                        $7::timestamptz[], $8::text[], $9::timestamptz[])
                 AS t(task_id, programme_id, participant_id, kind, workflow_id, update_name,
                      due_at, context, issued_at)
            ON CONFLICT (task_id) DO NOTHING
            """,
            [t.task_id for t in tasks],
            [t.programme_id for t in tasks],
            [t.participant_id for t in tasks],
            [str(t.kind) for t in tasks],
            [t.workflow_id for t in tasks],
            [t.update_name for t in tasks],
            [t.due_at for t in tasks],
            [json_dumps(t.context) for t in tasks],
            [t.issued_at for t in tasks],
        )
        return int(status.split()[-1])  # "INSERT 0 <n>"

    async def close_many(self, closures: Sequence[TaskClosure]) -> int:
        """Close the tasks that are still open; returns how many changed.

        A task already closed keeps its first closing status and time: a late or retried closure
        must not rewrite what happened.
        """
        if any(c.status == TaskStatus.OPEN for c in closures):
            raise ValueError("a task cannot be closed with status 'open'")
        first: dict[UUID, TaskClosure] = {}
        for c in closures:
            first.setdefault(c.task_id, c)
        if not first:
            return 0
        status = await self._pool.execute(
            """
            UPDATE tasks
            SET status = c.status, closed_at = coalesce(c.closed_at, now()),
                answer = c.answer::jsonb
            FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[])
                 AS c(task_id, status, closed_at, answer)
            WHERE tasks.task_id = c.task_id AND tasks.status = 'open'
            """,
            list(first),
            [str(c.status) for c in first.values()],
            [c.closed_at for c in first.values()],
            [None if c.answer is None else json_dumps(c.answer) for c in first.values()],
        )
        return int(status.split()[-1])  # "UPDATE <n>"

    async def extend_many(self, deadlines: Sequence[TaskDeadline]) -> int:
        """Move open tasks' deadlines; a task closed meanwhile keeps its own (it is over)."""
        if not deadlines:
            return 0
        status = await self._pool.execute(
            """
            UPDATE tasks SET due_at = d.due_at
            FROM unnest($1::uuid[], $2::timestamptz[]) AS d(task_id, due_at)
            WHERE tasks.task_id = d.task_id AND tasks.status = 'open'
            """,
            [d.task_id for d in deadlines],
            [d.due_at for d in deadlines],
        )
        return int(status.split()[-1])  # "UPDATE <n>"

    async def get(self, task_id: UUID) -> TaskRecord | None:
        row = await self._pool.fetchrow(f"SELECT {_COLUMNS} FROM tasks WHERE task_id = $1", task_id)
        return _to_record(row) if row else None

    async def kinds(self, task_ids: Sequence[UUID]) -> dict[UUID, str]:
        """The kind of each of these tasks the store has (a task's kind never changes)."""
        rows = await self._pool.fetch(
            "SELECT task_id, kind FROM tasks WHERE task_id = ANY($1::uuid[])", list(task_ids)
        )
        return {UUID(int=r["task_id"].int): str(r["kind"]) for r in rows}

    async def list_open(self, programme_id: str) -> list[TaskRecord]:
        rows = await self._pool.fetch(
            f"""
            SELECT {_COLUMNS} FROM tasks
            WHERE programme_id = $1 AND status = 'open'
            ORDER BY issued_at, task_id
            """,
            programme_id,
        )
        return [_to_record(r) for r in rows]

    async def open_of_kind(self, participant_id: str, kind: str) -> TaskRecord | None:
        """The participant's newest open task of `kind`, if any."""
        row = await self._pool.fetchrow(
            f"""
            SELECT {_COLUMNS} FROM tasks
            WHERE participant_id = $1 AND kind = $2 AND status = 'open'
            ORDER BY issued_at DESC, task_id DESC
            LIMIT 1
            """,
            participant_id,
            str(kind),
        )
        return _to_record(row) if row else None

    async def for_participant(self, participant_id: str) -> list[TaskRecord]:
        """Every task the participant was ever given, whatever its status, newest first."""
        rows = await self._pool.fetch(
            f"""
            SELECT {_COLUMNS} FROM tasks
            WHERE participant_id = $1
            ORDER BY issued_at DESC, task_id DESC
            """,
            participant_id,
        )
        return [_to_record(r) for r in rows]

    async def timings(self, programme_id: str) -> list[TaskTiming]:
        """When each of a programme's tasks was issued and closed, for response times."""
        rows = await self._pool.fetch(
            "SELECT kind, status, issued_at, closed_at FROM tasks WHERE programme_id = $1",
            programme_id,
        )
        return [TaskTiming(**dict(r)) for r in rows]
