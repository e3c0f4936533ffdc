"""Starting participants' and pairs' workflows from an activity, in batches.

The programme does not start them as child workflows: a parent records an event for every child
that starts and every child that ends, and wakes for each, so a cohort of a thousand filled the
programme's history and kept it busy. Started from an activity, they cost the programme one
activity per batch; they still carry the programme's id as a search attribute, and report back by
signal where the programme needs to hear from them (pairs).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class WorkflowLaunch(BaseModel):
    model_config = ConfigDict(frozen=True)

    workflow_type: str
    workflow_id: str
    input: dict[str, Any]
    static_summary: str
    search_attributes: dict[str, str] = Field(default_factory=dict)  # keyword attributes


class LaunchBatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    launches: tuple[WorkflowLaunch, ...]


class LaunchResult(BaseModel):
    started: int = 0
    already_running: int = 0  # a retried batch: those were started by an earlier attempt
