"""Read models from the event log: applied exactly once, rebuildable, true to the programme."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import asyncpg
from temporalio.testing import WorkflowEnvironment

from bench.projections import synthetic_log
from contracts.programme import ProgrammePhase
from control.participants import SimulatedCohort, run_until
from devstack.temporal import skip_time
from domain.simulation import Knobs
from store.events import EventStore
from store.projections import Projector, dump
from tests.lifecycle_helpers import DAY, Stack, eventually, small_cohort


class _ProjectingClock:
    """Lets a day pass, then brings the read models up to date: projections follow the run."""

    def __init__(self, env: WorkflowEnvironment, projector: Projector) -> None:
        self._env = env
        self._projector = projector

    async def now(self) -> datetime:
        return await self._env.get_current_time()

    async def advance(self, delta: timedelta) -> None:
        await skip_time(self._env, delta, deadline=timedelta(minutes=2))
        await self._projector.catch_up()


async def test_incremental_read_models_equal_a_rebuild_and_the_programme_summary(
    stack: Stack,
) -> None:
    spec = small_cohort(12, seed=5, sessions=4)
    run = await stack.launch(spec, seed=5)
    # No-shows, no-gos, late answers and drop-outs: the read models see every kind of event.
    knobs = Knobs(no_show_rate=0.25, no_go_rate=0.2, late_rate=0.2, dropout_rate=0.1)
    cohort = SimulatedCohort(stack.client, stack.pool, spec, 5, knobs, 86_400)
    projector = Projector(stack.pool, batch_size=7)  # small batches: many checkpoints

    async def finished() -> bool:
        return (await run.summary()).phase is ProgrammePhase.COMPLETED

    await run_until(cohort, _ProjectingClock(stack.env, projector), finished, DAY, max_steps=200)
    summary = await run.handle.result()
    await projector.catch_up()
    incremental = await dump(stack.pool)

    await Projector(stack.pool, batch_size=1_000).rebuild()
    assert await dump(stack.pool) == incremental

    (programme,) = [r for r in incremental["rm_programmes"] if r["programme_id"] == spec.id]
    assert programme["phase"] == "completed"
    assert (programme["pairs_formed"], programme["pairs_completed"]) == (
        summary.pairs_formed,
        summary.pairs_completed,
    )
    assert (programme["pairs_dissolved"], programme["pairs_ended_early"]) == (
        summary.pairs_dissolved,
        summary.pairs_ended_early,
    )
    assert programme["unmatched"] == summary.unmatched
    assert programme["enrolled"] == programme["participants"] == len(spec.participants)
    pairs = [r for r in incremental["rm_pairs"] if r["programme_id"] == spec.id]
    assert sum(r["sessions_held"] for r in pairs) == summary.sessions_held
    assert {r["pair_id"]: r["phase"] for r in pairs} == {r.pair_id: r.phase for r in summary.pairs}
    sessions = [s for s in incremental["rm_sessions"] if s["programme_id"] == spec.id]
    assert sum(s["status"] == "held" for s in sessions) == summary.sessions_held
    # Programme time, not the database's: the last session was logged months after launch.
    assert max(s["logged_at"] for s in sessions if s["logged_at"]) > programme["launched_at"]

    # Participants' tasks: the read model agrees, task by task, with the table the links use.
    tasks = {r["task_id"]: r for r in incremental["rm_tasks"] if r["programme_id"] == spec.id}
    issued = await stack.pool.fetch(
        "SELECT task_id::text, participant_id, kind, status FROM tasks WHERE programme_id = $1",
        spec.id,
    )
    assert len(issued) > len(spec.participants)
    assert {r["task_id"]: (r["participant_id"], r["kind"], r["status"]) for r in issued} == {
        t: (r["participant_id"], r["kind"], r["status"]) for t, r in tasks.items()
    }
    assert {r["status"] for r in tasks.values()} >= {"done", "cancelled"}
    # Survey answers: one row per answer event, the scores as answered.
    events = await EventStore(stack.pool).read_programme(spec.id)
    survey_types = ("MidpointSurveyAnswered", "FinalEvaluationSubmitted")
    answers = [e for e in events if e.type in survey_types]
    surveys = [r for r in incremental["rm_surveys"] if r["programme_id"] == spec.id]
    assert len(surveys) == len(answers) > 0
    finals = {e.data["participant_id"]: e.data["nps"] for e in answers if "nps" in e.data}
    assert {r["participant_id"]: r["nps"] for r in surveys if r["survey"] == "final"} == finals


async def test_two_projectors_with_appends_in_between_apply_each_event_once(
    pool: asyncpg.Pool,
) -> None:
    store = EventStore(pool)
    appends = synthetic_log(programmes=3, pairs=12, sessions=4)
    first, rest = appends[: len(appends) // 3], appends[len(appends) // 3 :]
    for append in first:
        await store.append(append)

    async def keep_appending() -> None:
        for append in rest:
            await store.append(append)
            await asyncio.sleep(0)

    async def project(projector: Projector) -> None:
        for _ in range(50):
            await projector.catch_up()
            await asyncio.sleep(0.01)

    await asyncio.gather(
        keep_appending(),
        project(Projector(pool, batch_size=5)),
        project(Projector(pool, batch_size=3)),
    )
    await Projector(pool).catch_up()
    together = await dump(pool)
    total = await store.count()
    # Each programme row counts the events applied to it: a batch applied twice would show.
    assert sum(r["events"] for r in together["rm_programmes"]) == total
    assert await Projector(pool).lag() == (total, total)

    await Projector(pool, batch_size=10_000).rebuild()
    assert await dump(pool) == together


async def test_a_projector_wakes_when_an_event_is_appended(pool: asyncpg.Pool) -> None:
    projector = Projector(pool)
    stop = asyncio.Event()
    # A minute between polls: only the append's notification can wake it in time.
    following = asyncio.ensure_future(projector.run(stop, poll_seconds=60))
    try:
        await asyncio.sleep(0.2)
        await EventStore(pool).append(synthetic_log(programmes=1, pairs=1)[0])

        async def projected() -> bool:
            return bool((await dump(pool))["rm_programmes"])

        await eventually(projected, "the launch projected", within=5)
    finally:
        stop.set()
        await asyncio.wait_for(following, timeout=10)
