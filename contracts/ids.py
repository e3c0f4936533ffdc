"""Workflow ids: how a client finds a programme's, a pair's or a participant's workflow."""

from __future__ import annotations


def programme_workflow_id(programme_id: str) -> str:
    return f"programme:{programme_id}"


def pair_workflow_id(programme_id: str, pair_id: str) -> str:
    return f"pair:{programme_id}:{pair_id}"


def assessment_workflow_id(programme_id: str, participant_id: str, window: int = 1) -> str:
    """A participant's self-assessment window; the ones reopened after it count from 2."""
    base = f"assessment:{programme_id}:{participant_id}"
    return base if window == 1 else f"{base}:{window}"
