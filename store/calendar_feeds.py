"""The sessions each participant's calendar feed shows: the last invitation of each series."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import asyncpg


@dataclass(frozen=True)
class FeedSeries:
    uid: str
    programme_id: str
    partner_id: str | None
    calendar: dict[str, Any]  # the invitation's calendar context (domain.notifications)


class CalendarFeedStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def record(
        self,
        participant_id: str,
        programme_id: str,
        partner_id: str | None,
        calendar: Mapping[str, Any],
    ) -> None:
        """Keep the invitation if it is the series' newest for this participant: a retried or a
        late older one changes nothing."""
        await self._pool.execute(
            """
            INSERT INTO calendar_series (uid, participant_id, programme_id, partner_id, sequence,
                                         calendar)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb)
            ON CONFLICT (uid, participant_id) DO UPDATE
               SET sequence = excluded.sequence, calendar = excluded.calendar,
                   partner_id = excluded.partner_id, updated_at = now()
             WHERE calendar_series.sequence <= excluded.sequence
            """,
            str(calendar["uid"]),
            participant_id,
            programme_id,
            partner_id,
            int(calendar["sequence"]),
            json.dumps(dict(calendar)),
        )

    async def of_participant(self, participant_id: str) -> list[FeedSeries]:
        rows = await self._pool.fetch(
            """
            SELECT uid, programme_id, partner_id, calendar FROM calendar_series
             WHERE participant_id = $1 ORDER BY uid
            """,
            participant_id,
        )
        return [
            FeedSeries(r["uid"], r["programme_id"], r["partner_id"], json.loads(r["calendar"]))
            for r in rows
        ]
