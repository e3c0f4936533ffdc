"""The mailer's memory: which notifications went out, so a retried send never mails twice."""

from __future__ import annotations

from uuid import UUID

import asyncpg


class SentMailLog:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def was_sent(self, notification_id: UUID) -> bool:
        return bool(
            await self._pool.fetchval(
                "SELECT EXISTS (SELECT 1 FROM sent_mail WHERE notification_id = $1)",
                notification_id,
            )
        )

    async def record(
        self,
        notification_id: UUID,
        programme_id: str,
        participant_id: str | None,
        template: str,
        message_id: str,
    ) -> None:
        """Remember a sent notification; recording it again keeps the first record."""
        await self._pool.execute(
            """
            INSERT INTO sent_mail (notification_id, programme_id, participant_id, template,
                                   message_id)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (notification_id) DO NOTHING
            """,
            notification_id,
            programme_id,
            participant_id,
            template,
            message_id,
        )

    async def count(self, programme_id: str | None = None) -> int:
        if programme_id is None:
            n = await self._pool.fetchval("SELECT count(*) FROM sent_mail")
        else:
            n = await self._pool.fetchval(
                "SELECT count(*) FROM sent_mail WHERE programme_id = $1", programme_id
            )
        return int(n)
