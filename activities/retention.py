"""`purge_due_programmes`: purge each programme whose retention has run out."""

from __future__ import annotations

from datetime import datetime

import asyncpg
import structlog
from temporalio import activity

from store.retention import due_for_purge, purge_programme

log = structlog.get_logger(__name__)


class RetentionActivities:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name="purge_due_programmes")
    async def purge_due_programmes(self, now: datetime) -> list[str]:
        """The ids purged. Each programme is its own transaction: a retry after a failure skips
        those already done (they are no longer due)."""
        purged = []
        for programme_id in await due_for_purge(self._pool, now):
            done = await purge_programme(self._pool, programme_id)
            if done is not None:
                log.info("programme purged", programme_id=programme_id, **done.counts())
                purged.append(programme_id)
        return purged
