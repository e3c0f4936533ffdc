"""The page behind a task link: show the form or the answer; take a submission to the workflow.

Logs name the task and what happened to it (task id, kind, outcome), never the token, the answer
or anything personal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import asyncpg
import structlog
from starlette.requests import Request
from starlette.responses import Response
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from client.refusals import refusal_of
from client.updates import execute_update
from credentials.keyring import Keyring
from credentials.sealing import sealed
from domain.answers import Acknowledgement
from domain.tasks import TaskKind, TaskStatus
from store.participants import ParticipantStore
from store.programmes import ProgrammeStore
from store.tasks import TaskRecord, TaskStore
from store.web_queries import programme_ended
from web import csrf
from web.answer_view import answer_rows
from web.errors import message_page, unavailable_page
from web.form_spec import Words, wording, words
from web.forms import (
    FormRejected,
    FormSpec,
    TaskContext,
    Values,
    build_forms,
    default_values,
    parse_answer,
    storable,
)
from web.i18n import Translator, languages_of
from web.links import LinkProblem, LinkResolver, OpenedLink, RefusedLink
from web.programme_times import ProgrammeTimes
from web.rendering import render_page
from web.task_context import load_task_context, skill_labels

log = structlog.get_logger("web")

# Bounds on what one form post may hold: the largest form has about 40 fields.
_MAX_FIELDS = 300
_MAX_PART_BYTES = 64 * 1024
_NO_DUE_DATE = (TaskKind.CONCERN, TaskKind.PAIR_MANAGE)  # standing links, not requests


class TaskPages:
    def __init__(
        self,
        *,
        client: Client,
        pool: asyncpg.Pool,
        secret: bytes,
        now: Callable[[], datetime],
        previous_secrets: Sequence[bytes] = (),
        keyring: Keyring,
    ) -> None:
        self._client = client
        # Seals what people type before it is sent; opens what a page shows again.
        self._keyring = keyring
        self._pool = pool
        self._secret = secret
        self._previous = tuple(previous_secrets)
        self._now = now
        self._links = LinkResolver(
            secret, TaskStore(pool), ParticipantStore(pool), ProgrammeStore(pool), self._previous
        )

    # ---- GET ---------------------------------------------------------------------------------

    async def _open(
        self, request: Request, token: str, *, again: bool
    ) -> Response | tuple[OpenedLink, Translator]:
        """The link's task and the reader's language, or the page that ends the request here:
        a refusal, or the answer already given (`again`: this was a second submission)."""
        opened = await self._links.open(token, self._now())
        if isinstance(opened, RefusedLink):
            return self._refused(request, opened)
        t = _translator(request, opened)
        if opened.task.status is TaskStatus.DONE:
            _log(opened.task, "already_answered" if again else "answer_shown")
            return await self._answer_page(t, opened, already=again)
        return opened, t

    async def show(self, request: Request, token: str) -> Response:
        found = await self._open(request, token, again=False)
        if isinstance(found, Response):
            return found
        opened, t = found
        task = opened.task
        if await self._programme_over(task):
            # Said before anyone types a concern that would go nowhere.
            _log(task, "programme_ended")
            return message_page(t, 410, "page.programme_ended", _coordinator(opened))
        ctx = await self._context(opened, t)
        forms = build_forms(task, ctx, t.locale, {})
        if not forms:  # a coordinator's task (matching review) has no participant page
            _log(task, "no_form")
            return message_page(t, 404, "page.invalid")
        _log(task, "form_shown")
        defaults = default_values(task, ctx, t.locale)
        return self._form_page(request, token, t, opened, ctx, defaults)

    # ---- POST --------------------------------------------------------------------------------

    async def submit(self, request: Request, token: str) -> Response:
        # A second click, or the back button, finds the task done: the first answer stands.
        found = await self._open(request, token, again=True)
        if isinstance(found, Response):
            return found
        opened, t = found
        task = opened.task
        values = await _posted_values(request)
        if await self._programme_over(task):  # a form opened before the programme ended
            return self._unsent(t, opened, values)
        ctx = await self._context(opened, t)
        posted_action = _first(values, "action") or None

        cookie = request.cookies.get(csrf.COOKIE_NAME)
        submitted = _first(values, csrf.FIELD_NAME)
        if not csrf.is_valid(self._secret, token, cookie, submitted, self._previous):
            _log(task, "csrf_refused")
            errors = {"": words("errors.csrf")}
            return self._form_page(
                request, token, t, opened, ctx, values, errors, posted_action, status=403
            )
        try:
            submission = parse_answer(task, ctx, t.locale, values)
        except FormRejected as rejected:
            _log(task, "invalid", fields=len(rejected.errors))
            return self._form_page(
                request, token, t, opened, ctx, values, rejected.errors, rejected.action, 422
            )

        handle = self._client.get_workflow_handle(task.workflow_id)
        answer = await sealed(self._keyring, submission.answer, task.programme_id)
        try:
            ack = await execute_update(
                handle,
                submission.update_name,
                answer,
                id=submission.update_id,
                result_type=Acknowledgement,
            )
        except WorkflowUpdateFailedError as failure:
            reloaded = await self._links.reload(opened)
            if reloaded.task.status is TaskStatus.DONE:
                _log(task, "already_answered")
                return await self._answer_page(t, reloaded, already=True)
            refused = refusal_of(failure)
            kind = getattr(failure.cause, "type", None)
            _log(
                task,
                "refused_by_workflow",
                reason=kind,
                code=refused.code.value if refused else None,
                action=submission.action,
            )
            refusal = t.refusal(refused, skills=skill_labels(opened.programme, t.locale))
            return self._form_page(
                request,
                token,
                t,
                opened,
                ctx,
                values,
                {},
                submission.action,
                status=409,
                refusal=refusal,
            )
        except RPCError as error:
            reloaded = await self._links.reload(opened)
            if reloaded.task.status is TaskStatus.DONE:
                _log(task, "already_answered")
                return await self._answer_page(t, reloaded, already=True)
            if reloaded.task.status is not TaskStatus.OPEN:
                _log(task, "closed_meanwhile")
                return message_page(t, 410, "page.closed", _coordinator(opened))
            if error.status is RPCStatusCode.NOT_FOUND:
                # The workflow has completed (or was terminated): no retry will ever reach it.
                # A concern goes to the programme's workflow, which outlives every pair.
                if task.kind is TaskKind.CONCERN:
                    return self._unsent(t, opened, values)
                _log(task, "workflow_gone")
                return message_page(t, 410, "page.closed", _coordinator(opened))
            _log(task, "temporal_unavailable", rpc_status=error.status.name)
            return unavailable_page(t, "POST")
        _log(task, "answered", action=submission.action)
        return render_page(
            "done.html",
            t,
            programme_name=_programme_name(opened),
            title=t("done.title"),
            next_step=t.next_step(ack),
        )

    async def _programme_over(self, task: TaskRecord) -> bool:
        """A concern link whose programme has ended: its workflow takes no more concerns.

        Only concern links outlive their workflow's work (until two months after the planned
        end); every other task closes with its workflow's step.
        """
        return task.kind is TaskKind.CONCERN and await programme_ended(
            self._pool, task.programme_id
        )

    def _unsent(self, t: Translator, opened: OpenedLink, values: Values) -> Response:
        """The concern was not sent: say so, whom to write to, and give the text back."""
        _log(opened.task, "programme_ended_unsent")
        return message_page(
            t,
            410,
            "page.programme_ended_unsent",
            _coordinator(opened),
            unsent=_first(values, "text"),
        )

    # ---- pages -------------------------------------------------------------------------------

    async def _context(self, opened: OpenedLink, t: Translator) -> TaskContext:
        return await load_task_context(
            self._client,
            self._pool,
            opened.task,
            opened.participant,
            opened.programme,
            t.locale,
            self._keyring,
        )

    def _refused(self, request: Request, refused: RefusedLink) -> Response:
        problem = refused.problem
        task = refused.task
        if task is not None:
            _log(task, f"refused_{problem.value}")
        else:
            log.info("web.task", outcome=f"refused_{problem.value}")
        t = languages_of(request.app).translator(
            request.query_params.get("lang"), refused.participant_locale
        )
        coordinator = (
            refused.coordinator_email
            if problem in (LinkProblem.EXPIRED, LinkProblem.CLOSED, LinkProblem.WITHDRAWN)
            else None
        )
        return message_page(t, problem.status, problem.page, coordinator)

    async def _answer_page(self, t: Translator, opened: OpenedLink, *, already: bool) -> Response:
        task = opened.task
        answer = await self._keyring.open_tree(getattr(task, "answer", None))  # older: none
        labels = skill_labels(opened.programme, t.locale)
        return render_page(
            "answer.html",
            t,
            programme_name=_programme_name(opened),
            title=t("answer.title"),
            kind_title=t(f"kind.{task.kind.value}"),
            already=already,
            rows=answer_rows(answer, labels, t) if isinstance(answer, dict) else [],
            recorded_on=t("answer.recorded_on", date=t.moment(_when(opened).at(task.closed_at)))
            if task.closed_at
            else "",
        )

    def _form_page(
        self,
        request: Request,
        token: str,
        t: Translator,
        opened: OpenedLink,
        ctx: TaskContext,
        values: Values,
        errors: dict[str, Words] | None = None,
        error_action: str | None = None,
        status: int = 200,
        refusal: str = "",
    ) -> Response:
        task = opened.task
        errors = errors or {}
        forms = build_forms(task, ctx, t.locale, values)
        # The double-submit nonce: kept while the browser has one, so open tabs stay valid.
        nonce = csrf.usable_nonce(request.cookies.get(csrf.COOKIE_NAME)) or csrf.new_nonce()
        lang = request.query_params.get("lang")
        languages = languages_of(request.app)
        query = f"?lang={lang}" if lang in languages.locales else ""
        response = render_page(
            "task.html",
            t,
            status,
            programme_name=_programme_name(opened),
            title=t(f"kind.{task.kind.value}"),
            intro=_intro(task, ctx, t),
            due=""
            if task.kind in _NO_DUE_DATE
            else t("task.due", date=t.date(_when(opened).at(task.due_at))),
            forms=forms,
            errors=errors,
            error_action=error_action,
            summary=_summary(t, errors, forms, error_action),
            say=lambda said: wording(t, said),
            refusal=refusal,
            csrf_field=csrf.FIELD_NAME,
            csrf_token=csrf.form_token(self._secret, token, nonce),
            post_url=f"{request.url.path}{query}",
            other_locale=languages.other(t.locale),
            values=values,
        )
        response.set_cookie(
            csrf.COOKIE_NAME,
            nonce,
            path="/t/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response


def _translator(request: Request, opened: OpenedLink) -> Translator:
    own = opened.participant.locale if opened.participant else None
    if own is None and opened.programme is not None:
        own = opened.programme.locale  # the person was erased: the programme's language
    return languages_of(request.app).translator(request.query_params.get("lang"), own)


def _intro(task: TaskRecord, ctx: TaskContext, t: Translator) -> str:
    if task.kind is TaskKind.SELF_ASSESSMENT:
        return t(f"intro.self_assessment.{'mentee' if ctx.role == 'mentee' else 'mentor'}")
    if task.kind is TaskKind.SESSION_LOG:
        return ""  # the form's own heading says which session
    key = f"intro.{task.kind.value}"
    return t(key) if t.has(key) else ""


def _summary(
    t: Translator, errors: dict[str, Words], forms: list[FormSpec], action: str | None
) -> list[tuple[str, str, str]]:
    """(anchor, field label, message) for the error summary, in the order of the form."""
    form = next((f for f in forms if f.action == action), None)
    labels = form.summary_labels() if form else {}
    ordered = [n for n in labels if n in errors] + [n for n in errors if n not in labels]
    return [
        (f"#{name}" if name in labels else "", wording(t, labels.get(name, "")), message)
        for name in ordered
        for message in (wording(t, errors[name]),)
    ]


def _programme_name(opened: OpenedLink) -> str:
    return opened.programme.name if opened.programme else ""


def _coordinator(opened: OpenedLink) -> str | None:
    return opened.programme.coordinator_email if opened.programme else None


async def _posted_values(request: Request) -> dict[str, list[str]]:
    form = await request.form(max_files=0, max_fields=_MAX_FIELDS, max_part_size=_MAX_PART_BYTES)
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(storable(key), []).append(storable(value))
    return values


def _first(values: Values, name: str) -> str:
    found = values.get(name) or ()
    return found[0] if found else ""


def _log(task: TaskRecord, outcome: str, **details: Any) -> None:
    log.info(
        "web.task",
        task_id=str(task.task_id),
        kind=task.kind.value,
        outcome=outcome,
        **{k: v for k, v in details.items() if v is not None},
    )


def _when(opened: OpenedLink) -> ProgrammeTimes:
    """The task's times as its programme's people live them (a demo compresses its days)."""
    return ProgrammeTimes(None if opened.programme is None else opened.programme.clock)
