"""The mailer against a real PostgreSQL database and a real SMTP sink."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from jinja2 import UndefinedError

from activities.mailer import (
    LOCALES,
    TASK_TEMPLATES,
    TEMPLATES,
    TEMPLATES_DIR,
    Mailer,
    MailSettings,
    Undeliverable,
    _parse_smtp_url,
    render,
)
from activities.mime import Attachment
from devstack.smtp_sink import SmtpSink
from domain.dates import format_date
from domain.delivery import DeliveryFailure
from domain.programme import Locale, Participant, ProgrammeSpec, Role, Skill
from domain.tasks import Notification, TaskKind, TaskSpec
from domain.tokens import verify_task_token
from domain.unmatched import UnmatchedReason
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
    assert mail.subject == "Votre auto-évaluation pour le programme « Tandem Printemps »"
    assert "Alice Martin" in mail.message["To"]
    assert mail.message["Message-ID"] == f"<{n.notification_id}@tandem>"
    assert mail.message["X-Tandem-Template"] == "self_assessment"
    assert mail.message["X-Tandem-Task"] == str(task.task_id)
    assert mail.message["Date"]
    text, html = mail.text(), mail.html()
    assert "Bonjour Alice Martin" in text
    assert format_date(task.due_at.isoformat(), "fr") in text

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
        pairs=[["p-alice", "p-bob"]],
        unmatched=[],
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
    n = _notification(
        ALICE.id,
        "session_rescheduled",
        session_number=3,
        session_date="2027-03-01T14:00:00+01:00",
    )

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
    first = "2027-02-01T09:00:00+00:00"
    calendar = {
        "uid": "pair:p:0001@tandem",
        "sequence": 0,
        "method": "REQUEST",
        "cadence_seconds": 14 * 86_400,
        "sessions": [
            [1, first, first],
            [2, "2027-02-15T09:00:00+00:00", "2027-02-15T09:00:00+00:00"],
        ],
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
        )
        assert await mailer.deliver(n)

    to_bob, to_alice = smtp_sink.messages
    for mail, summary in (
        (to_bob, "Reverse mentoring: session with Alice Martin"),
        (to_alice, "Mentorat inversé : séance avec Bob Smith"),
    ):
        (series,) = events(invitation(mail))
        assert str(series["SUMMARY"]) == summary  # in the reader's language
        assert sorted(str(a) for a in series["ATTENDEE"]) == [
            "mailto:alice@example.org",
            "mailto:bob@example.org",
        ]
        assert str(series["UID"]) == "pair:p:0001@tandem"
    assert "every 14 days" in to_bob.text() and "tous les 14 jours" in to_alice.text()


async def test_an_unknown_template_is_a_clear_error(pool: asyncpg.Pool, mailer: Mailer) -> None:
    await _seed(pool)
    with pytest.raises(Undeliverable, match="no_such_template") as never:
        await mailer.deliver(_notification(ALICE.id, "no_such_template"))
    assert never.value.code is DeliveryFailure.UNKNOWN_TEMPLATE and never.value.non_retryable
    with pytest.raises(ValueError, match="no_such_template"):
        render("no_such_template", "fr", {})


# -- rendering -------------------------------------------------------------------------------

GOALS = [
    {"objective": "Animer une visioconférence", "kpi": "3 réunions", "target_date": "2027-03-01"},
    {"objective": "Partager un document", "kpi": "1 dossier partagé", "target_date": "2027-04-02"},
]

# A plausible context for each template, beyond the common keys.
CONTEXTS: dict[str, dict[str, Any]] = {
    "enrolment": {},
    "self_assessment": {"due_date": "2027-01-11"},
    "self_assessment_reminder": {"due_date": "2027-01-11", "days_left": 3},
    "self_assessment_closed": {"responded": 41, "missing": ["p1", "p2"]},
    "matching_review": {
        "pairs": 20,
        "unmatched": 1,
        "due_date": "2027-01-15",
        "auto_approve": True,
    },
    "unmatched": {"reason": "no_compatible_partner"},
    "chemistry": {"partner_id": "p2", "due_date": "2027-01-25"},
    "chemistry_reminder": {"partner_id": "p2", "due_date": "2027-01-25"},
    "pair_dissolved": {"partner_id": "p2", "will_repair": False},
    "goals_propose": {"partner_id": "p2", "due_date": "2027-02-01"},
    "goals_confirm": {"partner_id": "p2", "goals": GOALS, "due_date": "2027-02-08"},
    "session_reminder": {
        "session_number": 2,
        "sessions_total": 12,
        "session_date": "2027-02-22T10:00:00+01:00",
        "partner_id": "p2",
    },
    "session_log": {"session_number": 2, "session_date": "2027-02-22", "due_date": "2027-03-01"},
    "task_nudge": {"task_kind": "session_log", "due_date": "2027-03-01", "partner_id": "p2"},
    "session_missed": {"session_number": 4, "missed_in_a_row": 2},
    "at_risk": {"pair_id": "pair-3", "missed_in_a_row": 3},
    "sessions_scheduled": {
        "partner_id": "p-bob",
        "sessions_total": 12,
        "first_session_date": "2027-02-01T09:00:00+00:00",
        "cadence_days": 14,
    },
    "session_rescheduled": {"session_number": 5, "session_date": "2027-04-12"},
    "pair_paused": {"until_date": "2027-05-03"},
    "pair_resumed": {"next_session_date": "2027-05-10"},
    "midpoint_survey": {"due_date": "2027-04-01"},
    "midpoint_alert": {"pair_id": "pair-3", "satisfaction": 2, "wants_to_continue": False},
    "final_evaluation": {"due_date": "2027-07-01"},
    "pair_completed": {"sessions_held": 12},
    "pair_ended_early": {"reason": "missed_sessions", "ended_by_role": "coordinator"},
    "concern_raised": {"participant_role": "mentor", "pair_id": None},
    "programme_completed": {"pairs_completed": 18, "pairs_ended_early": 2},
}
COORDINATOR_TEMPLATES = {
    "self_assessment_closed",
    "matching_review",
    "at_risk",
    "midpoint_alert",
    "concern_raised",
    "programme_completed",
}
# Templates given a task link here: the mailer's own list, and the coordinator's review (whose
# link is optional and must render both ways).
LINKED_TEMPLATES = TASK_TEMPLATES | {"matching_review"}


def _context(template: str, locale: str, role: str = "mentor") -> dict[str, Any]:
    coordinator = template in COORDINATOR_TEMPLATES
    context: dict[str, Any] = {
        **CONTEXTS[template],
        "programme_name": "Tandem Printemps",
        "programme_id": "tandem-printemps",
        "recipient_name": None if coordinator else "Claire Dubois",
        "recipient_role": None if coordinator else role,
        "locale": locale,
        "task_link": f"{BASE_URL}/t/TASK" if template in LINKED_TEMPLATES else None,
        "concern_link": None if coordinator else f"{BASE_URL}/t/CONCERN",
    }
    if "partner_id" in context:
        context["partner_name"] = "Jean Dupont"
    return context


def test_the_template_list_and_the_template_folder_agree() -> None:
    for locale in LOCALES:
        names = {
            p.name.split(".")[0]
            for p in (TEMPLATES_DIR / locale).glob("*.j2")
            if not p.name.startswith("_")
        }
        assert names == set(TEMPLATES)
        for name in TEMPLATES:
            for part in ("subject", "txt", "html"):
                assert (TEMPLATES_DIR / locale / f"{name}.{part}.j2").is_file()
    assert set(CONTEXTS) == set(TEMPLATES)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("template", TEMPLATES)
@pytest.mark.parametrize("role", ["mentor", "mentee"])
def test_every_template_renders_in_every_locale(template: str, locale: str, role: str) -> None:
    context = _context(template, locale, role)
    subject, text, html = render(template, locale, context)

    assert subject and "\n" not in subject and len(subject) < 140
    assert "None" not in subject + text + html  # an unset optional value never shows
    assert "{{" not in text and "{%" not in html
    greeting = {"fr": "Bonjour", "en": "Hello"}[locale]
    assert text.startswith(greeting)
    assert html.lstrip().startswith("<!DOCTYPE html>") and f'<html lang="{locale}">' in html
    if context["recipient_name"]:
        assert "Claire Dubois" in text
    if context["task_link"]:
        assert context["task_link"] in text and f'href="{context["task_link"]}"' in html
    concern_label = {
        "fr": "Signaler une difficulté en toute confidentialité",
        "en": "Raise a concern confidentially",
    }[locale]
    assert (concern_label in html) == bool(context["concern_link"])
    assert (concern_label in text) == bool(context["concern_link"])


def test_templates_in_both_locales_are_really_translated() -> None:
    for template in TEMPLATES:
        fr = render(template, "fr", _context(template, "fr"))
        en = render(template, "en", _context(template, "en"))
        assert fr[0] != en[0], template
        assert fr[1] != en[1], template


def test_a_missing_variable_is_a_loud_error() -> None:
    context = _context("self_assessment", "fr")
    del context["due_date"]
    with pytest.raises(UndefinedError, match="due_date"):
        render("self_assessment", "fr", context)


def test_a_task_template_without_its_link_is_refused() -> None:
    context = {**_context("self_assessment", "fr"), "task_link": None}
    with pytest.raises(ValueError, match="task_link"):
        render("self_assessment", "fr", context)


def test_goals_are_listed_with_their_dates() -> None:
    _, text, html = render("goals_confirm", "fr", _context("goals_confirm", "fr"))
    assert "Animer une visioconférence" in text and "lundi 1er mars 2027" in text
    assert "Partager un document" in html and "vendredi 2 avril 2027" in html


def test_optional_pair_and_reason_codes_read_naturally() -> None:
    _, text, _ = render("concern_raised", "fr", _context("concern_raised", "fr"))
    assert "(mentor)" in text and "concernant le binôme" not in text
    context = {
        **_context("concern_raised", "en"),
        "pair_id": "pair-9",
        "participant_role": "mentee",
    }
    _, text, _ = render("concern_raised", "en", context)
    assert "(mentee)" in text and "about pair pair-9" in text
    _, text, _ = render("pair_ended_early", "fr", _context("pair_ended_early", "fr"))
    assert "sur décision de la coordination du programme" in text
    assert "plusieurs séances consécutives n’ont pas eu lieu" in text


def test_matching_review_without_a_task_points_to_the_review_commands() -> None:
    context = {**_context("matching_review", "fr"), "task_link": None}
    _, text, html = render("matching_review", "fr", context)
    assert "tandem matching show tandem-printemps" in text
    assert "<code>tandem matching show tandem-printemps</code>" in html
    assert "/t/" not in html


def test_a_resumed_pair_without_a_next_session_still_reads_well() -> None:
    context = {**_context("pair_resumed", "en"), "next_session_date": ""}
    subject, text, _ = render("pair_resumed", "en", context)
    assert subject == "Your pair resumes"
    assert "We will send you the date of your next session shortly." in text


@pytest.mark.parametrize(
    ("reason", "fr", "en"),
    [
        ("no_compatible_partner", "aucun profil compatible", "no compatible partner"),
        ("no compatible mentor: grade, department", "aucun profil compatible", "no compatible"),
        ("re-pairing limit reached", "aucun autre binôme", "no other partner"),
        ("no_backup_mentor", "aucun autre binôme", "no other partner"),
        ("self_assessment_missed", "auto-évaluation ne nous est pas parvenue", "self-assessment"),
        # Legacy: a notification recorded before the codes carries the activity's sentence.
        (
            "did not answer the self-assessment in time",
            "auto-évaluation ne nous est pas parvenue",
            "we did not receive your self-assessment in time",
        ),
    ],
)
def test_known_reasons_are_worded_in_the_reader_language(reason: str, fr: str, en: str) -> None:
    for locale, expected in (("fr", fr), ("en", en)):
        context = {**_context("unmatched", locale), "reason": reason}
        _, text, html = render("unmatched", locale, context)
        assert expected in text and expected in html
        assert "grade" not in text  # matcher diagnostics stay out of the e-mail


@pytest.mark.parametrize("code", list(UnmatchedReason))
def test_every_unmatched_reason_is_worded_in_both_languages(code: UnmatchedReason) -> None:
    for locale, before in (("fr", "Printemps » ("), ("en", "Printemps programme (")):
        context = {**_context("unmatched", locale), "reason": code.value}
        _, text, _ = render("unmatched", locale, context)
        assert before in text, text
        assert code.value not in text


@pytest.mark.parametrize("reason", ["I do not get along with them", "", None])
def test_unknown_reasons_are_left_out(reason: str | None) -> None:
    context = {**_context("pair_ended_early", "fr"), "reason": reason, "ended_by_role": "mentee"}
    _, text, _ = render("pair_ended_early", "fr", context)
    assert "Motif" not in text and "get along" not in text
    assert "(à la demande de l’autre membre du binôme)." in text
    context["ended_by_role"] = "mentor"  # the recipient's own role: they ended it
    assert "(à votre demande)." in render("pair_ended_early", "fr", context)[1]


def test_a_concern_without_a_pair_reads_well() -> None:
    context = {**_context("concern_raised", "fr"), "pair_id": ""}
    _, text, _ = render("concern_raised", "fr", context)
    assert "a signalé une difficulté." in text


@pytest.mark.parametrize(
    ("value", "locale", "expected"),
    [
        ("2027-01-11", "fr", "lundi 11 janvier 2027"),
        ("2027-01-11", "en", "Monday 11 January 2027"),
        ("2027-02-01T09:30:00+01:00", "fr", "lundi 1er février 2027"),
        ("2027-08-15T00:00:00Z", "en", "Sunday 15 August 2027"),
        (date(2027, 12, 25), "fr", "samedi 25 décembre 2027"),
        (datetime(2027, 12, 31, 23, tzinfo=UTC), "en", "Friday 31 December 2027"),
    ],
)
def test_dates_are_written_out_per_locale(value: str | date, locale: str, expected: str) -> None:
    assert format_date(value, locale) == expected


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
