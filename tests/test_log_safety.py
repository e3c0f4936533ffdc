"""No log line holds a credential, and every traceback stays readable, in both log formats.

Each test makes something really fail — a web request whose database is gone, a step activity,
the projector on a malformed event — with the deployment secret, task-link tokens, a session and
CSRF tokens within reach of the traceback (its frames' locals, the exception's message), and
reads what the console and the JSON formats wrote.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import uuid
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NoReturn

import asyncpg
import httpx
import pytest
import structlog
from starlette.requests import Request
from starlette.responses import Response
from temporalio import activity
from temporalio.testing import WorkflowEnvironment

from activities.mailer import Mailer, MailSettings
from activities.steps import StepActivities
from credentials.envelope import generate_master_key
from credentials.passwords import hash_password
from devstack.smtp_sink import SmtpSink
from domain.steps import StepInput, StepResult
from domain.tokens import sign_task_token
from logging_setup import REDACTED, configure_logging, formatter, redact
from settings import Settings
from store.db import create_pool
from store.events import EventStore
from store.participants import ParticipantStore
from store.projections import Projector
from store.tasks import TaskStore
from tests.dashboard_helpers import sign_in
from tests.lifecycle_helpers import eventually, running_stack, small_cohort
from tests.test_web_browser import serving
from web import csrf
from web.app import create_app
from web.coordinator_auth import COOKIE_NAME as SESSION_COOKIE
from web.coordinator_auth import new_session_id
from web.dashboard import DashboardSettings

# Not token-shaped (lowercase, short): only its registration can mask it.
SECRET = f"log-safety-{uuid.uuid4().hex[:10]}"
PASSWORD = "correct horse battery staple"
PASSWORD_HASH = hash_password(PASSWORD)
_LINK = re.compile(r"/t/([A-Za-z0-9_-]+)")


@dataclass
class Captured:
    console: io.StringIO
    json: io.StringIO

    def texts(self) -> dict[str, str]:
        return {"console": self.console.getvalue(), "json": self.json.getvalue()}

    def lines(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.json.getvalue().splitlines() if line.strip()]

    def json_line(self, event: str) -> dict[str, Any] | None:
        return next((e for e in self.lines() if e.get("event") == event), None)

    def assert_never_shown(self, *values: str) -> None:
        for fmt, text in self.texts().items():
            for value in values:
                assert value not in text, f"{value!r} is in the {fmt} logs"

    def assert_readable_traceback(
        self, event: str, exc_type: str, message: str, frame: str
    ) -> None:
        """The exception's type, its message and a frame's function, in both formats."""
        line = self.json_line(event)
        assert line is not None, f"no {event} line"
        assert "exc_info" not in line
        chain = line["exception"]
        assert isinstance(chain, list) and chain, "the JSON line has no structured traceback"
        found = next((e for e in chain if e["exc_type"] == exc_type), None)
        assert found is not None, [e["exc_type"] for e in chain]
        assert message in found["exc_value"]
        assert frame in {f["name"] for e in chain for f in e["frames"]}
        assert all("locals" not in f for e in chain for f in e["frames"])
        console = self.console.getvalue()
        assert event in console and "Traceback (most recent call last)" in console
        assert exc_type in console and message in console and f"in {frame}" in console


@contextmanager
def capturing(secrets: Iterable[str]) -> Iterator[Captured]:
    """Every log line meanwhile in both formats, with `secrets` given to configure_logging."""
    configure_logging("INFO", "json", secrets=secrets)
    captured = Captured(io.StringIO(), io.StringIO())
    handlers = []
    for fmt, stream in (("console", captured.console), ("json", captured.json)):
        handler = logging.StreamHandler(stream)
        handler.setFormatter(formatter(fmt))
        handlers.append(handler)
    root = logging.getLogger()
    for handler in handlers:
        root.addHandler(handler)
    try:
        yield captured
    finally:
        for handler in handlers:
            root.removeHandler(handler)
        configure_logging("WARNING")


@pytest.fixture
def logs() -> Iterator[Captured]:
    with capturing([SECRET, PASSWORD_HASH]) as captured:
        yield captured


def task_token(secret: str = SECRET) -> str:
    expires = datetime.now(UTC) + timedelta(days=3)
    return sign_task_token(uuid.uuid4(), "p001", expires, secret.encode())


# ---- the masking itself ---------------------------------------------------------------------


def test_credentials_are_masked_and_ordinary_ids_are_kept(logs: Captured) -> None:
    token = task_token()
    nonce = csrf.new_nonce()
    form_token = csrf.form_token(SECRET.encode(), token, nonce)
    session = new_session_id()
    for credential in (token, nonce, form_token, session, SECRET, PASSWORD_HASH):
        assert credential not in redact(f"x {credential} y")
        assert REDACTED in redact(f"x={credential}")
    kept = (
        str(uuid.uuid4()),
        uuid.uuid4().hex,
        "pair:pilote-2027:0001",
        "assessment:pilote-2027:p001",
        "web.unhandled_error",
        "projections.caught_up",
        "test_credentials_are_masked_and_ordinary_ids_are_kept",
        "/work/wt/.venv/lib/python3.11/site-packages/temporalio/worker/_activity.py",
    )
    for ordinary in kept:
        assert redact(ordinary) == ordinary


MASTER_KEY = generate_master_key()


def test_every_secret_setting_is_masked_in_both_formats() -> None:
    settings = Settings(
        DATABASE_URL="postgresql://tandem:pg%2Fpass-4711@app-db:5432/tandem",
        SMTP_URL="smtps://mailer:smtp-pass-0815@smtp.example.org:465",
        TANDEM_SECRET="the-current-secret",
        TANDEM_PREVIOUS_SECRET="the-previous-secret",
        TANDEM_MASTER_KEY=MASTER_KEY,
        codec_token="the-codec-token",
        coordinator_password_hash=PASSWORD_HASH,
        oidc_issuer="https://sso.example.org",
        oidc_client_id="tandem",
        oidc_client_secret="oidc-client-secret",
    )
    shown = [
        "pg%2Fpass-4711",
        "pg/pass-4711",
        "smtp-pass-0815",
        "the-current-secret",
        "the-previous-secret",
        PASSWORD_HASH,
        "oidc-client-secret",
        MASTER_KEY,
        "the-codec-token",
    ]
    with capturing(settings.secret_values()) as logs:
        try:
            raise ConnectionError(f"password pg/pass-4711 refused for {settings.database_url}")
        except ConnectionError:
            structlog.get_logger("test").exception(
                "connect.failed",
                smtp=settings.smtp_url,
                keys={"current": "the-current-secret", "older": ["the-previous-secret"]},
                oidc="oidc-client-secret",
                hashed=PASSWORD_HASH,
                master=MASTER_KEY,
                codec="the-codec-token",
            )
    logs.assert_never_shown(*shown)
    line = logs.json_line("connect.failed")
    assert line is not None
    assert line["smtp"] == "smtps://mailer:[redacted]@smtp.example.org:465"
    assert line["keys"] == {"current": REDACTED, "older": [REDACTED]}
    assert "postgresql://tandem:[redacted]@app-db:5432/tandem" in logs.console.getvalue()


# ---- a web request that fails ---------------------------------------------------------------


async def test_a_failing_web_request_logs_a_traceback_without_credentials(
    env: WorkflowEnvironment, database_url: str, logs: Captured
) -> None:
    pool = await create_pool(database_url)
    app = create_app(
        client=env.client,
        pool=pool,
        secret=SECRET.encode(),
        dashboard=DashboardSettings(password_hash=PASSWORD_HASH),
    )

    async def refuse_link(request: Request) -> Response:
        # A handler with the secret and a token in its locals, failing with the token in its
        # message: what a console traceback with locals printed in plain text.
        secret, link = SECRET, f"/t/{token}"
        raise LookupError(f"could not open {link} under {secret}")

    app.add_route("/fails", refuse_link, methods=["POST"])
    token = task_token()
    nonce = csrf.new_nonce()
    task_form = csrf.form_token(SECRET.encode(), token, nonce)
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        http.cookies.set(csrf.COOKIE_NAME, nonce)
        assert (await sign_in(http, "admin", PASSWORD)).status_code == 303
        session = http.cookies[SESSION_COOKIE]
        dashboard_form = csrf.form_token(SECRET.encode(), f"coordinator:{session}", nonce)
        failed = await http.post("/fails", data={"csrf_token": task_form})
        assert failed.status_code == 500
        # A table goes missing (a bug, not an outage): the task page and a dashboard action
        # fail on their query.
        await pool.execute("DROP TABLE tasks CASCADE")
        nudge = f"/coordinator/p/pilote/tasks/{uuid.uuid4()}/nudge"
        posts = {
            f"/t/{token}": {"csrf_token": task_form, "go": "true"},
            nudge: {"csrf_token": dashboard_form},
        }
        for path, form in posts.items():
            answer = await http.post(path, data=form)
            assert answer.status_code == 500, path
            assert "Traceback" not in answer.text and token not in answer.text

    logs.assert_never_shown(SECRET, token, nonce, task_form, dashboard_form, session)
    logs.assert_readable_traceback(
        "web.unhandled_error", "LookupError", "could not open /t/[redacted]", "refuse_link"
    )
    lines = [e for e in logs.lines() if e["event"] == "web.unhandled_error"]
    assert [e["path"] for e in lines] == ["/fails", "/t/{token}", nudge]
    frames = {f["name"] for e in lines[1:] for x in e["exception"] for f in x["frames"]}
    assert {"task_submit", "nudge"} <= frames
    assert all(
        x["exc_value"] == 'relation "tasks" does not exist'
        for e in lines[1:]
        for x in e["exception"][-1:]
    )


async def test_a_non_ascii_csrf_token_is_refused_not_a_server_error(
    env: WorkflowEnvironment, pool: asyncpg.Pool, logs: Captured
) -> None:
    app = create_app(
        client=env.client,
        pool=pool,
        secret=SECRET.encode(),
        dashboard=DashboardSettings(password_hash=PASSWORD_HASH),
    )
    nonce = csrf.new_nonce()
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        http.cookies.set(csrf.COOKIE_NAME, nonce)
        answer = await http.post(
            "/coordinator/login", data={"csrf_token": "é", "email": "admin", "password": PASSWORD}
        )
    assert answer.status_code == 403
    assert SESSION_COOKIE not in answer.cookies
    assert logs.json_line("web.unhandled_error") is None
    logs.assert_never_shown(SECRET, nonce, PASSWORD)


# ---- an activity that fails -----------------------------------------------------------------


class FailingFirstStep(StepActivities):
    """A step that opens tasks fails on its first attempt, before doing anything, holding a
    task's link and the secret; the retry then records it and sends the e-mails."""

    @activity.defn(name="record_step")
    async def record_step(self, step: StepInput) -> StepResult:
        if step.open_tasks and activity.info().attempt == 1:
            task = step.open_tasks[0]
            expires = task.due_at + MailSettings.link_grace
            link = f"/t/{sign_task_token(task.task_id, task.participant_id, expires, KEY)}"
            refuse_delivery(link, SECRET)
        return await super().record_step(step)


