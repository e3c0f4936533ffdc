"""What the demo's outbox page shows: one recipient's e-mails (or everyone's), each link named by
the task it opens, and each participant's confidential concern link once rather than in every
e-mail (each participant's e-mails all carry it).

A link names its task by the task id in its signed token; the task's kind comes from the store.
A link that is no task link of this deployment (a dashboard address, a token signed elsewhere)
keeps its address as its name.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from urllib.parse import urlsplit
from uuid import UUID

from domain.tasks import TaskKind
from domain.tokens import TokenExpired, TokenInvalid, verify_task_token
from web.outbox import OutboxMessage

KindsOf = Callable[[Sequence[UUID]], Awaitable[dict[UUID, str]]]


@dataclass(frozen=True)
class Recipient:
    address: str  # lower-cased: the filter's value
    display: str  # as the e-mails name them, `Name <address>`


@dataclass(frozen=True)
class MailLink:
    url: str
    kind: str | None  # the task kind it opens; None when it opens no task we know


@dataclass(frozen=True)
class ListedMail:
    message: OutboxMessage
    links: tuple[MailLink, ...]  # without the concern link


@dataclass(frozen=True)
class ConcernLink:
    recipient: Recipient
    url: str


@dataclass(frozen=True)
class OutboxView:
    mails: list[ListedMail]  # at most `limit`, newest first
    total: int  # how many e-mails the filter keeps
    recipients: list[Recipient]  # every recipient, for the filter
    selected: Recipient | None  # None: every recipient
    concern_links: list[ConcernLink]  # once per recipient listed, from their newest e-mail


def recipient_of(message: OutboxMessage) -> Recipient:
    return Recipient(message.address, message.recipient or message.address)


def recipients(messages: Sequence[OutboxMessage], also: str | None = None) -> list[Recipient]:
    """Each recipient once, by name; `also` (the demo's participant) even before any e-mail."""
    found: dict[str, Recipient] = {}
    for message in messages:
        if message.address:
            found.setdefault(message.address, recipient_of(message))
    if also and also.lower() not in found:
        found[also.lower()] = Recipient(also.lower(), also)
    return sorted(found.values(), key=_by_name)


def _by_name(recipient: Recipient) -> tuple[str, str]:
    return parseaddr(recipient.display)[0].lower(), recipient.address


class LinkKinds:
    """The task kind behind each task link, from its token; kinds are kept once known."""

    def __init__(
        self, secrets: Sequence[bytes], kinds_of: KindsOf, now: Callable[[], datetime]
    ) -> None:
        self._secrets = tuple(secrets)
        self._kinds_of = kinds_of
        self._now = now
        self._known: dict[UUID, str] = {}

    def task_id(self, url: str) -> UUID | None:
        parts = urlsplit(url)
        head, _, token = parts.path.rpartition("/")
        if not head.endswith("/t") or not token:
            return None
        try:
            claims = verify_task_token(
                token, self._secrets[0], self._now(), previous=self._secrets[1:]
            )
        except TokenExpired as expired:
            claims = expired.claims  # an old link still names its task
        except TokenInvalid:
            return None
        return claims.task_id

    async def of(self, urls: Sequence[str]) -> dict[str, str]:
        """Each url's task kind, for the urls that open a task the store knows."""
        ids = {url: task_id for url in urls if (task_id := self.task_id(url)) is not None}
        missing = sorted({i for i in ids.values() if i not in self._known})
        if missing:
            self._known.update(await self._kinds_of(missing))
        return {url: self._known[i] for url, i in ids.items() if i in self._known}


async def outbox_view(
    messages: Sequence[OutboxMessage],
    kinds: LinkKinds,
    *,
    to: str | None,
    participant: str | None,
    limit: int,
) -> OutboxView:
    """The page for `to` (an address; "" for every recipient; None for the default: the demo's
    `participant` when there is one, else everyone)."""
    wanted = ((participant or "") if to is None else to).strip().lower()
    everyone = recipients(messages, also=participant)
    selected = next((r for r in everyone if r.address == wanted), None)
    if wanted and selected is None:
        selected = Recipient(wanted, wanted)  # nobody of that address has mail (yet)
    kept = [m for m in messages if selected is None or m.address == selected.address]
    shown = kept[:limit]
    kind_of = await kinds.of([link for m in shown for link in m.links])
    mails: list[ListedMail] = []
    concern: dict[str, ConcernLink] = {}
    for message in shown:
        links = []
        for url in message.links:
            kind = kind_of.get(url)
            if kind == TaskKind.CONCERN:
                concern.setdefault(message.address, ConcernLink(recipient_of(message), url))
            else:
                links.append(MailLink(url, kind))
        mails.append(ListedMail(message, tuple(links)))
    footer = sorted(concern.values(), key=lambda c: _by_name(c.recipient))
    return OutboxView(mails, len(kept), everyone, selected, footer)
