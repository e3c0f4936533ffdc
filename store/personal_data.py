"""Everything held about a person (GDPR art. 15/20) and its erasure (art. 17).

A person is named by e-mail and may take part in several programmes (one participant id each).
Export gathers their participant rows, tasks and answers, e-mails sent, and the events of their
own streams and of their pairs. Erasure deletes the participant rows, forgets them as someone's
manager, clears their tasks' answers, shreds their data key (every text they typed since texts
are sealed reads `[erased]` in every copy), and redacts the plain free texts older events hold
(domain/personal_data.py). Counts, dates and scores stay, so reports keep working, anonymised.
Both are recorded as events on the person's stream, without any personal data.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from domain.events import EventType, NewEvent, participant_stream
from domain.personal_data import redact
from domain.sealed_text import participant_key
from store import data_keys
from store.events import EventStore

_PAIR_EVENTS = """
    SELECT e.position, e.stream_name, e.type, e.data
    FROM events e
    WHERE e.stream_name = ANY($1::text[])
       OR e.stream_name IN (
           SELECT stream_name FROM events
           WHERE type = 'PairFormed'
             AND (data->>'mentor_id' = ANY($2::text[]) OR data->>'mentee_id' = ANY($2::text[]))
       )
       OR (e.type = 'ConcernRaised' AND e.data->>'participant_id' = ANY($2::text[]))
    ORDER BY e.position
"""


@dataclass(frozen=True)
class Erasure:
    participant_ids: list[str]
    events_redacted: int
    tasks_cleared: int
    keys_shredded: int = 0


async def participant_ids(pool: asyncpg.Pool, email: str) -> list[str]:
    rows = await pool.fetch(
        "SELECT id FROM participants WHERE lower(email) = lower($1) ORDER BY id", email.strip()
    )
    return [r["id"] for r in rows]


async def export(pool: asyncpg.Pool, email: str) -> dict[str, Any] | None:
    """Everything held about the person with this e-mail, or None when nobody has it."""
    ids = await participant_ids(pool, email)
    if not ids:
        return None
    people = await pool.fetch(
        "SELECT id, programme_id, email, name, role, locale, department, manager_email, grade "
        "FROM participants WHERE id = ANY($1::text[]) ORDER BY id",
        ids,
    )
    tasks = await pool.fetch(
        "SELECT task_id, programme_id, kind, status, due_at, issued_at, closed_at, answer "
        "FROM tasks WHERE participant_id = ANY($1::text[]) ORDER BY issued_at, task_id",
        ids,
    )
    mail = await pool.fetch(
        "SELECT template, message_id, sent_at FROM sent_mail "
        "WHERE participant_id = ANY($1::text[]) ORDER BY sent_at",
        ids,
    )
    events = await pool.fetch(_PAIR_EVENTS, [participant_stream(i) for i in ids], ids)
    await _record(pool, ids, EventType.PERSONAL_DATA_EXPORTED)
    return {
        "participants": [dict(r) for r in people],
        "tasks": [dict(r) for r in tasks],
        "emails_sent": [dict(r) for r in mail],
        "events": [dict(r) for r in events],
    }


@dataclass(frozen=True)
class Forgotten:
    """What `forget` changed, in counts."""

    events_redacted: int
    tasks_cleared: int
    calendar_series: int
    participants: int
    keys_shredded: int


async def forget(
    conn: asyncpg.Connection, ids: list[str], streams: Sequence[str] = ()
) -> Forgotten:
    """Erase these participants, inside the caller's transaction: both a person's erasure and a
    programme's purge (store/retention.py) go through here, so they never drift apart.

    Redacts the free texts of their streams, their pairs' and their concerns (and of `streams`
    besides), clears their tasks' answers, deletes their calendar feeds and rows, and shreds
    their data keys. Counts, dates and scores stay.
    """
    await conn.execute("SET LOCAL tandem.erasure = 'on'")
    redacted = 0
    theirs = [*(participant_stream(i) for i in ids), *streams]
    for row in await conn.fetch(_PAIR_EVENTS, theirs, ids):
        data = redact(row["type"], row["data"])
        if data is not None:
            await conn.execute(
                "UPDATE events SET data = $2 WHERE position = $1", row["position"], data
            )
            redacted += 1
    cleared = await conn.execute(
        "UPDATE tasks SET answer = NULL, context = context - 'goals' "
        "WHERE (participant_id = ANY($1::text[]) OR workflow_id IN ("
        "  SELECT workflow_id FROM tasks WHERE participant_id = ANY($1::text[])))"
        "  AND (answer IS NOT NULL OR context ? 'goals')",
        ids,
    )
    # Their calendar feed, and their name on their partners' (the partner's feed keeps the
    # sessions, with the name the mailer knows now: none).
    feeds = await conn.execute(
        "DELETE FROM calendar_series WHERE participant_id = ANY($1::text[])", ids
    )
    people = await conn.execute("DELETE FROM participants WHERE id = ANY($1::text[])", ids)
    # What they typed, sealed with their key wherever it went (Temporal's histories, events,
    # backups), reads `[erased]` from now on.
    shredded = await data_keys.shred(conn, [participant_key(i) for i in ids])
    return Forgotten(
        events_redacted=redacted,
        tasks_cleared=_count(cleared),
        calendar_series=_count(feeds),
        participants=_count(people),
        keys_shredded=shredded,
    )


def _count(status: str) -> int:
    """The row count of a command's status ("UPDATE 3")."""
    return int(status.split()[-1])


async def erase(pool: asyncpg.Pool, email: str) -> Erasure | None:
    """Erase the person with this e-mail; None when nobody has it (nothing changes)."""
    ids = await participant_ids(pool, email)
    if not ids:
        return None
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "UPDATE participants SET manager_email = NULL WHERE lower(manager_email) = lower($1)",
            email.strip(),
        )
        done = await forget(conn, ids)
    await _record(pool, ids, EventType.PERSONAL_DATA_ERASED)
    return Erasure(
        participant_ids=ids,
        events_redacted=done.events_redacted,
        tasks_cleared=done.tasks_cleared,
        keys_shredded=done.keys_shredded,
    )


async def _record(pool: asyncpg.Pool, ids: list[str], type_: EventType) -> None:
    await EventStore(pool).append(
        [
            NewEvent(
                event_id=uuid.uuid4(),
                stream_name=participant_stream(i),
                type=type_,
                data={"participant_id": i},
                metadata={"by": "coordinator"},
            )
            for i in ids
        ]
    )
