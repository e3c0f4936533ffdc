"""The demo's outbox: the `.eml` files the embedded SMTP sink writes, read back for the browser.

Only for the demo stack, where nobody has a real mailbox: the coordinator opens a participant's
task link from here. Everything read from a message is returned as text for the templates to
escape; only http(s) links are offered as links.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr, parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

MAX_LISTED = 200  # e-mails on one page, the newest
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}\.eml")
_URL = re.compile(r"https?://[^\s<>\"'()]+")


@dataclass(frozen=True)
class OutboxMessage:
    name: str
    date: datetime | None
    recipient: str  # the To header as written, e.g. `Sophie Lefebvre <sophie@example.com>`
    address: str  # its address alone, lower-cased: what the outbox filters on
    subject: str
    links: tuple[str, ...]
    html: str  # the HTML part, shown in a sandboxed frame (empty when there is none)
    text: str


class OutboxFolder:
    """Every message of the folder, newest first, each file read once: the sink never rewrites
    one, and a filter by recipient needs them all, not only the newest."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._read: dict[tuple[str, int, int], OutboxMessage] = {}

    def messages(self) -> list[OutboxMessage]:
        found: dict[tuple[str, int, int], OutboxMessage] = {}
        for path in _newest_first(self.folder):
            stat = path.stat()
            key = (path.name, stat.st_mtime_ns, stat.st_size)
            found[key] = self._read.get(key) or read_message(path)
        self._read = found  # a file gone (a new demo) is forgotten
        return list(found.values())


def _newest_first(folder: Path) -> list[Path]:
    """By file time, then name: the sink numbers them in order."""
    if not folder.is_dir():
        return []
    files = [p for p in folder.iterdir() if p.is_file() and _NAME.fullmatch(p.name)]
    files.sort(key=lambda p: (p.stat().st_mtime, p.name), reverse=True)
    return files


def find_message(folder: Path, name: str) -> OutboxMessage | None:
    """One message by file name; a name that is not a plain `.eml` file of the folder is None."""
    if not _NAME.fullmatch(name) or not folder.is_dir():
        return None
    path = folder / name
    if not path.is_file() or path.resolve().parent != folder.resolve():
        return None
    return read_message(path)


def read_message(path: Path) -> OutboxMessage:
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    text = _body(message, "plain")
    html = _body(message, "html")
    recipient = str(message.get("To", ""))
    return OutboxMessage(
        name=path.name,
        date=_date(message),
        recipient=recipient,
        address=parseaddr(recipient)[1].lower(),
        subject=str(message.get("Subject", "")),
        links=_links(text, html),
        html=html,
        text=text,
    )


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    if part is None:
        return ""
    try:
        return str(part.get_content())
    except (LookupError, ValueError):  # an unknown charset: show nothing rather than fail
        return ""


def _date(message: EmailMessage) -> datetime | None:
    try:
        return parsedate_to_datetime(str(message["Date"])) if message["Date"] else None
    except (TypeError, ValueError):
        return None


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.found += [v for k, v in attrs if k == "href" and v]


def _links(text: str, html: str) -> tuple[str, ...]:
    parser = _Hrefs()
    parser.feed(html)
    found = [*_URL.findall(text), *parser.found]
    # In order of appearance, once each, and only web links (never javascript: or data:).
    seen: dict[str, None] = {}
    for link in found:
        if link.startswith(("http://", "https://")):
            seen.setdefault(link.rstrip(".,;"), None)
    return tuple(seen)
