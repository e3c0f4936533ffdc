"""Two workers share one task queue, and stopping one in the middle of a programme loses nothing.

The server is Temporal's dev server (a real one: the time-skipping test server keeps sending a
stopped worker's workflows to its sticky queue and never falls back). The workers are real
`python -m worker` processes, as `docker compose up --scale worker=2` runs them; this process runs
no worker. One is stopped with SIGTERM, as `docker stop` does, while pairs hold their sessions.
Programme days last one second.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from contracts.ids import assessment_workflow_id, pair_workflow_id
from control.launch import launch_programme
from control.participants import SimulatedCohort, WallClock, programme_finished, run_until
from devstack.ports import free_port
from devstack.smtp_sink import SmtpSink
from devstack.temporal import start_dev_server
from devstack.worker_process import WorkerProcess
from domain.events import EventType
from domain.programme import Durations
from store.events import EventStore
from store.sent_mail import SentMailLog
from tests.lifecycle_helpers import EVERYONE_ANSWERS, small_cohort
from workflows.programme import ProgrammeWorkflow

SESSIONS = 3
DAY_SECONDS = 1
SHORT = Durations(
    self_assessment_days=3,
    self_assessment_reminder_days=(1, 2),
    matching_review_days=2,
    chemistry_days=3,
    goals_days=3,
    session_reminder_days_before=1,
    session_log_grace_days=2,
    survey_days=2,
    final_evaluation_days=3,
)


@pytest.fixture(scope="module")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    env = await start_dev_server(port=free_port(), ui_port=free_port())
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def queue() -> str:
    return f"two-workers-{uuid.uuid4().hex[:8]}"


def _worker(
    env: WorkflowEnvironment, database_url: str, sink: SmtpSink, queue: str
) -> WorkerProcess:
    return WorkerProcess(
        temporal_address=env.client.service_client.config.target_host,
        database_url=database_url,
        smtp_url=sink.url,
        task_queue=queue,
        secret="two-workers",
        public_base_url="http://127.0.0.1:8000",
        role="all",
    )


@pytest.fixture
def workers(
    dev_server: WorkflowEnvironment, database_url: str, smtp_sink: SmtpSink, queue: str
) -> Iterator[tuple[WorkerProcess, WorkerProcess]]:
    with (
        _worker(dev_server, database_url, smtp_sink, queue) as first,
        _worker(dev_server, database_url, smtp_sink, queue) as second,
    ):
        yield first, second


def _pids(history: WorkflowHistory, start: datetime, end: datetime) -> set[str]:
    """The workers, by pid, that started this workflow's tasks or activities in [start, end)."""
    found = set()
    for event in history.events:
        at = event.event_time.ToDatetime(tzinfo=UTC)
        if not start <= at < end:
            continue
        for started in (
            event.workflow_task_started_event_attributes,
            event.activity_task_started_event_attributes,
        ):
            if started.identity:
                found.add(started.identity.split("@", 1)[0])
    return found


async def test_two_workers_share_a_programme_and_one_stopping_loses_nothing(
    dev_server: WorkflowEnvironment,
    pool: asyncpg.Pool,
    smtp_sink: SmtpSink,
    queue: str,
    workers: tuple[WorkerProcess, WorkerProcess],
) -> None:
    first, second = workers
    client = dev_server.client
    spec = small_cohort(8, seed=7, sessions=SESSIONS).model_copy(
        update={"cadence_days": 2, "durations": SHORT}
    )
    began = datetime.now(UTC)
    launch = await launch_programme(client, pool, spec, queue, DAY_SECONDS)
    handle = client.get_workflow_handle_for(ProgrammeWorkflow.run, launch.workflow_id)
    cohort = SimulatedCohort(client, pool, spec, 7, EVERYONE_ANSWERS, DAY_SECONDS)
    step = timedelta(seconds=DAY_SECONDS / 4)

    async def sessions_under_way() -> bool:
        events = await EventStore(pool).read_programme(spec.id)
        return sum(e.type == EventType.SESSION_LOGGED for e in events) >= 2

    await run_until(cohort, WallClock(), sessions_under_way, step, max_steps=400)
    stopping = datetime.now(UTC)
    assert first.stop() == 0  # a clean exit, within the grace period
    stopped = datetime.now(UTC)

    async def finished() -> bool:
        return await programme_finished(handle)

    await run_until(cohort, WallClock(), finished, step, max_steps=400)
    summary = await handle.result()

    # Nothing lost: every pair held every session and was evaluated, as with one worker.
    assert cohort.stats.rejected == 0, cohort.stats.rejections
    assert (summary.pairs_formed, summary.pairs_completed, summary.pairs_ended_early) == (4, 4, 0)
    assert summary.sessions_planned == summary.sessions_held == SESSIONS * 4
    types = Counter(e.type for e in await EventStore(pool).read_programme(spec.id))
    assert types[EventType.SESSION_LOGGED] == SESSIONS * 4
    assert types[EventType.FINAL_EVALUATION_SUBMITTED] == 8
    assert types[EventType.PAIR_COMPLETED] == 4

    # Nothing twice: one e-mail per notification, every message different.
    message_ids = [m.message["Message-ID"] for m in smtp_sink.messages]
    assert len(message_ids) == len(set(message_ids)) == await SentMailLog(pool).count(spec.id)

    # Both workers worked while both ran; after the stop, only the second.
    ids = [launch.workflow_id]
    ids += [pair_workflow_id(spec.id, f"{n:04d}") for n in range(1, 5)]
    ids += [assessment_workflow_id(spec.id, p.id) for p in spec.participants]
    before: set[str] = set()
    after: set[str] = set()
    for workflow_id in ids:
        history = await client.get_workflow_handle(workflow_id).fetch_history()
        before |= _pids(history, began, stopping)
        after |= _pids(history, stopped, datetime.now(UTC))
    assert before == {str(first.pid), str(second.pid)}
    assert after == {str(second.pid)}
