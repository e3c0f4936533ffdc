"""The event store: one append-only table, streams within it, a global position across it.

Two guarantees the rest of the system leans on:

* Idempotent appends. Event ids are minted in workflow code, so a retried activity re-sends the
  same ids; an id already stored is never written again and its original position is returned.
* Position order is commit order. Every append takes one transaction-scoped advisory lock, so no
  transaction can commit a smaller position after a larger one is visible. A projection reading
  `read_all(after_position=last_seen)` therefore never skips an event (positions may have gaps
  from rolled-back appends; they never arrive late).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

import asyncpg

from domain.events import NewEvent, RecordedEvent, pair_stream, programme_stream
from store.db import json_dumps

ANY: int = -2  # append whatever the stream's version
NO_STREAM: int = -1  # the stream must not exist yet; also the "version" of an absent stream

# Arbitrary constant for the append lock ("tandem-e" in ASCII).
_APPEND_LOCK_KEY = 0x74616E64656D2D65

_COLUMNS = (
    "position, event_id, stream_name, stream_position, type, schema_version, data, metadata, "
    "recorded_at"
)


class ConcurrencyError(Exception):
    """The stream moved on since the caller read it."""

    def __init__(self, stream_name: str, expected: int, actual: int) -> None:
        self.stream_name = stream_name
        self.expected = expected
        self.actual = actual
        super().__init__(
            f"stream {stream_name!r}: expected version {_describe(expected)}, "
            f"actual version {_describe(actual)}"
        )


def _describe(version: int) -> str:
    return "NO_STREAM (-1)" if version == NO_STREAM else str(version)


def _to_recorded(row: asyncpg.Record) -> RecordedEvent:
    return RecordedEvent(
        position=row["position"],
        # asyncpg returns its own UUID subclass; a plain UUID compares, hashes and pickles as
        # every other layer expects.
        event_id=UUID(int=row["event_id"].int),
        stream_name=row["stream_name"],
        stream_position=row["stream_position"],
        type=row["type"],
        schema_version=row["schema_version"],
        data=row["data"],
        metadata=row["metadata"],
        recorded_at=row["recorded_at"],
    )


def _like_prefix(prefix: str) -> str:
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + "%"


class EventStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def append(
        self,
        events: Sequence[NewEvent],
        *,
        expected_version: int = ANY,
        metadata: Mapping[str, str] | None = None,
    ) -> list[int]:
        """Append `events` in one transaction; returns their global positions in input order.

        `expected_version` is ANY, NO_STREAM, or the stream's current last stream_position; it is
        only allowed when every event targets the same stream. `metadata` is added to every
        event's metadata (an event's own keys win: they are the more specific).
        """
        if not events:
            return []
        if expected_version < ANY:
            raise ValueError(f"invalid expected_version {expected_version}")
        streams = {e.stream_name for e in events}
        if expected_version != ANY and len(streams) > 1:
            raise ValueError(
                "expected_version needs a single stream; got " + ", ".join(sorted(streams))
            )

        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _APPEND_LOCK_KEY)

            ids = [e.event_id for e in events]
            positions: dict[UUID, int] = {
                UUID(int=r["event_id"].int): r["position"]
                for r in await conn.fetch(
                    "SELECT event_id, position FROM events WHERE event_id = ANY($1::uuid[])", ids
                )
            }
            # First occurrence wins when a batch repeats an id.
            new: dict[UUID, NewEvent] = {}
            for e in events:
                if e.event_id not in positions and e.event_id not in new:
                    new[e.event_id] = e
            if not new:
                return [positions[i] for i in ids]  # a retry of a committed append

            versions = await self._stream_versions(conn, {e.stream_name for e in new.values()})
            if expected_version != ANY:
                (stream,) = streams
                if versions[stream] != expected_version:
                    raise ConcurrencyError(stream, expected_version, versions[stream])

            positions.update(await self._insert(conn, list(new.values()), versions, metadata))
        return [positions[i] for i in ids]

    @staticmethod
    async def _stream_versions(conn: asyncpg.Connection, streams: set[str]) -> dict[str, int]:
        """Last stream_position of each stream, NO_STREAM for a stream with no event yet."""
        rows = await conn.fetch(
            """
            SELECT s.name, coalesce(
                (SELECT max(stream_position) FROM events WHERE stream_name = s.name), -1
            ) AS version
            FROM unnest($1::text[]) AS s(name)
            """,
            list(streams),
        )
        return {r["name"]: r["version"] for r in rows}

    @staticmethod
    async def _insert(
        conn: asyncpg.Connection,
        events: list[NewEvent],
        versions: dict[str, int],
        metadata: Mapping[str, str] | None,
    ) -> dict[UUID, int]:
        next_in_stream = {name: version + 1 for name, version in versions.items()}
        stream_positions = []
        for e in events:
            stream_positions.append(next_in_stream[e.stream_name])
            next_in_stream[e.stream_name] += 1
        extra = dict(metadata or {})
        # One round trip for the whole batch: columns as arrays, json as text cast server-side.
        # ORDER BY ord makes the identity values follow input order, so within a stream
        # stream_position and position agree.
        rows = await conn.fetch(
            """
            INSERT INTO events
                (event_id, stream_name, stream_position, type, schema_version, data, metadata)
            SELECT event_id, stream_name, stream_position, type, schema_version,
                   data::jsonb, metadata::jsonb
            FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::int[],
                        $6::text[], $7::text[])
                 WITH ORDINALITY
                 AS t(event_id, stream_name, stream_position, type, schema_version,
                      data, metadata, ord)
            ORDER BY ord
            RETURNING event_id, position
            """,
            [e.event_id for e in events],
            [e.stream_name for e in events],
            stream_positions,
            [str(e.type) for e in events],
            [e.schema_version for e in events],
            [json_dumps(e.data) for e in events],
            [json_dumps({**extra, **e.metadata}) for e in events],
        )
        return {UUID(int=r["event_id"].int): r["position"] for r in rows}

    async def read_stream(self, stream_name: str) -> list[RecordedEvent]:
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM events WHERE stream_name = $1 ORDER BY stream_position",
            stream_name,
        )
        return [_to_recorded(r) for r in rows]

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM events WHERE position > $1 ORDER BY position LIMIT $2",
            after_position,
            limit,
        )
        return [_to_recorded(r) for r in rows]

    async def read_programme(self, programme_id: str) -> list[RecordedEvent]:
        """Every event of one programme, in log order: its stream, its pairs' and its people's."""
        rows = await self._pool.fetch(
            f"""
            SELECT {_COLUMNS} FROM events
            WHERE stream_name = $1
               OR stream_name LIKE $2
               OR stream_name IN (
                   SELECT stream_name FROM events
                   WHERE type = 'ParticipantEnrolled' AND data->>'programme_id' = $3
               )
            ORDER BY position
            """,
            programme_stream(programme_id),
            _like_prefix(pair_stream(programme_id, "")),
            programme_id,
        )
        # `pair-pilote-%` also matches programme `pilote-2027`'s pairs: a pair id is digits only.
        pairs = pair_stream(programme_id, "")
        return [
            _to_recorded(r)
            for r in rows
            if not r["stream_name"].startswith(pairs)
            or r["stream_name"].removeprefix(pairs).isdigit()
        ]

    async def count(self, stream_prefix: str | None = None) -> int:
        if stream_prefix is None:
            n = await self._pool.fetchval("SELECT count(*) FROM events")
        else:
            n = await self._pool.fetchval(
                "SELECT count(*) FROM events WHERE stream_name LIKE $1",
                _like_prefix(stream_prefix),
            )
        return int(n)

    async def latest_by_type(
        self, event_type: str, stream_names: Sequence[str]
    ) -> dict[str, RecordedEvent]:
        """The newest event of `event_type` in each stream that has one."""
        if not stream_names:
            return {}
        rows = await self._pool.fetch(
            f"""
            SELECT DISTINCT ON (stream_name) {_COLUMNS}
            FROM events
            WHERE type = $1 AND stream_name = ANY($2::text[])
            ORDER BY stream_name, position DESC
            """,
            str(event_type),
            list(stream_names),
        )
        return {r["stream_name"]: _to_recorded(r) for r in rows}

    async def stream_names(self, prefix: str) -> list[str]:
        rows = await self._pool.fetch(
            "SELECT DISTINCT stream_name FROM events WHERE stream_name LIKE $1 ORDER BY 1",
            _like_prefix(prefix),
        )
        return [r["stream_name"] for r in rows]
