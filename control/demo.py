"""`make demo`: the embedded stack, offline — web pages, outbox, worker, Temporal UI.

Everyone in the sample programme is simulated except one mentee, whose e-mails wait in the outbox
for whoever runs the demo: open the outbox, follow a link, answer, and watch the run move in the
Temporal UI. Each demo starts from a fresh state, and one demo at a time runs from a TANDEM_HOME
(control/demo_lock.py): a second one is refused before anything is removed.

The console shows the addresses; the servers' lines go to TANDEM_HOME/logs/ (`--verbose` shows
them too). Ctrl-C or SIGTERM stops every server it started, PostgreSQL included.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from uvicorn import Server

from control.cli import CLI_LOCALE, Refused, err, out
from control.demo_console import DemoAddresses, LogFollower, addresses_panel
from control.demo_lock import DemoLock, DemoRunning, Holder
from control.launch import launch_programme
from control.participants import SimulatedCohort, WallClock, programme_finished, run_until
from credentials.passwords import hash_password
from devstack.ports import ensure_free
from devstack.postgres import start_postgres, stop_postgres
from devstack.smtp_sink import SmtpSink
from devstack.temporal import DevServer
from domain.programme import ProgrammeSpec, Role
from domain.simulation import Knobs
from i18n.translator import Translator
from logging_setup import log_to_file
from runtime.keys import checked_keyring
from runtime.retention_schedule import ensure_retention_schedule
from runtime.workers import build_worker, mail_settings
from settings import Settings, get_settings
from store.db import create_pool, migrate
from store.projections import Projector
from web.app import create_app
from web.codec_server import CodecSettings
from web.dashboard import DashboardSettings
from web.server import http_server
from workflows.programme import ProgrammeWorkflow


@dataclass(frozen=True)
class DemoPorts:
    web: int = 8000
    temporal: int = 7233
    ui: int = 8233
    smtp: int = 1025


async def run_demo(
    spec: ProgrammeSpec,
    day_seconds: int,
    *,
    ports: DemoPorts = DemoPorts(),
    simulate_everyone: bool = False,
    exit_when_done: bool = False,
    verbose: bool = False,
) -> None:
    settings = get_settings()
    home = settings.home.absolute()
    lock = DemoLock(home)
    try:
        lock.acquire()  # before anything under `home` is touched: it may be another demo's
    except DemoRunning as running:
        raise Refused(_already_running(running)) from None
    try:
        _stop_leftovers(lock.previous, home)
        for port, option in (
            (ports.web, "--web-port"),
            (ports.temporal, "--temporal-port"),
            (ports.ui, "--ui-port"),
            (ports.smtp, "--smtp-port"),
        ):
            ensure_free("127.0.0.1", port, option)
        # A fresh state each time: a stale run or outbox would not match the new database.
        shutil.rmtree(home / "outbox", ignore_errors=True)
        shutil.rmtree(home / "pg", ignore_errors=True)
        # With its journal: SQLite would replay a killed server's journal into the new file.
        for stale in home.glob("temporal.db*"):
            stale.unlink(missing_ok=True)
        await _run_stack(
            spec,
            day_seconds,
            settings=settings,
            home=home,
            lock=lock,
            ports=ports,
            simulate_everyone=simulate_everyone,
            exit_when_done=exit_when_done,
            verbose=verbose,
        )
    finally:
        lock.release()


def _already_running(running: DemoRunning) -> str:
    t = Translator(CLI_LOCALE)
    if running.holder.web is None:
        return t("cli.demo.already_running_no_address", home=str(running.home))
    return t("cli.demo.already_running", home=str(running.home), web=running.holder.web)


def _stop_leftovers(previous: Holder, home: Path) -> None:
    """Stop what a demo of `home` killed with kill -9 left running: its PostgreSQL, on the data
    about to be removed, and its Temporal server, on the ports the new one may want."""
    if previous.pid is None:  # the last demo stopped by itself, and stopped its servers
        return
    for pid in previous.servers:
        if _alive(pid) and str(home) in _command_line(pid):
            _end(pid)
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        stop_postgres(home / "pg")


def _end(pid: int, within: float = 15) -> None:
    """SIGTERM, then SIGKILL past `within`; returns once it is gone: a server still writing its
    database while the next demo's removes it would leave that one a corrupt file."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + within
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    while _alive(pid):
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return _state(pid) != "Z"  # a zombie is gone: only its parent's wait is missing


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


