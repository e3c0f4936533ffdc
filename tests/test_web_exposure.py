"""`tandem web` attacked as an outsider would, in both log formats: malformed sign-in posts and
thirty wrong passwords answer 4xx, never 5xx; the lockout holds against the right password; and
the deployment secret never reaches the log."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from credentials.passwords import hash_password
from devstack.ports import free_port
from tests.dashboard_helpers import form_token
from tests.lifecycle_helpers import eventually

ROOT = Path(__file__).resolve().parent.parent
SECRET = "known-secret-0123456789abcdef-do-not-log"
PASSWORD = "the bootstrap password"


@asynccontextmanager
async def tandem_web(
    env: WorkflowEnvironment, database_url: str, tmp_path: Path, log_format: str
) -> AsyncIterator[tuple[str, Path]]:
    """`tandem web` as an operator starts it; yields its address and its log file."""
    port = free_port()
    log = tmp_path / f"web-{log_format}.log"
    variables = {
        "DATABASE_URL": database_url,
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "SMTP_URL": "smtp://127.0.0.1:1",  # a real mail server: no outbox, no embedded sink
        "TANDEM_SECRET": SECRET,
        "TANDEM_LOG_FORMAT": log_format,
        "TANDEM_HOME": str(tmp_path / "home"),
        "TANDEM_COORDINATOR_PASSWORD_HASH": hash_password(PASSWORD),
    }
    with log.open("w") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "starter",
            "web",
            "--port",
            str(port),
            cwd=ROOT,
            env={**os.environ, **variables},
            stdout=sink,
            stderr=asyncio.subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            async with httpx.AsyncClient(base_url=base) as http:

                async def answering() -> bool:
                    assert process.returncode is None, log.read_text()
                    try:
                        return (await http.get("/healthz")).status_code == 200
                    except httpx.TransportError:
                        return False

                await eventually(answering, "tandem web's /healthz", within=30)
            yield base, log
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=30)


@pytest.mark.parametrize("log_format", ["console", "json"])
async def test_malformed_posts_and_guessing_get_4xx_and_the_secret_stays_out_of_the_log(
    env: WorkflowEnvironment, database_url: str, tmp_path: Path, log_format: str
) -> None:
    async with (
        tandem_web(env, database_url, tmp_path, log_format) as (base, log),
        httpx.AsyncClient(base_url=base) as http,
    ):
        login = await http.get("/coordinator/login")
        token = form_token(login.text)
        for forged in ("é", "\x00", "x" * 1_000_000, ""):
            answer = await http.post(
                "/coordinator/login",
                data={"csrf_token": forged, "email": "admin", "password": PASSWORD},
            )
            assert answer.status_code == 403, (forged[:10], answer.status_code)
        statuses = []
        for attempt in range(30):
            answer = await http.post(
                "/coordinator/login",
                data={"csrf_token": token, "email": "admin", "password": f"wrong {attempt}"},
            )
            statuses.append(answer.status_code)
        assert max(statuses) < 500, statuses
        assert 429 in statuses[:29], statuses
        right = await http.post(
            "/coordinator/login",
            data={"csrf_token": token, "email": "admin", "password": PASSWORD},
        )
        assert right.status_code == 429 and int(right.headers["Retry-After"]) >= 1
        assert "tandem_coordinator" not in right.cookies
    text = log.read_text()
    assert "dashboard.login_refused" in text  # the log was written, in this format
    assert SECRET not in text
    assert "Traceback" not in text  # nothing failed