KEY = SECRET.encode()


def refuse_delivery(link: str, secret: str) -> NoReturn:
    raise ConnectionRefusedError(f"the mail server refused {link} (signed with {secret})")


async def test_a_failing_activity_logs_a_traceback_without_credentials(
    env: WorkflowEnvironment, pool: asyncpg.Pool, smtp_sink: SmtpSink, logs: Captured
) -> None:
    mail = MailSettings(
        smtp_url=smtp_sink.url,
        mail_from="Tandem <tandem@localhost>",
        public_base_url="http://127.0.0.1:8000",
        secret=KEY,
    )
    steps = FailingFirstStep(
        EventStore(pool), TaskStore(pool), Mailer(pool, mail), ParticipantStore(pool)
    )
    async with running_stack(env, pool, smtp_sink, step_activities=steps) as stack:
        run = await stack.launch(small_cohort(2))
        mails = [
            (await stack.wait_for_mails("self_assessment", run.email(p.id)))[0]
            for p in run.spec.participants
        ]

        async def failure_logged() -> dict[str, Any] | None:
            return logs.json_line("Completing activity as failed")

        await eventually(failure_logged, "the failed attempt in the logs")

    tokens = {t for m in mails for t in _LINK.findall(m.text())}
    assert len(tokens) >= 2  # each e-mail links to its task and to the concern form
    logs.assert_never_shown(SECRET, *tokens)
    logs.assert_readable_traceback(
        "Completing activity as failed",
        "ConnectionRefusedError",
        "the mail server refused /t/[redacted] (signed with [redacted])",
        "refuse_delivery",
    )
    line = logs.json_line("Completing activity as failed")
    assert line is not None and line["logger"] == "temporalio.activity"
    assert line["activity"] == "record_step" and line["programme_id"] == run.spec.id


