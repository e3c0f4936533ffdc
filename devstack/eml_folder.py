"""An SMTP handler that writes each message it accepts to a folder as an RFC 5322 `.eml` file.

For a rehearsal's mail (`tandem simulate --outbox DIR`): the SMTP peer runs in a process of its
own (`SmtpSinkProcess`, through `aiosmtpd -c devstack.eml_folder.EmlFolder DIR`), so the workers
keep their CPU. Names are `{sequence:06d}-{recipient}.eml`: in the order the messages arrived,
and a second rehearsal into the same folder carries on the numbering instead of overwriting.
"""

from __future__ import annotations

import email
import email.policy
import re
from argparse import ArgumentParser
from email.message import EmailMessage
from pathlib import Path
from typing import Any

_NUMBERED = re.compile(r"(\d+)-.*\.eml")
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")
_SLUG_MAX = 60


def recipient_slug(address: str) -> str:
    """`Claire.Dubois@example.org` -> `claire-dubois-example-org`: safe in any file system."""
    slug = _SLUG_CHARS.sub("-", address.lower()).strip("-")[:_SLUG_MAX].strip("-")
    return slug or "unknown"


def last_number(folder: Path) -> int:
    """The highest sequence number of the `.eml` files already in `folder` (0 for none)."""
    found = [int(m[1]) for p in folder.iterdir() if (m := _NUMBERED.fullmatch(p.name))]
    return max(found, default=0)


def eml_files(folder: Path) -> list[Path]:
    """The messages written to `folder`, in the order they arrived."""
    return sorted(p for p in folder.iterdir() if _NUMBERED.fullmatch(p.name) and p.is_file())


class EmlFolder:
    """Accepts every message and writes it to `folder` as it was received."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        # One handler per process, one event loop: the counter alone keeps names unique.
        self.count = last_number(folder)

    @classmethod
    def from_cli(cls, parser: ArgumentParser, *args: str) -> EmlFolder:
        if len(args) != 1:
            parser.error("EmlFolder takes one argument: the folder to write messages to")
        return cls(Path(args[0]))

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        recipients = [str(r) for r in envelope.rcpt_tos]
        self.count += 1
        name = f"{self.count:06d}-{recipient_slug(recipients[0] if recipients else '')}.eml"
        try:
            # "x": never over another file, whatever else writes into the folder.
            with (self.folder / name).open("xb") as file:
                file.write(message.as_bytes(policy=email.policy.SMTP))
        except OSError:
            return "451 4.3.0 Could not write the message; try again later"
        return "250 Message accepted for delivery"
