"""`make demo`: the embedded stack, offline, with the sample programme and simulated people."""

from __future__ import annotations

import asyncio
import sys
import uuid
from datetime import UTC, datetime, timedelta

from control.launch import launch_programme
from control.participants import SimulatedCohort, programme_finished, run_until
from devstack.postgres import start_postgres
from devstack.smtp_sink import SmtpSink
from devstack.temporal import start_dev_server
from domain.programme import ProgrammeSpec
from domain.simulation import Knobs
from settings import get_settings
from store.db import create_pool, migrate
from worker import build_worker, mail_settings
from workflows.programme import ProgrammeWorkflow

UI_PORT = 8233


class _WallClock:
    async def now(self) -> datetime:
        return datetime.now(UTC)

    async def advance(self, delta: timedelta) -> None:
        await asyncio.sleep(delta.total_seconds())


async def run_demo(spec: ProgrammeSpec, day_seconds: int, exit_when_done: bool = False) -> None:
    settings = get_settings()
    home = settings.home
    home.mkdir(parents=True, exist_ok=True)
    database_url, pg = start_postgres(home / "pg", persistent=False)
    sink = SmtpSink(port=1025, folder=home / "outbox", keep=False).start()
    env = await start_dev_server(db_file=str(home / "temporal.db"), ui_port=UI_PORT)
    pool = await create_pool(database_url)
    try:
        await migrate(pool)
        queue = settings.task_queue
        async with build_worker(env.client, pool, mail_settings(settings, sink.url), queue):
            launch = await launch_programme(env.client, pool, spec, queue, day_seconds)
            print(f"Temporal UI: http://127.0.0.1:{UI_PORT}/namespaces/default/workflows")
            print(
                f"Programme:   http://127.0.0.1:{UI_PORT}/namespaces/default/workflows/"
                f"{launch.workflow_id}"
            )
            print(f"Outbox:      {(home / 'outbox').resolve()} (every e-mail as .eml)")
            if not launch.started:
                print(f"{spec.id} was already started: following it.")
            print(f"One programme day lasts {day_seconds}s; press Ctrl-C to stop.", flush=True)
            handle = env.client.get_workflow_handle_for(ProgrammeWorkflow.run, launch.workflow_id)
            cohort = SimulatedCohort(
                env.client,
                pool,
                spec,
                seed=uuid.uuid4().int % 1000,
                knobs=Knobs(),
                day_seconds=day_seconds,
            )

            async def finished() -> bool:
                return await programme_finished(handle)

            await run_until(
                cohort,
                _WallClock(),
                finished,
                timedelta(seconds=max(0.5, day_seconds / 4)),
                max_steps=10**6,
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
        await pool.close()
        await env.shutdown()
        sink.stop()
        pg.cleanup()
