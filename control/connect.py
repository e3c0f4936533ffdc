"""Client-side connections for the CLI: Temporal and the database, configured or embedded."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from temporalio.client import Client

from client.connection import connect_client
from devstack.stack import resolve_services
from settings import Settings, get_settings
from store.db import create_pool, migrate


@asynccontextmanager
async def connected() -> AsyncIterator[tuple[Client, asyncpg.Pool, Settings]]:
    settings = get_settings()
    services = await resolve_services(settings)
    client = await connect_client(services.temporal_address, settings.namespace)
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
