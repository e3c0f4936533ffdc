"""`tandem simulate`: a whole programme rehearsed on a private, time-skipping stack.

Everything is real — Temporal's time-skipping server, PostgreSQL, an SMTP peer, the worker — and
months of programme time pass in seconds. Simulated participants act through workflow updates.
"""

from __future__ import annotations

import tempfile
import time as stopwatch
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
from pydantic import BaseModel
from temporalio.client import WorkflowExecutionStatus, WorkflowHistory
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.mailer import MailSettings
from contracts.ids import assessment_workflow_id, pair_workflow_id, programme_workflow_id
from contracts.programme import ProgrammeSummary
from control.launch import launch_programme
from control.participants import SimulatedCohort, programme_finished, run_until
from control.rehearsal_roster import RosterScript
from control.rehearsal_roster import late_joiners as roster_late_joiners
from credentials.envelope import parse_master_key
from credentials.keyring import Keyring
from devstack.eml_folder import eml_files
from devstack.postgres import start_postgres
from devstack.smtp_sink import SmtpSinkProcess
from devstack.temporal import skip_time, start_time_skipping
from devstack.worker_process import WorkerProcess
from domain.event_payloads import SessionPlanMade, payload_as
from domain.events import EventType
from domain.programme import ProgrammeSpec
from domain.simulation import Knobs
from settings import DEVELOPMENT_MASTER_KEY
from store.db import create_pool, migrate
from store.events import EventStore
from store.sent_mail import SentMailLog
from workflows.programme import ProgrammeWorkflow


class SimulationReport(BaseModel):
    programme_id: str
    seed: int
    participants: int
    pairs_formed: int
    pairs_completed: int
    pairs_ended_early: int
    pairs_dissolved: int
    repairings: int
    unmatched: int
    sessions_planned: int
    sessions_held: int
    # Sessions given a theme by their pair's plan (domain.session_plan): every planned one.
    sessions_with_theme: int
    # Participants who accepted the charter before their first meeting.
    onboarding_completed: int
    emails_sent: int
    events_stored: int
    answers_sent: int
    answers_refused: int
    max_history_events: int
    programme_runs: int
    simulated_days: int
    wall_seconds: float
    # Roster changes during the rehearsal (`--late-joiners`, `--withdrawals`); `participants`
    # counts the late joiners, `partners_repaired` both sides of a pair.
    late_joiners: int = 0
    late_joiners_paired: int = 0
    withdrawals: int = 0
    partners_repaired: int = 0
    # With `--outbox DIR`: the folder the rehearsal's e-mails were written to, and how many.
    outbox: str | None = None
    emails_written: int | None = None
    # `--histories DIR`: where every workflow's history went, and how many files.
    histories: str | None = None
    histories_written: int | None = None


SKIP_DEADLINE = timedelta(minutes=10)
# When a rehearsal's programme begins on its first day: the morning, before working hours.
_START_OF_DAY = time(8, 0)
# The SDK runs a worker's workflow tasks and activities on one event loop: one process, one core.
WORKER_PROCESSES = 2


class _SkippingClock:
    def __init__(self, env: WorkflowEnvironment) -> None:
        self._env = env

    async def now(self) -> datetime:
        return await self._env.get_current_time()

    async def advance(self, delta: timedelta) -> None:
        # A busy simulated day (a thousand people enrolling) needs minutes of work.
        await skip_time(self._env, delta, SKIP_DEADLINE)


async def stalled_workflows(env: WorkflowEnvironment, workflow_ids: list[str]) -> list[str]:
    """Why a simulation cannot move on: running workflows with pending work, for the error."""
    found = []
    for workflow_id in workflow_ids:
        try:
            description = await env.client.get_workflow_handle(workflow_id).describe()
        except RPCError:
            continue
        raw = description.raw_description
        if description.status is not WorkflowExecutionStatus.RUNNING:
            continue
        task = raw.pending_workflow_task
        activities = [a.activity_type.name for a in raw.pending_activities]
        if activities or task.attempt > 1:
            found.append(
                f"{workflow_id}: activities {activities}, workflow task attempt {task.attempt}"
            )
    return found


