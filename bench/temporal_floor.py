"""A pair's lifecycle against the bare-Temporal floor, on one time-skipping server.

The real `PairWorkflow` (12 fortnightly sessions, its rules, its journal, its sandbox) runs with
its activities replaced by empty ones: `record_step` only hands the tasks it opens to the
simulated participants, `plan_sessions` makes the plan from no self-assessment. Against it runs
`Floor`, a workflow with empty bodies and the same number of timers, updates (with a validator),
local activities, search-attribute upserts and external signals, counted from the pair's own
history, over the same programme days. The participants act on the same days in both: each day
every open task is answered, then a day of server time passes.

What the pair costs above the floor is what the lifecycle adds to Temporal itself: its rules, its
payloads (events, tasks and e-mails journalled in each step) and their conversion.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from temporalio import activity, workflow
from temporalio.api.enums.v1 import EventType as HistoryEvent
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

# The sandbox re-imports this module for each Floor run: what it imports besides passes through.
with workflow.unsafe.imports_passed_through():
    from bench.processes import newest_named, usage
    from contracts.ids import pair_workflow_id
    from contracts.pair import PairInput, PairOutcome, PairPhase, SessionPlanRequest
    from contracts.search_attributes import PAIR_ID, PHASE, PROGRAMME_ID
    from devstack.temporal import skip_time, start_time_skipping
    from domain.answers import ANSWER_MODELS, Acknowledgement
    from domain.meeting_rules import common_slots
    from domain.programme import Role
    from domain.programme_clock import ProgrammeClock
    from domain.session_plan import SessionPlan, make_plan
    from domain.simulation import Knobs, decide, synthetic_programme
    from domain.steps import StepInput, StepResult
    from domain.tasks import TaskKind, TaskSpec
    from runtime.sandbox import workflow_runner
    from workflows.pair import PairWorkflow
    from workflows.retries import LOCAL_STEP_RETRY
    from workflows.shared import PLAN_SESSIONS, RECORD_STEP, STEP_TIMEOUT

QUEUE = "floor"
SESSIONS = 12
DAY = timedelta(days=1)
MAX_DAYS = 400  # a 12-session pair ends in about 200 programme days
NOOP = "noop"
# Everybody answers everything, on time, positively: every pair runs its whole course.
EVERYONE = Knobs(
    silent_rate=0, late_rate=0, no_go_rate=0, no_show_rate=0, dropout_rate=0, concern_rate=0
)
# Nobody ends a pair or raises a concern.
_NOT_ANSWERED = frozenset({TaskKind.PAIR_MANAGE, TaskKind.CONCERN})
# What the floor must match, read from a pair's history.
_COUNTED = {
    HistoryEvent.EVENT_TYPE_TIMER_STARTED: "timers",
    HistoryEvent.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED: "updates",
    HistoryEvent.EVENT_TYPE_MARKER_RECORDED: "local_activities",
    HistoryEvent.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED: "activities",
    HistoryEvent.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: "upserts",
    HistoryEvent.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: "signals",
    HistoryEvent.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: "workflow_tasks",
}


# ---- the empty activities ----


class Inbox:
    """The empty activities' only memory: the tasks the pairs opened, for the participants."""

    def __init__(self) -> None:
        self.open: dict[UUID, TaskSpec] = {}

    @activity.defn(name=RECORD_STEP)
    async def record_step(self, step: StepInput) -> StepResult:
        for task in step.open_tasks:
            self.open[task.task_id] = task
        for closed in step.close_tasks:
            self.open.pop(closed.task_id, None)
        return StepResult()

    @activity.defn(name=PLAN_SESSIONS)
    async def plan_sessions(self, request: SessionPlanRequest) -> SessionPlan:
        return make_plan(request.sessions, request.skills, {}, {})


@activity.defn(name=NOOP)
async def noop() -> None:
    return None


# ---- the floor and the programme both signal ----


@dataclass(frozen=True)
class FloorPlan:
    timers: int
    timer_seconds: float
    updates: int
    local_activities: int
    upserts: int
    signals: int
    programme_workflow_id: str


