"""A programme's personal data purged once its retention has run out (GDPR art. 5(1)(e)).

A programme file says how many days after the programme ends its personal data is kept
(`retention_days`). Then every participant is erased the way one person is
(store/personal_data.py `forget`), the programme's own data key is shredded too (the coordinator's
reasons), and a `ProgrammePurged` event records the counts. Counts, dates and scores stay: the
programme's report gives the same figures, with nobody named.

The read models hold ids, never names or addresses, and sent mail records a template and a message
id per participant id: once the participants' rows are gone these name nobody, so they stay.
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime

import asyncpg

from domain.events import EventType, NewEvent, programme_stream
from domain.sealed_text import programme_key
from store import data_keys
from store.events import EventStore
from store.personal_data import forget

# When a programme ended: its first `ProgrammeCompleted`, in programme time (the workflow's clock,
# which the event's metadata carries), else when it was recorded.
_ENDED_AT = """
    SELECT coalesce((e.metadata->>'occurred_at')::timestamptz, e.recorded_at)
    FROM events e
    WHERE e.type = 'ProgrammeCompleted' AND e.stream_name = $1
    ORDER BY e.position
    LIMIT 1
"""

# Stream names as domain.events.programme_stream writes them ("programme-<id>").
_DUE = """
    SELECT p.id
    FROM programmes p
    JOIN LATERAL (
        SELECT coalesce((e.metadata->>'occurred_at')::timestamptz, e.recorded_at) AS ended_at
        FROM events e
        WHERE e.type = 'ProgrammeCompleted' AND e.stream_name = 'programme-' || p.id
        ORDER BY e.position
        LIMIT 1
    ) ended ON true
    WHERE ended.ended_at
          + make_interval(days => coalesce((p.spec->>'retention_days')::int, 365)) < $1
      AND NOT EXISTS (
          SELECT 1 FROM events e
          WHERE e.type = 'ProgrammePurged' AND e.stream_name = 'programme-' || p.id
      )
    ORDER BY p.id
"""

# Everyone who ever took part, also those erased one by one since (their rows are gone, their
# enrolment stays in the log, on their stream: "participant-<id>", domain.events).
_PARTICIPANTS = """
    SELECT id FROM participants WHERE programme_id = $1
    UNION
    SELECT substr(stream_name, length('participant-') + 1) FROM events
    WHERE type = 'ParticipantEnrolled' AND data->>'programme_id' = $1
      AND stream_name LIKE 'participant-%'
    ORDER BY 1
"""


@dataclass(frozen=True)
class Purge:
    """What a purge changed, in counts; all zero when the programme was purged before."""

    programme_id: str
    participants: int
    events_redacted: int
    tasks_cleared: int
    calendar_series: int
    keys_shredded: int
    # Whether this purge recorded `ProgrammePurged`: False once there was nothing left.
    recorded: bool

    def counts(self) -> dict[str, int]:
        found = asdict(self)
        return {k: v for k, v in found.items() if k not in ("programme_id", "recorded")}


async def ended_at(pool: asyncpg.Pool, programme_id: str) -> datetime | None:
    """When the programme ended, or None while it runs."""
    moment: datetime | None = await pool.fetchval(_ENDED_AT, programme_stream(programme_id))
    return moment


async def exists(pool: asyncpg.Pool, programme_id: str) -> bool:
    return bool(
        await pool.fetchval("SELECT EXISTS (SELECT 1 FROM programmes WHERE id = $1)", programme_id)
    )


async def due_for_purge(pool: asyncpg.Pool, now: datetime) -> list[str]:
    """The programmes whose end plus their retention is past at `now`, not purged yet."""
    return [r["id"] for r in await pool.fetch(_DUE, now)]


async def purge_programme(
    pool: asyncpg.Pool, programme_id: str, by: str = "retention"
) -> Purge | None:
    """Erase every participant of the programme, in one transaction; None for a programme this
    database has never filed (nothing changes). Purging again changes nothing and records
    nothing."""
    if not await exists(pool, programme_id):
        return None
    stream = programme_stream(programme_id)
    async with pool.acquire() as conn, conn.transaction():
        # A scheduled purge and a coordinator's may meet: the second waits, then finds nothing.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('purge:' || $1))", programme_id)
        ids = [r["id"] for r in await conn.fetch(_PARTICIPANTS, programme_id)]
        # The programme's stream too: a coordinator's reasons (matching revised) are on it.
        done = await forget(conn, ids, [stream])
        shredded = done.keys_shredded + await data_keys.shred(conn, [programme_key(programme_id)])
        purge = Purge(
            programme_id=programme_id,
            participants=done.participants,
            events_redacted=done.events_redacted,
            tasks_cleared=done.tasks_cleared,
            calendar_series=done.calendar_series,
            keys_shredded=shredded,
            recorded=False,
        )
        purged_before = await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM events WHERE type = $1 AND stream_name = $2)",
            EventType.PROGRAMME_PURGED.value,
            stream,
        )
        if purged_before and not any(purge.counts().values()):
            return purge
        # Last, just before commit: an append holds the log's append lock until then.
        await EventStore(conn).append(
            [
                NewEvent(
                    event_id=uuid.uuid4(),
                    stream_name=stream,
                    type=EventType.PROGRAMME_PURGED,
                    data=purge.counts(),
                    metadata={"by": by},
                )
            ]
        )
    return Purge(**{**asdict(purge), "recorded": True})
