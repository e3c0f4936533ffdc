"""Connection pool and schema migrations.

Migrations are plain SQL files, `store/migrations/NNNN_name.sql`, applied once each in numeric
order. Several processes (worker, web, CLI) may start together against a fresh database, so
`migrate` holds a session advisory lock while it works: the second caller waits, then finds
nothing left to do.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import asyncpg

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[A-Za-z0-9_\-]+\.sql$")

# Arbitrary constant shared by every process running migrations ("tandem-m" in ASCII).
_MIGRATE_LOCK_KEY = 0x74616E64656D2D6D


def json_dumps(value: Any) -> str:
    # default=str: datetimes, UUIDs and enums in free-form dicts become their text form.
    return json.dumps(value, default=str)


async def _init_connection(conn: asyncpg.Connection) -> None:
    for type_name in ("jsonb", "json"):
        await conn.set_type_codec(
            type_name, encoder=json_dumps, decoder=json.loads, schema="pg_catalog", format="text"
        )


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections read and write json/jsonb as Python values."""
    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=_init_connection, reset=_keep_session
    )


async def _keep_session(conn: asyncpg.Connection) -> None:
    """What a released connection needs undone, beyond the open transaction asyncpg rolls back.

    Nothing: this code keeps session state to transactions (`SET LOCAL`, transaction-scoped
    advisory locks) and releases the migration lock itself. asyncpg's default reset (advisory
    unlock, CLOSE ALL, UNLISTEN, RESET ALL) was one more round trip per query or step, the
    largest single cost in a worker's socket writes.
    """


def migration_files(directory: Path = MIGRATIONS_DIR) -> list[Path]:
    """The migration files in the order they must run; a misnamed .sql file is an error."""
    files = []
    for path in directory.glob("*.sql"):
        if not _MIGRATION_NAME.match(path.name):
            raise ValueError(f"migration file {path.name!r} is not named NNNN_name.sql")
        files.append(path)
    files.sort(key=lambda p: (int(p.name[:4]), p.name))
    numbers = [p.name[:4] for p in files]
    if len(numbers) != len(set(numbers)):
        raise ValueError(f"two migration files share a number: {sorted(numbers)}")
    return files


async def migrate(pool: asyncpg.Pool) -> list[str]:
    """Apply the migrations not yet applied; returns their file names (empty when up to date)."""
    applied_now: list[str] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATE_LOCK_KEY)
        try:
            await conn.execute(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name       text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """
            )
            done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
            for path in migration_files():
                if path.name in done:
                    continue
                # Each file in its own transaction: a failing file leaves no half-applied schema,
                # and the ones before it stay applied.
                async with conn.transaction():
                    await conn.execute(path.read_text(encoding="utf-8"))
                    await conn.execute(
                        "INSERT INTO schema_migrations (name) VALUES ($1)", path.name
                    )
                applied_now.append(path.name)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATE_LOCK_KEY)
    return applied_now
