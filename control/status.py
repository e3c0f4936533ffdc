"""What the coordinator asks of a running programme."""

from __future__ import annotations

import uuid

from pydantic import BaseModel
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from control.connect import connected
from domain.answers import CoordinatorCommand
from workflows.pair import PairStatus, PairWorkflow
from workflows.programme import ProgrammeSummary, ProgrammeWorkflow
from workflows.shared import pair_workflow_id, programme_workflow_id


class StatusReport(BaseModel):
    summary: ProgrammeSummary
    pairs: list[PairStatus]


async def programme_status(programme_id: str) -> StatusReport:
    async with connected() as (client, _, _):
        handle = client.get_workflow_handle(programme_workflow_id(programme_id))
        try:
            summary = await handle.query(ProgrammeWorkflow.summary)
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise RuntimeError(f"no programme {programme_id!r} was started") from None
            raise RuntimeError(str(error)) from None
        pairs = []
        for record in summary.pairs:
            if not record.started:
                continue
            pair = client.get_workflow_handle(pair_workflow_id(programme_id, record.pair_id))
            pairs.append(await pair.query(PairWorkflow.status))
        return StatusReport(summary=summary, pairs=pairs)


async def approve_matching(programme_id: str) -> str:
    async with connected() as (client, _, _):
        handle = client.get_workflow_handle(programme_workflow_id(programme_id))
        command = CoordinatorCommand(command_id=f"approve-{uuid.uuid4()}")
        try:
            ack = await handle.execute_update(ProgrammeWorkflow.approve_matching, command)
        except WorkflowUpdateFailedError as error:
            raise RuntimeError(f"refused: {error.cause}") from None
        return f"Matching approved: {ack.next_step}"
