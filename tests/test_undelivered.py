"""E-mails that cannot be sent: given up without holding up the step, the pair or the programme,
and recorded for the dashboard (domain/delivery.py). Real PostgreSQL, a real SMTP peer, the
time-skipping Temporal server."""

from __future__ import annotations

from collections import Counter
from uuid import uuid4

import asyncpg
import httpx
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.mailer import Mailer, MailSettings
from activities.steps import StepActivities
from contracts.programme import ProgrammePhase
from credentials.passwords import hash_password
from devstack.smtp_sink import SmtpSink
from domain.delivery import NOTIFICATIONS_PENDING, NOTIFICATIONS_REFUSED, DeliveryFailure
from domain.event_payloads import NotificationFailed, payload_as
from domain.events import EventType, NewEvent, pair_stream, programme_stream
from domain.programme import ProgrammeSpec, Role
from domain.steps import StepInput
from domain.tasks import Notification
from store.events import EventStore
from store.participants import ParticipantStore
from store.programmes import ProgrammeStore
from store.projections import Projector
from store.sent_mail import SentMailLog
from store.tasks import TaskStore
from tests.dashboard_helpers import sign_in
from tests.event_samples import sample
from tests.lifecycle_helpers import running_stack, small_cohort
from tests.test_web_browser import serving
from web.app import create_app
from web.dashboard import DashboardSettings

SECRET = b"undelivered-tests"
PASSWORD = "correct horse battery staple"
DASHBOARD = DashboardSettings(password_hash=hash_password(PASSWORD))


def _steps(pool: asyncpg.Pool, smtp_url: str) -> StepActivities:
    settings = MailSettings(
        smtp_url=smtp_url, mail_from="Tandem <t@localhost>", public_base_url="http://x", secret=b"s"
    )
    return StepActivities(
        EventStore(pool), TaskStore(pool), Mailer(pool, settings), ParticipantStore(pool)
    )


async def _cohort(pool: asyncpg.Pool) -> tuple[ProgrammeSpec, str, str]:
    spec = small_cohort(2)
    await ProgrammeStore(pool).upsert(spec)
    await ParticipantStore(pool).upsert_many(spec.id, spec.participants)
    (mentor,) = [p.id for p in spec.participants if p.role is Role.MENTOR]
    (mentee,) = [p.id for p in spec.participants if p.role is Role.MENTEE]
    return spec, mentor, mentee


def _mail(spec: ProgrammeSpec, to: str | None, template: str, **context: object) -> Notification:
    return Notification(
        notification_id=uuid4(),
        programme_id=spec.id,
        participant_id=to,
        template=template,
        context=context,
    )


def _step(spec: ProgrammeSpec, *notifications: Notification) -> StepInput:
    formed = NewEvent(
        event_id=uuid4(),
        stream_name=pair_stream(spec.id, "0001"),
        type=EventType.PAIR_FORMED,
        data=sample(EventType.PAIR_FORMED),
    )
    return StepInput(
        events=(formed,),  # written before the step's e-mails
        notifications=notifications,
        correlation={"workflow_id": f"pair:{spec.id}:0001", "run_id": "r1"},
    )


def _given_up(error: ApplicationError) -> list[NotificationFailed]:
    return [NotificationFailed.model_validate(d) for d in error.details]