def spread(total: int, over: int) -> list[int]:
    """`total` split as evenly as can be over `over` slots, the larger shares first."""
    share, extra = divmod(total, max(over, 1))
    return [share + (1 if i < extra else 0) for i in range(max(over, 1))]


@workflow.defn(name="Floor")
class Floor:
    """Timers, updates, local activities, upserts and a signal, with nothing in between."""

    def __init__(self) -> None:
        self._received = 0

    @workflow.run
    async def run(self, plan: FloorPlan) -> int:
        local = spread(plan.local_activities, plan.timers)
        upserts = spread(plan.upserts, plan.timers)
        for i in range(plan.timers):
            for _ in range(local[i]):
                await workflow.execute_local_activity(
                    NOOP, start_to_close_timeout=STEP_TIMEOUT, retry_policy=LOCAL_STEP_RETRY
                )
            for _ in range(upserts[i]):
                workflow.upsert_search_attributes([PHASE.value_set(PairPhase.SESSIONS.value)])
            await workflow.sleep(timedelta(seconds=plan.timer_seconds))
        # The last timer ends on the pair's last day, after its last answers: no timer is needed
        # here (it would be one more than the pair's), and the driver gives up after MAX_DAYS.
        await workflow.wait_condition(lambda: self._received >= plan.updates)
        programme = workflow.get_external_workflow_handle(plan.programme_workflow_id)
        for _ in range(plan.signals):
            await programme.signal("pair_ended", None)
        return self._received

    @workflow.update(name="answer")
    def answer(self, number: int) -> int:
        self._received += 1
        return self._received

    @answer.validator
    def _check(self, number: int) -> None:
        if number < 0:
            raise ValueError("no such task")


@workflow.defn(name="ProgrammeStandIn", sandboxed=False)
class ProgrammeStandIn:
    """What the pairs (and the floors) tell when they end, as their programme would hear it."""

    def __init__(self) -> None:
        self._ended = 0

    @workflow.run
    async def run(self, expected: int) -> int:
        await workflow.wait_condition(lambda: self._ended >= expected, timeout=timedelta(days=800))
        return self._ended

    @workflow.signal(name="pair_ended")
    def pair_ended(self, outcome: PairOutcome | None) -> None:
        self._ended += 1

    @workflow.query(name="ended")
    def ended(self) -> int:
        return self._ended


# ---- driving a batch ----


@dataclass
class Batch:
    """One batch of pairs or floors driven to their end."""

    kind: str
    wall_seconds: float
    days: int
    updates: int
    refused: int
    worker_cpu_seconds: float  # this process: the worker and the participants' driver
    server_cpu_seconds: float
    counts: dict[str, float] = field(default_factory=dict)  # per workflow, from its history
    update_days: list[list[int]] = field(default_factory=list)


async def _history_counts(client: Client, workflow_ids: list[str]) -> dict[str, float]:
    total: dict[str, float] = defaultdict(float)
    for wid in workflow_ids:
        history = await client.get_workflow_handle(wid).fetch_history()
        total["events"] += len(history.events)
        total["history_kib"] += sum(e.ByteSize() for e in history.events) / 1024
        for event in history.events:
            name = _COUNTED.get(event.event_type)
            if name is not None:
                total[name] += 1
    return {k: round(v / len(workflow_ids), 1) for k, v in sorted(total.items())}


