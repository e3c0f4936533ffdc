"""The audit trail: every coordinator action as an event on an `audit-*` stream.

Events, like everything else that happened: append-only (migration 0004's trigger), in the log's
order, exported and backed up with it. They name accounts and ids, never a participant's name.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from domain.accounts import AuditAction, AuditEntry, AuditOutcome, audit_stream
from domain.events import EventType, NewEvent
from store.events import EventStore


async def record(pool: asyncpg.Pool, entry: AuditEntry) -> None:
    data = {
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "action": str(entry.action),
        "outcome": str(entry.outcome),
        "programme_id": entry.programme_id,
        "target": entry.target,
        "detail": entry.detail,
    }
    event = NewEvent(
        event_id=uuid.uuid4(),  # an action is recorded once, where it happens: no retry re-sends it
        stream_name=audit_stream(entry.programme_id),
        type=EventType.COORDINATOR_ACTED,
        data=data,
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
    return [_entry(r["data"]) for r in rows]


def _entry(data: dict[str, object]) -> AuditEntry:
    return AuditEntry(
        at=datetime.fromisoformat(str(data["at"])),
        actor=str(data["actor"]),
        action=AuditAction(str(data["action"])),
        outcome=AuditOutcome(str(data.get("outcome", "done"))),
        programme_id=_text(data.get("programme_id")),
        target=_text(data.get("target")),
        detail=_text(data.get("detail")),
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)
