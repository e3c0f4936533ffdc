"""The worker: the composition root that wires settings, stores and activities to Temporal."""

from __future__ import annotations

import asyncio
import signal
import sys
from datetime import timedelta

import structlog

from client.connection import connect_client
from credentials.keyring import MasterKeyMismatch
from runtime.keys import checked_keyring
from runtime.retention_schedule import ensure_retention_schedule
from runtime.sandbox import stale_bytecode
from runtime.workers import build_worker, mail_settings
from settings import Settings, settings_or_exit
from worker_health import serve_health


async def serve(settings: Settings) -> None:
    from devstack.stack import resolve_services  # the embedded defaults, when nothing is set
    from logging_setup import configure_logging
    from store.db import create_pool, migrate

    metrics = f"0.0.0.0:{settings.metrics_port}" if settings.metrics_port else None
    configure_logging(
        settings.log_level,
        settings.log_format,
        metrics_bind=metrics,
        secrets=settings.secret_values(),
    )
    if sys.dont_write_bytecode and (stale := stale_bytecode()):
        # Every workflow run the sandbox starts would compile these from source again.
        structlog.get_logger("worker").warning(
            "worker.bytecode_stale", modules=stale, fix="python -m compileall workflows"
        )
    services = await resolve_services(settings)
    client = await connect_client(services.temporal_address, settings.namespace)
    pool = await create_pool(services.database_url)
    await migrate(pool)
    keyring = await checked_keyring(pool, settings)
    worker = build_worker(
        client,
        pool,
        mail_settings(settings, services.smtp_url),
        settings.task_queue,
        role=settings.worker_role,
        shutdown_grace=timedelta(seconds=settings.shutdown_grace_seconds),
        keyring=keyring,
        max_cached_workflows=settings.max_cached_workflows,
        max_concurrent_workflow_tasks=settings.max_concurrent_workflow_tasks,
        max_concurrent_activities=settings.max_concurrent_activities,
        max_concurrent_local_activities=settings.max_concurrent_local_activities,
    )
    # SIGTERM (a deployment, `docker stop`) stops polling and lets in-flight activities finish.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    polling = False
    health = (
        await serve_health("0.0.0.0", settings.health_port, lambda: polling and not stop.is_set())
        if settings.health_port
        else None
    )
    try:
        async with worker:
            polling = True
            # Once polling: the schedule's first run finds a worker for it.
            if settings.retention_schedule:
                await ensure_retention_schedule(client, settings.task_queue)
            await stop.wait()
    finally:
        if health is not None:
            health.close()
        await pool.close()


def main() -> None:
    from devstack.extra import EmbeddedMissing

    try:
        asyncio.run(serve(settings_or_exit()))
    except EmbeddedMissing as missing:  # a service left unset, and no embedded one installed
        print(f"error: {missing}", file=sys.stderr)
        raise SystemExit(2) from None
    except MasterKeyMismatch as wrong:
        print(f"configuration error: {wrong}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
