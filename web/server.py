"""Runs the participant web app under uvicorn, wired from the settings like the worker."""

from __future__ import annotations

import asyncio

import uvicorn
from starlette.types import ASGIApp

from devstack.ports import ensure_free
from settings import Settings
from store.projections import Projector
from web.dashboard import DashboardSettings


async def serve(settings: Settings, host: str, port: int) -> None:
    # Imported here, as in `worker.serve`: the embedded stack is only started when needed.
    from devstack.stack import resolve_services
    from logging_setup import configure_logging
    from store.db import create_pool, migrate
    from web.app import create_app
    from worker import connect_client

    configure_logging(settings.log_level, settings.log_format, secrets=settings.secret_values())
    ensure_free(host, port, "--port")
    services = await resolve_services(settings)
    client = await connect_client(services.temporal_address, settings.namespace)
    pool = await create_pool(services.database_url)
    try:
        await migrate(pool)  # safe alongside the worker's: migrations take an advisory lock
        app = create_app(
            client=client,
            pool=pool,
            secret=settings.secret.get_secret_value().encode(),
            previous_secrets=settings.previous_secrets,
            # The embedded SMTP sink writes its messages there; a real mail server has no outbox.
            outbox_dir=settings.home / "outbox" if settings.smtp_url is None else None,
            dashboard=dashboard_settings(settings),
        )
        # The dashboard's read models follow the event log from here; several web processes
        # may each run one (store/projections.py applies every event once).
        stop = asyncio.Event()
        following = asyncio.create_task(Projector(pool).run(stop))
        try:
            await http_server(app, host, port).serve()
        finally:
            stop.set()
            await following
    finally:
        await pool.close()


def dashboard_settings(settings: Settings) -> DashboardSettings | None:
    hashed = settings.coordinator_password_hash
    if hashed is None:
        return None
    return DashboardSettings(
        password_hash=hashed.get_secret_value(),
        temporal_ui_url=settings.temporal_ui_url,
        namespace=settings.namespace,
    )


def http_server(app: ASGIApp, host: str, port: int) -> uvicorn.Server:
    """Uvicorn configured for Tandem; `serve()` it, set `should_exit` to stop it."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        # Uvicorn's access log prints each URL, and a task URL carries its token: the app logs
        # its own requests (task id, kind, outcome) instead.
        access_log=False,
        log_config=None,  # keep the structlog handlers configured by the caller
        proxy_headers=True,
        lifespan="off",  # the pool and client are opened and closed by the caller, around it
    )
    return uvicorn.Server(config)
