"""The event store: one append-only table, streams within it, a global position across it.

Two guarantees the rest of the system leans on:

* Idempotent appends. Event ids are minted in workflow code, so a retried activity re-sends the
  same ids; an id already stored is never written again and its original position is returned.
* Position order is commit order. Every append takes one transaction-scoped advisory lock (in
  the `tandem_append_events` function, migration 0006), so no transaction can commit a smaller
  position after a larger one is visible. A projection reading `read_all(after_position=...)`
  therefore never skips an event (positions may have gaps from rolled-back appends; they never
  arrive late).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

import asyncpg

from domain.events import NewEvent, RecordedEvent, pair_stream, programme_stream
from store.db import json_dumps

ANY: int = -2  # append whatever the stream's version
NO_STREAM: int = -1  # the stream must not exist yet; also the "version" of an absent stream

# Raised by tandem_append_events when `expected_version` does not match the stream.
_STREAM_MOVED = "TD001"

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
    # A connection, for an append inside the caller's transaction (a purge's).
    def __init__(self, pool: asyncpg.Pool | asyncpg.Connection) -> None:
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

        extra = dict(metadata or {})
        try:
            # One statement, one round trip: the function (migration 0006) takes the append lock,
            # skips ids already stored, numbers each stream and checks `expected_version`.
            rows = await self._pool.fetch(
                "SELECT out_id, out_position FROM tandem_append_events("
                "$1::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7)",
                [e.event_id for e in events],
                [e.stream_name for e in events],
                [str(e.type) for e in events],
                [e.schema_version for e in events],
                [json_dumps(e.data) for e in events],
                [json_dumps({**extra, **e.metadata}) for e in events],
                expected_version,
            )
        except asyncpg.PostgresError as error:
            if getattr(error, "sqlstate", None) == _STREAM_MOVED:
                actual = int(getattr(error, "detail", None) or NO_STREAM)
                raise ConcurrencyError(events[0].stream_name, expected_version, actual) from None
            raise
        return [int(r["out_position"]) for r in rows]

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

    async def read_programme(
        self, programme_id: str, types: Sequence[str] | None = None
    ) -> list[RecordedEvent]:
        """Every event of one programme, in log order: its stream, its pairs' and its people's;
        only those of `types` when given (a following wave reads three types of its pilot's)."""
        rows = await self._pool.fetch(
            f"""
            SELECT {_COLUMNS} FROM events
            WHERE (stream_name = $1
               OR stream_name LIKE $2
               OR stream_name IN (
                   SELECT stream_name FROM events
                   WHERE type = 'ParticipantEnrolled' AND data->>'programme_id' = $3
               ))
              AND ($4::text[] IS NULL OR type = ANY($4::text[]))
            ORDER BY position
            """,
            programme_stream(programme_id),
            _like_prefix(pair_stream(programme_id, "")),
            programme_id,
            None if types is None else [str(t) for t in types],
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
