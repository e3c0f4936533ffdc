"""Coordinator accounts, their programme grants, sessions and failed sign-ins (migration 0007)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from domain.accounts import (
    SESSION_ABSOLUTE,
    SESSION_IDLE,
    WINDOW,
    Account,
    Role,
)

# The programmes an account sees: those granted, and those whose file names it (`coordinators:`).
_PROGRAMMES = """
    SELECT programme_id FROM coordinator_grants WHERE email = $1
    UNION
    SELECT id FROM programmes WHERE coalesce(spec->'coordinators', '[]'::jsonb) ? $1
"""


@dataclass(frozen=True)
class AccountRow:
    email: str
    role: Role
    password_hash: str | None
    bootstrap: bool
    granted: tuple[str, ...]  # by `--programme`; the programme files may name the account too
    last_sign_in: datetime | None


class AccountStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def add(
        self, email: str, role: Role, password_hash: str | None, programmes: Sequence[str] = ()
    ) -> bool:
        """Create the account; False when one with this e-mail exists (nothing changes)."""
        async with self._pool.acquire() as conn, conn.transaction():
            created = await conn.fetchval(
                "INSERT INTO coordinator_accounts (email, role, password_hash) VALUES ($1, $2, $3) "
                "ON CONFLICT (email) DO NOTHING RETURNING true",
                email,
                str(role),
                password_hash,
            )
            if not created:
                return False
            await conn.executemany(
                "INSERT INTO coordinator_grants (email, programme_id) VALUES ($1, $2) "
                "ON CONFLICT DO NOTHING",
                [(email, p) for p in programmes],
            )
        return True

    async def grant(self, email: str, programmes: Sequence[str]) -> None:
        await self._pool.executemany(
            "INSERT INTO coordinator_grants (email, programme_id) VALUES ($1, $2) "
            "ON CONFLICT DO NOTHING",
            [(email, p) for p in programmes],
        )

    async def get(self, email: str) -> AccountRow | None:
        rows = await self._rows("WHERE a.email = $1", email)
        return rows[0] if rows else None

    async def any(self) -> bool:
        return bool(await self._pool.fetchval("SELECT EXISTS (SELECT 1 FROM coordinator_accounts)"))

    async def all(self) -> list[AccountRow]:
        return await self._rows("")

    async def _rows(self, where: str, *args: object) -> list[AccountRow]:
        rows = await self._pool.fetch(
            f"""
            SELECT a.email, a.role, a.password_hash, a.bootstrap, a.last_sign_in,
                   coalesce(array_agg(g.programme_id ORDER BY g.programme_id)
                            FILTER (WHERE g.programme_id IS NOT NULL), '{{}}') AS granted
            FROM coordinator_accounts a
            LEFT JOIN coordinator_grants g ON g.email = a.email
            {where}
            GROUP BY a.email ORDER BY a.email
            """,
            *args,
        )
        return [
            AccountRow(
                email=r["email"],
                role=Role(r["role"]),
                password_hash=r["password_hash"],
                bootstrap=r["bootstrap"],
                granted=tuple(r["granted"]),
                last_sign_in=r["last_sign_in"],
            )
            for r in rows
        ]

    async def password_hash(self, email: str) -> str | None:
        """The hash a sign-in checks against: None for no account, an SSO-only account, or the
        bootstrap admin (whose hash is the setting's, not this row's)."""
        found = await self._pool.fetchval(
            "SELECT password_hash FROM coordinator_accounts WHERE email = $1 AND NOT bootstrap",
            email,
        )
        return str(found) if found is not None else None

    async def account(self, email: str) -> Account | None:
        """The account as the rules see it: its role and every programme it may see."""
        row = await self.get(email)
        if row is None:
            return None
        programmes = await self._pool.fetch(_PROGRAMMES, email)
        return Account(row.email, row.role, frozenset(r[0] for r in programmes))

    async def remove(self, email: str) -> bool:
        """Delete the account, its grants and its sessions; False when there was none."""
        done = await self._pool.fetchval(
            "DELETE FROM coordinator_accounts WHERE email = $1 RETURNING true", email
        )
        return bool(done)

    async def set_password(self, email: str, password_hash: str) -> bool:
        """Change the password and end every session of the account; False when unknown."""
        async with self._pool.acquire() as conn, conn.transaction():
            done = await conn.fetchval(
                "UPDATE coordinator_accounts SET password_hash = $2 WHERE email = $1 "
                "RETURNING true",
                email,
                password_hash,
            )
            await conn.execute("DELETE FROM coordinator_sessions WHERE email = $1", email)
        return bool(done)

    async def ensure_bootstrap(self, email: str, password_hash: str) -> None:
        """The bootstrap admin's row, holding the hash it signs in with now.

        A changed setting ends the sessions opened under the old hash, as a password change does.
        """
        async with self._pool.acquire() as conn, conn.transaction():
            before = await conn.fetchval(
                "SELECT password_hash FROM coordinator_accounts WHERE email = $1 FOR UPDATE", email
            )
            await conn.execute(
                """
                INSERT INTO coordinator_accounts (email, role, password_hash, bootstrap)
                VALUES ($1, 'admin', $2, true)
                ON CONFLICT (email) DO UPDATE
                SET role = 'admin', password_hash = $2, bootstrap = true
                """,
                email,
                password_hash,
            )
            if before is not None and before != password_hash:
                await conn.execute("DELETE FROM coordinator_sessions WHERE email = $1", email)


def _digest(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()


@dataclass(frozen=True)
class SessionRow:
    email: str
    bootstrap: bool
    password_hash: str | None
    created_at: datetime


class SessionStore:
    """Server-side sessions: idle after 30 minutes, over after 8 hours, revocable at any time."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def open(self, session_id: str, email: str, now: datetime) -> None:
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO coordinator_sessions (id_hash, email, created_at, last_seen_at, "
                "expires_at) VALUES ($1, $2, $3, $3, $4)",
                _digest(session_id),
                email,
                now,
                now + SESSION_ABSOLUTE,
            )
            await conn.execute(
                "UPDATE coordinator_accounts SET last_sign_in = $2 WHERE email = $1", email, now
            )
            # Ended sessions serve no purpose once past their absolute end.
            await conn.execute(
                "DELETE FROM coordinator_sessions WHERE email = $1 AND expires_at < $2", email, now
            )

    async def touch(self, session_id: str, now: datetime) -> SessionRow | None:
        """The live session with this id, its idle clock restarted; None if over or revoked."""
        row = await self._pool.fetchrow(
            """
            UPDATE coordinator_sessions s SET last_seen_at = $2
            FROM coordinator_accounts a
            WHERE s.id_hash = $1 AND a.email = s.email AND s.revoked_at IS NULL
              AND s.expires_at > $2 AND s.last_seen_at > $3
            RETURNING s.email, a.bootstrap, a.password_hash, s.created_at
            """,
            _digest(session_id),
            now,
            now - SESSION_IDLE,
        )
        return SessionRow(**dict(row)) if row else None

    async def revoke(self, session_id: str, now: datetime) -> None:
        await self._pool.execute(
            "UPDATE coordinator_sessions SET revoked_at = $2 "
            "WHERE id_hash = $1 AND revoked_at IS NULL",
            _digest(session_id),
            now,
        )

    async def revoke_all(self, email: str) -> None:
        await self._pool.execute("DELETE FROM coordinator_sessions WHERE email = $1", email)

    async def live(self, email: str, now: datetime) -> int:
        return int(
            await self._pool.fetchval(
                "SELECT count(*) FROM coordinator_sessions WHERE email = $1 "
                "AND revoked_at IS NULL AND expires_at > $2 AND last_seen_at > $3",
                email,
                now,
                now - SESSION_IDLE,
            )
        )


