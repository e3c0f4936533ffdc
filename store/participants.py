"""Participants and their personal data.

This table is the ONLY place names and e-mails are stored: events and workflow histories carry
opaque participant ids, so erasing a person is deleting (or anonymising) their rows here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import asyncpg
from pydantic import BaseModel, ConfigDict

from domain.programme import Participant


class ParticipantRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    programme_id: str
    email: str
    name: str
    role: str
    locale: str
    department: str | None
    manager_email: str | None
    grade: int | None
    # Raised by every address correction; a task link signed under an older one no longer opens.
    link_generation: int = 0
    withdrawn_at: datetime | None = None


_COLUMNS = (
    "id, programme_id, email, name, role, locale, department, manager_email, grade,"
    " link_generation, withdrawn_at"
)


class EmailTaken(Exception):
    """Another participant of the same programme already has this address."""

    def __init__(self, participant_id: str, email: str) -> None:
        super().__init__(f"{email!r} is already the address of another participant")
        self.participant_id = participant_id
        self.email = email


class ParticipantStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def upsert_many(self, programme_id: str, participants: Sequence[Participant]) -> int:
        """Insert or update `participants` of one programme; returns the rows written.

        One statement over arrays, so 5,000 rows are one round trip. A repeated id keeps its last
        occurrence (ON CONFLICT DO UPDATE refuses to touch a row twice in one statement).
        """
        by_id = {p.id: p for p in participants}
        if not by_id:
            return 0
        rows = list(by_id.values())
        status = await self._pool.execute(
            """
            INSERT INTO participants
                (id, programme_id, email, name, role, locale, department, manager_email, grade)
            SELECT t.id, $1, t.email, t.name, t.role, t.locale, t.department, t.manager_email,
                   t.grade
            FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                        $8::text[], $9::int[])
                 AS t(id, email, name, role, locale, department, manager_email, grade)
            ON CONFLICT (id) DO UPDATE SET
                programme_id = excluded.programme_id,
                email = excluded.email,
                name = excluded.name,
                role = excluded.role,
                locale = excluded.locale,
                department = excluded.department,
                manager_email = excluded.manager_email,
                grade = excluded.grade,
                updated_at = now()
            """,
            programme_id,
            [p.id for p in rows],
            [p.email for p in rows],
            [p.name for p in rows],
            [str(p.role) for p in rows],
            [str(p.locale) for p in rows],
            [p.department for p in rows],
            [p.manager_email for p in rows],
            [p.grade for p in rows],
        )
        return int(status.split()[-1])  # "INSERT 0 <n>"

    async def get(self, participant_id: str) -> ParticipantRecord | None:
        row = await self._pool.fetchrow(
            f"SELECT {_COLUMNS} FROM participants WHERE id = $1", participant_id
        )
        return ParticipantRecord(**dict(row)) if row else None

    async def get_many(self, ids: Sequence[str]) -> dict[str, ParticipantRecord]:
        """The participants among `ids` that exist, by id."""
        if not ids:
            return {}
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM participants WHERE id = ANY($1::text[])", list(ids)
        )
        return {r["id"]: ParticipantRecord(**dict(r)) for r in rows}

    async def list_for_programme(self, programme_id: str) -> list[ParticipantRecord]:
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM participants WHERE programme_id = $1 ORDER BY name, id",
            programme_id,
        )
        return [ParticipantRecord(**dict(r)) for r in rows]

    async def change_email(self, participant_id: str, new_email: str) -> ParticipantRecord | None:
        """The participant with `new_email` and a new link generation; None if there is no such
        participant; `EmailTaken` if someone else in their programme has that address already.

        Addresses compare without regard to case, as everywhere else. An address that is already
        theirs changes nothing, so that a correction repeated (a retry) does not retire the links
        mailed after the first one.
        """
        new_email = new_email.strip()
        async with self._pool.acquire() as conn, conn.transaction():
            current = await conn.fetchrow(
                "SELECT programme_id, email FROM participants WHERE id = $1 FOR UPDATE",
                participant_id,
            )
            if current is None:
                return None
            if current["email"] == new_email:
                row = await conn.fetchrow(
                    f"SELECT {_COLUMNS} FROM participants WHERE id = $1", participant_id
                )
                return ParticipantRecord(**dict(row))
            # Two corrections in one programme at once must not both take the same address.
            await conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended('participant-email:' || $1, 0))",
                current["programme_id"],
            )
            taken = await conn.fetchval(
                "SELECT id FROM participants"
                " WHERE programme_id = $1 AND lower(email) = lower($2) AND id <> $3 LIMIT 1",
                current["programme_id"],
                new_email,
                participant_id,
            )
            if taken is not None:
                raise EmailTaken(str(taken), new_email)
            row = await conn.fetchrow(
                f"""
                UPDATE participants
                SET email = $2, link_generation = link_generation + 1, updated_at = now()
                WHERE id = $1
                RETURNING {_COLUMNS}
                """,
                participant_id,
                new_email,
            )
        return ParticipantRecord(**dict(row))

    async def mark_withdrawn(self, participant_id: str, at: datetime) -> None:
        """Record that the participant left the programme at `at`; the first time is kept."""
        await self._pool.execute(
            """
            UPDATE participants
            SET withdrawn_at = $2, updated_at = now()
            WHERE id = $1 AND withdrawn_at IS NULL
            """,
            participant_id,
            at,
        )

    async def remove_new(self, programme_id: str, ids: Sequence[str]) -> int:
        """Remove rows just stored for people the programme then refused to enrol.

        Only rows of `programme_id` nothing refers to yet: no task, event or e-mail names an id
        its workflow never took.
        """
        if not ids:
            return 0
        status = await self._pool.execute(
            "DELETE FROM participants WHERE programme_id = $1 AND id = ANY($2::text[])",
            programme_id,
            list(ids),
        )
        return int(status.split()[-1])  # "DELETE <n>"
