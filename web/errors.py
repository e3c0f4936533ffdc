"""The safety nets: no traceback, token or internal detail ever reaches a participant's screen."""

from __future__ import annotations

import re
from typing import Any

import structlog
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.i18n import Translator, choose_locale
from web.rendering import render_page

log = structlog.get_logger("web")

_TASK_PATH = re.compile(r"^/t/[^/]*")


def loggable_path(path: str) -> str:
    """The request path without the task token: a token in a log line is a working credential."""
    return _TASK_PATH.sub("/t/{token}", path)


def message_page(
    t: Translator, status: int, page: str, coordinator_email: str | None = None
) -> Response:
    return render_page(
        "message.html",
        t,
        status,
        title=t(f"{page}.title"),
        body=t(f"{page}.body"),
        coordinator_email=coordinator_email,
    )


def _translator(scope: Scope) -> Translator:
    query = scope.get("query_string", b"").decode("latin-1")
    match = re.search(r"(?:^|&)lang=(fr|en)(?:&|$)", query)
    return Translator(choose_locale(match[1] if match else None, None))


async def http_error(request: Request, error: Exception) -> Response:
    """Unknown routes, wrong methods and the like, as a page rather than Starlette's JSON."""
    status = error.status_code if isinstance(error, HTTPException) else 500
    page = "page.not_found" if status in (404, 405) else "page.error"
    return message_page(_translator(request.scope), status, page)


class UnhandledErrors:
    """Outermost net: log the exception with structlog, answer a generic 500 page.

    Starlette's own last-resort handler re-raises after answering, which would print a second
    traceback with the URL; this one ends the matter here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception:
            details: dict[str, Any] = {
                "method": scope.get("method"),
                "path": loggable_path(str(scope.get("path", ""))),
            }
            log.exception("web.unhandled_error", **details)
            if not started:  # otherwise the client already has a partial answer: just stop
                response = message_page(_translator(scope), 500, "page.error")
                await response(scope, receive, send)


class RefuseNulPaths:
    """A path holding a NUL (`%00`) names nothing here: answer "not found" before any route.

    No token or id contains one, and PostgreSQL refuses one in a query parameter, so such a path
    reached the database as a 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "\x00" in scope.get("path", ""):
            response = message_page(_translator(scope), 404, "page.not_found")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
