"""The safety nets: no traceback, token or internal detail ever reaches a participant's screen."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

import structlog
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.i18n import COORDINATOR_LANGUAGE_COOKIE, Translator, languages_of
from web.outage import RETRY_AFTER_SECONDS, OutageLog, unavailable_service
from web.rendering import render_page

log = structlog.get_logger("web")

_TASK_PATH = re.compile(r"^/t/[^/]*")


def loggable_path(path: str) -> str:
    """The request path without the task token: a token in a log line is a working credential."""
    return _TASK_PATH.sub("/t/{token}", path)


def message_page(
    t: Translator,
    status: int,
    page: str,
    coordinator_email: str | None = None,
    unsent: str = "",
) -> Response:
    """A page that only says something; `unsent` is text the reader typed and that was not sent,
    given back to copy elsewhere."""
    return render_page(
        "message.html",
        t,
        status,
        title=t(f"{page}.title"),
        body=t(f"{page}.body"),
        coordinator_email=coordinator_email,
        unsent=unsent,
    )


def _translator(scope: Scope) -> Translator:
    """`?lang=`, else the coordinator's choice on the dashboard, else French: a participant's
    own language is in the database, which these pages may not reach."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    chosen = Request(scope).cookies.get(COORDINATOR_LANGUAGE_COOKIE)
    return languages_of(scope).translator(*query.get("lang", [])[:1], chosen)


def unavailable_page(t: Translator, method: str) -> Response:
    """503 while PostgreSQL or Temporal is out of reach: come back in a moment.

    After a form post the page says the answer was not saved (to send it again); after a page
    view, only to reload.
    """
    page = "page.unavailable" if method == "POST" else "page.outage"
    response = message_page(t, 503, page)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


async def http_error(request: Request, error: Exception) -> Response:
    """Unknown routes, wrong methods and the like, as a page rather than Starlette's JSON."""
    status = error.status_code if isinstance(error, HTTPException) else 500
    page = "page.not_found" if status in (404, 405) else "page.error"
    return message_page(_translator(request.scope), status, page)


class UnhandledErrors:
    """Outermost net: log the exception with structlog, answer a generic 500 page.

    The database or Temporal out of reach is no bug: that is a 503 page asking to come back, and
    a warning without traceback, once per outage window (web/outage.py).

    Starlette's own last-resort handler re-raises after answering, which would print a second
    traceback with the URL; this one ends the matter here.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.outages = OutageLog()

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
        except Exception as error:
            details: dict[str, Any] = {
                "method": scope.get("method"),
                "path": loggable_path(str(scope.get("path", ""))),
            }
            service = unavailable_service(error)
            if service is not None:
                self.outages.record(service, error, **details)
                response = unavailable_page(_translator(scope), str(scope.get("method")))
            else:
                log.exception("web.unhandled_error", **details)
                response = message_page(_translator(scope), 500, "page.error")
            if not started:  # otherwise the client already has a partial answer: just stop
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
