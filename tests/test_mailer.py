"""The mailer against a real PostgreSQL database and a real SMTP sink."""

from __future__ import annotations

import asyncio
import io
import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from temporalio.exceptions import ApplicationError

from activities.mailer import Mailer, MailSettings, Undeliverable, _parse_smtp_url
from activities.mime import Attachment
from devstack.smtp_sink import SmtpSink
from domain.delivery import DeliveryFailure
from domain.programme import Locale, Participant, ProgrammeSpec, Role, Skill
from domain.tasks import Notification, TaskKind, TaskSpec
from domain.tokens import verify_task_token
from domain.unmatched import UnmatchedReason
from i18n.catalogues import LOCALES_DIR
from i18n.translator import Translator
from store.participants import ParticipantStore
from store.programmes import ProgrammeStore
from store.sent_mail import SentMailLog
from store.tasks import TaskStore
from tests.calendar_helpers import events, invitation

SECRET = b"mailer-test-secret"
BASE_URL = "https://tandem.example"
LINK = re.compile(re.escape(BASE_URL) + r"/t/([A-Za-z0-9_-]+)")
PROGRAMME = "prog-1"
COORDINATOR = "coordination@example.org"
NBSP = "\u00a0"  # French typography: before : ; ? ! and inside « »

ALICE = Participant(id="p-alice", email="alice@example.org", name="Alice Martin", role=Role.MENTOR)
BOB = Participant(
    id="p-bob", email="bob@example.org", name="Bob Smith", role=Role.MENTEE, locale=Locale.EN
)
MALLORY = Participant(
    id="p-mallory",
    email="mallory@example.org",
    name="<script>alert(1)</script>",
    role=Role.MENTEE,
)


def _spec(coordinator_email: str | None = COORDINATOR, locale: Locale = Locale.FR) -> ProgrammeSpec:
    return ProgrammeSpec(
        id=PROGRAMME,
        name="Tandem Printemps",
        starts_on=date(2027, 1, 4),
        locale=locale,
        skills=(Skill(id="visio", label_fr="Visioconférence", label_en="Video calls"),),
        participants=(ALICE, BOB, MALLORY),
        coordinator_email=coordinator_email,
    )


async def _seed(pool: asyncpg.Pool, spec: ProgrammeSpec | None = None) -> None:
    spec = spec or _spec()
    await ProgrammeStore(pool).upsert(spec)
    await ParticipantStore(pool).upsert_many(spec.id, spec.participants)


async def _open_task(
    pool: asyncpg.Pool, participant_id: str, kind: TaskKind = TaskKind.SELF_ASSESSMENT
) -> TaskSpec:
    task = TaskSpec(
        task_id=uuid4(),
        programme_id=PROGRAMME,
        participant_id=participant_id,
        kind=kind,
        workflow_id=f"participant-{participant_id}",
        update_name=f"submit_{kind}",
        due_at=datetime.now(UTC).replace(microsecond=0) + timedelta(days=7),
    )
    await TaskStore(pool).open_many([task])
    return task


def _notification(
    participant_id: str | None,
    template: str = "self_assessment",
    task_id: UUID | None = None,
    **context: Any,
) -> Notification:
    return Notification(
        notification_id=uuid4(),
        programme_id=PROGRAMME,
        participant_id=participant_id,
        template=template,
        task_id=task_id,
        context=context,
    )


def _links(body: str) -> list[str]:
    return LINK.findall(body)


def _mailer(pool: asyncpg.Pool, smtp_url: str) -> Mailer:
    settings = MailSettings(
        smtp_url=smtp_url,
        mail_from="Tandem <tandem@example.org>",
        public_base_url=BASE_URL + "/",  # a trailing slash must not double up in links
        secret=SECRET,
    )
    return Mailer(pool, settings)


@pytest.fixture
def mailer(pool: asyncpg.Pool, smtp_sink: SmtpSink) -> Mailer:
    return _mailer(pool, smtp_sink.url)


# -- delivery --------------------------------------------------------------------------------


