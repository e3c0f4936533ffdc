"""The worker: the composition root that wires settings, stores and activities to Temporal."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence
from datetime import timedelta
from typing import Literal

import asyncpg
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.launches import start_workflows
from activities.mailer import Mailer, MailSettings
from activities.matching import MatchingActivities
from activities.steps import StepActivities
from settings import Settings, settings_or_exit
from store.events import EventStore
from store.tasks import TaskStore
from worker_health import serve_health
from workflows.assessment import AssessmentWorkflow
from workflows.pair import PairWorkflow
from workflows.programme import ProgrammeWorkflow

WORKFLOWS: Sequence[type] = (ProgrammeWorkflow, AssessmentWorkflow, PairWorkflow)
WorkerRole = Literal["all", "workflows", "activities"]


def mail_settings(settings: Settings, smtp_url: str) -> MailSettings:
    return MailSettings(
        smtp_url=smtp_url,
        mail_from=settings.mail_from,
        public_base_url=settings.public_base_url,
        secret=settings.secret.get_secret_value().encode(),
    )


def workflow_runner() -> SandboxedWorkflowRunner:
    """Temporal's sandbox, sharing the pure modules instead of re-importing them for every run.

    A module re-imported per run is code compiled (without cached bytecode) and classes built
    again: for a pair's workflow that was most of the cost of starting or resuming it.
    """
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(
            "domain",
            "workflows.contracts",
            "pydantic",
            "pydantic_core",
            "annotated_types",
            "typing_inspection",
        )
    )


def build_worker(
    client: Client,
    pool: asyncpg.Pool,
    mail: MailSettings,
    task_queue: str,
    *,
    step_activities: StepActivities | None = None,
    role: WorkerRole = "all",
    shutdown_grace: timedelta = timedelta(seconds=50),
) -> Worker:
    events = EventStore(pool)
    steps = step_activities or StepActivities(events, TaskStore(pool), Mailer(pool, mail))
    matching = MatchingActivities(events)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS) if role != "activities" else [],
        # Every worker has the activities: a workflow's steps run as local activities, in the
        # worker running its workflow task; a "workflows" worker takes no others.
        activities=[steps.record_step, matching.run_matching, start_workflows],
        no_remote_activities=role == "workflows",
        max_concurrent_activities=32,
        # Activations share one interpreter: a hundred at once (the default) made each slower,
        # and under a cohort's burst of answers a task could outlive its 10 s timeout.
        max_concurrent_workflow_tasks=20,
        # The SDK's default (zero) cancels activities in flight the moment shutdown begins.
        graceful_shutdown_timeout=shutdown_grace,
        workflow_runner=workflow_runner(),
    )


async def connect_client(address: str, namespace: str = "default") -> Client:
    return await Client.connect(
        address, namespace=namespace, data_converter=pydantic_data_converter
    )


async def serve(settings: Settings) -> None:
    from devstack.stack import resolve_services  # the embedded defaults, when nothing is set
    from logging_setup import configure_logging
    from store.db import create_pool, migrate

    metrics = f"0.0.0.0:{settings.metrics_port}" if settings.metrics_port else None
    configure_logging(
        settings.log_level,
        settings.log_format,
        metrics_bind=metrics,
        secrets=settings.secret_values(),
    )
    services = await resolve_services(settings)
    client = await connect_client(services.temporal_address, settings.namespace)
    pool = await create_pool(services.database_url)
    await migrate(pool)
    worker = build_worker(
        client,
        pool,
        mail_settings(settings, services.smtp_url),
        settings.task_queue,
        role=settings.worker_role,
        shutdown_grace=timedelta(seconds=settings.shutdown_grace_seconds),
    )
    # SIGTERM (a deployment, `docker stop`) stops polling and lets in-flight activities finish.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    polling = False
    health = (
        await serve_health("0.0.0.0", settings.health_port, lambda: polling and not stop.is_set())
        if settings.health_port
        else None
    )
    try:
        async with worker:
            polling = True
            await stop.wait()
    finally:
        if health is not None:
            health.close()
        await pool.close()


def main() -> None:
    from devstack.extra import EmbeddedMissing

    try:
        asyncio.run(serve(settings_or_exit()))
    except EmbeddedMissing as missing:  # a service left unset, and no embedded one installed
        print(f"error: {missing}", file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
