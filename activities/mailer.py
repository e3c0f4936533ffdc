"""Turns a `Notification` into one e-mail: resolve the person, sign the links, render, send, log.

Workflows only ever name people by id (histories cannot be erased), so everything personal —
address, name, the partner's name — is looked up here, at the last moment, from the stores.

Idempotence: the notification id is minted in the workflow, so a retried activity re-sends the same
id and `SentMailLog` turns it into a no-op. A crash between the SMTP send and the log write can
still send twice; the Message-ID is derived from the notification id, so the copy is recognisable.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

import aiosmtplib
import asyncpg
import structlog
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    UndefinedError,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from temporalio.exceptions import ApplicationError

from activities.mime import Attachment, compose
from domain.calendar import Attendee, CalendarMethod, SessionSeries, series_ics, slots
from domain.dates import format_date
from domain.delivery import DeliveryFailure
from domain.tasks import Notification, TaskKind
from domain.tokens import sign_task_token
from domain.unmatched import UnmatchedReason, unmatched_reason
from store.participants import ParticipantStore
from store.programmes import ProgrammeRecord, ProgrammeStore
from store.sent_mail import SentMailLog
from store.tasks import TaskRecord, TaskStore

log = structlog.get_logger(__name__)

_IDLE_SESSIONS = 8  # SMTP sessions kept open between steps
_IDLE_SECONDS = 60.0

TEMPLATES_DIR = Path(__file__).parent / "templates"
LOCALES = ("fr", "en")

# Every notification the workflows may send. Each has `{locale}/{name}.subject.j2`, `.txt.j2` and
# `.html.j2` in every locale (a test checks the folder against this list).
TEMPLATES = (
    "enrolment",
    "self_assessment",
    "self_assessment_reminder",
    "self_assessment_closed",
    "matching_review",
    "unmatched",
    "chemistry",
    "chemistry_reminder",
    "pair_dissolved",
    "goals_propose",
    "goals_confirm",
    "session_reminder",
    "task_nudge",
    "session_log",
    "session_missed",
    "at_risk",
    "sessions_scheduled",
    "session_rescheduled",
    "pair_paused",
    "pair_resumed",
    "midpoint_survey",
    "midpoint_alert",
    "final_evaluation",
    "pair_completed",
    "pair_ended_early",
    "concern_raised",
    "programme_completed",
)

# These e-mails exist to hand over a task: without its link they would be useless to the reader.
# (`matching_review` is not one: the coordinator can also act from the dashboard.)
TASK_TEMPLATES = frozenset(
    {
        "self_assessment",
        "self_assessment_reminder",
        "chemistry",
        "chemistry_reminder",
        "goals_propose",
        "goals_confirm",
        "session_log",
        "midpoint_survey",
        "task_nudge",
        "final_evaluation",
    }
)

_INVITE_SUMMARY = {
    "fr": "Mentorat inversé : séance avec {partner}",
    "en": "Reverse mentoring: session with {partner}",
}
_INVITE_DESCRIPTION = {
    "fr": "Séance du programme « {programme} ». Tandem envoie une mise à jour si elle change.",
    "en": "A session of the {programme} programme. Tandem sends an update if it changes.",
}

# When a partner's row is gone (erased on request) the e-mail still has to read correctly.
_UNKNOWN_PARTNER = {"fr": "un(e) collègue", "en": "a colleague"}


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str
    mail_from: str
    public_base_url: str
    secret: bytes
    # A link keeps working a little past the task's due date: late is better than never.
    link_grace: timedelta = timedelta(days=3)


# -- rendering ---------------------------------------------------------------------------------


@pass_context
def _date_filter(context: Context, value: str | date) -> str:
    return format_date(value, str(context["locale"]))


def _amount(value: object) -> int:
    """A count given either as a number or as the list itself (the workflows may send either)."""
    if isinstance(value, int):
        return value
    if isinstance(value, Sequence | Mapping) and not isinstance(value, str):
        return len(value)
    raise TypeError(f"expected a number or a list, got {value!r}")


_ROLES = {
    "fr": {"mentor": "mentor", "mentee": "mentoré(e)", "coordinator": "coordination"},
    "en": {"mentor": "mentor", "mentee": "mentee", "coordinator": "coordinator"},
}
# Why someone was left unmatched or a pair ended, as told to participants. Only a recognised
# reason is shown: anything else may be matcher diagnostics or someone's own words about their
# partner, and in the wrong language too, so the e-mail leaves it out (the dashboard has it).
# A concern is deliberately never a reason here: telling the partner would break confidentiality.
_REASONS = {
    "no_compatible_partner": (
        "aucun profil compatible n’était disponible",
        "no compatible partner was available",
    ),
    "self_assessment_missed": (
        "votre auto-évaluation ne nous est pas parvenue à temps",
        "we did not receive your self-assessment in time",
    ),
    "repairing_exhausted": (
        "aucun autre binôme n’a pu être trouvé après la première rencontre",
        "no other partner could be found after the first meeting",
    ),
    "no_go": (
        "la première rencontre n’a pas été confirmée",
        "the first meeting was not confirmed",
    ),
    "missed_sessions": (
        "plusieurs séances consécutives n’ont pas eu lieu",
        "several sessions in a row did not take place",
    ),
    "pause_expired": (
        "la pause a dépassé la durée maximale prévue",
        "the pause went beyond the maximum length",
    ),
    "participant_left": ("l’un de vous a quitté le programme", "one of you left the programme"),
    "mutual_agreement": ("d’un commun accord", "by mutual agreement"),
    "coordinator_decision": (
        "décision de la coordination du programme",
        "a decision of the programme coordinators",
    ),
}
# Each reason someone is left unmatched, by the wording participants read.
_UNMATCHED_WORDING = {
    UnmatchedReason.SELF_ASSESSMENT_MISSED: "self_assessment_missed",
    UnmatchedReason.NO_MENTOR_AVAILABLE: "no_compatible_partner",
    UnmatchedReason.NO_COMPATIBLE_MENTOR: "no_compatible_partner",
    UnmatchedReason.MENTORS_AT_CAPACITY: "no_compatible_partner",
    UnmatchedReason.NO_COMPATIBLE_MENTEE: "no_compatible_partner",
    UnmatchedReason.NO_MENTEE_LEFT: "no_compatible_partner",
    UnmatchedReason.REPAIRING_LIMIT_REACHED: "repairing_exhausted",
    UnmatchedReason.NO_BACKUP_MENTOR: "repairing_exhausted",
}
# The phrases the pair workflow uses for how a pair ended, by the code they mean.
_PAIR_END_ALIASES = {
    "no answer in time": "no_go",
    "ended by coordinator": "coordinator_decision",
}


def _wording_key(reason: object) -> str | None:
    text = str(reason or "").strip()
    unmatched = unmatched_reason(text)  # a code, or a sentence recorded before the codes
    if unmatched is not None:
        return _UNMATCHED_WORDING[unmatched]
    head = text.split(":", 1)[0].strip().lower()
    return head if head in _REASONS else _PAIR_END_ALIASES.get(head)


@pass_context
def _role_label(context: Context, role: object) -> str:
    return _ROLES[str(context["locale"])].get(str(role), str(role))


@pass_context
def _reason_label(context: Context, reason: object) -> str:
    """The reason in the reader's language, or "" when it is not one we can word for them."""
    key = _wording_key(reason)
    if key is None:
        return ""
    return _REASONS[key][LOCALES.index(str(context["locale"]))]