async def test_a_template_that_cannot_render_is_given_up_at_once_and_the_rest_is_sent(
    pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    spec, mentor, mentee = await _cohort(pool)
    broken = _mail(spec, mentee, "pair_completed")  # its `sessions_held` forgotten
    fine = _mail(spec, mentor, "pair_completed", sessions_held=11)
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(
            _steps(pool, smtp_sink.url).record_step, _step(spec, broken, fine)
        )

    assert failed.value.type == NOTIFICATIONS_REFUSED
    assert failed.value.non_retryable  # Temporal does not try it again
    assert "sessions_held" in failed.value.message  # what the template's author needs to fix
    assert _given_up(failed.value) == [
        NotificationFailed(
            notification_id=broken.notification_id,
            template="pair_completed",
            participant_id=mentee,
            code=DeliveryFailure.TEMPLATE_FAILED,
        )
    ]
    # The step's event is written and the other e-mail sent, each once.
    assert await EventStore(pool).count() == 1
    assert smtp_sink.received_count == 1 and await SentMailLog(pool).count(spec.id) == 1


async def test_an_address_the_mail_server_refuses_is_given_up_with_its_reply(
    pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    spec, mentor, mentee = await _cohort(pool)
    address = next(p.email for p in spec.participants if p.id == mentee)
    smtp_sink.refuse(address)
    refused = _mail(spec, mentee, "pair_completed", sessions_held=11)
    sent = _mail(spec, mentor, "pair_completed", sessions_held=11)
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(
            _steps(pool, smtp_sink.url).record_step, _step(spec, refused, sent)
        )

    assert (failed.value.type, failed.value.non_retryable) == (NOTIFICATIONS_REFUSED, True)
    (given_up,) = _given_up(failed.value)
    assert (given_up.code, given_up.smtp_code) == (DeliveryFailure.RECIPIENT_REFUSED, 550)
    assert address not in failed.value.message  # the history keeps ids, never addresses
    # The SMTP session carried on: the partner's e-mail went out after the refusal.
    assert smtp_sink.refusals == [address] and smtp_sink.received_count == 1


async def test_while_the_mail_server_is_down_the_step_is_retried_with_its_e_mails_waiting(
    pool: asyncpg.Pool,
) -> None:
    spec, mentor, mentee = await _cohort(pool)
    waiting = [_mail(spec, who, "pair_completed", sessions_held=3) for who in (mentor, mentee)]
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(
            _steps(pool, "smtp://127.0.0.1:9").record_step, _step(spec, *waiting)
        )
    assert (failed.value.type, failed.value.non_retryable) == (NOTIFICATIONS_PENDING, False)
    assert [(f.notification_id, f.code) for f in _given_up(failed.value)] == [
        (n.notification_id, DeliveryFailure.MAIL_SERVER_UNAVAILABLE) for n in waiting
    ]
    assert await EventStore(pool).count() == 1  # what does not need the mail server is done


async def test_a_refused_address_is_tried_once_per_e_mail_and_the_programme_goes_on(
    env: WorkflowEnvironment, pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    """The mentee's mailbox does not exist: each e-mail to them is refused once, recorded, and
    the pair runs to its end as the participants act through their links."""
    spec = small_cohort(2, sessions=2)
    (mentee,) = [p for p in spec.participants if p.role is Role.MENTEE]
    smtp_sink.refuse(mentee.email)
    async with running_stack(env, pool, smtp_sink) as stack:
        run = await stack.launch(spec)

        async def completed() -> bool:
            return (await run.summary()).phase is ProgrammePhase.COMPLETED

        await run.run_until(completed, "programme completed", 90)
        summary = await run.handle.result()
        recorded = await run.events(programme_stream(spec.id))
        # The coordinator sees on the programme's page which e-mails were given up, and why.
        await Projector(pool).catch_up()
        app = create_app(client=env.client, pool=pool, secret=SECRET, dashboard=DASHBOARD)
        async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
            assert (await sign_in(http, "admin", PASSWORD)).status_code == 303
            page = (await http.get(f"/coordinator/p/{spec.id}")).text

    assert (summary.pairs_completed, summary.sessions_held) == (1, 2)
    failed = [
        payload_as(e, NotificationFailed)
        for e in recorded
        if e.type == EventType.NOTIFICATION_FAILED
    ]
    templates = Counter(f.template for f in failed)
    assert {"self_assessment", "chemistry", "pair_completed"} <= set(templates)
    assert {(f.participant_id, f.code, f.smtp_code) for f in failed} == {
        (mentee.id, DeliveryFailure.RECIPIENT_REFUSED, 550)
    }
    assert len({f.notification_id for f in failed}) == len(failed)
    # Not retried: one RCPT for each e-mail given up, none after.
    assert len(smtp_sink.refusals) == len(failed)
    section = page.split('id="undelivered"', 1)[1].split("</table>", 1)[0]
    rows = section.count("<tr>") - 1  # the header row
    assert rows == len(failed)
    assert section.count(mentee.name) == rows and "<code>pair_completed</code>" in section
    assert "adresse refusée par le serveur de messagerie (réponse du serveur\u00a0: 550)" in section
    # The mentor was told everything as usual.
    assert stack.mails("pair_completed") and all(
        mentee.email not in m.recipients for m in smtp_sink.messages
    )
