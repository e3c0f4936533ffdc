"""Starting a programme: personal data into the participant table, the plan into Temporal."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from temporalio.client import Client
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError

from contracts.ids import programme_workflow_id
from contracts.programme import ProgrammeInput
from contracts.search_attributes import PHASE, PROGRAMME_ID
from domain.pilot import unknown_pilot
from domain.programme import ProgrammeSpec
from domain.programme_file import ProgrammeFileError
from store.participants import ParticipantStore
from store.programmes import ProgrammeStore
from workflows.programme import ProgrammeWorkflow


@dataclass(frozen=True)
class Launch:
    workflow_id: str
    started: bool  # False: it was already running or done, and nothing new was started


async def launch_programme(
    client: Client,
    pool: asyncpg.Pool,
    spec: ProgrammeSpec,
    task_queue: str,
    day_seconds: int = 86_400,
) -> Launch:
    """Start `spec`; `ProgrammeFileError` when the pilot it follows is not in the store."""
    workflow_id = programme_workflow_id(spec.id)
    programmes = ProgrammeStore(pool)
    if spec.follows and await programmes.get(spec.follows) is None:
        # Before anything is written: a wave whose pilot is unknown starts nothing.
        raise ProgrammeFileError([unknown_pilot(spec)])
    await programmes.upsert(spec)
    await ParticipantStore(pool).upsert_many(spec.id, spec.participants)
    try:
        await client.start_workflow(
            ProgrammeWorkflow.run,
            ProgrammeInput(plan=spec.plan(day_seconds)),
            id=workflow_id,
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            static_summary=f"programme {spec.name} ({len(spec.participants)} participants)",
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(PROGRAMME_ID, spec.id),
                    SearchAttributePair(PHASE, "launching"),
                ]
            ),
        )
    except WorkflowAlreadyStartedError:
        return Launch(workflow_id, started=False)
    return Launch(workflow_id, started=True)
