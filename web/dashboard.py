"""The coordinator's dashboard: programmes, their funnel, pairs at risk, overdue tasks, timelines.

Behind named accounts (web/coordinator_auth.py); no task link opens it. Every page and action
checks the account's role and programmes (domain/accounts.py), and every action is written to the
audit trail (store/audit.py). It reads the read models (store/projections.py) and acts only
through workflow updates, like the CLI.
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
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from temporalio.client import Client, WorkflowQueryFailedError, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from client.refusals import RefusalInfo, refusal_of
from client.updates import execute_update
from contracts.ids import pair_workflow_id, programme_workflow_id
from contracts.programme import MatchingView, ProgrammeSummary
from contracts.queries import MATCHING, PROGRAMME_SUMMARY
from contracts.roster import ADD_PARTICIPANTS, WITHDRAW_PARTICIPANT
from credentials.keyring import Keyring
from credentials.oidc import OidcSettings
from credentials.sealing import sealed
from domain.accounts import (
    SESSION_ABSOLUTE,
    Account,
    AuditAction,
    AuditDetail,
    AuditEntry,
    Permission,
    retry_after,
)
from domain.answers import (
    Acknowledgement,
    CoordinatorCommand,
    NudgeCommand,
    PairCommand,
    SwapCommand,
)
from domain.events import pair_stream
from domain.file_problems import Problem
from domain.participants_file import parse_locale, parse_participants
from domain.programme import Locale, Participant
from domain.read_models import programme_clock
from domain.refusals import Refusal
from domain.report import build_report
from domain.roster import AddParticipants, Enrolled, WithdrawParticipant, joining
from domain.typed_text import as_typed, long_enough
from store import audit
from store import dashboard_queries as q
from store.accounts import LoginFailures, SessionStore
from store.events import EventStore
from store.participants import ParticipantStore
from store.programmes import ProgrammeStore
from store.tasks import TaskStore
from web import csrf
from web.coordinator_auth import (
    COOKIE_NAME,
    REFUSAL_DELAY_SECONDS,
    CoordinatorAuth,
    SignInProblem,
    SignInRefused,
)
from web.errors import message_page
from web.forms import storable
from web.i18n import COORDINATOR_LANGUAGE_COOKIE, TANDEM_LANGUAGES, Translator, languages_of
from web.notices import notice_query, shown_notice
from web.oidc import (
    SsoRefusal,
    VerifiedIdentity,
    add_sso_routes,
    refusal_page,
    safe_next,
    same_site_redirect,
)
from web.programme_times import ProgrammeTimes
from web.rendering import PAGE_HEADERS, render_page
from web.report import render_html
from web.task_context import skill_labels

log = structlog.get_logger(__name__)

PREFIX = "/coordinator"
# A late joiners' file is a few rows; the same limit as `tandem` for a participants file.
_MAX_UPLOAD_BYTES = 5_000_000
_LOGIN_FORM = "coordinator-login"  # what the login form's CSRF token is bound to


@dataclass(frozen=True)
class DashboardSettings:
    # TANDEM_COORDINATOR_PASSWORD_HASH: the bootstrap admin's password (account `admin`).
    password_hash: str | None = None
    temporal_ui_url: str = "http://127.0.0.1:8233"
    namespace: str = "default"
    password_login: bool = True  # TANDEM_PASSWORD_LOGIN: off when single sign-on is the way in
    oidc: OidcSettings | None = None  # TANDEM_OIDC_*: single sign-on through the company's IdP
    public_base_url: str = "http://127.0.0.1:8000"  # where the provider sends coordinators back
    refusal_delay: float = REFUSAL_DELAY_SECONDS  # before answering a wrong password


def _named(t: Translator, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows naming a participant, with the words for one whose data was erased."""
    return [{**row, "name": row["name"] or t("dash.erased")} for row in rows]


