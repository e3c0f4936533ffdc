"""Prometheus metrics of the web app, served at /metrics on a port of their own.

Requests are counted by route template (`/t/{token}`, never the token itself) and status, with
their latency; the read models' lag behind the event log is a gauge, read when scraped.

The participants' app never answers /metrics: route names, error rates and the read models' lag
are for operators. `metrics_app` serves them on the port `TANDEM_WEB_METRICS_PORT` names,
behind a bearer token when `TANDEM_METRICS_TOKEN` is set.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Awaitable, Callable

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.outage import database_unavailable

log = structlog.get_logger("web")


class WebMetrics:
    def __init__(self, lag: Callable[[], Awaitable[tuple[int, int]]] | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "tandem_http_requests",
            "HTTP requests answered, by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tandem_http_request_seconds",
            "Time to answer an HTTP request, by route",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.behind = Gauge(
            "tandem_read_models_behind_events",
            "Events recorded but not yet folded into the dashboard's read models",
            registry=self.registry,
        )
        self._lag = lag

    async def render(self, _: Request) -> Response:
        if self._lag is not None:
            try:
                checkpoint, head = await self._lag()
            except Exception as error:
                if not database_unavailable(error):
                    raise
                # The request counters matter most while the database is down (they count the
                # 503s): the lag gauge keeps its last value rather than failing the scrape.
                log.warning("web.metrics_lag_unavailable", error=type(error).__name__)
            else:
                self.behind.set(head - checkpoint)
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def metrics_app(metrics: WebMetrics, token: bytes | None = None) -> ASGIApp:
    """The metrics port's app: /metrics and nothing else; with `token`, only for its bearer."""

    async def scrape(request: Request) -> Response:
        if token is not None and not _bearer_is(request.headers.get("authorization"), token):
            return PlainTextResponse(
                "a bearer token is required",
                status_code=401,
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
        return await metrics.render(request)

    return Starlette(routes=[Route("/metrics", scrape, methods=["GET"])])


def _bearer_is(header: str | None, token: bytes) -> bool:
    scheme, _, presented = (header or "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Header values arrive decoded as latin-1: encoding them back gives the bytes as sent.
    return hmac.compare_digest(presented.strip().encode("latin-1"), token)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, metrics: WebMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(str(message["status"]))
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route, method = _route(scope), str(scope.get("method", ""))
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)


def _route(scope: Scope) -> str:
    """The route's template, so that tokens and ids never become label values."""
    app = scope.get("app")
    for route in getattr(getattr(app, "router", None), "routes", ()):
        match, _ = route.matches(scope)
        if match is Match.FULL:
            return str(getattr(route, "path", "other"))
    return "other"
