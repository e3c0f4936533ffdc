"""Workflow ids: how a client finds a programme's, a pair's or a participant's workflow."""

from __future__ import annotations


def programme_workflow_id(programme_id: str) -> str:
    return f"programme:{programme_id}"


def pair_workflow_id(programme_id: str, pair_id: str) -> str:
    return f"pair:{programme_id}:{pair_id}"


def assessment_workflow_id(programme_id: str, participant_id: str) -> str:
    return f"assessment:{programme_id}:{participant_id}"
