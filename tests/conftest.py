"""Real servers for the tests: embedded PostgreSQL, an aiosmtpd sink, Temporal's test servers."""

from __future__ import annotations

import io
import itertools
import logging
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from devstack.postgres import start_postgres
from devstack.smtp_sink import SmtpSink
from devstack.temporal import start_time_skipping
from logging_setup import configure_logging, formatter
from store.db import create_pool, migrate
from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS
from tests.lifecycle_helpers import Stack, running_stack

_db_counter = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    with tempfile.TemporaryDirectory(prefix="tandem-pg-") as tmp:
        _, server = start_postgres(Path(tmp) / "data", persistent=False)
        yield server
        server.cleanup()


@pytest.fixture(scope="session")
def pg_uri(pg_server: object) -> str:
    return str(pg_server.get_uri())  # type: ignore[attr-defined]


@pytest.fixture
async def database_url(pg_server: object, pg_uri: str) -> AsyncIterator[str]:
    """A fresh, migrated database for one test."""
    name = f"test_{next(_db_counter)}"
    admin = await asyncpg.connect(pg_uri)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = str(pg_server.get_uri(name))  # type: ignore[attr-defined]
    pool = await create_pool(url)
    try:
        await migrate(pool)
    finally:
        await pool.close()
    yield url


@pytest.fixture
async def empty_database(pg_server: object, pg_uri: str) -> AsyncIterator[str]:
    """A database with no schema at all: never migrated."""
    name = f"empty_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(pg_uri)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield str(pg_server.get_uri(name))  # type: ignore[attr-defined]


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    p = await create_pool(database_url)
    try:
        yield p
    finally:
        await p.close()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own.

    One starts in about 0.15 s. Sharing one between tests would share its clock, carry over any
    clock lock that a terminated workflow's activity left behind, and make each later test pay
    for the earlier ones: the server's bookkeeping of time locks only grows.
    """
    server = await start_time_skipping()
    try:
        yield server
    finally:
        await server.shutdown()


@pytest.fixture
async def stack(
    env: WorkflowEnvironment, pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> AsyncIterator[Stack]:
    async with running_stack(env, pool, smtp_sink) as s:
        yield s


@pytest.fixture(scope="module")
def oidc_provider() -> Iterator[Any]:
    """A real OpenID provider (the npm package oidc-provider) for one test module, as an
    `OidcPeer` (tests/oidc_peer.py). Skipped without node, except where TANDEM_REQUIRE_BROWSER=1."""
    from tests.oidc_peer import running_provider

    with running_provider() as peer:
        yield peer


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    """Debian's chromium for one test module (see tests/browser_helpers.py)."""
    async_api = pytest.importorskip("playwright.async_api")
    async with async_api.async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """Every log line of the test, as the production JSON format writes it."""
    configure_logging("INFO", "json")
    captured = io.StringIO()
    handler = logging.StreamHandler(captured)
    handler.setFormatter(formatter("json"))
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield captured
    finally:
        root.removeHandler(handler)
        configure_logging("WARNING")
