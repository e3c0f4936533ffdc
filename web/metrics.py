"""Prometheus metrics of the web app, served at /metrics.

Requests are counted by route template (`/t/{token}`, never the token itself) and status, with
their latency; the read models' lag behind the event log is a gauge, read when scraped.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
            checkpoint, head = await self._lag()
            self.behind.set(head - checkpoint)
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


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
