"""What every Tandem workflow shares: the journal of pending effects, activity names, waits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.delivery import NOTIFICATIONS_PENDING, NOTIFICATIONS_REFUSED, failure_event_id
    from domain.event_payloads import NotificationFailed
    from domain.events import EventType, NewEvent, programme_stream
    from domain.notifications import notification_context
    from domain.programme_clock import ProgrammeClock
    from domain.steps import StepInput, StepResult, Withdrawal
    from domain.tasks import (
        Notification,
        TaskClosure,
        TaskDeadline,
        TaskKind,
        TaskSpec,
        TaskStatus,
    )

from workflows.retries import LOCAL_STEP_RETRY, REMOTE_STEP_RETRY

RECORD_STEP = "record_step"
RUN_MATCHING = "run_matching"
PLAN_SESSIONS = "plan_sessions"
READ_PILOT = "read_pilot"  # the facts a wave takes from its pilot (domain/pilot.py)
START_WORKFLOWS = "start_workflows"
STEP_TIMEOUT = timedelta(minutes=5)
# Patch: a step runs as a local activity, inside the workflow task that decided it. A remote one
# cost an activity task and a second workflow task per step: at a thousand participants the
# time-skipping server's bookkeeping, quadratic in its operations, took 460 s of a 755 s rehearsal.
# Runs started before keep their remote steps on replay.
LOCAL_STEPS = "local-steps"
# Patch: a timer whose last wait ended early is cancelled, when its deadline is far enough ahead.
# Left running, it woke its workflow for nothing: a workflow task in four of each session's.
CANCEL_EARLY_TIMERS = "cancel-early-timers"
# While a workflow task is open the time-skipping test server does not skip time, so a deadline
# this far ahead cannot come due meanwhile: the cancellation never meets the server's fired-timer
# race (sdk-java#3088), which strands the run.
CANCEL_MARGIN = timedelta(hours=1)


def days(count: float, day_seconds: int) -> timedelta:
    """A programme duration: `count` days, each `day_seconds` long (a demo compresses days)."""
    return timedelta(seconds=count * day_seconds)


def iso_date(moment: datetime, clock: ProgrammeClock | None = None) -> str:
    """The date people read for `moment`: the programme's date on its clock (a demo's compressed
    run mapped onto the programme's calendar); without one, the moment's own date."""
    return (moment.date() if clock is None else clock.programme_date(moment)).isoformat()


def iso_moment(moment: datetime, clock: ProgrammeClock | None = None) -> str:
    """`moment` as people read it, a time as well as a date (see `iso_date`)."""
    return (moment if clock is None else clock.programme_time(moment)).isoformat()


class Journal:
    """Effects decided by workflow code, written by one `record_step` activity.

    Ids are minted here with `workflow.uuid4()`, so a retried activity re-sends the same ids and
    the store and the mailer skip what they already did.
    """

    def __init__(self, programme_id: str) -> None:
        self.programme_id = programme_id
        self._timers: dict[datetime, asyncio.Task[None]] = {}
        self._waits: dict[datetime, int] = {}
        # What the workflow waits for now, for queries and the Temporal UI's current details.
        self.waiting_for = "starting"
        self.next_deadline: datetime | None = None
        self._events: list[NewEvent] = []
        self._open: list[TaskSpec] = []
        self._close: list[TaskClosure] = []
        self._extend: list[TaskDeadline] = []
        self._withdrawals: list[Withdrawal] = []
        self._mail: list[Notification] = []

    def timer(self, deadline: datetime, what: str) -> asyncio.Task[None]:
        """One durable timer per deadline, shared by every wait on it (see `wait_until`)."""
        timer = self._timers.get(deadline)
        if timer is None:
            delay = max(deadline - workflow.now(), timedelta(milliseconds=1))
            timer = asyncio.ensure_future(workflow.sleep(delay, summary=what))
            self._timers[deadline] = timer
        return timer

    def waiting(self, deadline: datetime, delta: int) -> None:
        """Count the waits on `deadline`; when the last one ends early, cancel its timer."""
        self._waits[deadline] = remaining = self._waits.get(deadline, 0) + delta
        if remaining:
            return
        del self._waits[deadline]
        timer = self._timers.get(deadline)
        if (
            timer is not None
            and not timer.done()
            and deadline - workflow.now() > CANCEL_MARGIN
            and workflow.patched(CANCEL_EARLY_TIMERS)
        ):
            del self._timers[deadline]
            timer.cancel()

    def deadline_passed(self, deadline: datetime) -> bool:
        timer = self._timers.get(deadline)
        return workflow.now() >= deadline or (timer is not None and timer.done())

    @property
    def pending(self) -> bool:
        return bool(
            self._events
            or self._open
            or self._close
            or self._extend
            or self._withdrawals
            or self._mail
        )

    def event(self, stream: str, type_: EventType, **data: Any) -> None:
        # The run's time, for read models and reports: the database's clock runs behind a
        # simulation's or a compressed demo's. Readers map it onto the programme's calendar
        # (domain.programme_clock).
        self._events.append(
            NewEvent(
                event_id=workflow.uuid4(),
                stream_name=stream,
                type=type_,
                data=data,
                metadata={"occurred_at": workflow.now().isoformat()},
            )
        )

    def open_task(
        self,
        participant_id: str,
        kind: TaskKind,
        update_name: str,
        due_at: datetime,
        task_id: UUID | None = None,
        workflow_id: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> UUID:
        task_id = task_id or workflow.uuid4()
        self._open.append(
            TaskSpec(
                task_id=task_id,
                programme_id=self.programme_id,
                participant_id=participant_id,
                kind=kind,
                workflow_id=workflow_id or workflow.info().workflow_id,
                update_name=update_name,
                due_at=due_at,
                context=context or {},
                issued_at=workflow.now(),
            )
        )
        return task_id

    def close_task(
        self,
        task_id: UUID,
        status: TaskStatus = TaskStatus.DONE,
        answer: BaseModel | None = None,
    ) -> None:
        self._close.append(
            TaskClosure(
                task_id=task_id,
                status=status,
                closed_at=workflow.now(),
                answer=None
                if answer is None
                else answer.model_dump(mode="json", exclude={"task_id", "participant_id"}),
            )
        )

    def extend_task(self, task_id: UUID, due_at: datetime) -> None:
        self._extend.append(TaskDeadline(task_id=task_id, due_at=due_at))

    def withdraw(self, participant_id: str) -> None:
        self._withdrawals.append(Withdrawal(participant_id=participant_id, at=workflow.now()))

    def notify(
        self, participant_id: str | None, template: str, task_id: UUID | None = None, **context: Any
    ) -> None:
        # Checked before anything is journalled: a wrong variable fails here, in its workflow.
        context = notification_context(template, context)
        self._mail.append(
            Notification(
                notification_id=workflow.uuid4(),
                programme_id=self.programme_id,
                participant_id=participant_id,
                template=template,
                task_id=task_id,
                context=context,
            )
        )

    async def flush(self, summary: str) -> None:
        if not self.pending:
            return
        info = workflow.info()
        step = StepInput(
            events=tuple(self._events),
            open_tasks=tuple(self._open),
            close_tasks=tuple(self._close),
            extend_tasks=tuple(self._extend),
            withdrawals=tuple(self._withdrawals),
            notifications=tuple(self._mail),
            correlation={"workflow_id": info.workflow_id, "run_id": info.run_id},
        )
        self._events, self._open, self._close, self._mail = [], [], [], []
        self._extend, self._withdrawals = [], []
        try:
            await self._record(step, summary)
        except (ActivityError, ApplicationError) as error:
            given_up = _given_up(error)
            if given_up is None:
                raise
            # The step's events and tasks are written and its other e-mails sent (domain/
            # delivery.py): the workflow goes on, the e-mails it gave up on recorded.
            for failed in given_up:
                self._events.append(
                    NewEvent(
                        event_id=failure_event_id(failed.notification_id),
                        stream_name=programme_stream(self.programme_id),
                        type=EventType.NOTIFICATION_FAILED,
                        data=failed.model_dump(mode="json"),
                        metadata={"occurred_at": workflow.now().isoformat()},
                    )
                )
            await self.flush(f"record e-mails not sent: {summary}")

    async def _record(self, step: StepInput, summary: str) -> None:
        if workflow.patched(LOCAL_STEPS):
            await workflow.execute_local_activity(
                RECORD_STEP,
                step,
                result_type=StepResult,
                start_to_close_timeout=STEP_TIMEOUT,
                retry_policy=LOCAL_STEP_RETRY,
                summary=summary,
            )
            return
        await workflow.execute_activity(
            RECORD_STEP,
            step,
            result_type=StepResult,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=REMOTE_STEP_RETRY,
            summary=summary,
        )


def _given_up(error: ActivityError | ApplicationError) -> list[NotificationFailed] | None:
    """The e-mails a failed step gave up on, or None when it failed for another reason."""
    # A local activity's failure can reach the workflow as the activity's own error, unwrapped.
    cause = error.cause if isinstance(error, ActivityError) else error
    if not isinstance(cause, ApplicationError):
        return None
    if cause.type not in (NOTIFICATIONS_REFUSED, NOTIFICATIONS_PENDING):
        return None
    return [NotificationFailed.model_validate(detail) for detail in cause.details]


async def wait_until(
    deadline: datetime,
    done: Callable[[], bool],
    journal: Journal,
    what: str,
    also: Callable[[], bool] = lambda: False,
) -> bool:
    """Wait until `done()` or the deadline, writing whatever update handlers journal meanwhile.

    Returns whether `done()` held. `also()` ends the wait early without being "done" (a pause, an
    early end, a continue-as-new point) so the caller can react.
    """
    # Counted outside any `finally`: a workflow evicted from the cache must not issue commands.
    journal.waiting(deadline, +1)
    held = await _wait(deadline, done, journal, what, also)
    journal.waiting(deadline, -1)
    return held


async def _wait(
    deadline: datetime,
    done: Callable[[], bool],
    journal: Journal,
    what: str,
    also: Callable[[], bool],
) -> bool:
    while True:
        if journal.pending:
            await journal.flush(f"record: {what}")
        if done():
            return True
        if also() or journal.deadline_passed(deadline):
            return False
        journal.waiting_for, journal.next_deadline = what, deadline
        workflow.set_current_details(f"{what} (due {deadline:%Y-%m-%d %H:%M} UTC)")
        timer = journal.timer(deadline, what)
        await workflow.wait_condition(
            lambda t=timer: done() or also() or journal.pending or t.done()  # type: ignore[misc]
        )
