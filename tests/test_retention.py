"""A programme's personal data purged once its retention has run out: by the daily schedule's
workflow, or at once with `tandem programme purge`. Nothing of its people is left in any table,
every text they typed reads `[erased]`, and its report gives the same figures."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import asyncpg
from temporalio.client import (
    ScheduleActionExecutionStartWorkflow,
    ScheduleOverlapPolicy,
    WorkflowExecutionStatus,
)
from temporalio.testing import WorkflowEnvironment

from contracts.programme import ProgrammePhase
from control.participants import SimulatedCohort, run_until
from control.report import programme_report
from devstack.ports import free_port
from devstack.smtp_sink import SmtpSink
from devstack.temporal import start_dev_server, start_time_skipping
from domain.events import EventType, programme_stream
from domain.personal_data import free_texts
from domain.programme import ProgrammeSpec
from domain.sealed_text import ERASED, sealed_in
from runtime.keys import development_keyring
from runtime.retention_schedule import (
    RETENTION_SCHEDULE_ID,
    ScheduleOutcome,
    ensure_retention_schedule,
)
from runtime.workers import build_worker
from store import audit
from store.participants import ParticipantStore
from store.programmes import ProgrammeStore
from store.retention import due_for_purge, ended_at, purge_programme
from tests.lifecycle_helpers import (
    DAY,
    EVERYONE_ANSWERS,
    SkippingClock,
    Stack,
    eventually,
    mail_settings,
    small_cohort,
    tandem_cli,
)
from workflows.retention import RetentionWorkflow


async def _everything(pool: asyncpg.Pool) -> dict[str, str]:
    """Every table of the database as text, by name."""
    tables = await pool.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    return {
        r["table_name"]: "\n".join(
            row["t"] for row in await pool.fetch(f'SELECT t::text AS t FROM "{r["table_name"]}" t')
        )
        for r in tables
    }


async def _ended(stack: Stack, spec: ProgrammeSpec) -> None:
    run = await stack.launch(spec, seed=3)
    cohort = SimulatedCohort(stack.client, stack.pool, spec, 3, EVERYONE_ANSWERS, 86_400)

    async def finished() -> bool:
        return (await run.summary()).phase is ProgrammePhase.COMPLETED

    await run_until(cohort, SkippingClock(stack.env), finished, DAY, max_steps=120)
    await eventually(lambda: ended_at(stack.pool, spec.id), "the programme's end recorded")


async def test_a_programme_is_purged_by_the_retention_workflow_once_its_days_have_passed(
    stack: Stack,
) -> None:
    spec = small_cohort(4, seed=3, sessions=2).model_copy(update={"retention_days": 30})
    await _ended(stack, spec)
    pool = stack.pool
    end = await ended_at(pool, spec.id)
    assert end is not None
    before = await programme_report(pool, spec.id)
    events_before = await stack.runs[0].events()
    sealed = [text for e in events_before for text in sealed_in(e.data)]
    assert sealed, "the cohort typed goals and notes, sealed"
    keyring = development_keyring(pool)
    assert ERASED not in {await keyring.open(text) for text in sealed}
    dump = "\n".join((await _everything(pool)).values())
    assert all(p.email in dump and p.name in dump for p in spec.participants)

    # Due only once the 30 days after its end have passed.
    assert await due_for_purge(pool, end) == []
    assert await due_for_purge(pool, end + timedelta(days=29)) == []
    assert await due_for_purge(pool, end + timedelta(days=31)) == [spec.id]

    # The schedule's workflow, 31 days after the end on the server's clock.
    await stack.sleep(timedelta(days=31) - (await stack.now() - end))
    purged = await stack.client.execute_workflow(
        RetentionWorkflow.run,
        id=f"retention-{uuid.uuid4().hex[:6]}",
        task_queue=stack.task_queue,
    )
    assert purged == [spec.id]

    # Nobody's name or e-mail in any table.
    for table, text in (await _everything(pool)).items():
        for person in spec.participants:
            assert person.email not in text, table
            assert person.name not in text, table
    # Every text they typed reads `[erased]`, sealed or (older events) in plain.
    events_after = await stack.runs[0].events()
    assert [e.type for e in events_after] == [e.type for e in events_before] + [
        EventType.PROGRAMME_PURGED
    ]
    keyring = development_keyring(pool)  # a new one: nothing cached
    opened = [await keyring.open_tree(e.data) for e in events_after]
    assert not [
        text
        for e, data in zip(events_after, opened, strict=True)
        for text in free_texts(e.type, data)
    ]
    # Where the texts were copied as sealed (workflow histories, backups), they read `[erased]`.
    assert {await keyring.open(text) for text in sealed} == {ERASED}
    # The figures stay.
    after = await programme_report(pool, spec.id)
    assert after == before
    recorded = events_after[-1]
    assert recorded.stream_name == programme_stream(spec.id)
    assert recorded.data["participants"] == 4
    assert recorded.data["keys_shredded"] >= 4
    assert recorded.data["tasks_cleared"] > 0
    assert recorded.metadata["by"] == "retention"

    # Once purged it is no longer due, and purging again changes nothing.
    assert await due_for_purge(pool, end + timedelta(days=400)) == []
    purged_once = await _everything(pool)
    again = await purge_programme(pool, spec.id)
    assert again is not None and not again.recorded
    assert set(again.counts().values()) == {0}
    assert await _everything(pool) == purged_once


async def test_purge_at_the_command_line(stack: Stack, database_url: str) -> None:
    unknown = await tandem_cli(database_url, stack, "programme", "purge", "nope-2027", "--yes")
    code, out, err = unknown
    assert code == 1, unknown
    assert err.strip().splitlines() == [
        "refused: no programme nope-2027 in this database: check its id (the one in its "
        "programme file); nothing was changed"
    ]

    # Filed and not ended: refused without --force, nothing erased.
    spec = small_cohort(2)
    await ProgrammeStore(stack.pool).upsert(spec)
    await ParticipantStore(stack.pool).upsert_many(spec.id, spec.participants)
    code, out, err = await tandem_cli(database_url, stack, "programme", "purge", spec.id, "--yes")
    assert code == 1 and "has not ended" in err and "--force" in err
    assert "Traceback" not in err
    assert len(await ParticipantStore(stack.pool).get_many([p.id for p in spec.participants])) == 2

    args = ("programme", "purge", spec.id, "--force", "--yes", "--json")
    code, out, err = await tandem_cli(database_url, stack, *args)
    assert code == 0, err
    done = json.loads(out)
    assert (done["programme_id"], done["participants"], done["recorded"]) == (spec.id, 2, True)
    assert await ParticipantStore(stack.pool).get_many([p.id for p in spec.participants]) == {}
    trail = [(e.action, e.target) for e in await audit.read(stack.pool, spec.id)]
    assert trail == [("purged_programme", None)]
    code, out, err = await tandem_cli(database_url, stack, *args)
    assert code == 0 and json.loads(out)["recorded"] is False

    code, out, err = await tandem_cli(
        database_url, stack, "programme", "purge", spec.id, "--force", "--yes"
    )
    assert code == 0 and "purged before" in out


async def test_the_time_skipping_server_has_no_schedules_and_the_worker_goes_on() -> None:
    env = await start_time_skipping()
    try:
        assert await ensure_retention_schedule(env.client, "q") is ScheduleOutcome.UNAVAILABLE
    finally:
        await env.shutdown()


async def test_the_daily_schedule_starts_the_retention_workflow(
    pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    env: WorkflowEnvironment = await start_dev_server(port=free_port(), ui_port=free_port())
    queue = f"retention-{uuid.uuid4().hex[:8]}"
    try:
        async with build_worker(env.client, pool, mail_settings(smtp_sink), queue):
            assert await ensure_retention_schedule(env.client, queue) is ScheduleOutcome.CREATED
            # Again, as every worker start does: kept, brought up to date.
            assert await ensure_retention_schedule(env.client, queue) is ScheduleOutcome.UPDATED
            handle = env.client.get_schedule_handle(RETENTION_SCHEDULE_ID)
            described = await handle.describe()
            assert [i.every for i in described.schedule.spec.intervals] == [timedelta(days=1)]
            assert described.schedule.policy.overlap is ScheduleOverlapPolicy.SKIP
            await handle.trigger()

            async def ran() -> str | None:
                for done in (await handle.describe()).info.recent_actions:
                    if isinstance(done.action, ScheduleActionExecutionStartWorkflow):
                        return done.action.workflow_id
                return None

            workflow_id = await eventually(ran, "the schedule's first run")
            run = env.client.get_workflow_handle(workflow_id, result_type=list[str])
            assert await run.result() == []
            assert (await run.describe()).status is WorkflowExecutionStatus.COMPLETED
            assert (await run.describe()).workflow_type == "RetentionWorkflow"
    finally:
        await env.shutdown()
