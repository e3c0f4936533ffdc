"""Runs the participant web app under uvicorn, wired from the settings like the worker.

With `TANDEM_WEB_METRICS_PORT` set, a second uvicorn server in the same event loop serves the
app's metrics on that port (web/metrics.py); the two start and stop together.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import uvicorn
from starlette.types import ASGIApp

from devstack.ports import ensure_free
from settings import Settings
from store.projections import Projector
from web.dashboard import DashboardSettings
from web.metrics import WebMetrics, metrics_app


async def serve(settings: Settings, host: str, port: int) -> None:
    # Imported here, as in `worker.serve`: the embedded stack is only started when needed.
    from client.connection import connect_client
    from devstack.stack import resolve_services
    from logging_setup import configure_logging
    from runtime.keys import checked_keyring
    from store.db import create_pool, migrate
    from web.app import create_app
    from web.codec_server import CodecSettings

    configure_logging(settings.log_level, settings.log_format, secrets=settings.secret_values())
    ensure_free(host, port, "--port")
    metrics_port = settings.web_metrics_port
    if metrics_port is not None:
        if metrics_port == port:
            raise OSError(f"TANDEM_WEB_METRICS_PORT must differ from --port ({port})")
        ensure_free(host, metrics_port, "TANDEM_WEB_METRICS_PORT")
    services = await resolve_services(settings)
    client = await connect_client(services.temporal_address, settings.namespace)
    pool = await create_pool(services.database_url)
    try:
        await migrate(pool)  # safe alongside the worker's: migrations take an advisory lock
        keyring = await checked_keyring(pool, settings)
        metrics = WebMetrics(lag=Projector(pool).lag)
        app = create_app(
            client=client,
            pool=pool,
            secret=settings.secret.get_secret_value().encode(),
            previous_secrets=settings.previous_secrets,
            # The embedded SMTP sink writes its messages there; a real mail server has no outbox.
            outbox_dir=settings.home / "outbox" if settings.smtp_url is None else None,
            dashboard=dashboard_settings(settings),
            metrics=metrics,
            keyring=keyring,
            codec=CodecSettings(token=settings.codec_token_value, ui_url=settings.temporal_ui_url),
        )
        servers = [http_server(app, host, port)]
        if metrics_port is not None:
            token = settings.metrics_token
            scraping = metrics_app(metrics, token.get_secret_value().encode() if token else None)
            servers.append(http_server(scraping, host, metrics_port, signals=False))
        # The dashboard's read models follow the event log from here; several web processes
        # may each run one (store/projections.py applies every event once).
        stop = asyncio.Event()
        following = asyncio.create_task(Projector(pool).run(stop))
        try:
            await serve_together(servers)
        finally:
            stop.set()
            await following
    finally:
        await pool.close()


def dashboard_settings(settings: Settings) -> DashboardSettings:
    hashed = settings.coordinator_password_hash
    return DashboardSettings(
        password_hash=None if hashed is None else hashed.get_secret_value(),
        temporal_ui_url=settings.temporal_ui_url,
        namespace=settings.namespace,
        password_login=settings.password_login,
        oidc=settings.oidc,
        public_base_url=settings.public_base_url,
    )


async def serve_together(servers: list[uvicorn.Server]) -> None:
    """Run the servers until one of them stops (a signal, a failure) or this is cancelled; then
    stop the others, letting each finish the requests it has in hand."""
    running = [asyncio.create_task(server.serve()) for server in servers]
    try:
        await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for server in servers:
            server.should_exit = True
        results = await asyncio.gather(*running, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


class _QuietServer(uvicorn.Server):
    """A server that leaves SIGINT and SIGTERM to the one beside it: uvicorn's own handlers
    would replace each other's, and it is the main server's stop that stops this one."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def http_server(app: ASGIApp, host: str, port: int, *, signals: bool = True) -> uvicorn.Server:
    """Uvicorn configured for Tandem; `serve()` it, set `should_exit` to stop it. Without
    `signals`, it does not stop on SIGINT or SIGTERM by itself (see `serve_together`)."""
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
    return uvicorn.Server(config) if signals else _QuietServer(config)
