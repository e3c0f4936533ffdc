"""The participant web app: task-link pages, a health check, and the demo's outbox viewer."""

from __future__ import annotations

import pathlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import asyncpg
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from temporalio.client import Client

from credentials.keyring import Keyring
from domain.accounts import Account, AuditAction, AuditEntry
from runtime.keys import development_keyring
from store import audit
from store.projections import Projector
from store.tasks import TaskStore
from web.calendar_feed import add_calendar_feed
from web.codec_server import CodecSettings, add_codec_server
from web.coordinator_auth import COOKIE_NAME
from web.dashboard import DashboardSettings, add_dashboard
from web.errors import RefuseNulPaths, UnhandledErrors, http_error, message_page
from web.i18n import TANDEM_LANGUAGES, Languages, Translator, languages_of
from web.metrics import MetricsMiddleware, WebMetrics
from web.outbox import MAX_LISTED, OutboxFolder, find_message
from web.outbox_view import LinkKinds, MailLink, outbox_view
from web.rendering import STATIC_DIR, render_page
from web.task_pages import TaskPages

# The outbox shows e-mails as their author made them: inline styles allowed, scripts never, and
# each message's HTML lives in a sandboxed frame (see outbox_message.html).
_OUTBOX_POLICY = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def create_app(
    *,
    client: Client,
    pool: asyncpg.Pool,
    secret: bytes,
    previous_secrets: Sequence[bytes] = (),
    outbox_dir: pathlib.Path | None = None,
    outbox_recipient: str | None = None,
    dashboard: DashboardSettings | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    metrics: WebMetrics | None = None,
    languages: Languages = TANDEM_LANGUAGES,
    keyring: Keyring | None = None,
    codec: CodecSettings | None = None,
) -> FastAPI:
    """The participants' app. It counts its requests into `metrics` (`app.state.metrics`), which
    it never serves itself: `web.metrics.metrics_app` does, on a port of its own.

    `outbox_dir` adds the demo's outbox, which opens on `outbox_recipient`'s e-mails (the demo's
    own participant) when one is given, on everyone's otherwise."""
    if not secret:
        raise ValueError("the link secret must not be empty")
    # No interactive API docs: this app serves participants, not API clients.
    app = FastAPI(title="Tandem", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(RefuseNulPaths)
    app.add_middleware(UnhandledErrors)  # added after RefuseNulPaths, so it wraps it
    metrics = metrics or WebMetrics(lag=Projector(pool).lag)
    app.state.metrics = metrics
    app.state.languages = languages  # the locales its pages are read in (web/i18n.py)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_exception_handler(HTTPException, http_error)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    keyring = keyring or development_keyring(pool)
    pages = TaskPages(
        client=client,
        pool=pool,
        secret=secret,
        now=now,
        previous_secrets=previous_secrets,
        keyring=keyring,
    )

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> Response:
        return PlainTextResponse("ok", headers={"Cache-Control": "no-store"})

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)  # browsers ask for one; a 404 would only be noise

    add_calendar_feed(app, pool=pool, secret=secret, previous_secrets=previous_secrets, now=now)

    @app.get("/t/{token}", include_in_schema=False)
    async def task_page(request: Request, token: str) -> Response:
        return await pages.show(request, token)

    @app.post("/t/{token}", include_in_schema=False)
    async def task_submit(request: Request, token: str) -> Response:
        return await pages.submit(request, token)

    coordinator_auth = None
    if dashboard is not None:
        coordinator_auth = add_dashboard(
            app,
            client=client,
            pool=pool,
            secret=secret,
            settings=dashboard,
            now=now,
            previous_secrets=previous_secrets,
            keyring=keyring,
        )
    else:

        @app.get("/coordinator", include_in_schema=False)
        async def no_dashboard(request: Request) -> Response:
            return PlainTextResponse(
                "The coordinator dashboard is off: set TANDEM_COORDINATOR_PASSWORD_HASH "
                "(tandem coordinator hash-password makes one).",
                status_code=404,
                headers={"Cache-Control": "no-store"},
            )

    if codec is not None:
        auth = coordinator_auth

        async def coordinator(request: Request) -> Account | None:
            return None if auth is None else await auth.current(request.cookies.get(COOKIE_NAME))

        async def audit_reading(actor: str, texts: int) -> None:
            entry = AuditEntry(now(), actor, AuditAction.DECODED_PAYLOADS, target=f"{texts} texts")
            await audit.record(pool, entry)

        add_codec_server(app, keyring, codec, coordinator, audit_reading)

    if outbox_dir is not None:
        kinds = LinkKinds((secret, *previous_secrets), TaskStore(pool).kinds, now)
        _add_outbox(app, OutboxFolder(outbox_dir), kinds, outbox_recipient)
    return app


def _add_outbox(
    app: FastAPI, folder: OutboxFolder, kinds: LinkKinds, participant: str | None
) -> None:
    headers = {"Content-Security-Policy": _OUTBOX_POLICY}

    def translator(request: Request) -> Translator:
        # In French unless asked otherwise, as the e-mails it shows.
        return languages_of(request.app).translator(request.query_params.get("lang"))

    def kept(request: Request, **changed: str) -> str:
        """The query keeping the reader's language and recipient, with `changed` instead."""
        wanted = {k: request.query_params[k] for k in ("to", "lang") if k in request.query_params}
        return "?" + urlencode({**wanted, **changed}) if wanted or changed else ""

    def page(template: str, request: Request, t: Translator, **context: Any) -> Response:
        languages = languages_of(request.app)
        other = languages.other(t.locale)
        asked = request.query_params.get("lang", "")
        return render_page(
            template,
            t,
            headers=headers,
            other_locale=other,
            switch_query=kept(request, lang=other),
            state_query=kept(request),
            lang=asked if asked in languages.locales else "",  # the filter keeps it
            **context,
        )

    @app.get("/", include_in_schema=False)
    async def home() -> Response:
        # Only the demo has a front page: its outbox, where every e-mail's links start.
        return RedirectResponse("/outbox", status_code=303)

    @app.get("/outbox", include_in_schema=False)
    async def outbox(request: Request) -> Response:
        t = translator(request)
        messages = await run_in_threadpool(folder.messages)
        view = await outbox_view(
            messages,
            kinds,
            to=request.query_params.get("to"),
            participant=participant,
            limit=MAX_LISTED,
        )
        return page(
            "outbox.html",
            request,
            t,
            title=t("outbox.title"),
            view=view,
            participant=(participant or "").lower(),
        )

    @app.get("/outbox/{name}", include_in_schema=False)
    async def outbox_message(request: Request, name: str) -> Response:
        t = translator(request)
        message = await run_in_threadpool(find_message, folder.folder, name)
        if message is None:
            return message_page(t, 404, "page.not_found")
        kind_of = await kinds.of(message.links)
        links = [MailLink(url, kind_of.get(url)) for url in message.links]
        return page(
            "outbox_message.html", request, t, title=message.subject, message=message, links=links
        )
