"""The workflow sandbox, sharing the pure modules between workflow runs."""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions


def workflow_runner() -> SandboxedWorkflowRunner:
    """Temporal's sandbox, sharing the pure modules instead of re-importing them for every run.

    A module re-imported per run is code compiled (without cached bytecode) and classes built
    again: for a pair's workflow that was most of the cost of starting or resuming it.
    """
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(
            "domain",
            "contracts",
            "pydantic",
            "pydantic_core",
            "annotated_types",
            "typing_inspection",
        )
    )