async def test_self_assessment_reaches_the_participant_in_french_with_a_signed_link(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    task = await _open_task(pool, ALICE.id)
    concern = await _open_task(pool, ALICE.id, TaskKind.CONCERN)
    n = _notification(ALICE.id, task_id=task.task_id, due_date=task.due_at.isoformat())

    assert await mailer.deliver(n) is True

    [mail] = smtp_sink.messages
    assert mail.recipients == [ALICE.email]
    assert mail.envelope_from == "tandem@example.org"
    assert mail.subject == f"Votre auto-évaluation pour le programme «{NBSP}Tandem Printemps{NBSP}»"
    assert "Alice Martin" in mail.message["To"]
    assert mail.message["Message-ID"] == f"<{n.notification_id}@tandem>"
    assert mail.message["X-Tandem-Template"] == "self_assessment"
    assert mail.message["X-Tandem-Task"] == str(task.task_id)
    assert mail.message["Date"]
    text, html = mail.text(), mail.html()
    assert "Bonjour Alice Martin" in text
    assert Translator("fr").date(task.due_at) in text

    # The first link is the task's, the last one the confidential concern page's.
    now = datetime.now(UTC)
    for body in (text, html):
        links = _links(body)
        claims = verify_task_token(links[0], SECRET, now)
        assert (claims.task_id, claims.participant_id) == (task.task_id, ALICE.id)
        assert claims.expires_at == task.due_at + timedelta(days=3)
        assert verify_task_token(links[-1], SECRET, now).task_id == concern.task_id
    assert "Signaler une difficulté en toute confidentialité" in html
    assert f'href="{BASE_URL}/t/' in html


async def test_links_are_signed_under_the_recipients_current_link_generation(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    task = await _open_task(pool, ALICE.id)
    await _open_task(pool, ALICE.id, TaskKind.CONCERN)
    participants = ParticipantStore(pool)
    await participants.change_email(ALICE.id, "alice.martin@example.org")
    await participants.change_email(ALICE.id, "a.martin@example.org")
    n = _notification(ALICE.id, task_id=task.task_id, due_date=task.due_at.isoformat())

    assert await mailer.deliver(n) is True

    [mail] = smtp_sink.messages
    assert mail.recipients == ["a.martin@example.org"]
    links = _links(mail.text())
    assert len(links) == 2  # the task's and the concern page's
    now = datetime.now(UTC)
    assert [verify_task_token(link, SECRET, now).generation for link in links] == [2, 2]


async def test_an_english_participant_gets_english(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    task = await _open_task(pool, BOB.id)
    due = "2027-01-11"

    assert await mailer.deliver(_notification(BOB.id, task_id=task.task_id, due_date=due))

    [mail] = smtp_sink.messages
    assert mail.recipients == [BOB.email]
    assert mail.subject == "Your self-assessment for the Tandem Printemps programme"
    assert "Hello Bob Smith" in mail.text()
    assert "Monday 11 January 2027" in mail.text()
    assert "Monday 11 January 2027" in mail.html()
    # No concern task is open for Bob, so no concern footer either.
    assert "Raise a concern" not in mail.text()
    assert len(_links(mail.text())) == 1


async def test_the_same_notification_twice_sends_one_email(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    task = await _open_task(pool, ALICE.id)
    n = _notification(ALICE.id, task_id=task.task_id, due_date="2027-01-11")

    assert await mailer.deliver(n) is True
    assert await mailer.deliver(n) is False

    assert len(smtp_sink.messages) == 1
    assert await SentMailLog(pool).was_sent(n.notification_id)
    assert await SentMailLog(pool).count(PROGRAMME) == 1


async def test_steps_share_one_smtp_session_and_a_dropped_one_is_replaced(
    pool: asyncpg.Pool,
) -> None:
    await _seed(pool)
    first = SmtpSink().start()
    mailer = _mailer(pool, first.url)
    task = await _open_task(pool, ALICE.id)

    def notification() -> Notification:
        return _notification(ALICE.id, task_id=task.task_id, due_date="2027-01-11")

    for _ in range(3):  # three steps, one e-mail each
        async with mailer.connection() as smtp:
            assert await mailer.deliver(notification(), smtp=smtp)
    assert (first.received_count, first.sessions) == (3, 1)

    # The server goes away (a restart); the same address answers again.
    first.stop()
    with SmtpSink(port=first.port) as restarted:
        await asyncio.sleep(0.2)  # the closed connection reaches the client
        async with mailer.connection() as smtp:
            assert await mailer.deliver(notification(), smtp=smtp)
        assert (restarted.received_count, restarted.sessions) == (1, 1)


async def test_a_coordinator_notification_goes_to_the_coordinator_in_the_programme_locale(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool, _spec(locale=Locale.EN))
    n = _notification(None, "concern_raised", participant_role="mentee", pair_id="pair-7")

    assert await mailer.deliver(n) is True

    [mail] = smtp_sink.messages
    assert mail.recipients == [COORDINATOR]
    assert mail.subject == "Tandem Printemps: a concern has been raised"
    assert "pair-7" in mail.text()
    assert "dashboard" in mail.text()
    assert "Raise a concern" not in mail.text()  # coordinators raise nothing through a link


async def test_a_coordinator_task_link_names_the_coordinator_task(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    review = await _open_task(pool, "coordinator", TaskKind.MATCHING_REVIEW)
    n = _notification(
        None,
        "matching_review",
        task_id=review.task_id,
        pairs=1,
        unmatched=0,
        due_date="2027-01-20",
        auto_approve=False,
    )

    assert await mailer.deliver(n)

    [mail] = smtp_sink.messages
    assert mail.recipients == [COORDINATOR]
    assert "validation" in mail.text()
    [link] = _links(mail.text())
    assert verify_task_token(link, SECRET, datetime.now(UTC)).task_id == review.task_id


async def test_without_a_coordinator_email_nothing_is_sent_nor_recorded(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool, _spec(coordinator_email=None))
    n = _notification(None, "programme_completed", pairs_completed=3, pairs_ended_early=1)

    assert await mailer.deliver(n) is False

    assert smtp_sink.messages == []
    assert not await SentMailLog(pool).was_sent(n.notification_id)


async def test_an_unknown_participant_is_skipped_without_a_record(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    n = _notification("p-erased", "pair_completed", sessions_held=4)

    assert await mailer.deliver(n) is False
    assert smtp_sink.messages == []
    assert not await SentMailLog(pool).was_sent(n.notification_id)


async def test_partner_names_are_looked_up_from_the_partner_id(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    task = await _open_task(pool, BOB.id, TaskKind.CHEMISTRY)
    n = _notification(
        BOB.id, "chemistry", task_id=task.task_id, partner_id=ALICE.id, due_date="2027-02-01"
    )

    assert await mailer.deliver(n)

    [mail] = smtp_sink.messages
    assert mail.subject == "Meet your partner, Alice Martin"
    assert "Alice Martin will suggest a time" in mail.text()


async def test_html_escapes_participant_names_and_text_keeps_them(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    n = _notification(ALICE.id, "pair_dissolved", partner_id=MALLORY.id, will_repair=True)
    assert await mailer.deliver(n)
    assert await mailer.deliver(_notification(MALLORY.id, "enrolment"))

    for mail in smtp_sink.messages:
        assert "<script>" not in mail.html()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html()
        assert "<script>alert(1)</script>" in mail.text()


async def test_attachments_travel_with_the_message(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    invite = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"
    n = _notification(ALICE.id, "pair_resumed", next_session_date="2027-03-01T14:00:00+01:00")

    ics = Attachment("seance-3.ics", "text/calendar", invite)
    assert await mailer.deliver(n, attachments=[ics])

    [mail] = smtp_sink.messages
    [part] = list(mail.message.iter_attachments())
    assert part.get_filename() == "seance-3.ics"
    assert part.get_content_type() == "text/calendar"
    assert part.get_payload(decode=True) == invite
    assert "lundi 1er mars 2027" in mail.text()


async def test_a_calendar_context_becomes_an_invitation_for_both_partners(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    first = "2027-03-15T14:00:00+01:00"
    calendar = {
        "uid": "pair:p:0001@tandem",
        "sequence": 0,
        "method": "REQUEST",
        "cadence_seconds": 14 * 86_400,
        "sessions": [
            [1, first, first],
            # Easter Monday: on Tuesday instead.
            [2, "2027-03-29T14:00:00+02:00", "2027-03-30T14:00:00+02:00", "2027-03-29"],
        ],
        "minutes": 60,
        "timezone": "Europe/Paris",
        "holidays": "FR",
    }
    for me, partner in ((BOB, ALICE), (ALICE, BOB)):
        n = _notification(
            me.id,
            "sessions_scheduled",
            partner_id=partner.id,
            sessions_total=2,
            first_session_date=first,
            cadence_days=14,
            calendar=calendar,
            slot="mon-pm",
        )
        assert await mailer.deliver(n)

    to_bob, to_alice = smtp_sink.messages
    for mail, summary, second, moved in (
        (
            to_bob,
            "Reverse mentoring: session with Alice Martin",
            "Reverse mentoring: session 2 of 2 with Alice Martin",
            "Moved to the next working day: Monday 29 March 2027 is a public holiday "
            "(Easter Monday).",
        ),
        (
            to_alice,
            f"Mentorat inversé{NBSP}: séance avec Bob Smith",
            f"Mentorat inversé{NBSP}: séance 2 sur 2 avec Bob Smith",
            f"Déplacée au jour ouvré suivant{NBSP}: le lundi 29 mars 2027 est férié "
            "(Lundi de Pâques).",
        ),
    ):
        series, *sessions = events(invitation(mail))
        assert str(series["SUMMARY"]) == summary  # in the reader's language
        assert str(sessions[1]["SUMMARY"]) == second
        assert str(sessions[1]["DESCRIPTION"]).startswith(moved)
        assert sessions[1].decoded("DTSTART") == datetime.fromisoformat("2027-03-30T14:00:00+02:00")
        assert sessions[1]["DTSTART"].params["TZID"] == "Europe/Paris"
        assert sorted(str(a) for a in series["ATTENDEE"]) == [
            "mailto:alice@example.org",
            "mailto:bob@example.org",
        ]
        assert {str(e["UID"]) for e in (series, *sessions)} == {"pair:p:0001@tandem"}
    assert "every 14 days" in to_bob.text() and "tous les 14 jours" in to_alice.text()
    # The slot, its time in the programme's zone, and the session a holiday moved.
    assert "on Monday afternoons at 14:00 (Paris time)" in to_bob.text()
    assert "Session 2 moves to Tuesday 30 March 2027: Monday 29 March 2027 is a public " in (
        " ".join(to_bob.text().split())
    )
    assert "le lundi après-midi à 14:00 (heure de Paris)" in to_alice.text()


# -- what the SMTP peer receives, in both languages ---------------------------------------------

CALENDAR = {
    "uid": "pair:prog-1:0001@tandem",
    "sequence": 2,
    "method": "REQUEST",
    "cadence_seconds": 14 * 86_400,
    "sessions": [[1, "2027-02-01T09:00:00+00:00", "2027-02-08T09:00:00+00:00"]],
}


@pytest.mark.parametrize(
    ("code", "french", "english"),
    [
        (
            UnmatchedReason.SELF_ASSESSMENT_MISSED,
            "(votre auto-évaluation ne nous est pas parvenue à temps)",
            "(we did not receive your self-assessment in time)",
        ),
        (
            UnmatchedReason.MENTORS_AT_CAPACITY,
            "(aucun profil compatible n’était disponible)",
            "(no compatible partner was available)",
        ),
        (
            UnmatchedReason.NO_BACKUP_MENTOR,
            "(aucun autre binôme n’a pu être trouvé après la première rencontre)",
            "(no other partner could be found after the first meeting)",
        ),
    ],
)
async def test_the_unmatched_email_states_its_reason_in_both_languages(
    pool: asyncpg.Pool,
    mailer: Mailer,
    smtp_sink: SmtpSink,
    code: UnmatchedReason,
    french: str,
    english: str,
) -> None:
    await _seed(pool)
    await _open_task(pool, ALICE.id, TaskKind.CONCERN)
    for who in (ALICE, BOB):  # Alice reads French, Bob English
        assert await mailer.deliver(_notification(who.id, "unmatched", reason=code.value))

    to_alice, to_bob = smtp_sink.messages
    assert to_alice.recipients == [ALICE.email] and to_bob.recipients == [BOB.email]
    assert to_alice.subject == (
        f"Programme «{NBSP}Tandem Printemps{NBSP}»{NBSP}: "
        "nous n’avons pas pu vous proposer de binôme"
    )
    assert to_bob.subject == "Tandem Printemps: we could not find you a partner"
    assert f"Tandem Printemps{NBSP}» {french}." in to_alice.text()
    assert f"Tandem Printemps{NBSP}» {french}.</p>" in to_alice.html()
    assert f"in the Tandem Printemps programme {english}." in to_bob.text()
    assert f"programme {english}.</p>" in to_bob.html()
    assert code.value not in to_alice.text() + to_bob.text()
    # Each in one language only.
    assert "we did not" not in to_alice.text() and "Bonjour" not in to_bob.text()
    assert "Signaler une difficulté en toute confidentialité" in to_alice.html()


async def test_an_unmatched_email_without_a_known_reason_reads_well_in_both_languages(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    for who in (ALICE, BOB):
        assert await mailer.deliver(_notification(who.id, "unmatched", reason=""))

    to_alice, to_bob = smtp_sink.messages
    [sorry] = [line for line in to_alice.text().splitlines() if line.startswith("Nous sommes")]
    assert sorry.endswith(f"dans le cadre du programme «{NBSP}Tandem Printemps{NBSP}».")
    [sorry] = [line for line in to_bob.text().splitlines() if line.startswith("We are truly")]
    assert sorry.endswith("in the Tandem Printemps programme.")


async def test_a_session_reminder_and_an_early_end_as_received_in_both_languages(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    manage = {p.id: await _open_task(pool, p.id, TaskKind.PAIR_MANAGE) for p in (ALICE, BOB)}
    for me, partner in ((ALICE, BOB), (BOB, ALICE)):
        reminder = _notification(
            me.id,
            "session_reminder",
            task_id=manage[me.id].task_id,
            session_number=3,
            sessions_total=12,
            session_date="2027-03-01T09:00:00+00:00",
            partner_id=partner.id,
            leads_agenda=me is ALICE,
        )
        assert await mailer.deliver(reminder)
    for me, partner in ((ALICE, BOB), (BOB, ALICE)):
        ended = _notification(
            me.id,
            "pair_ended_early",
            partner_id=partner.id,
            reason="mutual_agreement",
            ended_by_role="mentee",
            calendar={**CALENDAR, "method": "CANCEL"},
        )
        assert await mailer.deliver(ended)

    alice_reminder, bob_reminder, alice_end, bob_end = smtp_sink.messages
    assert alice_reminder.subject == "Séance 3/12 avec Bob Smith le lundi 1er mars 2027"
    assert "En tant que mentor, c’est vous qui proposez l’ordre du jour." in alice_reminder.text()
    assert f"Pour déplacer une séance, mettre votre binôme en pause ou y mettre fin{NBSP}:" in (
        alice_reminder.text()
    )
    assert bob_reminder.subject == "Session 3/12 with Alice Martin on Monday 1 March 2027"
    assert "Alice Martin will suggest an agenda." in bob_reminder.text()
    assert ">Reschedule a session or manage your pair</a>" in bob_reminder.html()
    # Bob (the mentee) ended it: Alice hears it was her partner, Bob that it was him.
    assert (
        "Votre binôme a pris fin avant le terme prévu (à la demande de l’autre membre du "
        f"binôme). Motif{NBSP}: d’un commun accord."
    ) in alice_end.text()
    assert (
        "Your pair has ended before the planned date (at your request). "
        "Reason: by mutual agreement."
    ) in bob_end.text()
    (series,) = events(invitation(bob_end))
    assert str(series["SUMMARY"]) == "Reverse mentoring: session with Alice Martin"


async def test_counts_are_worded_with_their_plural_in_the_received_mail(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool, _spec(locale=Locale.EN))
    for missed in (1, 3):
        n = _notification(None, "at_risk", pair_id="pair-7", missed_in_a_row=missed)
        assert await mailer.deliver(n)
    one, three = smtp_sink.messages
    assert "has missed 1 session in a row." in one.text()
    assert "has missed <strong>3 sessions in a row</strong>." in three.html()


# -- an e-mail that cannot be rendered ---------------------------------------------------------


async def _template_failure(mailer: Mailer, n: Notification) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        await mailer.deliver(n)
    return caught.value


async def test_a_wrong_context_is_a_non_retryable_template_failure(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink, json_lines: io.StringIO
) -> None:
    await _seed(pool)
    # A misspelt variable, as a workflow that skipped the check would record it.
    n = _notification(ALICE.id, "session_missed", sesion_number=4, missed_in_a_row=1)

    failure = await _template_failure(mailer, n)

    assert failure.type == DeliveryFailure.TEMPLATE_FAILED and failure.non_retryable
    [details] = failure.details
    assert details == {
        "template": "session_missed",
        "participant_id": ALICE.id,
        "notification_id": str(n.notification_id),
        "code": "invalid_context",
        "detail": details["detail"],
    }
    assert "sesion_number" in details["detail"] and "session_number" in details["detail"]
    assert smtp_sink.messages == []
    assert not await SentMailLog(pool).was_sent(n.notification_id)
    [line] = [json.loads(x) for x in json_lines.getvalue().splitlines() if "template_failed" in x]
    assert (line["level"], line["template"], line["code"]) == (
        "error",
        "session_missed",
        "invalid_context",
    )
    assert line["participant_id"] == ALICE.id
    for personal in (ALICE.email, ALICE.name, "Tandem Printemps"):
        assert personal not in json_lines.getvalue()


async def test_a_value_of_the_wrong_type_or_an_unknown_template_fails_at_once(
    pool: asyncpg.Pool, mailer: Mailer, smtp_sink: SmtpSink
) -> None:
    await _seed(pool)
    wrong_type = _notification(ALICE.id, "pair_completed", sessions_held="twelve")
    failure = await _template_failure(mailer, wrong_type)
    assert failure.non_retryable and failure.details[0]["code"] == "invalid_context"
    assert "twelve" not in str(failure)  # the context's values stay out of histories and logs

    unknown = await _template_failure(mailer, _notification(ALICE.id, "no_such_template"))
    assert unknown.type == DeliveryFailure.UNKNOWN_TEMPLATE and unknown.non_retryable
    assert isinstance(unknown, Undeliverable)
    assert unknown.details[0]["code"] == "unknown_template"
    assert smtp_sink.messages == []


async def test_a_catalogue_without_a_key_fails_the_email_instead_of_showing_the_key(
    pool: asyncpg.Pool, smtp_sink: SmtpSink, tmp_path: Path
) -> None:
    await _seed(pool)
    catalogues = _catalogues_without(tmp_path, "mail.pair_completed.keep_in_touch")
    mailer = Mailer(pool, replace(_mailer(pool, smtp_sink.url)._settings, catalogues=catalogues))

    failure = await _template_failure(
        mailer, _notification(ALICE.id, "pair_completed", sessions_held=3)
    )

    assert failure.type == DeliveryFailure.TEMPLATE_FAILED and failure.non_retryable
    assert failure.details[0]["code"] == "missing_message"
    assert failure.details[0]["detail"] == "mail.pair_completed.keep_in_touch"
    assert smtp_sink.messages == []
    # The rest of the catalogue still works.
    assert await mailer.deliver(_notification(ALICE.id, "pair_resumed", next_session_date=""))


def _catalogues_without(tmp_path: Path, key: str) -> Path:
    """The French and English catalogues compiled into tmp_path, `key` left out of both."""
    for locale in ("fr", "en"):
        folder = tmp_path / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        for domain in ("web", "mail"):
            with (LOCALES_DIR / locale / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
                catalog = read_po(po, locale=locale, domain=domain)
            if key in catalog:
                catalog.delete(key)
            with (folder / f"{domain}.mo").open("wb") as mo:
                write_mo(mo, catalog)
    return tmp_path


def test_smtp_urls() -> None:
    plain = _parse_smtp_url("smtp://127.0.0.1:2525")
    assert (plain.hostname, plain.port, plain.use_tls, plain.username) == (
        "127.0.0.1",
        2525,
        False,
        None,
    )
    secure = _parse_smtp_url("smtps://me%40corp.example:p%3Ass@mail.corp.example")
    assert (secure.hostname, secure.port, secure.use_tls) == ("mail.corp.example", 465, True)
    assert (secure.username, secure.password) == ("me@corp.example", "p:ss")
    with pytest.raises(ValueError, match="smtp://"):
        _parse_smtp_url("http://mail.example")
