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
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from uuid import UUID

import aiosmtplib
import asyncpg
import structlog
from pydantic import ValidationError
from temporalio.exceptions import ApplicationError

from activities.invitation_words import session_series
from activities.mail_rendering import (
    INVITATION_FILE,
    TEMPLATES,
    Rendered,
    RenderFailed,
    render,
    words,
)
from activities.mime import Attachment, compose
from activities.sealed_texts import TextOpener, UnopenedTexts
from activities.session_themes import calendar_themes, programme_library, theme_words
from domain.calendar import Attendee, series_ics
from domain.delivery import DeliveryFailure
from domain.feed_links import calendar_feed_url, calendar_feed_web_url
from domain.notifications import (
    SESSION_TEMPLATES,
    MailValues,
    TemplateFailure,
    context_errors,
)
from domain.skills import skill_labels
from domain.tasks import Notification, TaskKind
from domain.tokens import sign_feed_token, sign_task_token
from i18n.catalogues import LOCALES, LOCALES_DIR
from store.calendar_feeds import CalendarFeedStore
from store.participants import ParticipantRecord, ParticipantStore
from store.programmes import ProgrammeRecord, ProgrammeStore
from store.sent_mail import SentMailLog
from store.tasks import TaskRecord, TaskStore

log = structlog.get_logger(__name__)

_IDLE_SESSIONS = 8  # SMTP sessions kept open between steps
_IDLE_SECONDS = 60.0


@dataclass(frozen=True)
class MailSettings:
    smtp_url: str
    mail_from: str
    public_base_url: str
    secret: bytes
    # A link keeps working a little past the task's due date: late is better than never.
    link_grace: timedelta = timedelta(days=3)
    catalogues: Path = LOCALES_DIR  # the compiled gettext catalogues the e-mails read


# -- sending -----------------------------------------------------------------------------------


class Undeliverable(ApplicationError):
    """A notification that can never be sent as it stands: another attempt would fail the same way.

    Its message names the template and the reply code, never the recipient: it is kept in the
    workflow's history and in the logs.
    """

    def __init__(
        self,
        code: DeliveryFailure,
        message: str,
        smtp_code: int | None = None,
        details: Mapping[str, object] | None = None,
    ) -> None:
        extra = [details] if details else []
        super().__init__(message, *extra, type=code.value, non_retryable=True)
        self.code = code
        self.smtp_code = smtp_code


def _for_good(smtp_code: int) -> bool:
    return 500 <= smtp_code < 600  # 4xx: the server may take it later (RFC 5321 §4.2.1)