@dataclass(frozen=True)
class Attempt:
    """A password check about to run: its rows, already counted, and what each scope held."""

    ids: tuple[int, ...]  # one row per scope, deleted if the password is right
    before: dict[str, list[datetime]]  # each scope's failures in the window, this one excluded


class LoginFailures:
    """Password checks per scope, shared by every web process through the database."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def begin(
        self,
        scopes: Sequence[str],
        now: datetime,
        wait: Callable[[dict[str, list[datetime]]], bool],
    ) -> Attempt | dict[str, list[datetime]]:
        """Count an attempt before its password is checked, or refuse it.

        Under each scope's lock, so that attempts made in parallel see each other: read the
        scopes' failures in the window; when `wait(failures)` says they must wait, return them
        and record nothing; otherwise record the attempt (as a failure until `succeeded`).
        """
        ordered = sorted(set(scopes))
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(scope, 7)) "
                "FROM unnest($1::text[]) AS scope ORDER BY scope",
                ordered,
            )
            rows = await conn.fetch(
                "SELECT scope, failed_at FROM login_failures "
                "WHERE scope = ANY($1::text[]) AND failed_at > $2",
                ordered,
                now - WINDOW,
            )
            found: dict[str, list[datetime]] = {scope: [] for scope in scopes}
            for r in rows:
                found[r["scope"]].append(r["failed_at"])
            if wait(found):
                return found
            ids = await conn.fetch(
                """
                WITH pruned AS (DELETE FROM login_failures WHERE failed_at <= $3)
                INSERT INTO login_failures (scope, failed_at)
                SELECT unnest($1::text[]), $2 RETURNING id
                """,
                ordered,
                now,
                now - WINDOW,
            )
        return Attempt(tuple(r["id"] for r in ids), found)

    async def succeeded(self, attempt: Attempt, account_scope: str | None = None) -> None:
        """The attempt was no failure (the password was right, or it was never checked); with
        `account_scope`, that account starts afresh."""
        await self._pool.execute(
            "DELETE FROM login_failures WHERE id = ANY($1::bigint[]) OR scope = $2",
            list(attempt.ids),
            account_scope,
        )

    async def all_recent(self, now: datetime) -> dict[str, list[datetime]]:
        """Every scope with failures in the window: what the accounts page shows admins."""
        rows = await self._pool.fetch(
            "SELECT scope, failed_at FROM login_failures WHERE failed_at > $1 ORDER BY failed_at",
            now - WINDOW,
        )
        found: dict[str, list[datetime]] = {}
        for r in rows:
            found.setdefault(r["scope"], []).append(r["failed_at"])
        return found