_env = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    # Escape only the HTML part: a subject or plain text must keep "<" as typed, not "&lt;".
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
    undefined=StrictUndefined,  # a variable the workflow forgot is an error, not a blank
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["date"] = _date_filter
_env.filters["amount"] = _amount
_env.filters["role_label"] = _role_label
_env.filters["reason_label"] = _reason_label


def render(template: str, locale: str, context: Mapping[str, Any]) -> tuple[str, str, str]:
    """(subject, plain text, html) of one notification; `context` must hold every variable used."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown e-mail template {template!r}")
    if locale not in LOCALES:
        raise ValueError(f"unknown locale {locale!r} for e-mail template {template!r}")
    if template in TASK_TEMPLATES and not context.get("task_link"):
        raise ValueError(f"e-mail template {template!r} needs a task_link")
    values = {**context, "locale": locale}  # the filters format for the locale rendered
    subject = _env.get_template(f"{locale}/{template}.subject.j2").render(values)
    text = _env.get_template(f"{locale}/{template}.txt.j2").render(values)
    html = _env.get_template(f"{locale}/{template}.html.j2").render(values)
    # A subject is one line; template whitespace must not turn into a folded header.
    return " ".join(subject.split()), text, html


# -- sending -----------------------------------------------------------------------------------


class Undeliverable(ApplicationError):
    """A notification that can never be sent as it stands: another attempt would fail the same way.

    Its message names the template and the reply code, never the recipient: it is kept in the
    workflow's history and in the logs.
    """

    def __init__(self, code: DeliveryFailure, message: str, smtp_code: int | None = None) -> None:
        super().__init__(message, type=code.value, non_retryable=True)
        self.code = code
        self.smtp_code = smtp_code


def _for_good(smtp_code: int) -> bool:
    return 500 <= smtp_code < 600  # 4xx: the server may take it later (RFC 5321 §4.2.1)


def _unrenderable(template: str, error: Exception) -> Undeliverable:
    # A missing variable's name helps whoever fixes the template; other errors' texts may quote
    # the context, so only their kind is said.
    what = str(error) if isinstance(error, UndefinedError) else type(error).__name__
    return Undeliverable(
        DeliveryFailure.TEMPLATE_FAILED, f"e-mail template {template!r} cannot render: {what}"
    )


@dataclass(frozen=True)
class _SmtpTarget:
    hostname: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None


def _parse_smtp_url(url: str) -> _SmtpTarget:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"SMTP URL must start with smtp:// or smtps://, got {parts.scheme!r}")
    use_tls = parts.scheme == "smtps"
    return _SmtpTarget(
        hostname=parts.hostname or "localhost",
        port=parts.port or (465 if use_tls else 25),
        use_tls=use_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


@dataclass(frozen=True)
class _Recipient:
    email: str
    name: str | None
    locale: str
    participant_id: str | None
    role: str | None


class Mailer:
    def __init__(self, pool: asyncpg.Pool, settings: MailSettings) -> None:
        self._settings = settings
        self._smtp = _parse_smtp_url(settings.smtp_url)
        self._participants = ParticipantStore(pool)
        self._programmes = ProgrammeStore(pool)
        self._tasks = TaskStore(pool)
        self._sent = SentMailLog(pool)
        self._programme_cache: dict[str, ProgrammeRecord] = {}
        self._idle: list[tuple[float, aiosmtplib.SMTP]] = []

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[aiosmtplib.SMTP]:
        """An SMTP session for a step's e-mails, kept open afterwards for the next step.

        Opening a session costs a TCP connection, a greeting, EHLO (and login) for each step;
        a programme's steps come in bursts. A session that failed is closed, not reused.
        """
        client = self._idle_session()
        if client is None:
            client = aiosmtplib.SMTP(
                hostname=self._smtp.hostname,
                port=self._smtp.port,
                use_tls=self._smtp.use_tls,
                timeout=30,
            )
            await client.connect()
            try:
                if self._smtp.username:
                    await client.login(self._smtp.username, self._smtp.password or "")
            except BaseException:
                client.close()
                raise
        reusable = False
        try:
            yield client
            reusable = True
        finally:
            if reusable and client.is_connected and len(self._idle) < _IDLE_SESSIONS:
                self._idle.append((time.monotonic(), client))
            else:
                with suppress(aiosmtplib.SMTPException, OSError):
                    await client.quit()

    def _idle_session(self) -> aiosmtplib.SMTP | None:
        # Servers drop idle sessions (RFC 5321 suggests after 5 minutes): older ones are not
        # tried, so a send rarely meets a session closed under it (a retry would redo it).
        while self._idle:
            since, client = self._idle.pop()
            if client.is_connected and time.monotonic() - since < _IDLE_SECONDS:
                return client
            client.close()
        return None

    async def deliver(
        self,
        n: Notification,
        attachments: Sequence[Attachment] = (),
        smtp: aiosmtplib.SMTP | None = None,
    ) -> bool:
        """Send `n` once; False when it was already sent or has nobody to go to.

        `attachments` go with it, e.g. a calendar invite.
        """
        bound = log.bind(notification_id=str(n.notification_id), template=n.template)
        if n.template not in TEMPLATES:
            raise Undeliverable(
                DeliveryFailure.UNKNOWN_TEMPLATE, f"unknown e-mail template {n.template!r}"
            )
        if await self._sent.was_sent(n.notification_id):
            bound.info("mail.skipped_duplicate")
            return False

        programme = self._programme_cache.get(n.programme_id)
        if programme is None:
            programme = await self._programmes.get(n.programme_id)
            if programme is not None:
                # A programme's row never changes once launched (upsert leaves it as it is).
                self._programme_cache[n.programme_id] = programme
        if programme is None:
            raise LookupError(f"programme {n.programme_id!r} not found")
        recipient = await self._recipient(n, programme.locale, programme.coordinator_email)
        if recipient is None:
            # Nothing is recorded: should the address appear later, a replay may still send it.
            bound.warning("mail.no_recipient", participant_id=n.participant_id)
            return False

        context: dict[str, Any] = {
            **n.context,
            "programme_name": programme.name,
            "programme_id": n.programme_id,
            "recipient_name": recipient.name,
            "recipient_role": recipient.role,
            "locale": recipient.locale,
            "task_link": await self._task_link(n.task_id),
            "concern_link": await self._concern_link(recipient.participant_id),
        }
        partner = None
        if "partner_id" in n.context:
            partner_id = n.context["partner_id"]
            partner = await self._participants.get(str(partner_id)) if partner_id else None
            context["partner_name"] = (
                partner.name if partner is not None else _UNKNOWN_PARTNER[recipient.locale]
            )

        try:
            subject, text, html = render(n.template, recipient.locale, context)
            if "calendar" in n.context:
                others = () if partner is None else (Attendee(partner.email, partner.name),)
                invite = self._invitation(n.context["calendar"], recipient, others, context)
                attachments = (*attachments, invite)
            composed = compose(
                sender=self._settings.mail_from,
                to_name=recipient.name or "",
                to_address=recipient.email,
                subject=subject,
                text=text,
                html=html,
                message_id=f"<{n.notification_id}@tandem>",
                extra_headers=[("X-Tandem-Template", n.template)]
                + ([("X-Tandem-Task", str(n.task_id))] if n.task_id is not None else []),
                attachments=attachments,
            )
        except (TemplateError, ValueError, TypeError, KeyError, IndexError) as error:
            raise _unrenderable(n.template, error) from None
        await self._send(n.template, composed.data, recipient.email, smtp)
        await self._sent.record(
            n.notification_id,
            n.programme_id,
            n.participant_id,
            n.template,
            composed.message_id,
        )
        bound.info("mail.sent", participant_id=n.participant_id, locale=recipient.locale)
        return True

    async def _send(
        self, template: str, data: bytes, address: str, smtp: aiosmtplib.SMTP | None
    ) -> None:
        """Send one message; `Undeliverable` when the server (or the address) rules it out."""
        sender = parseaddr(self._settings.mail_from)[1]  # "Name <a@b>" -> "a@b"
        try:
            if smtp is not None:
                await smtp.sendmail(sender, [address], data)
            else:
                await aiosmtplib.send(
                    data,
                    sender=sender,
                    recipients=[address],
                    hostname=self._smtp.hostname,
                    port=self._smtp.port,
                    use_tls=self._smtp.use_tls,
                    username=self._smtp.username,
                    password=self._smtp.password,
                    timeout=30,
                )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            code = refused.recipients[0].code  # one recipient a message
            if not _for_good(code):
                raise
            raise Undeliverable(
                DeliveryFailure.RECIPIENT_REFUSED,
                f"the mail server refused the recipient of {template!r} ({code})",
                smtp_code=code,
            ) from None
        except aiosmtplib.SMTPDataError as error:
            if not _for_good(error.code):
                raise
            raise Undeliverable(
                DeliveryFailure.MESSAGE_REFUSED,
                f"the mail server refused the {template!r} message ({error.code})",
                smtp_code=error.code,
            ) from None
        except (ValueError, aiosmtplib.SMTPNotSupported):
            # An address aiosmtplib will not put in an envelope (or not without SMTPUTF8).
            raise Undeliverable(
                DeliveryFailure.ADDRESS_UNUSABLE,
                f"the recipient's address of {template!r} cannot be sent to",
            ) from None

    async def _recipient(
        self, n: Notification, programme_locale: str, coordinator_email: str | None
    ) -> _Recipient | None:
        if n.participant_id is None:
            if not coordinator_email:
                return None
            return _Recipient(coordinator_email, None, _locale(programme_locale), None, None)
        p = await self._participants.get(n.participant_id)
        if p is None:
            return None  # erased on request, or never imported
        return _Recipient(p.email, p.name, _locale(p.locale), p.id, str(p.role))

    async def _task_link(self, task_id: UUID | None) -> str | None:
        if task_id is None:
            return None
        task = await self._tasks.get(task_id)
        if task is None:
            # The workflow opens a task before announcing it; a retry may find it committed.
            raise LookupError(f"task {task_id} not found")
        return self._link(task)

    async def _concern_link(self, participant_id: str | None) -> str | None:
        if participant_id is None:
            return None
        task = await self._tasks.open_of_kind(participant_id, TaskKind.CONCERN.value)
        return self._link(task) if task is not None else None

    def _link(self, task: TaskRecord) -> str:
        token = sign_task_token(
            task.task_id,
            task.participant_id,
            task.due_at + self._settings.link_grace,
            self._settings.secret,
        )
        return f"{self._settings.public_base_url.rstrip('/')}/t/{token}"

    def _invitation(
        self,
        calendar: Mapping[str, Any],
        recipient: _Recipient,
        others: tuple[Attendee, ...],
        context: Mapping[str, Any],
    ) -> Attachment:
        """The pair's sessions as an ICS attachment (see `domain.calendar`)."""
        method = CalendarMethod(calendar["method"])
        locale = recipient.locale
        organizer_name, organizer_email = parseaddr(self._settings.mail_from)
        series = SessionSeries(
            uid=str(calendar["uid"]),
            sequence=int(calendar["sequence"]),
            method=method,
            summary=_INVITE_SUMMARY[locale].format(partner=context.get("partner_name") or ""),
            description=_INVITE_DESCRIPTION[locale].format(programme=context["programme_name"]),
            organizer=Attendee(organizer_email, organizer_name or None),
            attendees=(Attendee(recipient.email, recipient.name), *others),
            cadence=timedelta(seconds=int(calendar["cadence_seconds"])),
            minutes=int(calendar.get("minutes", 60)),
            sessions=slots([tuple(s) for s in calendar["sessions"]]),
            stamp=datetime.now(UTC),
        )
        mime_type = f"text/calendar; method={method.value}"
        return Attachment("invitation.ics", mime_type, series_ics(series))


def _locale(value: object) -> str:
    """A supported locale; anything else falls back to French, the programme default."""
    text = str(value)
    return text if text in LOCALES else "fr"
