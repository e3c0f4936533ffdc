"""Tandem's event store against the `eventsourcing` library's PostgreSQL application recorder.

Both write to the same embedded PostgreSQL server, one event per append, each append checking the
stream's version (optimistic concurrency): Tandem passes `expected_version`, the recorder relies
on its primary key (originator id, version). Each writer owns a few streams and appends to them in
turn, so no append ever conflicts and the comparison is of the write path alone. The two sides run
in rounds, alternated (ABBA), so that a slower phase of the machine falls on both.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

import asyncpg

from domain.events import EventType, NewEvent, pair_stream
from store.db import create_pool, migrate
from store.events import NO_STREAM, ConcurrencyError, EventStore

STREAMS_PER_WRITER = 4
NAMESPACE = uuid.UUID("5b0c9d1e-7a8f-4c1e-9f3a-2d6b8e4a7c10")  # stream name -> originator id


@dataclass(frozen=True)
class Side:
    """One side's appends at one number of writers, over every round."""

    name: str
    writers: int
    events: int
    seconds: float
    latencies_ms: tuple[float, ...]

    @property
    def per_s(self) -> float:
        return self.events / self.seconds

    def percentile(self, q: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[q - 1]


def session_logged(row: str, writer: int, k: int, version: int) -> tuple[str, dict[str, Any]]:
    """The stream and data of a mentor's session log, as a pair's workflow appends it.

    `row` keeps each measurement's streams apart, so each starts from empty streams.
    """
    pair = f"{row}-{writer:02d}{k}"
    data = {
        "participant_id": f"bench-m{pair}",
        "session_number": version + 1,
        "held": True,
        "minutes": 60,
        "skills_covered": ["linkedin", "generative-ai"],
        "notes": "We went through the privacy settings and posted a first article. " * 3,
        "progress_rating": 4,
    }
    return pair_stream("bench", pair), data


def metadata(stream: str) -> dict[str, str]:
    return {"workflow_id": f"pair:{stream}", "occurred_at": "2027-01-11T09:00:00+00:00"}


# -- Tandem ---------------------------------------------------------------------------------------


async def tandem_writer(
    store: EventStore, row: str, writer: int, appends: int, base: int, latencies: list[float]
) -> None:
    for n in range(appends):
        k, version = n % STREAMS_PER_WRITER, base + n // STREAMS_PER_WRITER
        stream, data = session_logged(row, writer, k, version)
        event = NewEvent(
            event_id=uuid.uuid4(),
            stream_name=stream,
            type=EventType.SESSION_LOGGED,
            data=data,
            metadata=metadata(stream),
        )
        started = time.perf_counter()
        await store.append([event], expected_version=version - 1 if version else NO_STREAM)
        latencies.append((time.perf_counter() - started) * 1000)


async def tandem_round(store: EventStore, row: str, writers: int, appends: int, base: int) -> Side:
    latencies: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(tandem_writer(store, row, w, appends, base, latencies) for w in range(writers))
    )
    seconds = time.perf_counter() - started
    return Side("tandem", writers, writers * appends, seconds, tuple(latencies))


async def tandem_refuses_a_stale_append(store: EventStore) -> bool:
    stream, data = session_logged("stale", 0, 0, 0)
    event = NewEvent(event_id=uuid.uuid4(), stream_name=stream, type=EventType.SESSION_LOGGED)
    await store.append([event.model_copy(update={"data": data})], expected_version=NO_STREAM)
    try:
        await store.append(
            [event.model_copy(update={"event_id": uuid.uuid4(), "data": data})],
            expected_version=NO_STREAM,
        )
    except ConcurrencyError:
        return True
    return False


# -- eventsourcing ---------------------------------------------------------------------------------


class Recorder:
    """eventsourcing's PostgresApplicationRecorder, used as its applications use it."""

    def __init__(self, uri: str, pool_size: int) -> None:
        # Imported here: the library is a bench-only dependency (requirements/bench.txt).
        from eventsourcing.persistence import IntegrityError, StoredEvent
        from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

        parsed = urlparse(uri)
        host = parse_qs(parsed.query).get("host", [parsed.hostname or "localhost"])[0]
        self.datastore = PostgresDatastore(
            dbname=parsed.path.lstrip("/") or "postgres",
            host=host,
            port=parsed.port or 5432,
            user=parsed.username or "postgres",
            password=parsed.password or "",
            pool_size=pool_size,
        )
        self.recorder = PostgresApplicationRecorder(self.datastore)
        self.recorder.create_table()
        self.stored_event = StoredEvent
        self.integrity_error = IntegrityError

    def append(self, stream: str, version: int, data: dict[str, Any]) -> None:
        # The recorder stores bytes: the same JSON Tandem writes, data and metadata together.
        state = json.dumps({"data": data, "metadata": metadata(stream)}).encode()
        event = self.stored_event(
            originator_id=uuid.uuid5(NAMESPACE, stream),
            originator_version=version,
            topic=str(EventType.SESSION_LOGGED),
            state=state,
        )
        self.recorder.insert_events([event])

    def refuses_a_stale_append(self) -> bool:
        stream, data = session_logged("stale", 0, 0, 0)
        self.append(stream, 0, data)
        try:
            self.append(stream, 0, data)
        except self.integrity_error:
            return True
        return False

    def close(self) -> None:
        self.datastore.close()


