"""Read-only look-ups the participant pages need beyond a task's own row."""

from __future__ import annotations

from typing import Any

import asyncpg


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
