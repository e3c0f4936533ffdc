"""The keyring every process builds from its settings and checks before it serves."""

from __future__ import annotations

import asyncpg

from credentials.envelope import parse_master_key
from credentials.keyring import Keyring
from settings import DEVELOPMENT_MASTER_KEY, Settings


def keyring_for(pool: asyncpg.Pool, settings: Settings) -> Keyring:
    return Keyring(pool, settings.master, settings.previous_masters, seals=settings.seal_texts)


async def checked_keyring(pool: asyncpg.Pool, settings: Settings) -> Keyring:
    """The settings' keyring; MasterKeyMismatch (naming TANDEM_MASTER_KEY) when the database's
    data keys were wrapped by a master key it does not hold."""
    keyring = keyring_for(pool, settings)
    await keyring.check()
    return keyring


def development_keyring(pool: asyncpg.Pool) -> Keyring:
    """What a process given no keyring seals with: the public development key, as with every
    development default (a production deployment always passes its own)."""
    return Keyring(pool, parse_master_key(DEVELOPMENT_MASTER_KEY))