async def _run_stack(
    spec: ProgrammeSpec,
    day_seconds: int,
    *,
    settings: Settings,
    home: Path,
    lock: DemoLock,
    ports: DemoPorts,
    simulate_everyone: bool,
    exit_when_done: bool,
    verbose: bool,
) -> None:
    logs = home / "logs"
    log_to_file(logs / "tandem.log", settings.log_format, also_stderr=verbose)
    postgres_log = logs / "postgres.log"
    postgres_log.unlink(missing_ok=True)
    postgres_log.symlink_to(Path("..") / "pg" / "log")  # the wheel's server writes it there
    base_url = f"http://127.0.0.1:{ports.web}"
    ui_url = f"http://127.0.0.1:{ports.ui}"
    settings = settings.model_copy(update={"public_base_url": base_url})
    async with contextlib.AsyncExitStack() as stack:
        if verbose:
            stack.callback(LogFollower([logs / "temporal.log", postgres_log]).start().stop)
        with err.status("Starting PostgreSQL, Temporal, the SMTP sink and the web app…"):
            database_url, pg = start_postgres(home / "pg", persistent=False)
            stack.callback(pg.cleanup)
            sink = SmtpSink(port=ports.smtp, folder=home / "outbox", keep=False).start()
            stack.callback(sink.stop)
            temporal = DevServer(
                db_file=home / "temporal.db",
                port=ports.temporal,
                ui_port=ports.ui,
                log=logs / "temporal.log",
            )
            stack.callback(temporal.stop)
            client = await temporal.start()
            servers = (temporal.pid,) if temporal.pid is not None else ()
            lock.record(Holder(pid=os.getpid(), web=base_url, servers=servers))
            pool = await create_pool(database_url)
            stack.push_async_callback(pool.close)
            await migrate(pool)
        keyring = await checked_keyring(pool, settings)
        # A password for this demo only, shown below: the dashboard is never open without one.
        password = secrets.token_urlsafe(9)
        dashboard = DashboardSettings(password_hash=hash_password(password), temporal_ui_url=ui_url)
        web = http_server(
            create_app(
                client=client,
                pool=pool,
                secret=settings.secret.get_secret_value().encode(),
                previous_secrets=settings.previous_secrets,
                outbox_dir=home / "outbox",
                outbox_recipient=None if simulate_everyone else _left_to_you(spec),
                dashboard=dashboard,
                keyring=keyring,
                codec=CodecSettings(token=settings.codec_token_value, ui_url=ui_url),
            ),
            "127.0.0.1",
            ports.web,
            signals=False,  # Ctrl-C and SIGTERM stop the whole demo, in order (starter.py)
        )
        serving = asyncio.create_task(web.serve())
        stack.push_async_callback(_stopped, web, serving)
        stop_projecting = asyncio.Event()
        projecting = asyncio.create_task(Projector(pool).run(stop_projecting, poll_seconds=1))
        stack.push_async_callback(_until_done, stop_projecting, projecting)
        queue = settings.task_queue
        worker = build_worker(
            client, pool, mail_settings(settings, sink.url), queue, keyring=keyring
        )
        await stack.enter_async_context(worker)
        # As a deployment's worker does: the UI shows it, and `tandem programme purge` beside it.
        await ensure_retention_schedule(client, queue)
        launch = await launch_programme(client, pool, spec, queue, day_seconds)
        found = DemoAddresses(
            web=base_url,
            temporal_ui=ui_url,
            smtp=sink.url,
            password=password,
            workflow_id=launch.workflow_id,
        )
        out.print(addresses_panel(f"Tandem demo: {spec.name}", found))
        out.print(f"The servers' lines are in {_shown(logs)}/ (--verbose shows them here too).")
        you = next((p for p in spec.participants if p.role is Role.MENTEE), None)
        if you is not None and not simulate_everyone:
            out.print(
                f"You are {you.name} <{you.email}>: nobody answers their e-mails but you "
                "(everyone else is simulated).",
                markup=False,
            )
        out.print(f"One programme day lasts {day_seconds}s; press Ctrl-C to stop.")
        handle = client.get_workflow_handle_for(ProgrammeWorkflow.run, launch.workflow_id)
        cohort = SimulatedCohort(
            client,
            pool,
            spec,
            seed=uuid.uuid4().int % 1000,
            knobs=Knobs(),
            day_seconds=day_seconds,
            hands_off=frozenset(() if you is None or simulate_everyone else {you.id}),
            keyring=keyring,
        )

        async def finished() -> bool:
            return await programme_finished(handle)

        await run_until(
            cohort,
            WallClock(),
            finished,
            timedelta(seconds=max(0.5, day_seconds / 4)),
            max_steps=10**7,
        )
        summary = await handle.result()
        out.print(
            f"Programme completed: {summary.pairs_completed} pairs completed, "
            f"{summary.sessions_held} sessions held, {sink.received_count} e-mails."
        )
        if not exit_when_done:
            err.print("The stack stays up for the UI; Ctrl-C to stop.")
            await asyncio.Event().wait()


def _shown(path: Path) -> Path:
    """`path` as the user would type it: relative to where they are when it is below."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


async def _stopped(web: Server, serving: asyncio.Task[None]) -> None:
    web.should_exit = True
    await serving


async def _until_done(stop: asyncio.Event, task: asyncio.Task[None]) -> None:
    stop.set()
    await task


def _left_to_you(spec: ProgrammeSpec) -> str | None:
    """The address of the mentee nobody simulates: the outbox opens on their e-mails."""
    return next((p.email for p in spec.participants if p.role is Role.MENTEE), None)
