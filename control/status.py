"""What the coordinator asks of a running programme."""

from __future__ import annotations

from pydantic import BaseModel
from temporalio.service import RPCError, RPCStatusCode

from contracts.ids import pair_workflow_id, programme_workflow_id
from contracts.pair import PairStatus
from contracts.programme import ProgrammeSummary
from contracts.queries import PAIR_STATUS, PROGRAMME_SUMMARY
from control.connect import connected


class StatusReport(BaseModel):
    summary: ProgrammeSummary
    pairs: list[PairStatus]


async def programme_status(programme_id: str) -> StatusReport:
    async with connected() as (client, _, _):
        handle = client.get_workflow_handle(programme_workflow_id(programme_id))
        try:
            summary = await handle.query(PROGRAMME_SUMMARY, result_type=ProgrammeSummary)
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise RuntimeError(f"no programme {programme_id!r} was started") from None
            raise RuntimeError(str(error)) from None
        pairs = []
        for record in summary.pairs:
            if not record.started:
                continue
            pair = client.get_workflow_handle(pair_workflow_id(programme_id, record.pair_id))
            pairs.append(await pair.query(PAIR_STATUS, result_type=PairStatus))
        return StatusReport(summary=summary, pairs=pairs)
