"""`make demo`: the embedded stack, offline — web pages, outbox, worker, Temporal UI.

Everyone in the sample programme is simulated except one mentee, whose e-mails wait in the outbox
for whoever runs the demo: open the outbox, follow a link, answer, and watch the run move in the
Temporal UI. Each demo starts from a fresh state.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import sys
import uuid
from dataclasses import dataclass
from datetime import timedelta

from control.launch import launch_programme
from control.participants import SimulatedCohort, WallClock, programme_finished, run_until
from credentials.passwords import hash_password
from devstack.ports import ensure_free
from devstack.postgres import start_postgres
from devstack.smtp_sink import SmtpSink
from devstack.temporal import start_dev_server
from domain.programme import ProgrammeSpec, Role
from domain.simulation import Knobs
from runtime.workers import build_worker, mail_settings
from settings import get_settings
from store.db import create_pool, migrate
from store.projections import Projector
from web.app import create_app
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
) -> None:
    for port, option in (
        (ports.web, "--web-port"),
        (ports.temporal, "--temporal-port"),
        (ports.ui, "--ui-port"),
        (ports.smtp, "--smtp-port"),
    ):
        ensure_free("127.0.0.1", port, option)
    settings = get_settings()
    home = settings.home
    # A fresh state each time: a stale run or outbox would not match the new database.
    shutil.rmtree(home / "outbox", ignore_errors=True)
    shutil.rmtree(home / "pg", ignore_errors=True)
    (home / "temporal.db").unlink(missing_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    base_url = f"http://127.0.0.1:{ports.web}"
    settings = settings.model_copy(update={"public_base_url": base_url})
    database_url, pg = start_postgres(home / "pg", persistent=False)
    sink = SmtpSink(port=ports.smtp, folder=home / "outbox", keep=False).start()
    env = await start_dev_server(
        db_file=str(home / "temporal.db"), port=ports.temporal, ui_port=ports.ui
    )
    pool = await create_pool(database_url)
    # A password for this demo only, printed below: the dashboard is never open without one.
    password = secrets.token_urlsafe(9)
    dashboard = DashboardSettings(
        password_hash=hash_password(password), temporal_ui_url=f"http://127.0.0.1:{ports.ui}"
    )
    web = http_server(
        create_app(
            client=env.client,
            pool=pool,
            secret=settings.secret.get_secret_value().encode(),
            previous_secrets=settings.previous_secrets,
            outbox_dir=home / "outbox",
            outbox_recipient=None if simulate_everyone else _left_to_you(spec),
            dashboard=dashboard,
        ),
        "127.0.0.1",
        ports.web,
    )
    serving = asyncio.create_task(web.serve())
    stop_projecting = asyncio.Event()
    projecting: asyncio.Task[None] | None = None
    try:
        await migrate(pool)
        projecting = asyncio.create_task(Projector(pool).run(stop_projecting, poll_seconds=1))
        queue = settings.task_queue
        async with build_worker(env.client, pool, mail_settings(settings, sink.url), queue):
            launch = await launch_programme(env.client, pool, spec, queue, day_seconds)
            ui = f"http://127.0.0.1:{ports.ui}/namespaces/default/workflows"
            print(f"Outbox:      {base_url}/outbox")
            print(f"Web app:     {base_url}/")
            print(f"Dashboard:   {base_url}/coordinator (account: admin, password: {password})")
            print(f"Temporal UI: {ui}/{launch.workflow_id}")
            you = next((p for p in spec.participants if p.role is Role.MENTEE), None)
            if you is not None and not simulate_everyone:
                print(
                    f"You are {you.name} <{you.email}>: nobody answers their e-mails but you "
                    "(everyone else is simulated)."
                )
            print(f"One programme day lasts {day_seconds}s; press Ctrl-C to stop.", flush=True)
            handle = env.client.get_workflow_handle_for(ProgrammeWorkflow.run, launch.workflow_id)
            cohort = SimulatedCohort(
                env.client,
                pool,
                spec,
                seed=uuid.uuid4().int % 1000,
                knobs=Knobs(),
                day_seconds=day_seconds,
                hands_off=frozenset(() if you is None or simulate_everyone else {you.id}),
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
            print(
                f"Programme completed: {summary.pairs_completed} pairs completed, "
                f"{summary.sessions_held} sessions held, {sink.received_count} e-mails.",
                flush=True,
            )
            if not exit_when_done:
                print("The stack stays up for the UI; Ctrl-C to stop.", file=sys.stderr)
                await asyncio.Event().wait()
    finally:
        stop_projecting.set()
        if projecting is not None:
            await projecting
        web.should_exit = True
        await serving
        await pool.close()
        await env.shutdown()
        sink.stop()
        pg.cleanup()


def _left_to_you(spec: ProgrammeSpec) -> str | None:
    """The address of the mentee nobody simulates: the outbox opens on their e-mails."""
    return next((p.email for p in spec.participants if p.role is Role.MENTEE), None)
