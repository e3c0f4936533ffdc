"""The `data_keys` table: wrapped data keys by key id, and their shredding."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import asyncpg

# A pool, or a connection inside a caller's transaction (an erasure's, a purge's).
Executor: TypeAlias = asyncpg.Pool | asyncpg.Connection


@dataclass(frozen=True)
class StoredKey:
    key_id: str
    wrapped: bytes | None  # None once shredded
    master_key: str | None

    @property
    def shredded(self) -> bool:
        return self.wrapped is None


def _stored(row: asyncpg.Record) -> StoredKey:
    wrapped = row["wrapped"]
    return StoredKey(row["key_id"], None if wrapped is None else bytes(wrapped), row["master_key"])


async def fetch(db: Executor, key_ids: Sequence[str]) -> dict[str, StoredKey]:
    rows = await db.fetch(
        "SELECT key_id, wrapped, master_key FROM data_keys WHERE key_id = ANY($1::text[])",
        list(key_ids),
    )
    return {r["key_id"]: _stored(r) for r in rows}


async def create(db: Executor, key_id: str, wrapped: bytes, master_key: str) -> StoredKey:
    """The key stored under `key_id`: this one, or the one another process stored first (or its
    shredded row: a person erased stays erased)."""
    # DO UPDATE (a no-op) rather than DO NOTHING: it waits for a concurrent first use and
    # returns the row that won, which a separate SELECT in this snapshot could not see.
    row = await db.fetchrow(
        """
        INSERT INTO data_keys (key_id, wrapped, master_key) VALUES ($1, $2, $3)
        ON CONFLICT (key_id) DO UPDATE SET key_id = data_keys.key_id
        RETURNING key_id, wrapped, master_key
        """,
        key_id,
        wrapped,
        master_key,
    )
    assert row is not None
    return _stored(row)


async def shred(db: Executor, key_ids: Sequence[str]) -> int:
    """Forget these keys for good (recorded as shredded even when none was made yet); returns how
    many held a key until now."""
    rows = await db.fetch(
        """
        WITH old AS (SELECT key_id, wrapped FROM data_keys WHERE key_id = ANY($1::text[]))
        INSERT INTO data_keys (key_id, wrapped, master_key, shredded_at)
        SELECT k, NULL, NULL, now() FROM unnest($1::text[]) AS k
        ON CONFLICT (key_id) DO UPDATE
            SET wrapped = NULL, master_key = NULL,
                shredded_at = coalesce(data_keys.shredded_at, now())
        RETURNING (SELECT old.wrapped IS NOT NULL FROM old WHERE old.key_id = data_keys.key_id)
            AS had_key
        """,
        list(dict.fromkeys(key_ids)),
    )
    return sum(1 for r in rows if r["had_key"])


async def masters_in_use(db: Executor) -> dict[str, int]:
    """How many live keys each master key (by fingerprint) wraps."""
    rows = await db.fetch(
        "SELECT master_key, count(*) AS n FROM data_keys WHERE wrapped IS NOT NULL "
        "GROUP BY master_key"
    )
    return {r["master_key"]: r["n"] for r in rows}


async def wrapped_by(db: Executor, master_key: str, limit: int) -> list[StoredKey]:
    rows = await db.fetch(
        "SELECT key_id, wrapped, master_key FROM data_keys WHERE master_key = $1 "
        "AND wrapped IS NOT NULL ORDER BY key_id LIMIT $2",
        master_key,
        limit,
    )
    return [_stored(r) for r in rows]


async def rewrap(db: Executor, old: StoredKey, wrapped: bytes, master_key: str) -> bool:
    """Replace one wrapping, unless the key changed meanwhile (shredded, or rewrapped already)."""
    done: str = await db.execute(
        "UPDATE data_keys SET wrapped = $3, master_key = $4 "
        "WHERE key_id = $1 AND master_key = $2 AND wrapped IS NOT NULL",
        old.key_id,
        old.master_key,
        wrapped,
        master_key,
    )
    return done.endswith(" 1")