class Sitting:
    """One server and one worker for every batch of the comparison."""

    def __init__(self, env: WorkflowEnvironment, inbox: Inbox, server_pid: int) -> None:
        self.env = env
        self.inbox = inbox
        self.server_pid = server_pid
        self._batch = 0

    @property
    def client(self) -> Client:
        return self.env.client

    async def _stand_in(self, expected: int) -> WorkflowHandle[Any, Any]:
        return await self.client.start_workflow(
            ProgrammeStandIn.run,
            expected,
            id=f"programme-{self._batch}",
            task_queue=QUEUE,
        )

    async def _run_days(
        self,
        stand_in: WorkflowHandle[Any, Any],
        expected: int,
        act: Any,
    ) -> tuple[int, int, int]:
        """Each day `act(day)` answers what is open, then a day passes; until all have ended."""
        updates = refused = 0
        for day in range(MAX_DAYS):
            sent, failed = await act(day)
            updates, refused = updates + sent, refused + failed
            if await stand_in.query(ProgrammeStandIn.ended) >= expected:
                return day, updates, refused
            await skip_time(self.env, DAY, deadline=timedelta(minutes=2))
        raise RuntimeError(f"the batch did not end within {MAX_DAYS} programme days")

    def _measure(self) -> tuple[float, float, float]:
        return time.perf_counter(), time.process_time(), usage([self.server_pid]).cpu_seconds

    def _batch_of(
        self, kind: str, began: tuple[float, float, float], days: int, updates: int, refused: int
    ) -> Batch:
        wall, cpu, server = self._measure()
        return Batch(
            kind=kind,
            wall_seconds=round(wall - began[0], 2),
            days=days,
            updates=updates,
            refused=refused,
            worker_cpu_seconds=round(cpu - began[1], 2),
            server_cpu_seconds=round(server - began[2], 2),
        )

    async def pairs(self, count: int) -> Batch:
        self._batch += 1
        spec = synthetic_programme(2 * count, self._batch, date(2027, 1, 11))
        plan = spec.plan()
        roles = {p.id: p.role for p in spec.participants}
        mentors = [p.id for p in spec.participants if p.role is Role.MENTOR]
        mentees = [p.id for p in spec.participants if p.role is Role.MENTEE]
        stand_in_id = f"programme-{self._batch}"
        clock = ProgrammeClock(
            await self.env.get_current_time(), spec.starts_on, plan.meetings.timezone
        )
        began = self._measure()
        stand_in = await self._stand_in(count)
        handles = []
        for n, (mentor, mentee) in enumerate(zip(mentors, mentees, strict=False)):
            inp = PairInput(
                programme_id=plan.id,
                pair_id=f"b{self._batch}p{n}",
                mentor_id=mentor,
                mentee_id=mentee,
                sessions=SESSIONS,
                cadence_days=plan.cadence_days,
                durations=plan.durations,
                day_seconds=plan.day_seconds,
                skills=tuple(k.id for k in plan.skills),
                programme_workflow_id=stand_in_id,
                clock=clock,
                meetings=plan.meetings,
                common_slots=common_slots(("mon-am", "thu-pm"), ("thu-pm", "fri-am")),
            )
            handles.append(
                await self.client.start_workflow(
                    PairWorkflow.run,
                    inp,
                    id=pair_workflow_id(inp.programme_id, inp.pair_id),
                    task_queue=QUEUE,
                    search_attributes=TypedSearchAttributes(
                        [
                            SearchAttributePair(PROGRAMME_ID, inp.programme_id),
                            SearchAttributePair(PAIR_ID, inp.pair_id),
                            SearchAttributePair(PHASE, PairPhase.CHEMISTRY.value),
                        ]
                    ),
                )
            )
        index = {h.id: i for i, h in enumerate(handles)}
        update_days: list[list[int]] = [[] for _ in handles]
        answered: set[UUID] = set()
        skills = tuple(s.id for s in spec.skills)

        async def answer(task: TaskSpec, day: int) -> bool:
            decision = decide(
                self._batch,
                EVERYONE,
                participant_id=task.participant_id,
                role=roles[task.participant_id],
                kind=task.kind,
                skills=skills,
                context=task.context,
                today=task.issued_at.date() if task.issued_at else spec.starts_on,
            )
            if decision is None:
                return False
            payload = ANSWER_MODELS[task.kind].model_validate(
                {
                    **decision.payload,
                    "task_id": task.task_id,
                    "participant_id": task.participant_id,
                }
            )
            try:
                await self.client.get_workflow_handle(task.workflow_id).execute_update(
                    task.update_name, payload, id=str(task.task_id), result_type=Acknowledgement
                )
            except WorkflowUpdateFailedError:
                return False
            update_days[index[task.workflow_id]].append(day)
            return True

        async def act(day: int) -> tuple[int, int]:
            due = [
                t
                for t in list(self.inbox.open.values())
                if t.task_id not in answered
                and t.kind not in _NOT_ANSWERED
                and t.workflow_id in index
            ]
            answered.update(t.task_id for t in due)
            done = await asyncio.gather(*(answer(t, day) for t in due))
            return sum(done), len(done) - sum(done)

        days, updates, refused = await self._run_days(stand_in, count, act)
        batch = self._batch_of("pair", began, days, updates, refused)
        batch.counts = await _history_counts(self.client, [h.id for h in handles])
        batch.update_days = update_days
        return batch

    async def floors(self, like: Batch) -> Batch:
        """As many floors as `like` had pairs, each with its pair's counts and answer days."""
        self._batch += 1
        count = len(like.update_days)
        counts = like.counts
        stand_in_id = f"programme-{self._batch}"
        plan = FloorPlan(
            timers=round(counts.get("timers", 0)),
            timer_seconds=(like.days * DAY.total_seconds()) / max(round(counts["timers"]), 1),
            updates=0,
            local_activities=round(counts.get("local_activities", 0)),
            upserts=round(counts.get("upserts", 0)),
            signals=round(counts.get("signals", 0)),
            programme_workflow_id=stand_in_id,
        )
        began = self._measure()
        stand_in = await self._stand_in(count)
        handles = []
        for n, answered_on in enumerate(like.update_days):
            handles.append(
                await self.client.start_workflow(
                    Floor.run,
                    dataclasses.replace(plan, updates=len(answered_on)),
                    id=f"floor-{self._batch}-{n}",
                    task_queue=QUEUE,
                )
            )

        async def act(day: int) -> tuple[int, int]:
            sends = [
                handles[n].execute_update(Floor.answer, k)
                for n, answered_on in enumerate(like.update_days)
                for k, d in enumerate(answered_on)
                if d == day
            ]
            await asyncio.gather(*sends)
            return len(sends), 0

        days, updates, refused = await self._run_days(stand_in, count, act)
        batch = self._batch_of("floor", began, days, updates, refused)
        batch.counts = await _history_counts(self.client, [h.id for h in handles])
        return batch