def _unrenderable(template: str, error: Exception) -> Undeliverable:
    # Only the error's kind is said: its text may quote the context (names, addresses).
    return Undeliverable(
        DeliveryFailure.TEMPLATE_FAILED,
        f"e-mail {template!r} cannot be composed: {type(error).__name__}",
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
class _Mail:
    values: MailValues
    rendered: Rendered


@dataclass(frozen=True)
class _Recipient:
    email: str
    name: str | None
    locale: str
    participant_id: str | None
    role: str | None
    link_generation: int = 0


class Mailer:
    def __init__(
        self, pool: asyncpg.Pool, settings: MailSettings, texts: TextOpener | None = None
    ) -> None:
        self._settings = settings
        # Opens what the e-mail quotes (a partner's goals, a declined proposal's comment); without
        # one a sealed text reads `[erased]`, never as its ciphertext.
        self._texts = texts or UnopenedTexts()
        self._smtp = _parse_smtp_url(settings.smtp_url)
        self._participants = ParticipantStore(pool)
        self._programmes = ProgrammeStore(pool)
        self._tasks = TaskStore(pool)
        self._sent = SentMailLog(pool)
        self._feeds = CalendarFeedStore(pool)
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
            raise self._failed(n, RenderFailed(TemplateFailure.UNKNOWN_TEMPLATE, n.template))
        if n.context.get("calendar") and n.participant_id is not None:
            # Before the send and whatever becomes of it: a retry after a crash between the
            # send and this write would otherwise skip it for good (the newest SEQUENCE wins).
            partner_id = n.context.get("partner_id")
            await self._feeds.record(
                n.participant_id,
                n.programme_id,
                str(partner_id) if partner_id else None,
                n.context["calendar"],
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

        task_link = await self._task_link(n.task_id, recipient)
        concern_link = await self._concern_link(recipient)
        about_sessions = n.context.get("calendar") or n.template in SESSION_TEMPLATES
        feed_links = self._feed_links(recipient) if about_sessions else None
        partner = None
        if n.context.get("partner_id"):
            partner = await self._participants.get(str(n.context["partner_id"]))
        try:
            context = await self._texts.open_tree(n.context)
            mail = self._render(
                context, n, recipient, programme, partner, task_link, concern_link, feed_links
            )
            if n.context.get("calendar"):
                others = () if partner is None else (Attendee(partner.email, partner.name),)
                invite = self._invitation(
                    n.context["calendar"], recipient, others, mail.values, programme
                )
                attachments = (*attachments, invite)
        except RenderFailed as failure:
            raise self._failed(n, failure) from None
        subject, text, html = mail.rendered.subject, mail.rendered.text, mail.rendered.html
        try:
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
        except (ValueError, TypeError) as error:
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

    def _render(
        self,
        context: dict[str, Any],
        n: Notification,
        recipient: _Recipient,
        programme: ProgrammeRecord,
        partner: ParticipantRecord | None,
        task_link: str | None,
        concern_link: str | None,
        feed_links: tuple[str, str] | None = None,
    ) -> _Mail:
        catalogues = self._settings.catalogues
        partner_name = None
        if "partner_id" in n.context:
            # When a partner's row is gone (erased on request) the e-mail still reads correctly.
            partner_name = (
                partner.name
                if partner is not None
                else words(recipient.locale, catalogues)("mail.unknown_partner")
            )
        try:
            values = MailValues(
                programme_name=programme.name,
                programme_id=n.programme_id,
                recipient_name=recipient.name,
                recipient_role=recipient.role,
                task_link=task_link,
                concern_link=concern_link,
                partner_name=partner_name,
                calendar_feed=feed_links[0] if feed_links else None,
                calendar_feed_web=feed_links[1] if feed_links else None,
            )
        except ValidationError as e:
            raise RenderFailed(TemplateFailure.INVALID_CONTEXT, context_errors(e)) from None
        theme = context.get("theme")
        if isinstance(theme, dict):
            word = words(recipient.locale, catalogues)
            values = values.model_copy(
                update={
                    "theme_words": theme_words(
                        theme,
                        self._labels(programme, recipient.locale),
                        recipient.locale,
                        word,
                        programme_library(programme.spec),
                    )
                }
            )
        rendered = render(n.template, recipient.locale, context, values, catalogues)
        return _Mail(values, rendered)

    @staticmethod
    def _labels(programme: ProgrammeRecord, locale: str) -> dict[str, str]:
        return skill_labels(programme.spec.get("skills") or (), locale)

    def _failed(self, n: Notification, failure: RenderFailed) -> Undeliverable:
        """The e-mail can never be rendered as it is: given up at once, saying which and why."""
        details = {
            "template": n.template,
            "participant_id": n.participant_id,
            "notification_id": str(n.notification_id),
            "code": failure.code.value,
            "detail": failure.detail,
        }
        # Ids, codes and variable names only: no address, no name, no value from the context.
        log.error("mail.template_failed", **details)
        unknown = failure.code is TemplateFailure.UNKNOWN_TEMPLATE
        return Undeliverable(
            DeliveryFailure.UNKNOWN_TEMPLATE if unknown else DeliveryFailure.TEMPLATE_FAILED,
            f"e-mail {n.template!r} cannot be rendered: {failure}",
            details=details,
        )

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
        return _Recipient(p.email, p.name, _locale(p.locale), p.id, str(p.role), p.link_generation)

    async def _task_link(self, task_id: UUID | None, recipient: _Recipient) -> str | None:
        if task_id is None:
            return None
        task = await self._tasks.get(task_id)
        if task is None:
            # The workflow opens a task before announcing it; a retry may find it committed.
            raise LookupError(f"task {task_id} not found")
        return self._link(task, await self._generation_for(task, recipient))

    async def _concern_link(self, recipient: _Recipient) -> str | None:
        if recipient.participant_id is None:
            return None
        task = await self._tasks.open_of_kind(recipient.participant_id, TaskKind.CONCERN.value)
        return self._link(task, recipient.link_generation) if task is not None else None

    async def _generation_for(self, task: TaskRecord, recipient: _Recipient) -> int:
        """The link generation of the task's holder, as stored when the mail is written: a link
        signed now opens until their address is corrected again."""
        if task.participant_id == recipient.participant_id:
            return recipient.link_generation
        holder = await self._participants.get(task.participant_id)
        return holder.link_generation if holder is not None else 0

    def _feed_links(self, recipient: _Recipient) -> tuple[str, str] | None:
        """The recipient's calendar feed, as calendar applications subscribe to it (webcal),
        and at its web address for online calendars."""
        if recipient.participant_id is None:
            return None
        token = sign_feed_token(
            recipient.participant_id, self._settings.secret, generation=recipient.link_generation
        )
        base = self._settings.public_base_url
        return calendar_feed_url(base, token), calendar_feed_web_url(base, token)

    def _link(self, task: TaskRecord, generation: int) -> str:
        token = sign_task_token(
            task.task_id,
            task.participant_id,
            task.due_at + self._settings.link_grace,
            self._settings.secret,
            generation=generation,
        )
        return f"{self._settings.public_base_url.rstrip('/')}/t/{token}"

    def _invitation(
        self,
        calendar: Mapping[str, Any],
        recipient: _Recipient,
        others: tuple[Attendee, ...],
        values: MailValues,
        programme: ProgrammeRecord,
    ) -> Attachment:
        """The pair's sessions as an ICS attachment (see `domain.calendar`)."""
        organizer_name, organizer_email = parseaddr(self._settings.mail_from)
        word = words(recipient.locale, self._settings.catalogues)
        series = session_series(
            calendar,
            word,
            locale=recipient.locale,
            partner=values.partner_name or "",
            programme=values.programme_name,
            organizer=Attendee(organizer_email, organizer_name or None),
            attendees=(Attendee(recipient.email, recipient.name), *others),
            stamp=datetime.now(UTC),
            themes=calendar_themes(
                calendar,
                self._labels(programme, recipient.locale),
                recipient.locale,
                word,
                programme_library(programme.spec),
            ),
        )
        method = series.method
        mime_type = f"text/calendar; method={method.value}"
        return Attachment(INVITATION_FILE, mime_type, series_ics(series))


def _locale(value: object) -> str:
    """A supported locale; anything else falls back to French, the programme default."""
    text = str(value)
    return text if text in LOCALES else "fr"
