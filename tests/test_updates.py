"""Which update errors are sent again: only an update the server aborted with its workflow task."""

from __future__ import annotations

from temporalio.service import RPCError, RPCStatusCode

from client.updates import aborted_by_workflow_task

ABORTED = "Unable to perform workflow execution update due to unexpected workflow task failure."


def test_an_update_aborted_with_its_workflow_task_is_sent_again() -> None:
    assert aborted_by_workflow_task(RPCError(ABORTED, RPCStatusCode.FAILED_PRECONDITION, b""))


def test_other_failures_reach_the_caller() -> None:
    assert not aborted_by_workflow_task(RPCError("unavailable", RPCStatusCode.UNAVAILABLE, b""))
    assert not aborted_by_workflow_task(RPCError(ABORTED, RPCStatusCode.NOT_FOUND, b""))
    assert not aborted_by_workflow_task(
        RPCError("workflow not ready", RPCStatusCode.FAILED_PRECONDITION, b"")
    )
    assert not aborted_by_workflow_task(ValueError(ABORTED))