@dataclass
class Comparison:
    model: Batch  # the pairs the floors were modelled on (and the worker warmed up with)
    pairs: list[Batch]
    floors: list[Batch]

    @property
    def tandem_s(self) -> float:
        return round(sum(b.wall_seconds for b in self.pairs) / len(self.pairs), 2)

    @property
    def floor_s(self) -> float:
        return round(sum(b.wall_seconds for b in self.floors) / len(self.floors), 2)


async def compare(pairs_per_batch: int, rounds: int) -> Comparison:
    """`rounds` batches of pairs and as many of floors, alternated ABBA, on one server."""
    env = await start_time_skipping()
    inbox = Inbox()
    try:
        sitting = Sitting(env, inbox, newest_named("temporal-test"))
        worker = Worker(
            env.client,
            task_queue=QUEUE,
            workflows=[PairWorkflow, Floor, ProgrammeStandIn],
            activities=[inbox.record_step, inbox.plan_sessions, noop],
            workflow_runner=workflow_runner(),
            max_concurrent_workflow_tasks=20,
        )
        async with worker:
            # The first pair batch gives the floor its counts; it warms the worker up too and is
            # not counted.
            model = await sitting.pairs(pairs_per_batch)
            pairs: list[Batch] = []
            floors: list[Batch] = []
            for n in range(rounds):
                order = ("pair", "floor") if n % 2 == 0 else ("floor", "pair")
                for kind in order:
                    if kind == "pair":
                        pairs.append(await sitting.pairs(pairs_per_batch))
                    else:
                        floors.append(await sitting.floors(model))
            return Comparison(model, pairs, floors)
    finally:
        await env.shutdown()