async def simulate(
    spec: ProgrammeSpec,
    seed: int,
    knobs: Knobs | None = None,
    on_day: Callable[[int], None] = lambda _: None,
    keep_histories: Path | None = None,
    late_joiners: int = 0,
    withdrawals: int = 0,
    outbox: Path | None = None,
    histories_dir: Path | None = None,
    seal_texts: bool = True,
) -> SimulationReport:
    """Run `spec` to its end; `keep_histories` saves a few workflow histories for replay tests.

    `late_joiners` people join once the first pairs run, and `withdrawals` participants of
    running pairs leave a week later (control/rehearsal_roster.py). With `outbox`, every e-mail
    sent is written there as an `.eml` file (created if missing); with `histories_dir`, every
    workflow's history as a JSON file. `seal_texts=False` seals nothing the simulated people
    type (a benchmark's baseline only).
    """
    started = stopwatch.perf_counter()
    knobs = knobs or Knobs()
    before = _written(outbox)
    if histories_dir is not None:
        histories_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, before anything starts)
    with (
        tempfile.TemporaryDirectory(prefix="tandem-sim-") as tmp,
        SmtpSinkProcess(folder=outbox) as sink,
    ):
        _, pg = start_postgres(Path(tmp) / "pg", persistent=False)
        pool = await create_pool(pg.get_uri(), max_size=20)
        env = await start_time_skipping()
        try:
            await migrate(pool)
            await _until_the_start(env, spec)

            mail = MailSettings(
                smtp_url=sink.url,
                mail_from="Tandem <tandem@localhost>",
                public_base_url="http://127.0.0.1:8000",
                secret=b"simulation",
            )
            queue = f"simulation-{uuid.uuid4().hex[:8]}"
            workers = [
                WorkerProcess(
                    temporal_address=env.client.service_client.config.target_host,
                    database_url=pg.get_uri(),
                    smtp_url=sink.url,
                    task_queue=queue,
                    secret=mail.secret.decode(),
                    public_base_url=mail.public_base_url,
                    role="all",
                )
                for _ in range(WORKER_PROCESSES)
            ]
            with ExitStack() as running:
                for worker in workers:
                    running.enter_context(worker)
                launch = await launch_programme(env.client, pool, spec, queue)
                handle = env.client.get_workflow_handle_for(
                    ProgrammeWorkflow.run, launch.workflow_id
                )
                begin = await env.get_current_time()
                joiners = roster_late_joiners(spec, late_joiners, seed)
                everyone = spec.model_copy(update={"participants": (*spec.participants, *joiners)})
                # The late joiners are not in the file: the cohort finds them in the store, as
                # the demo's does when a coordinator adds someone.
                keyring = Keyring(pool, parse_master_key(DEVELOPMENT_MASTER_KEY), seals=seal_texts)
                cohort = SimulatedCohort(
                    env.client, pool, spec, seed, knobs, 86_400, keyring=keyring
                )
                script = RosterScript(
                    env.client, pool, spec, joiners, withdrawals, seed, cohort=cohort
                )

                async def finished() -> bool:
                    return await programme_finished(handle)

                try:
                    await run_until(
                        script,
                        _SkippingClock(env),
                        finished,
                        timedelta(days=1),
                        on_step=lambda now: on_day((now - begin).days),
                    )
                except RPCError as error:
                    ids = [launch.workflow_id]
                    ids += [assessment_workflow_id(spec.id, p.id) for p in everyone.participants]
                    ids += [
                        pair_workflow_id(spec.id, f"{n:04d}")
                        for n in range(1, len(everyone.participants))
                    ]
                    stalled = await stalled_workflows(env, ids)
                    raise RuntimeError(
                        f"the simulation stalled ({error}); still busy: " + "; ".join(stalled)
                    ) from error
                summary = await handle.result()
                days = (await env.get_current_time() - begin).days
                histories, histories_written = await _largest_history(
                    env, everyone, summary, keep_histories, histories_dir
                )
            return SimulationReport(
                programme_id=spec.id,
                seed=seed,
                participants=summary.participants,
                pairs_formed=summary.pairs_formed,
                pairs_completed=summary.pairs_completed,
                pairs_ended_early=summary.pairs_ended_early,
                pairs_dissolved=summary.pairs_dissolved,
                repairings=summary.repairings,
                unmatched=summary.unmatched,
                sessions_planned=summary.sessions_planned,
                sessions_held=summary.sessions_held,
                **await _preparation(pool, spec.id),
                emails_sent=await SentMailLog(pool).count(spec.id),
                events_stored=await EventStore(pool).count(),
                answers_sent=cohort.stats.answered,
                answers_refused=cohort.stats.rejected,
                max_history_events=max(histories, summary.max_history_length),
                histories=None if histories_dir is None else str(histories_dir),
                histories_written=None if histories_dir is None else histories_written,
                programme_runs=summary.runs,
                simulated_days=days,
                wall_seconds=round(stopwatch.perf_counter() - started, 2),
                late_joiners=len(summary.late_joiner_ids),
                late_joiners_paired=summary.late_joiners_paired,
                withdrawals=len(summary.withdrawn_ids),
                partners_repaired=summary.partners_repaired,
                # Every mail was accepted, so written, before its workflow moved on.
                outbox=None if outbox is None else str(outbox),
                emails_written=None if outbox is None else len(_written(outbox) - before),
            )
        finally:
            await env.shutdown()
            await pool.close()
            pg.cleanup()


