"""Simulated participants acting on their open tasks through the same updates as the web pages."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

import asyncpg
import structlog
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.service import RPCError

from client.updates import execute_update
from credentials.keyring import Keyring
from credentials.sealing import sealed
from domain.answers import ANSWER_MODELS, Acknowledgement
from domain.programme import ProgrammeSpec, Role
from domain.simulation import Decision, Knobs, decide
from runtime.keys import development_keyring
from store.participants import ParticipantStore
from store.tasks import TaskRecord, TaskStore

log = structlog.get_logger(__name__)


class Clock(Protocol):
    async def now(self) -> datetime: ...
    async def advance(self, delta: timedelta) -> None: ...


class WallClock:
    """Real time, for a server that does not skip it (the demo, integration tests)."""

    async def now(self) -> datetime:
        return datetime.now(UTC)

    async def advance(self, delta: timedelta) -> None:
        await asyncio.sleep(delta.total_seconds())


@dataclass
class ActingStats:
    answered: int = 0
    rejected: int = 0
    rejections: list[str] = field(default_factory=list)


@dataclass
class SimulatedCohort:
    client: Client
    pool: asyncpg.Pool
    spec: ProgrammeSpec
    seed: int
    knobs: Knobs
    day_seconds: int
    # People whose tasks are left alone: in the demo, someone clicking the e-mailed links.
    hands_off: frozenset[str] = frozenset()
    # Seals what the simulated people "type", as the web pages do (None: the development key).
    keyring: Keyring | None = None
    stats: ActingStats = field(default_factory=ActingStats)
    _decided: dict[UUID, tuple[datetime, Decision] | None] = field(default_factory=dict)
    _done: set[UUID] = field(default_factory=set)
    _roles: dict[str, Role] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.keyring is None:
            self.keyring = development_keyring(self.pool)

    async def act(self, now: datetime) -> None:
        """Answer every open task whose simulated answer is due by `now`."""
        tasks = await TaskStore(self.pool).list_open(self.spec.id)
        await self._learn_roles({t.participant_id for t in tasks} - self._roles.keys())
        due: list[tuple[TaskRecord, Decision]] = []
        for task in tasks:
            if task.participant_id in self.hands_off:
                continue
            if task.task_id not in self._decided:
                self._decided[task.task_id] = self._decide(task)
            planned = self._decided[task.task_id]
            if planned is not None and planned[0] <= now and task.task_id not in self._done:
                due.append((task, planned[1]))
        limit = asyncio.Semaphore(16)

        async def send(task: TaskRecord, decision: Decision) -> None:
            async with limit:
                await self._send(task, decision)

        await asyncio.gather(*(send(t, d) for t, d in due))

    async def _learn_roles(self, unknown: set[str]) -> None:
        """The roles of people the programme file did not name: late joiners, added while the
        rehearsal runs (`tandem roster add`), are simulated like everyone else."""
        if not self._roles:
            self._roles.update({p.id: p.role for p in self.spec.participants})
            unknown -= self._roles.keys()
        if unknown:
            found = await ParticipantStore(self.pool).get_many(sorted(unknown))
            self._roles.update({i: Role(r.role) for i, r in found.items()})

    def _decide(self, task: TaskRecord) -> tuple[datetime, Decision] | None:
        role = self._roles.get(task.participant_id)
        if role is None:
            return None  # nobody the store knows: nothing to simulate
        decision = decide(
            self.seed,
            self.knobs,
            participant_id=task.participant_id,
            role=role,
            kind=task.kind,
            skills=tuple(s.id for s in self.spec.skills),
            context=task.context,
            today=task.issued_at.date(),
        )
        if decision is None:
            return None
        at = task.issued_at + timedelta(seconds=decision.after_days * self.day_seconds)
        return (min(at, task.due_at - timedelta(seconds=1)), decision)

    async def _send(self, task: TaskRecord, decision: Decision) -> None:
        self._done.add(task.task_id)
        model = ANSWER_MODELS[task.kind]
        payload = model.model_validate(
            {**decision.payload, "task_id": task.task_id, "participant_id": task.participant_id}
        )
        handle = self.client.get_workflow_handle(task.workflow_id)
        payload = await sealed(self.keyring, payload, task.programme_id)
        try:
            await execute_update(
                handle, task.update_name, payload, id=str(task.task_id), result_type=Acknowledgement
            )
            self.stats.answered += 1
        except (WorkflowUpdateFailedError, RPCError) as error:
            # A task can close between reading it and answering (deadline, pair ended): the
            # validator refuses, as it would for a participant clicking a stale link.
            self.stats.rejected += 1
            log.info("simulated answer refused", task=task.kind.value, error=str(error))
            self.stats.rejections.append(
                f"{task.kind.value}: {error.cause or error}"
                if isinstance(error, WorkflowUpdateFailedError)
                else f"{task.kind.value}: {error}"
            )


async def programme_finished(handle: WorkflowHandle[Any, Any]) -> bool:
    """Closed, by any means: completed, failed or terminated (a query would need a live worker)."""
    description = await handle.describe()
    return description.status not in (None, WorkflowExecutionStatus.RUNNING)


class Actor(Protocol):
    async def act(self, now: datetime) -> None: ...


async def run_until(
    cohort: Actor,
    clock: Clock,
    finished: Callable[[], Awaitable[bool]],
    step: timedelta,
    on_step: Callable[[datetime], None] = lambda _: None,
    max_steps: int = 10_000,
) -> None:
    """Act, advance the clock one step, repeat until `finished()`. Bounded, like every wait."""
    for _ in range(max_steps):
        if await finished():
            return
        now = await clock.now()
        await cohort.act(now)
        on_step(now)
        await clock.advance(step)
    raise TimeoutError(f"the programme did not finish within {max_steps} simulation steps")
