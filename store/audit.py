"""The audit trail: every coordinator action as an event on an `audit-*` stream.

Events, like everything else that happened: append-only (migration 0004's trigger), in the log's
order, exported and backed up with it. They name accounts and ids, never a participant's name.
"""

from __future__ import annotations

import uuid

import asyncpg

from domain.accounts import AuditEntry, audit_stream
from domain.events import EventType, NewEvent
from store.events import EventStore


async def record(pool: asyncpg.Pool, entry: AuditEntry) -> None:
    event = NewEvent(
        event_id=uuid.uuid4(),  # an action is recorded once, where it happens: no retry re-sends it
        stream_name=audit_stream(entry.programme_id),
        type=EventType.COORDINATOR_ACTED,
        data=entry.to_data(),
    )
    await EventStore(pool).append([event])


async def read(pool: asyncpg.Pool, programme_id: str | None, limit: int = 1000) -> list[AuditEntry]:
    """The newest `limit` entries of a programme (or of the accounts, for None), newest first."""
    rows = await pool.fetch(
        "SELECT data FROM events WHERE stream_name = $1 AND type = $2 "
        "ORDER BY stream_position DESC LIMIT $3",
        audit_stream(programme_id),
        str(EventType.COORDINATOR_ACTED),
        limit,
    )
    return [AuditEntry.from_data(r["data"]) for r in rows]
