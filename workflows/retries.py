"""Every activity's retry policy: what each waits through, and when it gives up.

None retries forever: a failure that can never succeed (a template that cannot render, an
impossible forced pair) used to be retried until someone noticed, its workflow stuck meanwhile.
Each policy is bounded by how long the people waiting on it would wait, and errors that cannot
succeed on a retry are not retried at all (they are raised non-retryable, or named here).

Retry policies are not part of a workflow's commands: changing one changes no recorded history.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.delivery import NOTIFICATIONS_REFUSED

# How long a step waits through an outage of the database or of the mail server. Half a day
# covers a night or a working morning: the step's e-mails go out late, none is lost. Past that
# they are given up, each recorded as a NotificationFailed event that the dashboard lists (the
# coordinator can reach those people another way), and the workflow goes on: a session reminder
# or a deadline notice half a day late is past its use. A step whose events and tasks could not be
# written in that time fails its workflow instead; reset it once the database is back
# (docs/operations.md): what it decided is then recorded, nothing twice.
OUTAGE_BUDGET = timedelta(hours=12)


def attempts_within(
    budget: timedelta, first: timedelta, longest: timedelta, backoff: float = 2.0
) -> int:
    """How many attempts fit in `budget`: the waits between them start at `first`, grow by
    `backoff` and stay at `longest`, as Temporal spaces retries."""
    attempts, waited, wait = 1, timedelta(0), first
    while waited + wait <= budget:
        waited += wait
        attempts += 1
        wait = min(wait * backoff, longest)
    return attempts


def _within_outage(first: timedelta, longest: timedelta) -> RetryPolicy:
    return RetryPolicy(
        initial_interval=first,
        backoff_coefficient=2.0,
        maximum_interval=longest,
        maximum_attempts=attempts_within(OUTAGE_BUDGET, first, longest),
        # record_step already raises it non-retryable; named so that no change there retries it.
        non_retryable_error_types=[NOTIFICATIONS_REFUSED],
    )


# A step as a local activity (every run since the `local-steps` patch). Retries within a minute
# stay in the worker; past that they wait on workflow timers, so backing off to ten minutes keeps
# a long outage to a few events per step in a history: about 80 attempts in the budget.
LOCAL_STEP_RETRY = _within_outage(timedelta(seconds=1), timedelta(minutes=10))
# A step as an ordinary activity, in runs started before that patch: the server keeps its retries
# out of the history, so it can try every minute.
REMOTE_STEP_RETRY = _within_outage(timedelta(seconds=1), timedelta(minutes=1))

# Starting a batch of participants' or pairs' workflows. An unreachable Temporal frontend is the
# one failure that passes; a search attribute not yet registered is an operator's fix. Both are
# waited through like an outage; past that the programme's workflow fails, to be reset once fixed.
START_WORKFLOWS_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=attempts_within(OUTAGE_BUDGET, timedelta(seconds=1), timedelta(minutes=1)),
)

# The programme's own matching, once its self-assessment window has closed. Nobody watches it
# happen: it waits through an outage like a step (reading the answers needs the database). A
# forced pair the constraints refuse cannot be solved by retrying.
MATCHING_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=attempts_within(OUTAGE_BUDGET, timedelta(seconds=1), timedelta(minutes=1)),
    non_retryable_error_types=["MatchingConflict"],
)

# A wave reading the pilot it follows before its first invitations (a database read): waited
# through an outage like the matching, which needs the same database.
READ_PILOT_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=1),
    maximum_attempts=attempts_within(OUTAGE_BUDGET, timedelta(seconds=1), timedelta(minutes=1)),
)

# The matching recomputed for a coordinator's ban, force or swap: they wait for the answer on the
# dashboard or at the command line. Five attempts, fifteen seconds of waits between them (the
# solver's own time aside), then the change is refused, the matching stays as it is, and they may
# ask again.
REVISION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=5,
    non_retryable_error_types=["MatchingConflict"],
)

# The daily purge of programmes past their retention. Tomorrow's run tries again, so an outage
# need not be waited through: an hour of retries, then this run gives up and says so.
PURGE_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=5),
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=attempts_within(
        timedelta(hours=1), timedelta(seconds=5), timedelta(minutes=5)
    ),
)
