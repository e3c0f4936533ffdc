"""Read-only look-ups the participant pages need beyond a task's own row."""

from __future__ import annotations

from typing import Any

import asyncpg

from domain.events import EventType, programme_stream


async def proposed_goals(pool: asyncpg.Pool, workflow_id: str) -> list[dict[str, Any]]:
    """The goals the mentee of a pair proposed (the answer of its done goals task), or []."""
    answer = await pool.fetchval(
        """
        SELECT answer FROM tasks
        WHERE workflow_id = $1 AND kind = 'goals_propose' AND status = 'done'
        ORDER BY closed_at DESC NULLS LAST
        LIMIT 1
        """,
        workflow_id,
    )
    goals = answer.get("goals") if isinstance(answer, dict) else None
    return [g for g in goals if isinstance(g, dict)] if isinstance(goals, list) else []


async def programme_ended(pool: asyncpg.Pool, programme_id: str) -> bool:
    """Whether the programme's workflow recorded its end.

    From the event log rather than the read models, which may lag behind it: the programme's
    workflow records `ProgrammeCompleted` just before it completes, and a completed workflow
    takes no more updates. One look-up in the (type, stream) index.
    """
    ended = await pool.fetchval(
        "SELECT EXISTS (SELECT 1 FROM events WHERE type = $1 AND stream_name = $2)",
        EventType.PROGRAMME_COMPLETED.value,
        programme_stream(programme_id),
    )
    return bool(ended)
