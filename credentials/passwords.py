"""Coordinator passwords: argon2id hashes, checked off the event loop, one at a time.

A password check is deliberately slow (tens of milliseconds, 19 MiB). On the event loop it would
stall every page while someone guesses; on many threads at once, or with several lanes each, it
would take every core. So checks run one lane at a time on one thread of their own, at a lower
scheduling priority than the pages, and past a short queue a check is refused as "busy" rather
than left to pile up: task pages keep answering during an attack.

Hashes made by earlier versions (`scrypt:N:r:p:salt:hash`, still accepted in
TANDEM_COORDINATOR_PASSWORD_HASH) keep verifying.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's argon2id parameters (19 MiB, two passes) on one lane: a check costs one core, never
# all of them. Hashes keep their own parameters, so older or stronger ones still verify.
_HASHER = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
_NICENESS = 10  # below the event loop's threads, so pages are served first
# Checked against when the account does not exist, so its absence takes as long to learn.
_ABSENT = _HASHER.hash("no account has this password")
_MAX_WAITING = 16


class PasswordCheckBusy(Exception):
    """Too many checks are waiting: the caller answers "try again shortly"."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def is_password_hash(value: str) -> bool:
    if value.startswith("$argon2"):
        try:
            _HASHER.check_needs_rehash(value)  # parses the parameters
        except (InvalidHashError, ValueError):
            return False
        return True
    parts = value.split(":")
    return len(parts) == 6 and parts[0] == "scrypt" and all(parts[1:])


def check_password(password: str, stored: str | None) -> bool:
    """Whether `password` matches `stored`, in constant time; None or a malformed hash matches
    nothing but still costs one check."""
    if stored is not None and stored.startswith("scrypt:"):
        return _check_scrypt(password, stored)
    try:
        return _HASHER.verify(stored if stored else _ABSENT, password) and bool(stored)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _check_scrypt(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split(":")
        found = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
        return hmac.compare_digest(found, _unb64(digest))
    except (ValueError, TypeError):
        return False


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PasswordChecker:
    """Runs `check_password` on its own thread, refusing past a bounded queue."""

    def __init__(self, max_waiting: int = _MAX_WAITING) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="password-check", initializer=_yield_to_pages
        )
        self._slots = threading.BoundedSemaphore(max_waiting)

    async def check(self, password: str, stored: str | None) -> bool:
        if not self._slots.acquire(blocking=False):
            raise PasswordCheckBusy
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._executor, check_password, password, stored)
        finally:
            self._slots.release()


def _yield_to_pages() -> None:
    """Lower this thread's priority (Linux schedules threads one by one; elsewhere, a no-op)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICENESS)
