"""Signing coordinators in and out: named accounts, throttled guessing, server-side sessions.

The cookie holds only a random session id; the database holds its hash, the account, and the
session's clocks (idle after 30 minutes, over after 8 hours), so a sign-out, a password change or a
removed account ends a session on every web process at once. Failed sign-ins are counted per
account and per client address in the database too (domain/accounts.py says how long each waits).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import asyncpg
import structlog

from credentials.passwords import PasswordCheckBusy, PasswordChecker
from domain.accounts import (
    BOOTSTRAP_ACCOUNT,
    Account,
    AuditAction,
    AuditEntry,
    AuditOutcome,
    account_scope,
    address_scope,
    is_lockout,
    normalise_email,
    retry_after,
    whole_seconds,
)
from store import audit
from store.accounts import AccountStore, Attempt, LoginFailures, SessionStore

log = structlog.get_logger("web")

COOKIE_NAME = "tandem_coordinator"
ANONYMOUS = "anonymous"  # the audit trail's actor for what nobody signed in did
REFUSAL_DELAY_SECONDS = 1.0
_MAX_FIELD_CHARS = 1024  # nothing legitimate is longer; argon2 cost must not grow with input


class SignInProblem(StrEnum):
    WRONG = "wrong"  # unknown account or wrong password: the two are never told apart
    THROTTLED = "throttled"  # too many failures: wait `retry_after` seconds
    BUSY = "busy"  # too many password checks waiting
    PASSWORD_OFF = "password_off"  # this deployment signs in by single sign-on only


@dataclass(frozen=True)
class SignedIn:
    session_id: str
    email: str


@dataclass(frozen=True)
class SignInRefused:
    problem: SignInProblem
    retry_after: int | None = None


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


class CoordinatorAuth:
    def __init__(
        self,
        pool: asyncpg.Pool,
        now: Callable[[], datetime],
        *,
        bootstrap_hash: str | None = None,
        password_login: bool = True,
        checker: PasswordChecker | None = None,
        refusal_delay: float = REFUSAL_DELAY_SECONDS,
    ) -> None:
        self._pool = pool
        self._refusal_delay = refusal_delay
        self._now = now
        self._bootstrap_hash = bootstrap_hash
        self.password_login = password_login
        self._checker = checker or PasswordChecker()
        self.accounts = AccountStore(pool)
        self._sessions = SessionStore(pool)
        self._failures = LoginFailures(pool)

    async def sign_in(self, email: str, password: str, address: str) -> SignedIn | SignInRefused:
        if not self.password_login:
            return SignInRefused(SignInProblem.PASSWORD_OFF)
        email = normalise_email(email)[:_MAX_FIELD_CHARS]
        scopes = [account_scope(email), address_scope(address)]
        now = self._now()

        def must_wait(failures: dict[str, list[datetime]]) -> bool:
            return any(retry_after(failures[s], now) is not None for s in scopes)

        # Counted before the check, under the scopes' locks: attempts made at once see each
        # other, so a burst in parallel meets the same backoff and lockout as one in a row.
        attempt = await self._failures.begin(scopes, now, must_wait)
        if not isinstance(attempt, Attempt):
            # Refused unchecked, the right password too: guessing gains nothing by hurrying.
            waits = [w for w in (retry_after(attempt[s], now) for s in scopes) if w is not None]
            return SignInRefused(SignInProblem.THROTTLED, whole_seconds(max(waits)))

        stored = await self._stored_hash(email)
        try:
            matches = await self._checker.check(password, stored)
        except PasswordCheckBusy:
            await self._failures.succeeded(attempt)  # not checked: not a failure either
            return SignInRefused(SignInProblem.BUSY, 5)
        if not matches:
            await self._locked_out(email, address, attempt, now)
            # A wrong password is answered after a pause that costs the server nothing (no
            # thread, no query): a guesser waiting for each answer guesses a few times a second,
            # not as fast as the checks run, and the pages keep the CPU.
            await asyncio.sleep(self._refusal_delay)
            return SignInRefused(SignInProblem.WRONG)

        await self._failures.succeeded(attempt, account_scope(email))
        if email == BOOTSTRAP_ACCOUNT and stored is not None:
            await self.accounts.ensure_bootstrap(email, stored)
        session_id = await self.open_session(email)
        return SignedIn(session_id, email)

    async def open_session(self, email: str) -> str:
        """A new session for an existing account (after a password or a single sign-on)."""
        session_id = new_session_id()
        now = self._now()
        await self._sessions.open(session_id, email, now)
        await audit.record(self._pool, AuditEntry(now, email, AuditAction.SIGNED_IN))
        log.info("coordinator.signed_in", account=email)
        return session_id

    async def current(self, session_id: str | None) -> Account | None:
        """The signed-in account behind a session cookie, or None."""
        if not session_id or len(session_id) > 128:
            return None
        row = await self._sessions.touch(session_id, self._now())
        if row is None:
            return None
        if row.bootstrap and (
            self._bootstrap_hash is None or row.password_hash != self._bootstrap_hash
        ):
            return None  # the setting was removed or changed since this session began
        return await self.accounts.account(row.email)

    async def sign_out(self, session_id: str | None, account: Account | None) -> None:
        if session_id:
            await self._sessions.revoke(session_id, self._now())
        if account is not None:
            await audit.record(
                self._pool, AuditEntry(self._now(), account.email, AuditAction.SIGNED_OUT)
            )

    async def _stored_hash(self, email: str) -> str | None:
        if email == BOOTSTRAP_ACCOUNT:
            return self._bootstrap_hash
        return await self.accounts.password_hash(email)

    async def _locked_out(self, email: str, address: str, attempt: Attempt, now: datetime) -> None:
        """Log and audit the failure that locks a scope: the one that made it ten in the window.

        The actor is nobody: whoever typed the address is not known to be its owner.
        """
        for scope, before in attempt.before.items():
            if is_lockout([*before, now], now) and not is_lockout(before, now):
                kind = scope.split(":", 1)[0]
                log.warning("coordinator.sign_in_locked", scope=kind)
                known = kind == "account" and await self.accounts.get(email) is not None
                target = (email if known else None) if kind == "account" else address
                entry = AuditEntry(
                    now,
                    ANONYMOUS,
                    AuditAction.SIGN_IN_LOCKED,
                    AuditOutcome.REFUSED,
                    target=target,
                    detail=kind,
                )
                await audit.record(self._pool, entry)
