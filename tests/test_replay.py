"""Recorded histories replay against today's workflow code: a non-deterministic change fails here.

Regenerate with `python -m tests.record_histories` only after guarding the change with
`workflow.patched(...)`, so that runs started before it keep replaying.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from runtime.sandbox import workflow_runner
from runtime.workers import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_every_workflow_kind_has_a_recorded_history() -> None:
    kinds = {path.name.split("-", 1)[0] for path in HISTORIES}
    assert kinds == {"programme", "pair", "assessment"}


def _load(path: Path) -> WorkflowHistory:
    return WorkflowHistory.from_json(path.stem, path.read_text())


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path) -> None:
    history = _load(path)
    replayer = Replayer(
        workflows=list(WORKFLOWS),
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),  # the worker's sandbox, shared modules included
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, f"{path.name}: {result.replay_failure}"
