"""An SMTP peer that keeps every message it receives: the embedded stack's mail catcher.

Messages are kept in memory for tests and, when a folder is given, written there as `.eml` files so
another process (the web app's outbox) can list them.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from devstack.extra import EmbeddedMissing
from devstack.ports import free_port

try:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import Envelope, Session
except ModuleNotFoundError:  # the `embedded` extra: `demo`'s, `simulate`'s and the tests' peer
    raise EmbeddedMissing("The embedded SMTP sink") from None


@dataclass
class ReceivedMail:
    envelope_from: str
    recipients: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"] or "")

    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""


@dataclass
class _Handler:
    folder: Path | None
    keep: bool = True
    count: int = 0
    received: list[ReceivedMail] = field(default_factory=list)
    arrived: asyncio.Event | None = None
    peers: set[object] = field(default_factory=set)
    refused: set[str] = field(default_factory=set)  # lower-cased addresses
    refusals: list[str] = field(default_factory=list)  # one per RCPT refused

    async def handle_RCPT(
        self,
        server: Any,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.lower() in self.refused:
            self.refusals.append(address)
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        self.count += 1
        self.peers.add(session.peer)  # one client port per SMTP session
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if self.keep:
            self.received.append(
                ReceivedMail(str(envelope.mail_from), [str(r) for r in envelope.rcpt_tos], message)
            )
        if self.folder is not None:
            name = f"{self.count:07d}.eml"
            (self.folder / name).write_bytes(raw)
        return "250 Message accepted for delivery"


class SmtpSink:
    """`with SmtpSink() as sink:` listens on 127.0.0.1 and a free port (`sink.port`)."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, folder: Path | None = None, keep: bool = True
    ) -> None:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        self._handler = _Handler(folder, keep)
        self._controller = Controller(self._handler, hostname=host, port=port or free_port(host))
        self.host = host

    @property
    def port(self) -> int:
        return int(self._controller.port)

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def messages(self) -> list[ReceivedMail]:
        return list(self._handler.received)

    @property
    def received_count(self) -> int:
        return self._handler.count

    @property
    def sessions(self) -> int:
        """How many SMTP sessions delivered at least one message."""
        return len(self._handler.peers)

    def clear(self) -> None:
        self._handler.received.clear()

    def refuse(self, address: str) -> None:
        """Answer RCPT for `address` with 550, as a server does for a mailbox it does not have."""
        self._handler.refused.add(address.lower())

    @property
    def refusals(self) -> list[str]:
        """The addresses refused, once per RCPT: how many times a sender tried them."""
        return list(self._handler.refusals)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class SmtpSinkProcess:
    """A real SMTP peer in its own process, which accepts and discards every message, or, given a
    `folder`, writes each there as an `.eml` file (devstack/eml_folder.py).

    For load (simulations, benchmarks): the worker's process keeps its CPU for the worker.
    """

    def __init__(self, host: str = "127.0.0.1", folder: Path | None = None) -> None:
        self.host = host
        self.port = free_port(host)
        self.folder = folder
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the SMTP sink is not started")
        return self._process.pid

    def __enter__(self) -> SmtpSinkProcess:
        handler = (
            ["aiosmtpd.handlers.Sink"]
            if self.folder is None
            else ["devstack.eml_folder.EmlFolder", str(self.folder)]
        )
        self._process = subprocess.Popen(
            # The handler's arguments come last: aiosmtpd reads them after every option.
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"{self.host}:{self.port}",
                "-c",
                *handler,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex((self.host, self.port)) == 0:
                    return self
            time.sleep(0.05)
        self.__exit__()
        raise RuntimeError(f"the SMTP sink did not start on {self.host}:{self.port}")

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            self._process.wait(5)