def recorder_writer(
    recorder: Recorder, row: str, writer: int, appends: int, base: int, latencies: list[float]
) -> None:
    for n in range(appends):
        k, version = n % STREAMS_PER_WRITER, base + n // STREAMS_PER_WRITER
        stream, data = session_logged(row, writer, k, version)
        started = time.perf_counter()
        recorder.append(stream, version, data)
        latencies.append((time.perf_counter() - started) * 1000)


def recorder_round(recorder: Recorder, row: str, writers: int, appends: int, base: int) -> Side:
    # The recorder is synchronous: concurrent writers are threads, as in its own applications.
    latencies: list[float] = []
    threads = [
        threading.Thread(target=recorder_writer, args=(recorder, row, w, appends, base, latencies))
        for w in range(writers)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return Side("eventsourcing", writers, writers * appends, seconds, tuple(latencies))


# -- both, alternated ------------------------------------------------------------------------------


def merge(rounds: Sequence[Side]) -> Side:
    first = rounds[0]
    return Side(
        first.name,
        first.writers,
        sum(r.events for r in rounds),
        sum(r.seconds for r in rounds),
        tuple(x for r in rounds for x in r.latencies_ms),
    )


@dataclass(frozen=True)
class Comparison:
    rows: tuple[tuple[Side, Side], ...]  # (tandem, eventsourcing) per number of writers
    rounds: int
    appends: int  # per writer and round
    event_bytes: int
    refusals: tuple[bool, bool]  # each side refused a stale append


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def one_row(
    store: EventStore, recorder: Recorder, row: str, writers: int, rounds: int, appends: int
) -> tuple[Side, Side]:
    """Both sides at `writers` writers, `rounds` rounds each, alternated ABBA."""
    sides: dict[str, list[Side]] = {"tandem": [], "eventsourcing": []}
    for r in range(rounds):
        base = r * (appends // STREAMS_PER_WRITER)  # each stream's version when the round starts
        for name in ("tandem", "eventsourcing") if r % 2 == 0 else ("eventsourcing", "tandem"):
            if name == "tandem":
                side = await tandem_round(store, row, writers, appends, base)
            else:
                side = await asyncio.to_thread(
                    recorder_round, recorder, row, writers, appends, base
                )
            sides[name].append(side)
    return merge(sides["tandem"]), merge(sides["eventsourcing"])


async def compare(uri: str, writer_counts: Sequence[int], rounds: int, appends: int) -> Comparison:
    """Every row of the comparison on the server at `uri` (a fresh database)."""
    if appends % STREAMS_PER_WRITER:
        raise ValueError(f"appends per round must be a multiple of {STREAMS_PER_WRITER}")
    most = max(writer_counts)
    pool: asyncpg.Pool = await create_pool(uri, min_size=most, max_size=most)
    recorder = Recorder(uri, pool_size=most)
    try:
        await migrate(pool)
        store = EventStore(pool)
        refusals = (await tandem_refuses_a_stale_append(store), recorder.refuses_a_stale_append())
        # A warm-up round each: connections opened, statements prepared, caches filled.
        await one_row(store, recorder, "warm-up", most, 1, 2 * STREAMS_PER_WRITER)
        rows = []
        for writers in writer_counts:
            tandem, peer = await one_row(store, recorder, f"w{writers}", writers, rounds, appends)
            log(
                f"  {writers} writers: tandem {tandem.per_s:,.0f}/s, "
                f"eventsourcing {peer.per_s:,.0f}/s"
            )
            rows.append((tandem, peer))
        stream, data = session_logged("size", 0, 0, 0)
        size = len(json.dumps({"data": data, "metadata": metadata(stream)}))
        return Comparison(tuple(rows), rounds, appends, size, refusals)
    finally:
        recorder.close()
        await pool.close()
