"""No activity is retried forever: every call names a bounded policy of workflows/retries.py."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.common import RetryPolicy

from workflows import retries

WORKFLOWS = sorted((Path(__file__).parent.parent / "workflows").glob("*.py"))
_CALLS = {"execute_activity", "execute_local_activity", "start_activity", "start_local_activity"}
POLICIES = {name: value for name, value in vars(retries).items() if isinstance(value, RetryPolicy)}


def _activity_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for path in WORKFLOWS:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _CALLS
            ):
                calls.append((f"{path.name}:{node.lineno}", node))
    return calls


def test_every_activity_call_names_a_policy_of_the_retries_module() -> None:
    calls = _activity_calls()
    assert len(calls) >= 5  # the steps (local, and remote for old runs), matching x2, launches
    for where, call in calls:
        policy = next((k.value for k in call.keywords if k.arg == "retry_policy"), None)
        assert isinstance(policy, ast.Name), f"{where}: no retry_policy"
        assert policy.id in POLICIES, f"{where}: {policy.id} is not in workflows/retries.py"


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_every_policy_gives_up(name: str) -> None:
    policy = POLICIES[name]
    assert policy.maximum_attempts > 0
    assert policy.maximum_interval is not None


def _waited(policy: RetryPolicy) -> timedelta:
    """How long a policy waits between its first attempt and its last (their own time aside)."""
    wait, total = policy.initial_interval, timedelta(0)
    for _ in range(policy.maximum_attempts - 1):
        total += wait
        assert policy.maximum_interval is not None
        wait = min(wait * policy.backoff_coefficient, policy.maximum_interval)
    return total


@pytest.mark.parametrize(
    "name", ["LOCAL_STEP_RETRY", "REMOTE_STEP_RETRY", "START_WORKFLOWS_RETRY", "MATCHING_RETRY"]
)
def test_background_work_waits_through_half_a_day_of_outage_and_no_more(name: str) -> None:
    waited = _waited(POLICIES[name])
    longest = POLICIES[name].maximum_interval
    assert longest is not None
    assert retries.OUTAGE_BUDGET - longest < waited <= retries.OUTAGE_BUDGET


def test_a_coordinator_waiting_on_a_revision_is_answered_within_a_minute() -> None:
    assert _waited(retries.REVISION_RETRY) < timedelta(minutes=1)


def test_what_cannot_succeed_is_never_retried() -> None:
    steps = (retries.LOCAL_STEP_RETRY, retries.REMOTE_STEP_RETRY)
    assert all("NotificationsRefused" in (p.non_retryable_error_types or ()) for p in steps)
    revisions = (retries.MATCHING_RETRY, retries.REVISION_RETRY)
    assert all("MatchingConflict" in (p.non_retryable_error_types or ()) for p in revisions)