async def _preparation(pool: asyncpg.Pool, programme_id: str) -> dict[str, int]:
    """How prepared the rehearsal's people were: charters accepted, sessions with a theme."""
    events = await EventStore(pool).read_programme(programme_id)
    return {
        "onboarding_completed": sum(e.type == EventType.ONBOARDING_ACCEPTED for e in events),
        "sessions_with_theme": sum(
            len(payload_as(e, SessionPlanMade).themes)
            for e in events
            if e.type == EventType.SESSION_PLAN_MADE
        ),
    }


async def _until_the_start(env: WorkflowEnvironment, spec: ProgrammeSpec) -> None:
    """A rehearsal lives the programme's own dates: its clock moves to the morning of
    `starts_on` (when that is ahead), so its e-mails, deadlines and sessions fall on the days the
    programme will have, public holidays included."""
    start = datetime.combine(spec.starts_on, _START_OF_DAY, tzinfo=ZoneInfo(spec.timezone))
    now = await env.get_current_time()
    if start > now:
        await skip_time(env, start - now, SKIP_DEADLINE)


def _written(outbox: Path | None) -> set[Path]:
    """The e-mails already in `outbox`, which is created if missing."""
    if outbox is None:
        return set()
    outbox.mkdir(parents=True, exist_ok=True)
    return set(eml_files(outbox))


async def _largest_history(
    env: WorkflowEnvironment,
    spec: ProgrammeSpec,
    summary: ProgrammeSummary,
    keep: Path | None,
    every: Path | None,
) -> tuple[int, int]:
    """The largest history's length, and how many were written to `every` (one file a run:
    `<workflow id>.json` for the latest, `<workflow id>--<run id>.json` for earlier ones)."""
    ids = [programme_workflow_id(spec.id)]
    ids += [pair_workflow_id(spec.id, p.pair_id) for p in summary.pairs]
    ids += [assessment_workflow_id(spec.id, p.id) for p in spec.participants]
    largest = written = 0
    for workflow_id in ids:
        history = await env.client.get_workflow_handle(workflow_id).fetch_history()
        largest = max(largest, len(history.events))
        if keep is not None and (workflow_id == ids[0] or workflow_id in ids[1:3] + ids[-1:]):
            keep.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (a few small files, once)
            name = workflow_id.split(":", 1)[0] + "-" + workflow_id.rsplit(":", 1)[-1]
            (keep / f"{name}.json").write_text(history.to_json())
        if every is not None:
            written += await _write_runs(env, workflow_id, history, every)
    return largest, written


async def _write_runs(
    env: WorkflowEnvironment, workflow_id: str, latest: WorkflowHistory, folder: Path
) -> int:
    """Write this workflow's latest run and every run it continued from, as the server keeps
    them (`temporal workflow show --output json`)."""
    history, name, written = latest, f"{workflow_id}.json", 0
    while True:
        (folder / name).write_text(history.to_json(), encoding="utf-8")
        written += 1
        started = history.events[0].workflow_execution_started_event_attributes
        previous = started.continued_execution_run_id
        if not previous:
            return written
        handle = env.client.get_workflow_handle(workflow_id, run_id=previous)
        history, name = await handle.fetch_history(), f"{workflow_id}--{previous}.json"