# ---- the projector on a malformed event -----------------------------------------------------


async def test_a_failing_projection_is_logged_without_its_event_and_retried(
    pool: asyncpg.Pool, logs: Captured
) -> None:
    token = task_token()
    email = "camille.durand@example.org"
    task_id = str(uuid.uuid4())
    # A TaskOpened without its participant: the fold fails on it, with the event in its locals.
    malformed = {"kind": "chemistry", "due_at": "2027-02-01", "link": token, "note": email}
    await pool.execute(
        "INSERT INTO events (event_id, stream_name, stream_position, type, data, metadata) "
        "VALUES ($1, $2, 0, 'TaskOpened', $3, $4)",
        uuid.uuid4(),
        f"task-{task_id}",
        malformed,
        {"workflow_id": "pair:pilote-2027:0001", "occurred_at": "2027-01-20T09:00:00+00:00"},
    )
    projector = Projector(pool)
    async with following(projector):

        async def failure_logged() -> dict[str, Any] | None:
            return logs.json_line("projections.failed")

        await eventually(failure_logged, "the projector's failure in the logs")
        logs.assert_never_shown(token, email)
        logs.assert_readable_traceback("projections.failed", "KeyError", "participant_id", "_task")

        # It keeps following (a failure may be passing, a database restarting), and says so.
        async def failed_again() -> bool:
            return [e["event"] for e in logs.lines()].count("projections.failed") >= 2

        await eventually(failed_again, "the projector trying again")
    row = await pool.fetchrow(
        "SELECT position FROM projection_checkpoints WHERE name = 'read_models'"
    )
    assert row["position"] == 0  # the batch rolled back: nothing half-applied


@asynccontextmanager
async def following(projector: Projector) -> AsyncIterator[None]:
    """`projector.run` in the background, polling often, stopped on the way out."""
    stop = asyncio.Event()
    task = asyncio.create_task(projector.run(stop, poll_seconds=0.05))
    try:
        yield
    finally:
        stop.set()
        await task
