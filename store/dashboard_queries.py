"""What the coordinator's dashboard reads: the read models, overdue tasks, and names."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from domain.events import programme_stream

# Links that stay open for the programme's life are never "overdue".
_ALWAYS_OPEN = ("pair_manage", "concern")


async def programmes(pool: asyncpg.Pool) -> list[dict[str, Any]]:
    rows = await pool.fetch("SELECT * FROM rm_programmes ORDER BY launched_at DESC, programme_id")
    return [dict(r) for r in rows]


async def programme(pool: asyncpg.Pool, programme_id: str) -> dict[str, Any] | None:
    row = await pool.fetchrow("SELECT * FROM rm_programmes WHERE programme_id = $1", programme_id)
    return dict(row) if row else None


async def pairs(pool: asyncpg.Pool, programme_id: str) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT * FROM rm_pairs WHERE programme_id = $1 ORDER BY pair_id", programme_id
    )
    return [dict(r) for r in rows]


async def pair(pool: asyncpg.Pool, programme_id: str, pair_id: str) -> dict[str, Any] | None:
    row = await pool.fetchrow(
        "SELECT * FROM rm_pairs WHERE programme_id = $1 AND pair_id = $2", programme_id, pair_id
    )
    return dict(row) if row else None


async def sessions(pool: asyncpg.Pool, programme_id: str, pair_id: str) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        "SELECT * FROM rm_sessions WHERE programme_id = $1 AND pair_id = $2 ORDER BY number",
        programme_id,
        pair_id,
    )
    return [dict(r) for r in rows]


async def open_tasks(
    pool: asyncpg.Pool,
    programme_id: str,
    *,
    pair_id: str | None = None,
    due_before: datetime | None = None,
) -> list[dict[str, Any]]:
    """Open tasks waiting for an answer, soonest due first, with who holds them: a programme's or
    one pair's, and only the overdue ones when `due_before` is given."""
    rows = await pool.fetch(
        """
        SELECT t.task_id, t.kind, t.due_at::timestamptz AS due_at, t.pair_id, t.participant_id,
               p.name
        FROM rm_tasks t LEFT JOIN participants p ON p.id = t.participant_id
        WHERE t.programme_id = $1 AND t.status = 'open' AND NOT (t.kind = ANY($2::text[]))
          AND ($3::text IS NULL OR t.pair_id = $3)
          AND ($4::timestamptz IS NULL OR t.due_at::timestamptz < $4)
        ORDER BY t.due_at::timestamptz, t.task_id
        """,
        programme_id,
        list(_ALWAYS_OPEN),
        pair_id,
        due_before,
    )
    return [dict(r) for r in rows]


async def task_counts(pool: asyncpg.Pool, programme_id: str, now: datetime) -> dict[str, int]:
    """Participants' tasks by state: open (in time), overdue, done, expired, cancelled."""
    rows = await pool.fetch(
        """
        SELECT CASE WHEN status = 'open' AND due_at::timestamptz < $2 THEN 'overdue'
                    ELSE status END AS state,
               count(*) AS n
        FROM rm_tasks
        -- kind '' is a task opened before tasks had events: only its closing is known.
        WHERE programme_id = $1 AND kind <> '' AND NOT (kind = ANY($3::text[]))
        GROUP BY 1
        """,
        programme_id,
        now,
        list(_ALWAYS_OPEN),
    )
    counts = dict.fromkeys(("open", "overdue", "done", "expired", "cancelled"), 0)
    counts.update({r["state"]: int(r["n"]) for r in rows})
    return counts


async def survey_summary(pool: asyncpg.Pool, programme_id: str) -> list[dict[str, Any]]:
    """Per survey (midpoint, final): answers, mean satisfaction, who would stop, mean NPS."""
    rows = await pool.fetch(
        """
        SELECT survey, count(*) AS answers,
               round(avg(satisfaction)::numeric, 1)::float AS satisfaction,
               count(*) FILTER (WHERE wants_to_continue IS FALSE) AS would_stop,
               round(avg(nps)::numeric, 1)::float AS nps
        FROM rm_surveys WHERE programme_id = $1
        GROUP BY survey ORDER BY survey DESC
        """,
        programme_id,
    )
    return [dict(r) for r in rows]


async def concerns(pool: asyncpg.Pool, programme_id: str) -> list[dict[str, Any]]:
    """The confidential concerns raised in a programme, newest first, without their words:
    those are read one at a time (`concern`), and each reading is audited."""
    rows = await pool.fetch(
        """
        SELECT e.position, e.metadata->>'occurred_at' AS raised_at,
               e.data->>'participant_id' AS participant_id, e.data->>'pair_id' AS pair_id,
               p.name
        FROM events e LEFT JOIN participants p ON p.id = e.data->>'participant_id'
        WHERE e.stream_name = $1 AND e.type = 'ConcernRaised'
        ORDER BY e.position DESC
        """,
        programme_stream(programme_id),
    )
    return [dict(r) for r in rows]


async def concern(pool: asyncpg.Pool, programme_id: str, position: int) -> dict[str, Any] | None:
    """One concern of this programme, with its words."""
    row = await pool.fetchrow(
        """
        SELECT e.position, e.metadata->>'occurred_at' AS raised_at,
               e.data->>'participant_id' AS participant_id, e.data->>'pair_id' AS pair_id,
               e.data->>'text' AS text, p.name
        FROM events e LEFT JOIN participants p ON p.id = e.data->>'participant_id'
        WHERE e.position = $2 AND e.stream_name = $1 AND e.type = 'ConcernRaised'
        """,
        programme_stream(programme_id),
        position,
    )
    return dict(row) if row else None


async def undelivered(pool: asyncpg.Pool, programme_id: str) -> list[dict[str, Any]]:
    """The e-mails a programme gave up on (`NotificationFailed`), newest first: which, to whom,
    why. The coordinator fixes an address or tells the person another way."""
    rows = await pool.fetch(
        """
        SELECT e.position, e.metadata->>'occurred_at' AS at, e.data->>'template' AS template,
               e.data->>'code' AS code, (e.data->>'smtp_code')::int AS smtp_code,
               e.data->>'participant_id' AS participant_id, p.name
        FROM events e LEFT JOIN participants p ON p.id = e.data->>'participant_id'
        WHERE e.stream_name = $1 AND e.type = 'NotificationFailed'
        ORDER BY e.position DESC
        LIMIT 200
        """,
        programme_stream(programme_id),
    )
    return [dict(r) for r in rows]


async def names(pool: asyncpg.Pool, programme_id: str) -> dict[str, str]:
    rows = await pool.fetch(
        "SELECT id, name FROM participants WHERE programme_id = $1", programme_id
    )
    return {r["id"]: r["name"] for r in rows}


async def people(pool: asyncpg.Pool, programme_id: str) -> list[dict[str, Any]]:
    """Participants by role then name, for the matching review's choices."""
    rows = await pool.fetch(
        "SELECT id, name, role FROM participants WHERE programme_id = $1 ORDER BY role, name, id",
        programme_id,
    )
    return [dict(r) for r in rows]
