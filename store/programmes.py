"""Programmes as the coordinator filed them, minus the participants (they live in participants)."""

from __future__ import annotations

from typing import Any

import asyncpg
from pydantic import BaseModel, ConfigDict

from domain.programme import ProgrammeSpec
from domain.programme_clock import ProgrammeClock
from domain.read_models import programme_clock


class ProgrammeRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    locale: str
    coordinator_email: str | None
    # ProgrammeSpec as json, without `participants` nor `organisation` (people outside the
    # programme): the personal data lives where erasure reaches it.
    spec: dict[str, Any]
    # Its clock, once its launch is projected (domain.programme_clock): the times its pages show.
    clock: ProgrammeClock | None = None


class ProgrammeStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def upsert(self, spec: ProgrammeSpec) -> bool:
        """Insert the programme; True if new. An existing programme is left as it is: the launch
        activity may be retried, and a programme's file is fixed once it has started."""
        row = await self._pool.fetchrow(
            """
            INSERT INTO programmes (id, name, locale, coordinator_email, spec)
            VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (id) DO NOTHING
            RETURNING id
            """,
            spec.id,
            spec.name,
            str(spec.locale),
            spec.coordinator_email,
            spec.model_dump(mode="json", exclude={"participants", "organisation"}),
        )
        return row is not None

    async def get(self, programme_id: str) -> ProgrammeRecord | None:
        row = await self._pool.fetchrow(
            """
            SELECT p.id, p.name, p.locale, p.coordinator_email, p.spec,
                   r.starts_on, r.day_seconds, r.timezone, r.clock_origin
            FROM programmes p LEFT JOIN rm_programmes r ON r.programme_id = p.id
            WHERE p.id = $1
            """,
            programme_id,
        )
        if row is None:
            return None
        found = dict(row)
        return ProgrammeRecord(
            **{k: found[k] for k in ("id", "name", "locale", "coordinator_email", "spec")},
            clock=programme_clock(found),
        )
