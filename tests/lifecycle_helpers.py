"""The real stack for lifecycle tests, and a small driver that acts for participants.

Everything is real: Temporal's time-skipping server, the worker from `worker.py`, PostgreSQL and
an SMTP sink. Participants act the way the web page does: they read their open tasks from the task
table and answer with the task's workflow update. Time moves only through `Stack.sleep`, so a test
decides exactly which deadlines pass.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.mailer import MailSettings
from activities.steps import StepActivities
from contracts.ids import assessment_workflow_id, pair_workflow_id
from contracts.pair import PairStatus
from contracts.programme import ProgrammePhase, ProgrammeSummary
from control.launch import launch_programme
from devstack.smtp_sink import ReceivedMail, SmtpSink
from devstack.temporal import skip_time
from domain.answers import ANSWER_MODELS, Acknowledgement, Action
from domain.events import RecordedEvent
from domain.programme import ProgrammeSpec, Role
from domain.simulation import Knobs, decide, synthetic_programme
from domain.tasks import TaskKind
from runtime.workers import build_worker
from store.events import EventStore
from store.tasks import TaskRecord, TaskStore
from workflows.pair import PairWorkflow
from workflows.programme import ProgrammeWorkflow

DAY = timedelta(days=1)
# Everybody answers everything, on time, positively.
EVERYONE_ANSWERS = Knobs(
    silent_rate=0, late_rate=0, no_go_rate=0, no_show_rate=0, dropout_rate=0, concern_rate=0
)
START = date(2027, 1, 11)

TaskFilter = Callable[[TaskRecord], bool]


def _never(_: TaskRecord) -> bool:
    return False


class SkippingClock:
    """The simulated participants' clock: the time-skipping server's, a day at a time."""

    def __init__(self, env: WorkflowEnvironment) -> None:
        self._env = env

    async def now(self) -> datetime:
        return await self._env.get_current_time()

    async def advance(self, delta: timedelta) -> None:
        await skip_time(self._env, delta, deadline=timedelta(minutes=2))


async def eventually(check: Callable[[], Awaitable[Any]], what: str, within: float = 20.0) -> Any:
    """Poll `check()` in real time until it returns something truthy (activities are async)."""
    deadline = time.monotonic() + within
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.05)


def small_cohort(participants: int, *, seed: int = 1, sessions: int = 12) -> ProgrammeSpec:
    """A synthetic cohort (mentees first, then mentors) with its own programme id."""
    spec = synthetic_programme(participants, seed, START)
    return spec.model_copy(update={"id": f"{spec.id}-{uuid.uuid4().hex[:6]}", "sessions": sessions})


@dataclass
class Stack:
    env: WorkflowEnvironment
    pool: asyncpg.Pool
    sink: SmtpSink
    task_queue: str
    runs: list[Run] = field(default_factory=list)

    @property
    def client(self) -> Client:
        return self.env.client

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def sleep(self, delta: timedelta) -> None:
        await skip_time(self.env, delta, deadline=timedelta(minutes=2))

    async def launch(self, spec: ProgrammeSpec, seed: int = 1, day_seconds: int = 86_400) -> Run:
        launch = await launch_programme(self.client, self.pool, spec, self.task_queue, day_seconds)
        assert launch.started
        run = Run(
            self,
            spec,
            seed,
            self.client.get_workflow_handle_for(ProgrammeWorkflow.run, launch.workflow_id),
        )
        self.runs.append(run)
        return run

    def mails(self, template: str | None = None, to: str | None = None) -> list[ReceivedMail]:
        return [
            m
            for m in self.sink.messages
            if (template is None or m.message["X-Tandem-Template"] == template)
            and (to is None or to in m.recipients)
        ]

    async def wait_for_mails(
        self, template: str, to: str | None = None, count: int = 1
    ) -> list[ReceivedMail]:
        """The e-mails of `template` (to `to`) once `count` of them have arrived."""

        async def arrived() -> list[ReceivedMail]:
            found = self.mails(template, to)
            return found if len(found) >= count else []

        found: list[ReceivedMail] = await eventually(arrived, f"{count} {template} e-mail(s)")
        return found

    async def terminate_all(self) -> None:
        """Leave nothing running on the shared server.

        An activity still in flight when its workflow is terminated never completes on the
        time-skipping server, and it keeps the clock locked for every later test: so wait for
        the activities in flight to finish first, then terminate.
        """
        handles = []
        for run in self.runs:
            ids = [pair_workflow_id(run.spec.id, f"{n:04d}") for n in range(1, 10)]
            ids += [assessment_workflow_id(run.spec.id, p.id) for p in run.spec.participants]
            ids.append(run.handle.id)
            handles += [self.client.get_workflow_handle(i) for i in ids]

        async def running() -> list[WorkflowHandle[Any, Any]]:
            found = []
            for handle in handles:
                with suppress(RPCError):  # never started
                    described = await handle.describe()
                    if described.status is WorkflowExecutionStatus.RUNNING:
                        found.append(handle)
            return found

        async def settled() -> bool:
            # A workflow task in flight may be about to schedule an activity (a batch of
            # workflows just started is still sending its first e-mails): wait for those too.
            for handle in await running():
                with suppress(RPCError):
                    raw = (await handle.describe()).raw_description
                    if raw.pending_activities or raw.HasField("pending_workflow_task"):
                        return False
            return True

        await eventually(settled, "activities in flight to finish")
        for handle in await running():
            with suppress(RPCError):
                await handle.terminate("test over")


def mail_settings(sink: SmtpSink) -> MailSettings:
    return MailSettings(
        smtp_url=sink.url,
        mail_from="Tandem <tandem@localhost>",
        public_base_url="http://127.0.0.1:8000",
        secret=b"lifecycle-tests",
    )


@asynccontextmanager
async def running_stack(
    env: WorkflowEnvironment,
    pool: asyncpg.Pool,
    sink: SmtpSink,
    *,
    step_activities: StepActivities | None = None,
) -> AsyncIterator[Stack]:
    """A worker from `worker.build_worker` on its own task queue, for one test."""
    queue = f"lifecycle-{uuid.uuid4().hex[:8]}"
    stack = Stack(env, pool, sink, queue)
    async with build_worker(
        env.client, pool, mail_settings(sink), queue, step_activities=step_activities
    ):
        try:
            yield stack
        finally:
            await stack.terminate_all()


@dataclass
class Run:
    """One launched programme, and the participants acting on its tasks."""

    stack: Stack
    spec: ProgrammeSpec
    seed: int
    handle: WorkflowHandle[ProgrammeWorkflow, ProgrammeSummary]
    knobs: Knobs = field(default_factory=lambda: EVERYONE_ANSWERS)
    answered: set[UUID] = field(default_factory=set)
    refused: list[str] = field(default_factory=list)  # answers a validator turned down

    # ---- who is who ---------------------------------------------------------------------------

    def ids(self, role: Role) -> list[str]:
        return [p.id for p in self.spec.participants if p.role is role]

    def email(self, participant_id: str) -> str:
        return next(p.email for p in self.spec.participants if p.id == participant_id)

    def role(self, participant_id: str) -> Role:
        return next(p.role for p in self.spec.participants if p.id == participant_id)

    # ---- reading what a participant or the coordinator would see --------------------------------

    async def open_tasks(
        self,
        kind: TaskKind | None = None,
        participant_id: str | None = None,
        workflow_id: str | None = None,
    ) -> list[TaskRecord]:
        tasks = await TaskStore(self.stack.pool).list_open(self.spec.id)
        return [
            t
            for t in tasks
            if (kind is None or t.kind is kind)
            and (participant_id is None or t.participant_id == participant_id)
            and (workflow_id is None or t.workflow_id == workflow_id)
        ]

    async def task(
        self, kind: TaskKind, participant_id: str | None = None, workflow_id: str | None = None
    ) -> TaskRecord:
        """The one open task of `kind` (waits for its step to be recorded)."""

        async def one() -> TaskRecord | None:
            found = await self.open_tasks(kind, participant_id, workflow_id)
            return found[0] if len(found) == 1 else None

        found: TaskRecord = await eventually(
            one, f"one open {kind.value} task for {participant_id}"
        )
        return found

    async def tasks_ever(self, kind: TaskKind, workflow_id: str | None = None) -> list[TaskRecord]:
        """Every task of `kind` issued so far, open or closed, oldest first."""
        rows = await self.stack.pool.fetch(
            "SELECT task_id FROM tasks WHERE programme_id = $1 AND kind = $2 "
            "AND ($3::text IS NULL OR workflow_id = $3) ORDER BY issued_at",
            self.spec.id,
            kind.value,
            workflow_id,
        )
        store = TaskStore(self.stack.pool)
        found = [await store.get(r["task_id"]) for r in rows]
        return [t for t in found if t is not None]

    async def summary(self) -> ProgrammeSummary:
        return await self.handle.query(ProgrammeWorkflow.summary)

    def pair_id_for(self, n: int) -> str:
        return pair_workflow_id(self.spec.id, f"{n:04d}")

    def pair(self, n: int) -> WorkflowHandle[PairWorkflow, Any]:
        return self.stack.client.get_workflow_handle_for(PairWorkflow.run, self.pair_id_for(n))

    async def pair_status(self, n: int) -> PairStatus:
        return await self.pair(n).query(PairWorkflow.status)

    async def pair_stream(self, n: int) -> str:
        """The event stream of pair `n`: the one its workflow wrote `PairFormed` to."""
        workflow_id = self.pair_id_for(n)

        async def formed() -> str | None:
            for e in await self.events():
                if e.type == "PairFormed" and e.metadata.get("workflow_id") == workflow_id:
                    return e.stream_name
            return None

        stream: str = await eventually(formed, f"PairFormed of pair {n}")
        return stream

    async def events(self, stream: str | None = None) -> list[RecordedEvent]:
        store = EventStore(self.stack.pool)
        if stream is not None:
            return await store.read_stream(stream)
        return await store.read_all(limit=100_000)

    async def event_types(self, stream: str | None = None) -> list[str]:
        return [e.type for e in await self.events(stream)]

    # ---- acting ----------------------------------------------------------------------------------

    def payload(self, task: TaskRecord, **overrides: Any) -> Action:
        """What this participant answers: the simulated answer, with `overrides` on top."""
        decision = decide(
            self.seed,
            self.knobs,
            participant_id=task.participant_id,
            role=self.role(task.participant_id),
            kind=task.kind,
            skills=tuple(s.id for s in self.spec.skills),
            context=task.context,
            today=task.issued_at.date(),
        )
        base = decision.payload if decision is not None else {}
        fields = {
            **base,
            "task_id": task.task_id,
            "participant_id": task.participant_id,
            **overrides,
        }
        return ANSWER_MODELS[task.kind].model_validate(fields)

    async def send(
        self,
        task: TaskRecord,
        payload: Action,
        *,
        update: str | None = None,
        update_id: str | None = None,
    ) -> Acknowledgement:
        handle = self.stack.client.get_workflow_handle(task.workflow_id)
        self.answered.add(task.task_id)
        ack: Acknowledgement = await handle.execute_update(
            update or task.update_name,
            payload,
            id=update_id or str(task.task_id),
            result_type=Acknowledgement,
        )
        return ack

    async def answer(self, task: TaskRecord, **overrides: Any) -> Acknowledgement:
        return await self.send(task, self.payload(task, **overrides))

    async def answer_open(self, skip: TaskFilter = _never) -> int:
        """Answer every open task a simulated participant would answer, except `skip`ped ones."""
        sent = 0
        for task in await self.open_tasks():
            if task.task_id in self.answered or skip(task):
                continue
            if task.kind in (TaskKind.PAIR_MANAGE, TaskKind.CONCERN):
                continue  # nobody ends a pair or raises a concern unless a test says so
            try:
                await self.answer(task)
            except WorkflowUpdateFailedError as error:
                # A task may close between reading it and answering (a stale link).
                self.refused.append(f"{task.kind.value}: {error.cause}")
                continue
            sent += 1
        return sent

    async def accept_charters(self, pairs: int = 1) -> None:
        """Every participant of the first `pairs` pairs accepts the charter: their chemistry
        meetings open."""

        async def asked() -> list[TaskRecord] | None:
            found = await self.open_tasks(TaskKind.ONBOARDING)
            return found if len({t.workflow_id for t in found}) >= pairs else None

        for task in await eventually(asked, f"onboarding of {pairs} pair(s)"):
            await self.answer(task)

    async def run_days(self, count: int, skip: TaskFilter = _never) -> None:
        for _ in range(count):
            await self.answer_open(skip)
            await self.stack.sleep(DAY)

    async def run_until(
        self,
        done: Callable[[], Awaitable[bool]],
        what: str,
        max_days: int,
        skip: TaskFilter = _never,
    ) -> int:
        """Answer open tasks and let a day pass, until `done()`; returns the days it took."""
        for day in range(max_days + 1):
            # Let the last step settle (a record_step activity may still be running).
            if await done():
                return day
            await self.answer_open(skip)
            if await done():
                return day
            await self.stack.sleep(DAY)
        raise AssertionError(f"{what}: not reached within {max_days} programme days")

    async def until_phase(
        self, phase: ProgrammePhase, max_days: int = 30, skip: TaskFilter = _never
    ) -> int:
        async def reached() -> bool:
            return (await self.summary()).phase is phase

        return await self.run_until(reached, f"programme phase {phase.value}", max_days, skip)

    async def until_pair_phase(
        self, n: int, phase: str, max_days: int = 60, skip: TaskFilter = _never
    ) -> int:
        async def reached() -> bool:
            try:
                return (await self.pair_status(n)).phase.value == phase
            except RPCError:
                return False  # not started yet

        return await self.run_until(reached, f"pair {n} phase {phase}", max_days, skip)


_CHECKOUT = Path(__file__).resolve().parent.parent


async def tandem_cli(database_url: str, stack: Stack, *args: str) -> tuple[int, str, str]:
    """The coordinator's CLI against this test's servers (exit code, stdout, stderr);
    asynchronous, so the worker runs on meanwhile."""
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": stack.client.service_client.config.target_host,
        "DATABASE_URL": database_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "starter",
        *args,
        cwd=_CHECKOUT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


T = TypeVar("T")


async def opened(pool: asyncpg.Pool, tree: T) -> T:
    """What people typed, as a coordinator's page shows it: the sealed texts of `tree` opened."""
    from runtime.keys import development_keyring

    return await development_keyring(pool).open_tree(tree)