def add_dashboard(
    app: FastAPI,
    *,
    client: Client,
    pool: asyncpg.Pool,
    secret: bytes,
    settings: DashboardSettings,
    now: Callable[[], datetime],
    previous_secrets: Sequence[bytes] = (),
    keyring: Keyring,
) -> CoordinatorAuth:
    """The dashboard's routes on `app`; returns its sign-in service.

    What coordinators type is sealed before it is sent, and what people typed is opened only to
    be shown (`keyring`)."""
    auth = CoordinatorAuth(
        pool,
        now,
        bootstrap_hash=settings.password_hash,
        password_login=settings.password_login,
        refusal_delay=settings.refusal_delay,
    )

    def session_id(request: Request) -> str | None:
        return request.cookies.get(COOKIE_NAME)

    async def signed_in(request: Request) -> Account | None:
        return await auth.current(session_id(request))

    async def allowed(
        request: Request, permission: Permission, programme_id: str | None = None
    ) -> Account | Response:
        """The signed-in account when it may do this here; otherwise the page refusing it.

        A programme the account may not see answers as if it did not exist.
        """
        account = await signed_in(request)
        if account is None:
            return to_login(request)
        t = translator(request)
        if programme_id is not None and not account.sees(programme_id):
            return message_page(t, 404, "page.not_found")
        if not account.may(permission, programme_id):
            return message_page(t, 403, "dash.read_only")
        request.state.account = account
        return account

    def to_login(request: Request) -> Response:
        return RedirectResponse(f"{PREFIX}/login?next={quote(request.url.path)}", status_code=303)

    def bound_to(request: Request) -> str:
        # A form token is good only in the session it was shown in.
        return f"coordinator:{session_id(request) or ''}"

    def csrf_pair(request: Request, bound: str) -> tuple[str, str]:
        nonce = csrf.usable_nonce(request.cookies.get(csrf.COOKIE_NAME)) or csrf.new_nonce()
        return nonce, csrf.form_token(secret, bound, nonce)

    def with_nonce(response: Response, nonce: str) -> Response:
        response.set_cookie(csrf.COOKIE_NAME, nonce, httponly=True, samesite="strict", path="/")
        return response

    async def form_ok(request: Request, bound: str) -> dict[str, str] | None:
        form = await request.form()
        values = {k: str(v) for k, v in form.items()}
        cookie = request.cookies.get(csrf.COOKIE_NAME)
        if not csrf.is_valid(secret, bound, cookie, values.get(csrf.FIELD_NAME), previous_secrets):
            return None
        return values

    async def posted(
        request: Request, programme_id: str, attempted: AuditAction | None
    ) -> tuple[Account, Translator, dict[str, str]] | Response:
        """A permitted account's form, its CSRF token checked; or the response refusing it.

        A signed-in account refused an action of a programme it sees (read-only, or a form not
        from its session) is in that programme's audit trail too.
        """
        account = await allowed(request, Permission.READ, programme_id)
        if isinstance(account, Response):
            return account
        t = translator(request)
        values = None
        if not account.may(Permission.ACT, programme_id):
            refused, page = AuditDetail.READ_ONLY, "dash.read_only"
        else:
            values = await form_ok(request, bound_to(request))
            refused, page = AuditDetail.CSRF, "page.csrf"
        if values is None:
            if attempted is not None:
                await audited(account, attempted, programme_id, None, refused)
            return message_page(t, 403, page)
        return account, t, {storable(k): storable(v) for k, v in values.items()}

    async def audited(
        account: Account,
        action: AuditAction,
        programme_id: str | None,
        target: str | None = None,
        refused: str | None = None,
        found: RefusalInfo | None = None,
    ) -> None:
        """Record an action; a workflow's refusal (`found`) is kept as its code and parameters."""
        params = found.params if found is not None else None
        if found is not None:
            refused = found.code.value
        entry = AuditEntry.attempt(
            now(), account.email, action, programme_id, target, refused, params
        )
        await audit.record(pool, entry)

    async def refusal_notice(programme_id: str, t: Translator, found: RefusalInfo | None) -> str:
        people = await q.names(pool, programme_id) if found and found.params else {}
        return t("dash.refused", reason=t.refusal(found, people=people))

    async def coordinator_update(
        account: Account,
        action: AuditAction,
        programme_id: str,
        target: str | None,
        t: Translator,
        workflow_id: str,
        update: str,
        command: CoordinatorCommand,
    ) -> Acknowledgement | UpdateRefused | Response:
        """Send a coordinator's command (its typed texts sealed): the workflow's answer, its
        refusal worded for the notice, or, when no workflow is there to take it, the page to
        show, the attempt already audited. Temporal out of reach is raised (web/errors.py)."""
        handle = client.get_workflow_handle(workflow_id)
        try:
            return await execute_update(
                handle,
                update,
                await sealed(keyring, command, programme_id),
                id=command.command_id,
                result_type=Acknowledgement,
            )
        except WorkflowUpdateFailedError as error:
            found = refusal_of(error)
            return UpdateRefused(found, await refusal_notice(programme_id, t, found))
        except RPCError as error:
            nothing_there = _not_delivered(t, error, workflow_id)
            await audited(account, action, programme_id, target, AuditDetail.NOT_DELIVERED)
            return nothing_there

    def page(template: str, request: Request, status: int = 200, **context: Any) -> Response:
        nonce, token = csrf_pair(request, bound_to(request))
        t = translator(request)
        response = render_page(
            template,
            t,
            status=status,
            csrf_field=csrf.FIELD_NAME,
            csrf_token=token,
            prefix=PREFIX,
            other_locale=_other(t.locale),
            account=getattr(request.state, "account", None),
            Permission=Permission,
            **context,
        )
        return remember_language(request, with_nonce(response, nonce))

    @app.get(f"{PREFIX}/login", include_in_schema=False)
    async def login_form(request: Request) -> Response:
        return await _login_page(request, 200, None)

    async def _login_page(
        request: Request,
        status: int,
        error: str | None,
        retry: int | None = None,
        email: str = "",
    ) -> Response:
        nonce, token = csrf_pair(request, _LOGIN_FORM)
        t = translator(request)
        message = (
            t.plural("dash.login.throttled", retry or 0, seconds=retry or 0)
            if error == SignInProblem.THROTTLED
            else t(f"dash.login.{error}")
            if error
            else ""
        )
        no_account = not settings.password_hash and not await auth.accounts.any()
        response = render_page(
            "dashboard_login.html",
            t,
            status=status,
            title=t("dash.login.title"),
            other_locale=_other(t.locale),
            error=message,
            email=email,
            no_account=no_account,
            password_login=auth.password_login,
            sso_enabled=settings.oidc is not None,
            next=_safe_next(request.query_params.get("next")),
            csrf_field=csrf.FIELD_NAME,
            csrf_token=token,
            prefix=PREFIX,
        )
        if retry is not None:
            response.headers["Retry-After"] = str(retry)
        return remember_language(request, with_nonce(response, nonce))

    def with_session(request: Request, response: Response, session: str) -> Response:
        response.set_cookie(
            COOKIE_NAME,
            session,
            max_age=int(SESSION_ABSOLUTE.total_seconds()),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path=PREFIX,
        )
        return response

    async def single_sign_on(
        request: Request, identity: VerifiedIdentity, next_path: str, t: Translator
    ) -> Response:
        """The provider vouched for this address: sign its account in, if it has one."""
        if await auth.accounts.get(identity.email) is None:
            log.warning("dashboard.sso_unknown_account")
            return refusal_page(
                t, SsoRefusal.UNKNOWN_ACCOUNT, login_path=f"{PREFIX}/login", email=identity.email
            )
        session = await auth.open_session(identity.email)
        await auth.sign_out(session_id(request), None)  # whoever was signed in here is no more
        # The provider's redirect is cross-site: a Strict cookie set on it would not come back
        # on the next hop, so the last step to the dashboard is a same-site one.
        return with_session(request, same_site_redirect(t, next_path), session)

    if settings.oidc is not None:
        add_sso_routes(
            app,
            prefix=PREFIX,
            settings=settings.oidc,
            secret=secret,
            public_base_url=settings.public_base_url,
            on_verified=single_sign_on,
            translator=translator,
            previous_secrets=previous_secrets,
        )

    @app.post(f"{PREFIX}/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        values = await form_ok(request, _LOGIN_FORM)
        if values is None:
            return await _login_page(request, 403, "expired")
        email = values.get("email", "")
        address = request.client.host if request.client else "unknown"
        outcome = await auth.sign_in(email, values.get("password", ""), address)
        if isinstance(outcome, SignInRefused):
            log.warning("dashboard.login_refused", problem=str(outcome.problem))
            status = _SIGN_IN_STATUS[outcome.problem]
            return await _login_page(
                request, status, str(outcome.problem), outcome.retry_after, email[:254]
            )
        await auth.sign_out(session_id(request), None)  # whoever was signed in here is no more
        response = RedirectResponse(_safe_next(values.get("next")), status_code=303)
        return with_session(request, response, outcome.session_id)

    @app.post(f"{PREFIX}/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        account = await signed_in(request)
        if account is not None:
            t = translator(request)
            if await form_ok(request, bound_to(request)) is None:
                return message_page(t, 403, "page.csrf")
            await auth.sign_out(session_id(request), account)
        response = RedirectResponse(f"{PREFIX}/login", status_code=303)
        response.delete_cookie(COOKIE_NAME, path=PREFIX)
        return response

    @app.get(PREFIX, include_in_schema=False)
    async def index(request: Request) -> Response:
        account = await allowed(request, Permission.READ)
        if isinstance(account, Response):
            return account
        programmes = [p for p in await q.programmes(pool) if account.sees(p["programme_id"])]
        return page(
            "dashboard_index.html",
            request,
            title=translator(request)("dash.programmes"),
            programmes=programmes,
        )

    @app.get(PREFIX + "/p/{programme_id}", include_in_schema=False)
    async def programme(request: Request, programme_id: str) -> Response:
        account = await allowed(request, Permission.READ, programme_id)
        if isinstance(account, Response):
            return account
        return await programme_page(request, programme_id)

    async def programme_page(
        request: Request, programme_id: str, status: int = 200, **extra: Any
    ) -> Response:
        row = await q.programme(pool, programme_id)
        if row is None:
            return message_page(translator(request), 404, "page.not_found")
        pairs = await q.pairs(pool, programme_id)
        matching = (
            await _matching(client, programme_id) if row["phase"] == "matching_review" else None
        )
        t = translator(request)
        skills = (
            skill_labels(await ProgrammeStore(pool).get(programme_id), t.locale) if matching else {}
        )
        summary = await _summary(client, programme_id)
        return page(
            "dashboard_programme.html",
            request,
            status=status,
            title=row["name"],
            p=row,
            pairs=pairs,
            at_risk=[r for r in pairs if r["at_risk"]],
            overdue=_named(t, await q.open_tasks(pool, programme_id, due_before=now())),
            task_counts=await q.task_counts(pool, programme_id, now()),
            surveys=await q.survey_summary(pool, programme_id),
            concerns=_named(t, await keyring.open_tree(await q.concerns(pool, programme_id))),
            undelivered=_named(t, await q.undelivered(pool, programme_id)),
            names=await q.names(pool, programme_id),
            people=await q.people(pool, programme_id),
            matching=matching,
            skills=skills,
            funnel=_funnel(row, pairs),
            when=ProgrammeTimes(programme_clock(row)),
            summary=summary,
            withdrawn=set(summary.withdrawn_ids) if summary else set(),
            late=set(summary.late_joiner_ids) if summary else set(),
            returning=set(summary.returning_mentor_ids) if summary else set(),
            notice=shown_notice(secret, request.query_params, previous_secrets),
            **{"add_problems": [], **extra},
        )

    @app.post(PREFIX + "/p/{programme_id}/participants/add", include_in_schema=False)
    async def add_participants(request: Request, programme_id: str) -> Response:
        """Late joiners from a CSV like the programme's: stored, then sent to the programme.

        A file with any mistake changes nothing: the page lists every one, FILE:LINE: field.
        """
        action = AuditAction.ADDED_PARTICIPANTS
        form = await posted(request, programme_id, action)
        if isinstance(form, Response):
            return form
        account, t, _ = form
        record = await ProgrammeStore(pool).get(programme_id)
        if record is None:
            return message_page(t, 404, "page.not_found")
        upload = (await request.form()).get("participants")
        problems: list[Problem] = []
        joiners: tuple[Participant, ...] | None = None
        if not isinstance(upload, UploadFile) or not upload.filename:
            problems.append(Problem("-", 0, "file", "no file chosen"))
        else:
            file_name = storable(upload.filename)[:200]
            data = await upload.read(_MAX_UPLOAD_BYTES + 1)
            if len(data) > _MAX_UPLOAD_BYTES:
                problems.append(
                    Problem(file_name, 0, "file", f"the limit is {_MAX_UPLOAD_BYTES:,} bytes")
                )
            else:
                locale = parse_locale(record.locale) or Locale.FR
                joiners = parse_participants(
                    file_name, data, problems, programme_id, locale, both_roles=False
                )
        if problems or not joiners:
            await audited(account, action, programme_id, None, AuditDetail.FILE_PROBLEMS)
            log.info("dashboard.roster_add", programme_id=programme_id, problems=len(problems))
            shown = [str(problem) for problem in problems] or [t("dash.roster.add.empty")]
            return await programme_page(request, programme_id, 400, add_problems=shown)
        enrolled = await ParticipantStore(pool).list_for_programme(programme_id)
        known = {person.id for person in enrolled}
        again = next((p for p in joiners if p.id in known), None)
        refused: str | None = None
        found: RefusalInfo | None = None
        target = " ".join(p.id for p in joiners)[:500]
        if again is not None:
            # Stored first, they would overwrite the enrolled person's row: refused before.
            refused = Refusal.ALREADY_ENROLLED.value
            found = RefusalInfo(Refusal.ALREADY_ENROLLED, {"person": again.id})
            notice = t("dash.refused", reason=t.refusal(found, people={again.id: again.name}))
        else:
            refs, chains = joining(
                [Enrolled(p.id, p.email, p.manager_email) for p in enrolled], joiners
            )
            await ParticipantStore(pool).upsert_many(programme_id, joiners)
            command = AddParticipants(
                command_id=f"dashboard-add-{uuid.uuid4()}", participants=refs, chains=chains
            )
            sent = await coordinator_update(
                account,
                action,
                programme_id,
                target,
                t,
                programme_workflow_id(programme_id),
                ADD_PARTICIPANTS,
                command,
            )
            if not isinstance(sent, Acknowledgement):
                # Not enrolled: their rows would otherwise read as enrolled ones, and refuse
                # the corrected file as naming people already in the programme. (Not
                # delivered: no programme there, so surely not taken.)
                await ParticipantStore(pool).remove_new(programme_id, [p.id for p in joiners])
            if isinstance(sent, Response):
                return sent
            if isinstance(sent, UpdateRefused):
                refused, found, notice = AuditDetail.UNKNOWN, sent.found, sent.notice
            else:
                notice = t("dash.done.roster", next_step=t.next_step(sent))
        await audited(account, action, programme_id, target, refused, found)
        log.info(
            "dashboard.roster_add",
            programme_id=programme_id,
            joiners=len(joiners),
            refused=refused is not None,
        )
        return RedirectResponse(
            f"{PREFIX}/p/{quote(programme_id)}?{notice_query(secret, notice)}#participants",
            status_code=303,
        )

    @app.get(
        PREFIX + "/p/{programme_id}/participants/{participant}/withdraw", include_in_schema=False
    )
    async def withdraw_form(request: Request, programme_id: str, participant: str) -> Response:
        account = await allowed(request, Permission.ACT, programme_id)
        if isinstance(account, Response):
            return account
        t = translator(request)
        names = await q.names(pool, programme_id)
        if participant not in names:
            return message_page(t, 404, "page.not_found")
        name = names[participant] or t("dash.erased")
        return page(
            "dashboard_withdraw.html",
            request,
            title=t("dash.withdraw.title", name=name),
            programme_id=programme_id,
            participant_id=participant,
            name=name,
        )

    @app.post(
        PREFIX + "/p/{programme_id}/participants/{participant}/withdraw", include_in_schema=False
    )
    async def withdraw(request: Request, programme_id: str, participant: str) -> Response:
        """One participant leaves the programme; the workflow ends their pair and tells them."""
        action = AuditAction.WITHDREW_PARTICIPANT
        form = await posted(request, programme_id, action)
        if isinstance(form, Response):
            return form
        account, t, values = form
        if participant not in await q.names(pool, programme_id):
            return message_page(t, 404, "page.not_found")
        reason = values.get("reason", "").strip()[:500]
        refused: str | None = None
        found: RefusalInfo | None = None
        command = as_typed(
            WithdrawParticipant,
            command_id=f"dashboard-withdraw-{uuid.uuid4()}",
            participant_id=participant,
            reason=reason,
        )
        # The workflow cannot count a sealed reason's letters: they are counted here.
        if not long_enough(reason):
            refused = AuditDetail.REASON_NEEDED
            notice = t("dash.refused", reason=t("dash.refused.reason_needed"))
        else:
            sent = await coordinator_update(
                account,
                action,
                programme_id,
                participant,
                t,
                programme_workflow_id(programme_id),
                WITHDRAW_PARTICIPANT,
                command,
            )
            if isinstance(sent, Response):
                return sent
            if isinstance(sent, UpdateRefused):
                refused, found, notice = AuditDetail.UNKNOWN, sent.found, sent.notice
            else:
                name = (await q.names(pool, programme_id)).get(participant) or t("dash.erased")
                notice = t("dash.done.withdraw", name=name, next_step=t.next_step(sent))
        await audited(account, action, programme_id, participant, refused, found)
        log.info(
            "dashboard.withdraw",
            programme_id=programme_id,
            participant_id=participant,
            refused=refused is not None,
        )
        return RedirectResponse(
            f"{PREFIX}/p/{quote(programme_id)}?{notice_query(secret, notice)}#participants",
            status_code=303,
        )

    @app.get(PREFIX + "/p/{programme_id}/concerns/{position}", include_in_schema=False)
    async def concern(request: Request, programme_id: str, position: str) -> Response:
        """One concern's words: for the programme's coordinators, each reading audited."""
        account = await allowed(request, Permission.READ_CONCERNS, programme_id)
        if isinstance(account, Response):
            return account
        number = _event_position(position)
        found = None if number is None else await q.concern(pool, programme_id, number)
        if found is None:
            return message_page(translator(request), 404, "page.not_found")
        found = _named(translator(request), [await keyring.open_tree(dict(found))])[0]
        await audited(account, AuditAction.OPENED_CONCERN, programme_id, position)
        log.info("dashboard.concern_opened", programme_id=programme_id, position=position)
        return page(
            "dashboard_concern.html",
            request,
            title=translator(request)("dash.concern.title"),
            programme_id=programme_id,
            c=found,
            when=await _programme_times(pool, programme_id),
        )

    @app.get(PREFIX + "/p/{programme_id}/pairs/{pair_id}", include_in_schema=False)
    async def pair(request: Request, programme_id: str, pair_id: str) -> Response:
        account = await allowed(request, Permission.READ, programme_id)
        if isinstance(account, Response):
            return account
        row = await q.pair(pool, programme_id, pair_id)
        if row is None:
            return message_page(translator(request), 404, "page.not_found")
        workflow_id = pair_workflow_id(programme_id, pair_id)
        t = translator(request)
        summary = await _summary(client, programme_id)
        return page(
            "dashboard_pair.html",
            request,
            title=t("dash.pair.title", pair_id=pair_id),
            programme_id=programme_id,
            pair=await keyring.open_tree(dict(row)),
            withdrawn=set(summary.withdrawn_ids) if summary else set(),
            names=await q.names(pool, programme_id),
            sessions=await q.sessions(pool, programme_id, pair_id),
            open_tasks=_named(t, await q.open_tasks(pool, programme_id, pair_id=pair_id)),
            timeline=[
                e.model_copy(update={"data": await keyring.open_tree(e.data)})
                for e in await EventStore(pool).read_stream(pair_stream(programme_id, pair_id))
            ],
            when=await _programme_times(pool, programme_id),
            notice=shown_notice(secret, request.query_params, previous_secrets),
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
        known = _PAIR_UPDATES.get(action)
        form = await posted(request, programme_id, known[2] if known else None)
        if isinstance(form, Response):
            return form
        account, t, values = form
        if action not in _PAIR_UPDATES:
            return message_page(t, 404, "page.not_found")
        update, done, audit_action = _PAIR_UPDATES[action]
        reason = values.get("reason", "").strip()[:500]
        refused: str | None = None
        found: RefusalInfo | None = None
        if not long_enough(reason):
            refused = AuditDetail.REASON_NEEDED
            notice = t("dash.refused", reason=t("dash.refused.reason_needed"))
        else:
            command = as_typed(
                CoordinatorCommand, command_id=f"dashboard-{action}-{uuid.uuid4()}", reason=reason
            )
            sent = await coordinator_update(
                account,
                audit_action,
                programme_id,
                pair_id,
                t,
                pair_workflow_id(programme_id, pair_id),
                update,
                command,
            )
            if isinstance(sent, Response):
                return sent
            if isinstance(sent, UpdateRefused):
                refused, found, notice = AuditDetail.UNKNOWN, sent.found, sent.notice
            else:
                notice = t(done)
        await audited(account, audit_action, programme_id, pair_id, refused, found)
        log.info(
            "dashboard.pair",
            programme_id=programme_id,
            pair_id=pair_id,
            action=action,
            refused=refused is not None,
        )
        target = f"{PREFIX}/p/{quote(programme_id)}/pairs/{quote(pair_id)}"
        target += f"?{notice_query(secret, notice)}"
        return RedirectResponse(target, status_code=303)

    @app.post(PREFIX + "/p/{programme_id}/tasks/{task_id}/nudge", include_in_schema=False)
    async def nudge(request: Request, programme_id: str, task_id: str) -> Response:
        """E-mail a participant a reminder of one open task, through its pair's workflow."""
        form = await posted(request, programme_id, AuditAction.NUDGED)
        if isinstance(form, Response):
            return form
        account, t, values = form
        try:
            task = await TaskStore(pool).get(uuid.UUID(task_id))
        except ValueError:
            task = None
        if task is None or task.programme_id != programme_id:
            return message_page(t, 404, "page.not_found")
        refused: str | None = None
        found: RefusalInfo | None = None
        if not task.workflow_id.startswith("pair:"):
            refused = AuditDetail.SELF_ASSESSMENT
            notice = t("dash.refused", reason=t("dash.refused.self_assessment"))
        else:
            command = NudgeCommand(
                command_id=f"dashboard-nudge-{uuid.uuid4()}", task_id=task.task_id
            )
            sent = await coordinator_update(
                account,
                AuditAction.NUDGED,
                programme_id,
                task_id,
                t,
                task.workflow_id,
                "nudge",
                command,
            )
            if isinstance(sent, Response):
                return sent
            if isinstance(sent, UpdateRefused):
                refused, found, notice = AuditDetail.UNKNOWN, sent.found, sent.notice
            else:
                name = (await q.names(pool, programme_id)).get(task.participant_id, "?")
                notice = t("dash.done.nudge", name=name)
        await audited(account, AuditAction.NUDGED, programme_id, task_id, refused, found)
        log.info(
            "dashboard.nudge",
            programme_id=programme_id,
            task_id=task_id,
            refused=refused is not None,
        )
        back = _safe_next(values.get("back")) if values.get("back") else None
        target = back or f"{PREFIX}/p/{quote(programme_id)}"
        separator = "&" if "?" in target else "?"
        return RedirectResponse(
            f"{target}{separator}{notice_query(secret, notice)}", status_code=303
        )

    @app.get(PREFIX + "/p/{programme_id}/report", include_in_schema=False)
    async def report(request: Request, programme_id: str) -> Response:
        account = await allowed(request, Permission.READ, programme_id)
        if isinstance(account, Response):
            return account
        events = await EventStore(pool).read_programme(programme_id)
        if not events:
            return message_page(translator(request), 404, "page.not_found")
        found = build_report(programme_id, events, await TaskStore(pool).timings(programme_id))
        await audited(account, AuditAction.EXPORTED_REPORT, programme_id)
        # The report is a standalone page with its own inline styles; nothing else is allowed.
        policy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"
        return HTMLResponse(
            render_html(found, translator(request)),
            headers={**PAGE_HEADERS, "Content-Security-Policy": policy},
        )

    @app.get(PREFIX + "/p/{programme_id}/audit", include_in_schema=False)
    async def programme_audit(request: Request, programme_id: str) -> Response:
        account = await allowed(request, Permission.ACT, programme_id)
        if isinstance(account, Response):
            return account
        if await q.programme(pool, programme_id) is None:
            return message_page(translator(request), 404, "page.not_found")
        return page(
            "dashboard_audit.html",
            request,
            title=translator(request)("dash.audit"),
            programme_id=programme_id,
            entries=await audit.read(pool, programme_id),
        )

    @app.get(PREFIX + "/accounts", include_in_schema=False)
    async def accounts(request: Request) -> Response:
        """Every account, its sessions, and the sign-ins locked now: for admins."""
        account = await allowed(request, Permission.MANAGE_ACCOUNTS)
        if isinstance(account, Response):
            return account
        at = now()
        rows = await auth.accounts.all()
        sessions = SessionStore(pool)
        failures = await LoginFailures(pool).all_recent(at)
        lockouts = [
            (scope, len(times), retry_after(times, at)) for scope, times in sorted(failures.items())
        ]
        return page(
            "dashboard_accounts.html",
            request,
            title=translator(request)("dash.accounts"),
            rows=[(row, await sessions.live(row.email, at)) for row in rows],
            lockouts=[(s, n, at + wait if wait else None) for s, n, wait in lockouts],
            entries=await audit.read(pool, None, limit=200),
        )

    @app.post(PREFIX + "/p/{programme_id}/matching/{action}", include_in_schema=False)
    async def matching_command(request: Request, programme_id: str, action: str) -> Response:
        known = _MATCHING_UPDATES.get(action)
        form = await posted(request, programme_id, known[1] if known else None)
        if isinstance(form, Response):
            return form
        account, t, values = form
        if action not in _MATCHING_UPDATES:
            return message_page(t, 404, "page.not_found")
        update, audit_action = _MATCHING_UPDATES[action]
        refused: str | None = None
        found: RefusalInfo | None = None
        try:
            command = _matching_command(action, values)
        except ValidationError:
            refused = AuditDetail.CHOOSE
            notice = t("dash.refused", reason=t("dash.refused.choose"))
        else:
            sent = await coordinator_update(
                account,
                audit_action,
                programme_id,
                _matching_target(values),
                t,
                programme_workflow_id(programme_id),
                update,
                command,
            )
            if isinstance(sent, Response):
                return sent
            if isinstance(sent, UpdateRefused):
                refused, found, notice = AuditDetail.UNKNOWN, sent.found, sent.notice
            elif action == "approve":
                notice = t("dash.done.approve")
            else:
                notice = t("dash.done.matching", next_step=t.next_step(sent))
        target = _matching_target(values)
        await audited(account, audit_action, programme_id, target, refused, found)
        log.info(
            "dashboard.matching",
            programme_id=programme_id,
            action=action,
            refused=refused is not None,
        )
        return RedirectResponse(
            f"{PREFIX}/p/{quote(programme_id)}?{notice_query(secret, notice)}", status_code=303
        )

    return auth


_SIGN_IN_STATUS = {
    SignInProblem.WRONG: 401,
    SignInProblem.THROTTLED: 429,
    SignInProblem.BUSY: 503,
    SignInProblem.PASSWORD_OFF: 403,
}

# action in the URL -> (the pair's update, the message key once done, what the audit calls it)
_PAIR_UPDATES = {
    "end": ("end_by_coordinator", "dash.done.end", AuditAction.ENDED_PAIR),
    "re-pair": ("re_pair", "dash.done.re_pair", AuditAction.RE_PAIRED),
}

_MATCHING_UPDATES = {
    "approve": ("approve_matching", AuditAction.APPROVED_MATCHING),
    "ban": ("ban_pair", AuditAction.BANNED_PAIR),
    "force": ("force_pair", AuditAction.FORCED_PAIR),
    "swap": ("swap_mentors", AuditAction.SWAPPED_MENTORS),
}


def _event_position(text: str) -> int | None:
    """A log position from a URL: ASCII digits that fit PostgreSQL's bigint, or None."""
    if not (text.isascii() and text.isdigit() and len(text) < 19):
        return None
    return int(text)


def _matching_target(values: dict[str, str]) -> str | None:
    """The participant ids a matching action was about, for the audit trail (never names)."""
    ids = [
        values.get(key, "")[:64]
        for key in ("mentor_id", "mentee_id", "mentee_a", "mentee_b")
        if values.get(key)
    ]
    return " ".join(ids) or None


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


@dataclass(frozen=True)
class UpdateRefused:
    """A workflow's refusal of a coordinator's command, and the notice that words it."""

    found: RefusalInfo | None  # None: refused for a reason the workflow did not declare
    notice: str


def _not_delivered(t: Translator, error: RPCError, workflow_id: str) -> Response:
    """The page for an update Temporal did not take because there is nothing there to act on.

    Temporal out of reach is re-raised: the outage net (web/errors.py) answers it, as for every
    page, with a 503 and Retry-After, logged once per outage.
    """
    if error.status not in _NO_SUCH_WORKFLOW:
        raise error
    log.warning("dashboard.update_not_delivered", workflow_id=workflow_id, rpc=error.status.name)
    return message_page(t, 404, "page.not_found")


async def _programme_times(pool: asyncpg.Pool, programme_id: str) -> ProgrammeTimes:
    row = await q.programme(pool, programme_id)
    return ProgrammeTimes(None if row is None else programme_clock(row))


async def _summary(client: Client, programme_id: str) -> ProgrammeSummary | None:
    """The programme's own figures (who joined late, who left); None when it cannot answer."""
    try:
        handle = client.get_workflow_handle(programme_workflow_id(programme_id))
        found: ProgrammeSummary = await handle.query(
            PROGRAMME_SUMMARY, result_type=ProgrammeSummary
        )
        return found
    except (RPCError, WorkflowQueryFailedError):
        return None


async def _matching(client: Client, programme_id: str) -> MatchingView | None:
    try:
        handle = client.get_workflow_handle(programme_workflow_id(programme_id))
        view: MatchingView = await handle.query(MATCHING, result_type=MatchingView)
        return view
    except RPCError:
        return None


def _funnel(p: dict[str, object], pairs: list[dict[str, object]]) -> list[tuple[str, int, int]]:
    """(step key, people or pairs, out of) for each step of the programme, first to last."""
    participants = int(str(p["participants"])) or 1
    formed = len(pairs) or 1
    in_sessions = sum(r["phase"] in ("sessions", "final", "completed") for r in pairs)
    paired = len({str(r[side]) for r in pairs for side in ("mentor_id", "mentee_id")}) or 1
    return [
        ("enrolled", int(str(p["enrolled"])), participants),
        ("answered", int(str(p["assessments_submitted"])), participants),
        ("formed", len(pairs), max(1, participants // 2)),
        # People, not pairs: each accepts the charter once, whatever their pairs.
        ("onboarded", int(str(p.get("onboarded") or 0)), paired),
        ("past_chemistry", in_sessions, formed),
        ("completed", int(str(p["pairs_completed"])), formed),
    ]


LANGUAGE_COOKIE = COORDINATOR_LANGUAGE_COOKIE


def translator(request: Request) -> Translator:
    """The dashboard's language: `?lang=` when given, then the coordinator's last choice, then
    French, Tandem's default."""
    languages = languages_of(request.app)
    return languages.translator(
        request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)
    )


def remember_language(request: Request, response: Response) -> Response:
    chosen = request.query_params.get("lang")
    if chosen in languages_of(request.app).locales:
        response.set_cookie(
            LANGUAGE_COOKIE, chosen, max_age=365 * 86_400, samesite="strict", path=PREFIX
        )
    return response


def _other(locale: str) -> str:
    return TANDEM_LANGUAGES.other(locale)


def _safe_next(target: str | None) -> str:
    """Only a dashboard path: a sign-in must never redirect anywhere else (open redirect)."""
    return safe_next(PREFIX, target)
