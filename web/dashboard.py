"""The coordinator's dashboard: programmes, their funnel, pairs at risk, overdue tasks, timelines.

Behind the coordinator's password (web/coordinator_auth.py); no task link opens it. It reads the
read models (store/projections.py) and acts only through workflow updates, like the CLI.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import asyncpg
import structlog
from fastapi import FastAPI
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from domain.answers import (
    Acknowledgement,
    CoordinatorCommand,
    NudgeCommand,
    PairCommand,
    SwapCommand,
)
from domain.events import pair_stream
from domain.report import build_report
from store import dashboard_queries as q
from store.events import EventStore
from store.tasks import TaskStore
from web import coordinator_auth as auth
from web import csrf
from web.dashboard_messages import next_step_words
from web.errors import message_page
from web.forms import storable
from web.i18n import DEFAULT_LOCALE, LOCALES, Translator
from web.rendering import PAGE_HEADERS, render_page
from web.report import render_html
from workflows.contracts.programme import MatchingView
from workflows.programme import ProgrammeWorkflow
from workflows.shared import pair_workflow_id, programme_workflow_id
from workflows.updates import execute_update

log = structlog.get_logger(__name__)

PREFIX = "/coordinator"
_LOGIN_FORM = "coordinator-login"  # what the login form's CSRF token is bound to


@dataclass(frozen=True)
class DashboardSettings:
    password_hash: str
    temporal_ui_url: str = "http://127.0.0.1:8233"
    namespace: str = "default"


def add_dashboard(
    app: FastAPI,
    *,
    client: Client,
    pool: asyncpg.Pool,
    secret: bytes,
    settings: DashboardSettings,
    now: Callable[[], datetime],
    previous_secrets: Sequence[bytes] = (),
) -> None:
    def signed_in(request: Request) -> bool:
        return auth.valid_session(
            secret, request.cookies.get(auth.COOKIE_NAME), previous=previous_secrets
        )

    def to_login(request: Request) -> Response:
        return RedirectResponse(f"{PREFIX}/login?next={quote(request.url.path)}", status_code=303)

    def csrf_pair(request: Request, bound_to: str) -> tuple[str, str]:
        nonce = csrf.usable_nonce(request.cookies.get(csrf.COOKIE_NAME)) or csrf.new_nonce()
        return nonce, csrf.form_token(secret, bound_to, nonce)

    def with_nonce(response: Response, nonce: str) -> Response:
        response.set_cookie(csrf.COOKIE_NAME, nonce, httponly=True, samesite="strict", path="/")
        return response

    async def form_ok(request: Request, bound_to: str) -> dict[str, str] | None:
        form = await request.form()
        values = {k: str(v) for k, v in form.items()}
        cookie = request.cookies.get(csrf.COOKIE_NAME)
        if not csrf.is_valid(
            secret, bound_to, cookie, values.get(csrf.FIELD_NAME), previous_secrets
        ):
            return None
        return values

    async def posted(request: Request) -> tuple[Translator, dict[str, str]] | Response:
        """A signed-in coordinator's form, its CSRF token checked; or the response refusing it."""
        if not signed_in(request):
            return to_login(request)
        t = translator(request)
        values = await form_ok(request, "coordinator")
        if values is None:
            return message_page(t, 403, "errors.csrf")
        return t, {storable(k): storable(v) for k, v in values.items()}

    def page(template: str, request: Request, status: int = 200, **context: Any) -> Response:
        nonce, token = csrf_pair(request, "coordinator")
        t = translator(request)
        response = render_page(
            template,
            t,
            status=status,
            csrf_field=csrf.FIELD_NAME,
            csrf_token=token,
            prefix=PREFIX,
            other_locale=_other(t.locale),
            **context,
        )
        return remember_language(request, with_nonce(response, nonce))

    @app.get(f"{PREFIX}/login", include_in_schema=False)
    async def login_form(request: Request) -> Response:
        return _login_page(request, 200, "")

    def _login_page(request: Request, status: int, error: str) -> Response:
        nonce, token = csrf_pair(request, _LOGIN_FORM)
        t = translator(request)
        response = render_page(
            "dashboard_login.html",
            t,
            status=status,
            title=t("dash.login.title"),
            other_locale=_other(t.locale),
            error=error,
            next=_safe_next(request.query_params.get("next")),
            csrf_field=csrf.FIELD_NAME,
            csrf_token=token,
            prefix=PREFIX,
        )
        return remember_language(request, with_nonce(response, nonce))

    @app.post(f"{PREFIX}/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        values = await form_ok(request, _LOGIN_FORM)
        if values is None:
            return _login_page(request, 403, translator(request)("dash.login.expired"))
        if not auth.check_password(values.get("password", ""), settings.password_hash):
            log.warning("dashboard.login_refused")
            return _login_page(request, 401, translator(request)("dash.login.wrong"))
        log.info("dashboard.login")
        response = RedirectResponse(_safe_next(values.get("next")), status_code=303)
        response.set_cookie(
            auth.COOKIE_NAME,
            auth.new_session(secret),
            max_age=auth.SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=PREFIX,
        )
        return response

    @app.post(f"{PREFIX}/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        response = RedirectResponse(f"{PREFIX}/login", status_code=303)
        response.delete_cookie(auth.COOKIE_NAME, path=PREFIX)
        return response

    @app.get(PREFIX, include_in_schema=False)
    async def index(request: Request) -> Response:
        if not signed_in(request):
            return to_login(request)
        return page(
            "dashboard_index.html",
            request,
            title=translator(request)("dash.programmes"),
            programmes=await q.programmes(pool),
        )

    @app.get(PREFIX + "/p/{programme_id}", include_in_schema=False)
    async def programme(request: Request, programme_id: str) -> Response:
        if not signed_in(request):
            return to_login(request)
        row = await q.programme(pool, programme_id)
        if row is None:
            return message_page(translator(request), 404, "page.not_found")
        pairs = await q.pairs(pool, programme_id)
        matching = (
            await _matching(client, programme_id) if row["phase"] == "matching_review" else None
        )
        return page(
            "dashboard_programme.html",
            request,
            title=row["name"],
            p=row,
            pairs=pairs,
            at_risk=[r for r in pairs if r["at_risk"]],
            overdue=await q.open_tasks(pool, programme_id, due_before=now()),
            task_counts=await q.task_counts(pool, programme_id, now()),
            surveys=await q.survey_summary(pool, programme_id),
            concerns=await q.concerns(pool, programme_id),
            names=await q.names(pool, programme_id),
            people=await q.people(pool, programme_id),
            matching=matching,
            funnel=_funnel(row, pairs),
            notice=request.query_params.get("notice", ""),
        )

    @app.get(PREFIX + "/p/{programme_id}/pairs/{pair_id}", include_in_schema=False)
    async def pair(request: Request, programme_id: str, pair_id: str) -> Response:
        if not signed_in(request):
            return to_login(request)
        row = await q.pair(pool, programme_id, pair_id)
        if row is None:
            return message_page(translator(request), 404, "page.not_found")
        workflow_id = pair_workflow_id(programme_id, pair_id)
        return page(
            "dashboard_pair.html",
            request,
            title=translator(request)("dash.pair.title", pair_id=pair_id),
            programme_id=programme_id,
            pair=row,
            names=await q.names(pool, programme_id),
            sessions=await q.sessions(pool, programme_id, pair_id),
            open_tasks=await q.open_tasks(pool, programme_id, pair_id=pair_id),
            timeline=await EventStore(pool).read_stream(pair_stream(programme_id, pair_id)),
            notice=request.query_params.get("notice", ""),
            temporal_link=(
                f"{settings.temporal_ui_url.rstrip('/')}/namespaces/{settings.namespace}"
                f"/workflows/{quote(workflow_id, safe='')}"
            ),
        )

    @app.post(PREFIX + "/p/{programme_id}/pairs/{pair_id}/{action}", include_in_schema=False)
    async def pair_action(
        request: Request, programme_id: str, pair_id: str, action: str
    ) -> Response:
        """End a pair, or dissolve it so the mentee is re-paired: both need a reason."""
        form = await posted(request)
        if isinstance(form, Response):
            return form
        t, values = form
        if action not in _PAIR_UPDATES:
            return message_page(t, 404, "page.not_found")
        update, done = _PAIR_UPDATES[action]
        reason = values.get("reason", "").strip()[:500]
        if len(reason) < 3:
            notice = t("dash.refused", reason=t("dash.refused.reason_needed"))
        else:
            handle = client.get_workflow_handle(pair_workflow_id(programme_id, pair_id))
            command = CoordinatorCommand(
                command_id=f"dashboard-{action}-{uuid.uuid4()}", reason=reason
            )
            try:
                await execute_update(
                    handle, update, command, id=command.command_id, result_type=Acknowledgement
                )
                notice = t(done)
            except WorkflowUpdateFailedError as error:
                notice = t("dash.refused", reason=t.refusal(_refusal(error)))
            except RPCError as error:
                return _not_delivered(t, error, handle.id)
        log.info(
            "dashboard.pair",
            programme_id=programme_id,
            pair_id=pair_id,
            action=action,
            notice=notice,
        )
        target = f"{PREFIX}/p/{quote(programme_id)}/pairs/{quote(pair_id)}?notice={quote(notice)}"
        return RedirectResponse(target, status_code=303)

    @app.post(PREFIX + "/p/{programme_id}/tasks/{task_id}/nudge", include_in_schema=False)
    async def nudge(request: Request, programme_id: str, task_id: str) -> Response:
        """E-mail a participant a reminder of one open task, through its pair's workflow."""
        form = await posted(request)
        if isinstance(form, Response):
            return form
        t, values = form
        try:
            task = await TaskStore(pool).get(uuid.UUID(task_id))
        except ValueError:
            task = None
        if task is None or task.programme_id != programme_id:
            return message_page(t, 404, "page.not_found")
        if not task.workflow_id.startswith("pair:"):
            notice = t("dash.refused", reason=t("dash.refused.self_assessment"))
        else:
            command = NudgeCommand(
                command_id=f"dashboard-nudge-{uuid.uuid4()}", task_id=task.task_id
            )
            handle = client.get_workflow_handle(task.workflow_id)
            try:
                await execute_update(
                    handle, "nudge", command, id=command.command_id, result_type=Acknowledgement
                )
                name = (await q.names(pool, programme_id)).get(task.participant_id, "?")
                notice = t("dash.done.nudge", name=name)
            except WorkflowUpdateFailedError as error:
                notice = t("dash.refused", reason=t.refusal(_refusal(error)))
            except RPCError as error:
                return _not_delivered(t, error, handle.id)
        log.info("dashboard.nudge", programme_id=programme_id, task_id=task_id, notice=notice)
        back = _safe_next(values.get("back")) if values.get("back") else None
        target = back or f"{PREFIX}/p/{quote(programme_id)}"
        separator = "&" if "?" in target else "?"
        return RedirectResponse(f"{target}{separator}notice={quote(notice)}", status_code=303)

    @app.get(PREFIX + "/p/{programme_id}/report", include_in_schema=False)
    async def report(request: Request, programme_id: str) -> Response:
        if not signed_in(request):
            return to_login(request)
        events = await EventStore(pool).read_programme(programme_id)
        if not events:
            return message_page(translator(request), 404, "page.not_found")
        found = build_report(programme_id, events, await TaskStore(pool).timings(programme_id))
        # The report is a standalone page with its own inline styles; nothing else is allowed.
        policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"
        return HTMLResponse(
            render_html(found, translator(request).locale),
            headers={**PAGE_HEADERS, "Content-Security-Policy": policy},
        )

    @app.post(PREFIX + "/p/{programme_id}/matching/{action}", include_in_schema=False)
    async def matching_command(request: Request, programme_id: str, action: str) -> Response:
        form = await posted(request)
        if isinstance(form, Response):
            return form
        t, values = form
        if action not in _MATCHING_UPDATES:
            return message_page(t, 404, "page.not_found")
        try:
            command = _matching_command(action, values)
        except ValidationError:
            notice = t("dash.refused", reason=t("dash.refused.choose"))
        else:
            handle = client.get_workflow_handle(programme_workflow_id(programme_id))
            try:
                ack = await execute_update(
                    handle,
                    _MATCHING_UPDATES[action],
                    command,
                    id=command.command_id,
                    result_type=Acknowledgement,
                )
                notice = (
                    t("dash.done.approve")
                    if action == "approve"
                    else t(
                        "dash.done.matching",
                        next_step=next_step_words(t.locale, ack.next_step),
                    )
                )
            except WorkflowUpdateFailedError as error:
                notice = t("dash.refused", reason=t.refusal(_refusal(error)))
            except RPCError as error:
                return _not_delivered(t, error, handle.id)
        log.info("dashboard.matching", programme_id=programme_id, action=action, notice=notice)
        return RedirectResponse(
            f"{PREFIX}/p/{quote(programme_id)}?notice={quote(notice)}", status_code=303
        )


# action in the URL -> (the pair's update, the message key once done)
_PAIR_UPDATES = {
    "end": ("end_by_coordinator", "dash.done.end"),
    "re-pair": ("re_pair", "dash.done.re_pair"),
}

_MATCHING_UPDATES = {
    "approve": "approve_matching",
    "ban": "ban_pair",
    "force": "force_pair",
    "swap": "swap_mentors",
}


def _matching_command(action: str, values: dict[str, str]) -> CoordinatorCommand:
    command_id = f"dashboard-{action}-{uuid.uuid4()}"
    reason = values.get("reason", "")[:500]
    if action == "approve":
        return CoordinatorCommand(command_id=command_id)
    if action == "swap":
        return SwapCommand(
            command_id=command_id,
            mentee_ids=(values.get("mentee_a", ""), values.get("mentee_b", "")),
        )
    return PairCommand(
        command_id=command_id,
        mentor_id=values.get("mentor_id", ""),
        mentee_id=values.get("mentee_id", ""),
        reason=reason,
    )


# No such workflow: a made-up id in the URL, or a pair or programme already over.
_NO_SUCH_WORKFLOW = (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT)


def _not_delivered(t: Translator, error: RPCError, workflow_id: str) -> Response:
    """The page for an update Temporal did not take: nothing there to act on, or Temporal
    unreachable for now."""
    log.warning("dashboard.update_not_delivered", workflow_id=workflow_id, rpc=error.status.name)
    if error.status in _NO_SUCH_WORKFLOW:
        return message_page(t, 404, "page.not_found")
    return message_page(t, 503, "page.unavailable")


async def _matching(client: Client, programme_id: str) -> MatchingView | None:
    try:
        handle = client.get_workflow_handle(programme_workflow_id(programme_id))
        view: MatchingView = await handle.query(ProgrammeWorkflow.matching)
        return view
    except RPCError:
        return None


def _funnel(p: dict[str, object], pairs: list[dict[str, object]]) -> list[tuple[str, int, int]]:
    """(step key, people or pairs, out of) for each step of the programme, first to last."""
    participants = int(str(p["participants"])) or 1
    formed = len(pairs) or 1
    in_sessions = sum(r["phase"] in ("sessions", "final", "completed") for r in pairs)
    return [
        ("enrolled", int(str(p["enrolled"])), participants),
        ("answered", int(str(p["assessments_submitted"])), participants),
        ("formed", len(pairs), max(1, participants // 2)),
        ("past_chemistry", in_sessions, formed),
        ("completed", int(str(p["pairs_completed"])), formed),
    ]


LANGUAGE_COOKIE = "tandem_coordinator_lang"


def translator(request: Request) -> Translator:
    """The dashboard's language: `?lang=` when given, then the coordinator's last choice, then
    French, Tandem's default."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE_COOKIE)
    return Translator(chosen if chosen in LOCALES else DEFAULT_LOCALE)


def remember_language(request: Request, response: Response) -> Response:
    chosen = request.query_params.get("lang")
    if chosen in LOCALES:
        response.set_cookie(
            LANGUAGE_COOKIE, chosen, max_age=365 * 86_400, samesite="strict", path=PREFIX
        )
    return response


def _other(locale: str) -> str:
    return next(other for other in LOCALES if other != locale)


def _refusal(error: WorkflowUpdateFailedError) -> str:
    """The validator's own words, without the error type the SDK puts in front."""
    cause = error.cause
    return cause.message if isinstance(cause, ApplicationError) else str(cause or error)


def _safe_next(target: str | None) -> str:
    """Only a dashboard path: a sign-in must never redirect anywhere else (open redirect)."""
    if target and target.startswith(PREFIX) and "//" not in target and "\\" not in target:
        return target
    return PREFIX
