"""The coordinator's matching review when the programme file does not auto-approve."""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError

from domain.answers import CoordinatorCommand
from domain.events import EventType, programme_stream
from domain.programme import MatchingSettings
from tests.lifecycle_helpers import (
    Run,
    Stack,
    small_cohort,
)
from workflows.programme import ProgrammePhase, ProgrammeWorkflow


async def _launch_for_review(stack: Stack) -> Run:
    spec = small_cohort(4)
    spec = spec.model_copy(update={"matching": MatchingSettings(auto_approve=False)})
    return await stack.launch(spec)


async def _approve(run: Run, command_id: str) -> None:
    await run.handle.execute_update(
        ProgrammeWorkflow.approve_matching, CoordinatorCommand(command_id=command_id)
    )


async def test_nothing_starts_until_the_coordinator_approves(stack: Stack) -> None:
    run = await _launch_for_review(stack)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await _approve(run, "too-early")  # still in self-assessment
    assert "during its review" in str(refused.value.cause)

    await run.until_phase(ProgrammePhase.REVIEW, max_days=10)
    await stack.wait_for_mails("matching_review")
    # A whole review window with no answer: a reminder, and still no pair.
    await run.run_days(4)
    summary = await run.summary()
    assert summary.phase is ProgrammePhase.REVIEW and summary.pairs_formed == 0
    assert len(stack.mails("matching_review")) == 2

    await _approve(run, "approve-1")
    await run.until_phase(ProgrammePhase.RUNNING, max_days=1)
    approved = [
        e
        for e in await run.events(programme_stream(run.spec.id))
        if e.type == EventType.MATCHING_APPROVED
    ]
    assert [e.data["by"] for e in approved] == ["coordinator"]
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await _approve(run, "approve-2")
    assert "not in phase running" in str(refused.value.cause)  # approved once, nothing twice
    assert (await run.summary()).pairs_formed >= 1
