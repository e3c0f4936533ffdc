"""Pairs brought to their session phase: the real `PairWorkflow`, its participants answering.

Each pair is started as its programme starts it (same input, id and search attributes) but by
this process, without a cohort's self-assessments and matching before it: the mentor and the
mentee say go at the chemistry meeting and the mentee proposes goals, each through the workflow
update their task page sends, on the task the workflow issued. A pair counts as live once the
mentor's goals-confirmation task is in the store: its timeline is then waiting for session 1.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from contracts.ids import pair_workflow_id, programme_workflow_id
from contracts.pair import PairInput, PairPhase
from contracts.search_attributes import PAIR_ID, PHASE, PROGRAMME_ID
from domain.answers import Acknowledgement, ChemistryAnswer, Goal, GoalsProposal
from domain.meeting_rules import common_slots
from domain.programme import ProgrammePlan, ProgrammeSpec, Role
from domain.programme_clock import ProgrammeClock
from domain.tasks import TaskKind
from store.tasks import TaskRecord, TaskStore
from workflows.pair import PairWorkflow

_FIRST_POLL, _LAST_POLL = 0.05, 1.0  # seconds between looks for a task not yet issued
_TASK_WAIT = 600.0  # far beyond any task's issue on a loaded server: a stuck pair fails the run


@dataclass(frozen=True)
class Couple:
    number: int
    mentor_id: str
    mentee_id: str


def couples(spec: ProgrammeSpec) -> list[Couple]:
    """Mentee n with mentor n: every participant in exactly one pair."""
    mentees = [p.id for p in spec.participants if p.role is Role.MENTEE]
    mentors = [p.id for p in spec.participants if p.role is Role.MENTOR]
    return [
        Couple(n, mentor, mentee)
        for n, (mentor, mentee) in enumerate(zip(mentors, mentees, strict=False), start=1)
    ]


class PairDriver:
    """Starts pairs of one programme and answers for their participants."""

    def __init__(
        self, client: Client, tasks: TaskStore, spec: ProgrammeSpec, task_queue: str
    ) -> None:
        self._client = client
        self._tasks = tasks
        self._spec = spec
        self._plan: ProgrammePlan = spec.plan()
        self._queue = task_queue
        # Pairs of a launched programme run on its clock, which begins at its launch.
        self._clock = ProgrammeClock(
            datetime.now(UTC), spec.starts_on, self._plan.meetings.timezone
        )

    def pair_input(self, couple: Couple) -> PairInput:
        plan = self._plan
        return PairInput(
            programme_id=plan.id,
            pair_id=f"p{couple.number:05d}",
            mentor_id=couple.mentor_id,
            mentee_id=couple.mentee_id,
            sessions=plan.sessions,
            cadence_days=plan.cadence_days,
            durations=plan.durations,
            day_seconds=plan.day_seconds,
            skills=tuple(k.id for k in plan.skills),
            programme_workflow_id=programme_workflow_id(plan.id),
            clock=self._clock,
            meetings=plan.meetings,
            common_slots=common_slots(("mon-am", "thu-pm"), ("thu-pm", "fri-am")),
        )

    async def bring_to_sessions(self, couple: Couple) -> TaskRecord:
        """Start the pair and answer until it waits for session 1; the mentor's open task then."""
        inp = self.pair_input(couple)
        handle: WorkflowHandle[PairWorkflow, object] = await self._client.start_workflow(
            PairWorkflow.run,
            inp,
            id=pair_workflow_id(inp.programme_id, inp.pair_id),
            task_queue=self._queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(PROGRAMME_ID, inp.programme_id),
                    SearchAttributePair(PAIR_ID, inp.pair_id),
                    SearchAttributePair(PHASE, PairPhase.CHEMISTRY.value),
                ]
            ),
        )
        chemistry = await asyncio.gather(
            self._issued(inp.mentor_id, TaskKind.CHEMISTRY),
            self._issued(inp.mentee_id, TaskKind.CHEMISTRY),
        )
        await asyncio.gather(
            *(
                self._answer(
                    handle,
                    task,
                    ChemistryAnswer(
                        task_id=task.task_id, participant_id=task.participant_id, go=True
                    ),
                )
                for task in chemistry
            )
        )
        propose = await self._issued(inp.mentee_id, TaskKind.GOALS_PROPOSE)
        today = date.today()
        await self._answer(
            handle,
            propose,
            GoalsProposal(
                task_id=propose.task_id,
                participant_id=propose.participant_id,
                goals=(
                    Goal(
                        objective="Publish a post a week on LinkedIn",
                        kpi="posts published",
                        target_date=today + timedelta(days=120),
                    ),
                ),
            ),
        )
        return await self._issued(inp.mentor_id, TaskKind.GOALS_CONFIRM)

    async def _answer(
        self, handle: WorkflowHandle[PairWorkflow, object], task: TaskRecord, answer: object
    ) -> None:
        await handle.execute_update(
            task.update_name, answer, id=str(task.task_id), result_type=Acknowledgement
        )

    async def _issued(self, participant_id: str, kind: TaskKind) -> TaskRecord:
        pause, deadline = _FIRST_POLL, time.monotonic() + _TASK_WAIT
        while True:
            task = await self._tasks.open_of_kind(participant_id, kind.value)
            if task is not None:
                return task
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {kind.value} task issued to {participant_id}")
            await asyncio.sleep(pause)
            pause = min(pause * 1.6, _LAST_POLL)


@dataclass(frozen=True)
class Started:
    pairs: int
    wall_seconds: float
    confirm_tasks: list[TaskRecord]

    @property
    def per_second(self) -> float:
        return self.pairs / self.wall_seconds


async def start_pairs(
    driver: PairDriver, batch: Sequence[Couple], in_flight: int, progress: object = None
) -> Started:
    """Bring `batch` to the session phase, `in_flight` pairs at a time."""
    limit = asyncio.Semaphore(in_flight)
    done: list[TaskRecord] = []
    began = time.perf_counter()

    async def one(couple: Couple) -> None:
        async with limit:
            done.append(await driver.bring_to_sessions(couple))
            if callable(progress):
                progress()

    await asyncio.gather(*(one(c) for c in batch))
    return Started(len(batch), time.perf_counter() - began, done)
