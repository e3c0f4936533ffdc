"""A Temporal worker for Tandem's workflows and activities, over one pool and one mail setup."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Literal

import asyncpg
from temporalio.client import Client
from temporalio.worker import Worker

from activities.launches import start_workflows
from activities.mailer import Mailer, MailSettings
from activities.matching import MatchingActivities
from activities.pilot import PilotActivities
from activities.retention import RetentionActivities
from activities.session_plans import SessionPlanActivities
from activities.steps import StepActivities
from credentials.keyring import Keyring
from runtime.keys import development_keyring
from runtime.sandbox import workflow_runner
from settings import Settings
from store.events import EventStore
from store.participants import ParticipantStore
from store.programmes import ProgrammeStore
from store.tasks import TaskStore
from workflows.assessment import AssessmentWorkflow
from workflows.pair import PairWorkflow
from workflows.programme import ProgrammeWorkflow
from workflows.retention import RetentionWorkflow

WORKFLOWS: Sequence[type] = (ProgrammeWorkflow, AssessmentWorkflow, PairWorkflow, RetentionWorkflow)
WorkerRole = Literal["all", "workflows", "activities"]


def mail_settings(settings: Settings, smtp_url: str) -> MailSettings:
    return MailSettings(
        smtp_url=smtp_url,
        mail_from=settings.mail_from,
        public_base_url=settings.public_base_url,
        secret=settings.secret.get_secret_value().encode(),
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
    keyring: Keyring | None = None,
    max_cached_workflows: int = 2500,
    max_concurrent_workflow_tasks: int = 20,
    max_concurrent_activities: int = 32,
    max_concurrent_local_activities: int = 100,
) -> Worker:
    events = EventStore(pool)
    mailer = Mailer(pool, mail, keyring or development_keyring(pool))
    steps = step_activities or StepActivities(
        events, TaskStore(pool), mailer, ParticipantStore(pool)
    )
    matching = MatchingActivities(events)
    retention = RetentionActivities(pool)
    plans = SessionPlanActivities(events)
    pilot = PilotActivities(events, ParticipantStore(pool), ProgrammeStore(pool))
    return Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS) if role != "activities" else [],
        # Every worker has the activities: a workflow's steps run as local activities, in the
        # worker running its workflow task; a "workflows" worker takes no others.
        activities=[
            steps.record_step,
            matching.run_matching,
            plans.plan_sessions,
            start_workflows,
            retention.purge_due_programmes,
            pilot.read_pilot,
        ],
        no_remote_activities=role == "workflows",
        max_concurrent_activities=max_concurrent_activities,
        max_concurrent_local_activities=max_concurrent_local_activities,
        # Activations share one interpreter: a hundred at once (the default) made each slower,
        # and under a cohort's burst of answers a task could outlive its 10 s timeout.
        max_concurrent_workflow_tasks=max_concurrent_workflow_tasks,
        # The SDK's default (zero) cancels activities in flight the moment shutdown begins.
        graceful_shutdown_timeout=shutdown_grace,
        workflow_runner=workflow_runner(),
        # 0: every workflow task replays its history (no sticky queue), as after a restart.
        max_cached_workflows=max_cached_workflows,
    )
