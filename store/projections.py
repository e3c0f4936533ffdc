"""The projector: folds new events into the read models, exactly once (DESIGN §5).

A batch is one transaction: lock the checkpoint row, read the events after it, load the rows they
touch, fold (domain/read_models.py), write the rows back and move the checkpoint. A second
projector waits on the checkpoint's lock and then starts after the first one's batch, so no event
is ever applied twice. Appends are serialised (store/events.py), so position order is commit
order and no event can appear behind a checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any

import asyncpg
import structlog

from domain.read_models import (
    LoggedEvent,
    PairRow,
    ProgrammeRow,
    ReadModels,
    SessionRow,
    SurveyRow,
    TaskRow,
    fold,
    keys,
    task_of,
)

log = structlog.get_logger(__name__)

NAME = "read_models"
CHANNEL = "tandem_events"
BATCH = 5_000

_TABLES: dict[str, tuple[type[Any], tuple[str, ...]]] = {
    "rm_programmes": (ProgrammeRow, ("programme_id",)),
    "rm_pairs": (PairRow, ("programme_id", "pair_id")),
    "rm_sessions": (SessionRow, ("programme_id", "pair_id", "number")),
    "rm_tasks": (TaskRow, ("task_id",)),
    "rm_surveys": (SurveyRow, ("programme_id", "pair_id", "participant_id", "survey")),
}


def _columns(row_type: type[Any]) -> list[str]:
    return [f.name for f in dataclasses.fields(row_type)]


class Projector:
    def __init__(self, pool: asyncpg.Pool, batch_size: int = BATCH) -> None:
        self._pool = pool
        self._batch_size = batch_size

    async def catch_up(self, on_batch: Callable[[int], None] = lambda _: None) -> int:
        """Apply every event recorded so far; returns how many this call applied."""
        applied = 0
        while n := await self._apply_batch():
            applied += n
            on_batch(n)
        return applied

    async def rebuild(self, on_batch: Callable[[int], None] = lambda _: None) -> int:
        """Forget the read models and fold the whole log again."""
        async with self._pool.acquire() as conn, conn.transaction():
            await self._lock_checkpoint(conn)
            await conn.execute("TRUNCATE " + ", ".join(_TABLES))
            await conn.execute(
                "UPDATE projection_checkpoints SET position = 0, updated_at = now() "
                "WHERE name = $1",
                NAME,
            )
        return await self.catch_up(on_batch)

    async def lag(self) -> tuple[int, int]:
        """(checkpoint, last event position): how far the read models are behind."""
        row = await self._pool.fetchrow(
            "SELECT (SELECT position FROM projection_checkpoints WHERE name = $1) AS checkpoint, "
            "coalesce((SELECT max(position) FROM events), 0) AS head",
            NAME,
        )
        return int(row["checkpoint"]), int(row["head"])

    async def run(self, stop: asyncio.Event, poll_seconds: float = 2.0) -> None:
        """Follow the log until `stop`: woken by each append, polling as a fallback."""
        woken = asyncio.Event()

        def wake(*_: object) -> None:
            woken.set()

        listener = await self._pool.acquire()
        await listener.add_listener(CHANNEL, wake)
        try:
            while not stop.is_set():
                woken.clear()
                try:
                    applied = await self.catch_up()
                except Exception:
                    # The batch rolled back; the next poll tries again. Raised, it ended the
                    # following task unseen until shutdown, and the dashboard silently froze.
                    log.exception("projections.failed")
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), timeout=poll_seconds)
                    continue
                if applied:
                    log.info("projections.caught_up", applied=applied)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(_first(woken, stop), timeout=poll_seconds)
        finally:
            await listener.remove_listener(CHANNEL, wake)
            await self._pool.release(listener)

    async def _apply_batch(self) -> int:
        async with self._pool.acquire() as conn, conn.transaction():
            checkpoint = await self._lock_checkpoint(conn)
            rows = await conn.fetch(
                """
                SELECT position, stream_name, type, data::text AS data,
                       coalesce(metadata->>'workflow_id', '') AS workflow_id,
                       metadata->>'occurred_at' AS occurred_at
                FROM events WHERE position > $1 ORDER BY position LIMIT $2
                """,
                checkpoint,
                self._batch_size,
            )
            if not rows:
                return 0
            events = [
                LoggedEvent.of(
                    r["position"],
                    r["stream_name"],
                    r["type"],
                    json.loads(r["data"]),
                    r["workflow_id"],
                    r["occurred_at"],
                )
                for r in rows
            ]
            models = await self._load(conn, events)
            fold(models, events)
            await self._save(conn, models)
            await conn.execute(
                "UPDATE projection_checkpoints SET position = $2, updated_at = now() "
                "WHERE name = $1",
                NAME,
                events[-1].position,
            )
            return len(events)

    @staticmethod
    async def _lock_checkpoint(conn: asyncpg.Connection) -> int:
        position = await conn.fetchval(
            "SELECT position FROM projection_checkpoints WHERE name = $1 FOR UPDATE", NAME
        )
        return int(position)

    @staticmethod
    async def _load(conn: asyncpg.Connection, events: Sequence[LoggedEvent]) -> ReadModels:
        programmes: set[str] = set()
        pairs: set[tuple[str, str]] = set()
        tasks: set[str] = set()
        for event in events:
            programme, pair, _ = keys(event)
            task = task_of(event)
            if programme:
                programmes.add(programme)
            if task:
                tasks.add(task)
            elif pair:
                pairs.add(pair)
        models = ReadModels()
        for r in await conn.fetch(
            "SELECT * FROM rm_programmes WHERE programme_id = ANY($1::text[])", list(programmes)
        ):
            models.programmes[r["programme_id"]] = ProgrammeRow(**dict(r))
        programme_of, pair_of = [p for p, _ in pairs], [q for _, q in pairs]
        matching = "(programme_id, pair_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))"
        for r in await conn.fetch(
            f"SELECT * FROM rm_pairs WHERE {matching}", programme_of, pair_of
        ):
            models.pairs[(r["programme_id"], r["pair_id"])] = PairRow(**dict(r))
        for r in await conn.fetch(
            f"SELECT * FROM rm_sessions WHERE {matching}", programme_of, pair_of
        ):
            models.sessions[(r["programme_id"], r["pair_id"], r["number"])] = SessionRow(**dict(r))
        for r in await conn.fetch(
            "SELECT * FROM rm_tasks WHERE task_id = ANY($1::text[])", list(tasks)
        ):
            models.tasks[r["task_id"]] = TaskRow(**dict(r))
        # Survey rows need no loading: each answer writes its whole row.
        return models

    @staticmethod
    async def _save(conn: asyncpg.Connection, models: ReadModels) -> None:
        for table, rows in (
            ("rm_programmes", models.programmes.values()),
            ("rm_pairs", models.pairs.values()),
            ("rm_sessions", models.sessions.values()),
            ("rm_tasks", models.tasks.values()),
            ("rm_surveys", models.surveys.values()),
        ):
            row_type, key = _TABLES[table]
            columns = _columns(row_type)
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in key)
            payload = [vars(r) for r in rows]  # flat rows; the pool's codec encodes jsonb
            # One statement a table: the rows travel as one JSON array.
            await conn.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"SELECT {', '.join(columns)} FROM jsonb_populate_recordset(NULL::{table}, $1) "
                f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}",
                payload,
            )


async def _first(woken: asyncio.Event, stop: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(woken.wait()), asyncio.ensure_future(stop.wait())]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waits:
            w.cancel()


async def dump(pool: asyncpg.Pool) -> dict[str, list[dict[str, Any]]]:
    """Every read-model row, in key order: what a rebuild must reproduce exactly."""
    found: dict[str, list[dict[str, Any]]] = {}
    for table, (_, key) in _TABLES.items():
        rows = await pool.fetch(f"SELECT * FROM {table} ORDER BY {', '.join(key)}")
        found[table] = [dict(r) for r in rows]
    return found
