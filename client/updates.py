"""Sending an update from a client (the web pages, the CLI, simulated participants).

The server aborts an update when the workflow task carrying it fails, for example because the
workflow completed in that task while a timer fired (UnhandledCommand). The update was then not
applied: it is sent again under the same id, which keeps it one effect. Any other error is the
caller's to show.
"""

from __future__ import annotations

import asyncio
from typing import Any, TypeVar

import structlog
from temporalio.client import WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

T = TypeVar("T")
log = structlog.get_logger(__name__)

ATTEMPTS = 5
_ABORTED = "unexpected workflow task failure"


def aborted_by_workflow_task(error: BaseException) -> bool:
    return (
        isinstance(error, RPCError)
        and error.status is RPCStatusCode.FAILED_PRECONDITION
        and _ABORTED in error.message
    )


async def execute_update(
    handle: WorkflowHandle[Any, Any], update: str, arg: Any, *, id: str, result_type: type[T]
) -> T:
    async def send() -> T:
        result: T = await handle.execute_update(update, arg, id=id, result_type=result_type)
        return result

    for attempt in range(1, ATTEMPTS):
        try:
            return await send()
        except RPCError as error:
            if not aborted_by_workflow_task(error):
                raise
            log.info("update.sent_again", update=update, workflow_id=handle.id, attempt=attempt)
            await asyncio.sleep(0.2 * 2 ** (attempt - 1))
    return await send()
