"""Roster changes in a rehearsal (`tandem simulate --late-joiners N --withdrawals N`).

Once the first round's pairs run, the late joiners are stored and added, as `tandem roster add`
does; a week later, `withdrawals` participants of running pairs leave, as `tandem roster
withdraw` does. The simulated cohort answers everyone's tasks, the late joiners' included.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import asyncpg
from temporalio.client import Client, WorkflowUpdateFailedError

from client.updates import execute_update
from contracts.ids import programme_workflow_id
from contracts.programme import ProgrammePhase, ProgrammeSummary
from contracts.queries import PROGRAMME_SUMMARY
from contracts.roster import ADD_PARTICIPANTS, WITHDRAW_PARTICIPANT
from control.participants import SimulatedCohort
from credentials.sealing import sealed
from domain.answers import Acknowledgement
from domain.programme import (
    Locale,
    Participant,
    ParticipantRef,
    ProgrammeSpec,
    Role,
    participant_id,
)
from domain.roster import AddParticipants, WithdrawParticipant
from store.participants import ParticipantStore

# Withdrawals come this long after the late joiners: pairs are then past their chemistry meeting.
WITHDRAWALS_AFTER = timedelta(days=7)
_DEPARTMENTS = ("finance", "marketing", "operations", "legal", "it", "sales", "hr")


def late_joiners(spec: ProgrammeSpec, count: int, seed: int) -> tuple[Participant, ...]:
    """`count` people who were not in the programme file: mentees and mentors in turn."""
    rng = random.Random(f"late:{seed}:{spec.id}")
    people = []
    for n in range(count):
        role = Role.MENTEE if n % 2 == 0 else Role.MENTOR
        email = f"late.{role.value}{n:03d}@example.com"
        people.append(
            Participant(
                id=participant_id(spec.id, email),
                email=email,
                name=f"Late {'Mentee' if role is Role.MENTEE else 'Mentor'} {n:03d}",
                role=role,
                department=rng.choice(_DEPARTMENTS),
                grade=rng.randint(6, 9) if role is Role.MENTEE else rng.randint(1, 3),
                locale=Locale.FR,
            )
        )
    return tuple(people)


@dataclass
class RosterScript:
    """Acts before the cohort each simulated day: adds the late joiners, then withdraws."""

    client: Client
    pool: asyncpg.Pool
    spec: ProgrammeSpec  # as launched: without the late joiners
    joiners: tuple[Participant, ...]
    withdrawals: int
    seed: int
    cohort: SimulatedCohort
    added_at: datetime | None = None
    withdrawals_sent: bool = False
    withdrawn: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)

    async def act(self, now: datetime) -> None:
        due = self.added_at is None or (
            self.withdrawals
            and not self.withdrawals_sent
            and now >= self.added_at + WITHDRAWALS_AFTER
        )
        if due:
            summary = await self._summary()
            if summary.phase is ProgrammePhase.RUNNING and summary.pairs_formed:
                if self.added_at is None:
                    await self._add()
                    self.added_at = now
                else:
                    self.withdrawals_sent = True
                    await self._withdraw(summary)
        await self.cohort.act(now)

    async def _summary(self) -> ProgrammeSummary:
        handle = self.client.get_workflow_handle(programme_workflow_id(self.spec.id))
        summary: ProgrammeSummary = await handle.query(
            PROGRAMME_SUMMARY, result_type=ProgrammeSummary
        )
        return summary

    async def _add(self) -> None:
        if not self.joiners:
            return
        await ParticipantStore(self.pool).upsert_many(self.spec.id, self.joiners)
        refs = tuple(
            ParticipantRef(
                id=p.id, role=p.role, locale=p.locale, grade=p.grade, department=p.department
            )
            for p in self.joiners
        )
        command = AddParticipants(command_id=f"sim-add-{uuid.uuid4()}", participants=refs)
        await self._send(ADD_PARTICIPANTS, command)

    async def _withdraw(self, summary: ProgrammeSummary) -> None:
        late = {p.id for p in self.joiners}
        running = sorted(
            {
                person
                for pair in summary.pairs
                if pair.started and pair.outcome is None
                for person in (pair.mentor_id, pair.mentee_id)
                if person not in late
            }
        )
        rng = random.Random(f"withdraw:{self.seed}:{self.spec.id}")
        for person in rng.sample(running, min(self.withdrawals, len(running))):
            command = WithdrawParticipant(
                command_id=f"sim-withdraw-{uuid.uuid4()}",
                participant_id=person,
                reason="left the company",
            )
            if await self._send(WITHDRAW_PARTICIPANT, command):
                self.withdrawn.append(person)
                # Someone who has left answers nothing more.
                self.cohort.hands_off = self.cohort.hands_off | {person}

    async def _send(self, update: str, command: AddParticipants | WithdrawParticipant) -> bool:
        handle = self.client.get_workflow_handle(programme_workflow_id(self.spec.id))
        try:
            await execute_update(
                handle,
                update,
                await sealed(self.cohort.keyring, command, self.spec.id),
                id=command.command_id,
                result_type=Acknowledgement,
            )
        except WorkflowUpdateFailedError as error:
            self.refused.append(f"{update}: {error.cause or error}")
            return False
        return True
