"""The command line's entries in the audit trail: who ran what, from which system account.

The CLI has no sign-in: whoever runs it holds the database's credentials. The trail names the
operating-system user instead, so an action is still attributable.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime

import asyncpg

from domain.accounts import AuditAction, AuditEntry
from domain.refusals import RefusalParam
from store import audit


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in a bare container
        return "cli:unknown"


async def record_cli(
    pool: asyncpg.Pool,
    action: AuditAction,
    programme_id: str | None,
    target: str | None = None,
    refused: str | None = None,
    params: dict[str, RefusalParam] | None = None,
) -> None:
    entry = AuditEntry.attempt(
        datetime.now(UTC), cli_actor(), action, programme_id, target, refused, params
    )
    await audit.record(pool, entry)
