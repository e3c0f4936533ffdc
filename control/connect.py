"""Client-side connections for the CLI: Temporal and the database, configured or embedded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from temporalio.client import Client

from client.connection import connect_client
from control.cli import CLI_LOCALE
from devstack.stack import resolve_services
from i18n.translator import Translator
from settings import Settings, get_settings
from store.db import create_pool, migrate


@asynccontextmanager
async def connected() -> AsyncIterator[tuple[Client, asyncpg.Pool, Settings]]:
    settings = get_settings()
    services = await resolve_services(settings)
    try:
        client = await connect_client(services.temporal_address, settings.namespace)
    except RuntimeError:
        # One sentence: the transport's own error (a tonic dump) tells a coordinator nothing.
        t = Translator(CLI_LOCALE)
        raise RuntimeError(
            t(
                "cli.temporal_unreachable",
                address=services.temporal_address,
                variable=_variable("temporal_address"),
            )
        ) from None
    pool = await create_pool(services.database_url)
    try:
        await migrate(pool)
        yield client, pool, settings
    finally:
        await pool.close()


@asynccontextmanager
async def database() -> AsyncIterator[asyncpg.Pool]:
    """The database alone, migrated: for commands that need no Temporal server."""
    settings = get_settings()
    services = await resolve_services(settings)
    pool = await create_pool(services.database_url)
    try:
        await migrate(pool)
        yield pool
    finally:
        await pool.close()


def _variable(setting: str) -> str:
    """The environment variable that sets `setting`, as the operator writes it."""
    alias = Settings.model_fields[setting].validation_alias
    return alias if isinstance(alias, str) else f"TANDEM_{setting.upper()}"
