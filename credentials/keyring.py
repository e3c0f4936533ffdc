"""Sealing and opening typed texts with per-owner data keys kept in PostgreSQL.

Every process that reads or writes what people typed holds one `Keyring`: the web service (its
forms seal, its pages and the codec endpoint open), the worker (e-mails that quote a goal), the
command line (export, erasure, rotation) and a rehearsal. Unwrapped keys are kept a few seconds so
a page of fifty goals is one query; an erasure or a purge (store/personal_data.py,
store/retention.py, which shred keys in their own transaction) is seen by every process within
that time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import TypeVar

import asyncpg
import structlog

from credentials.envelope import (
    KeyUnusable,
    MasterKey,
    new_data_key,
    open_sealed,
    seal,
    unwrap,
    wrap,
)
from domain.sealed_text import ERASED, replace_sealed, sealed_in, sealed_key
from store import data_keys

log = structlog.get_logger(__name__)
T = TypeVar("T")

CACHE_SECONDS = 5.0
_REWRAP_BATCH = 500
_CACHE_SWEEP_SIZE = 256


class MasterKeyMismatch(RuntimeError):
    """Data keys wrapped by a master key the settings do not hold: named by its variable."""


class KeyUnavailable(RuntimeError):
    """A data key that is stored but does not unwrap with the master keys this process holds (the
    master key changed under a running service). Nothing is sealed with it, so nothing typed is
    stored as `[erased]` by mistake: the form says it was not sent, to send again."""


class Keyring:
    def __init__(
        self,
        pool: asyncpg.Pool,
        master: MasterKey,
        previous: Sequence[MasterKey] = (),
        *,
        cache_seconds: float = CACHE_SECONDS,
        seals: bool = True,
    ) -> None:
        self._pool = pool
        self.seals = seals
        self._master = master
        self._masters = {m.fingerprint: m for m in (master, *previous)}
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, bytes | None]] = {}

    # -- keys ---------------------------------------------------------------------------------

    async def check(self) -> None:
        """At start: every live data key is wrapped by a master key the settings hold."""
        unknown = set(await data_keys.masters_in_use(self._pool)) - set(self._masters)
        if unknown:
            raise MasterKeyMismatch(
                "TANDEM_MASTER_KEY: does not open the data keys stored in the database (they "
                "were wrapped by another master key). Set TANDEM_MASTER_KEY to that key, or while "
                "rotating, set the old one as TANDEM_PREVIOUS_MASTER_KEY."
            )

    def _forget_expired(self, now: float) -> None:
        """Drop what is past its few seconds, so a long-lived process holds only the keys it
        used lately (and no key of someone erased meanwhile)."""
        if len(self._cache) > _CACHE_SWEEP_SIZE:
            self._cache = {k: v for k, v in self._cache.items() if now - v[0] < self._cache_seconds}

    async def _keys(self, key_ids: Iterable[str]) -> dict[str, bytes | None]:
        now = time.monotonic()
        self._forget_expired(now)
        wanted = set(key_ids)
        found: dict[str, bytes | None] = {}
        missing = []
        for key_id in wanted:
            cached = self._cache.get(key_id)
            if cached is not None and now - cached[0] < self._cache_seconds:
                found[key_id] = cached[1]
            else:
                missing.append(key_id)
        if missing:
            stored = await data_keys.fetch(self._pool, missing)
            for key_id in missing:
                row = stored.get(key_id)
                key = None if row is None or row.wrapped is None else self._unwrap(row)
                found[key_id] = key
                self._cache[key_id] = (now, key)
        return found

    def _unwrap(self, row: data_keys.StoredKey) -> bytes | None:
        assert row.wrapped is not None
        master = self._masters.get(row.master_key or "")
        if master is None:
            log.error("keyring.unknown_master_key", key_id=row.key_id)
            return None
        try:
            return unwrap(master, row.key_id, row.wrapped)
        except KeyUnusable:
            log.error("keyring.key_does_not_open", key_id=row.key_id)
            return None

    async def _key_to_seal(self, key_id: str) -> bytes | None:
        """The data key `key_id`'s texts are sealed with (made on first use); None if shredded,
        `KeyUnavailable` if it is stored but does not unwrap."""
        self._forget_expired(time.monotonic())
        cached = self._cache.get(key_id)
        recent = cached is not None and time.monotonic() - cached[0] < self._cache_seconds
        if recent and cached is not None and cached[1] is not None:
            return cached[1]
        stored = (await data_keys.fetch(self._pool, [key_id])).get(key_id)
        if stored is None:
            fresh = new_data_key()
            stored = await data_keys.create(
                self._pool, key_id, wrap(self._master, key_id, fresh), self._master.fingerprint
            )
        if stored.wrapped is None:
            key = None
        elif (key := self._unwrap(stored)) is None:
            raise KeyUnavailable(
                f"the data key {key_id} does not open with TANDEM_MASTER_KEY (nor "
                "TANDEM_PREVIOUS_MASTER_KEY): nothing was sealed or sent"
            )
        self._cache[key_id] = (time.monotonic(), key)
        return key

    async def rotate(self) -> int:
        """Rewrap every data key wrapped by a previous master key with the current one."""
        rewrapped = 0
        for fingerprint, master in self._masters.items():
            if fingerprint == self._master.fingerprint:
                continue
            while batch := await data_keys.wrapped_by(self._pool, fingerprint, _REWRAP_BATCH):
                for row in batch:
                    assert row.wrapped is not None
                    key = unwrap(master, row.key_id, row.wrapped)
                    new = wrap(self._master, row.key_id, key)
                    if await data_keys.rewrap(self._pool, row, new, self._master.fingerprint):
                        rewrapped += 1
        return rewrapped

    # -- texts --------------------------------------------------------------------------------

    async def seal(self, key_id: str, text: str) -> str:
        """`text` sealed under `key_id`; blank stays "" (nothing was typed), and a text for an
        owner already erased is not kept at all."""
        if not text.strip():
            return ""
        if not self.seals:
            return text
        key = await self._key_to_seal(key_id)
        return ERASED if key is None else seal(key, key_id, text)

    async def open(self, value: str) -> str:
        return (await self.open_tree([value]))[0]

    async def open_tree(self, tree: T) -> T:
        """`tree` (JSON-like, or a list of records' dicts) with every sealed text opened, or
        `[erased]` where its key is gone. Anything else, plain texts of older events included,
        is returned as it is."""
        sealed = list(sealed_in(tree))
        if not sealed:
            return tree
        keys = await self._keys({k for s in sealed if (k := sealed_key(s)) is not None})

        def opened(value: str) -> str:
            key_id = sealed_key(value)
            if key_id is None:
                log.warning("keyring.text_not_sealed_properly")
                return ERASED
            key = keys.get(key_id)
            if key is None:
                return ERASED
            try:
                return open_sealed(key, value)
            except KeyUnusable:
                log.error("keyring.text_does_not_open", key_id=key_id)
                return ERASED

        result: T = replace_sealed(tree, opened)
        return result
