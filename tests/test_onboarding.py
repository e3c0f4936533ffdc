"""Onboarding before the chemistry meeting: each partner reads the charter and their role's guide
and accepts the charter; the meeting waits for both, or for the deadline, when the coordinator is
told who has not accepted.

Tiny cohorts run through the real workflows on the time-skipping server; participants act through
the same task table and updates as the web page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from uuid import uuid4

import pytest
from temporalio.client import WorkflowUpdateFailedError

from client.refusals import RefusalInfo, refusal_of
from domain.answers import OnboardingAcceptance
from domain.events import EventType, participant_stream
from domain.next_steps import NextStep
from domain.programme import Locale, Role
from domain.refusals import Refusal
from domain.tasks import TaskKind, TaskStatus
from store.tasks import TaskRecord
from tests.lifecycle_helpers import DAY, Run, Stack, eventually, small_cohort

COORDINATOR = "coordination@example.com"


def _exactly(
    count: int, found: Callable[[], Awaitable[list[TaskRecord]]]
) -> Callable[[], Awaitable[list[TaskRecord] | None]]:
    async def check() -> list[TaskRecord] | None:
        tasks = await found()
        return tasks if len(tasks) == count else None

    return check


def _onboarding(task: TaskRecord) -> bool:
    return task.kind is TaskKind.ONBOARDING


async def _onboarding_open(run: Run, count: int = 2) -> list[TaskRecord]:
    """The programme runs to its pairs' onboarding; nobody accepts the charter yet."""

    async def asked() -> bool:
        return bool(await run.open_tasks(TaskKind.ONBOARDING))

    await run.run_until(asked, "onboarding", 20, skip=_onboarding)
    tasks: list[TaskRecord] = await eventually(
        _exactly(count, lambda: run.open_tasks(TaskKind.ONBOARDING)), f"{count} onboarding tasks"
    )
    return tasks


async def test_an_unaccepted_charter_holds_the_meeting_to_the_deadline_then_the_coordinator_hears(
    stack: Stack,
) -> None:
    spec = small_cohort(2)
    people = tuple(p.model_copy(update={"locale": Locale.FR}) for p in spec.participants)
    run = await stack.launch(spec.model_copy(update={"participants": people}))
    mentor, mentee = run.ids(Role.MENTOR)[0], run.ids(Role.MENTEE)[0]
    tasks = await _onboarding_open(run)
    by_person = {t.participant_id: t for t in tasks}
    deadline = by_person[mentee].due_at
    formed = by_person[mentee].issued_at
    assert deadline - formed == timedelta(days=5)  # the programme's default onboarding days
    for person in (mentor, mentee):
        (mail,) = await stack.wait_for_mails("onboarding", run.email(person))
        assert "charte" in mail.subject and "charte" in mail.text()

    # Accepting is ticking the box: an answer that does not accept changes nothing.
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await run.send(
            by_person[mentor],
            OnboardingAcceptance(
                task_id=by_person[mentor].task_id, participant_id=mentor, accepted=False
            ),
            update_id=str(uuid4()),
        )
    assert refusal_of(failure.value) == RefusalInfo(Refusal.CHARTER_NOT_ACCEPTED, {})
    ack = await run.answer(by_person[mentor])
    assert ack.next is NextStep.ONBOARDED

    # The mentee never accepts: reminded two days before the deadline, the meeting still waits.
    await stack.sleep(deadline - 2 * DAY - await stack.now() + timedelta(hours=1))
    await stack.wait_for_mails("onboarding_reminder", run.email(mentee))
    assert stack.mails("onboarding_reminder", run.email(mentor)) == []
    assert await run.open_tasks(TaskKind.CHEMISTRY) == []
    assert stack.mails("chemistry") == []
    status = await run.pair_status(1)
    assert status.waiting_for == "charter accepted" and status.next_deadline == deadline

    # The deadline passes: the coordinator hears who has not accepted; the meeting goes ahead.
    await stack.sleep(deadline - await stack.now() + timedelta(hours=1))
    (alert,) = await stack.wait_for_mails("onboarding_overdue", COORDINATOR)
    assert "binôme 0001" in alert.text() and "mentoré(e)" in alert.text()
    assert "- mentor\n" not in alert.text()
    for person in (mentor, mentee):
        await stack.wait_for_mails("chemistry", run.email(person))
    chemistry = await run.open_tasks(TaskKind.CHEMISTRY)
    assert sorted(t.participant_id for t in chemistry) == sorted([mentor, mentee])
    # The meeting's deadline counts from the end of onboarding.
    assert all(t.due_at == deadline + 10 * DAY for t in chemistry)
    stream = await run.pair_stream(1)
    alerted = [e for e in await run.events(stream) if e.type == EventType.COORDINATOR_ALERTED]
    assert [e.data for e in alerted] == [{"why": "onboarding"}]

    # The mentee's link still works: they accept late, and it is recorded.
    late = await run.task(TaskKind.ONBOARDING, mentee)
    await run.answer(late)

    async def accepted() -> list[str]:
        return [
            person
            for person in (mentor, mentee)
            for e in await run.events(participant_stream(person))
            if e.type == EventType.ONBOARDING_ACCEPTED
        ]

    both = await eventually(_exactly(2, accepted), "both acceptances")  # type: ignore[arg-type]
    assert sorted(both) == sorted([mentor, mentee])
    done = await run.tasks_ever(TaskKind.ONBOARDING)
    assert {t.status for t in done} == {TaskStatus.DONE}


async def test_once_both_accept_the_meeting_opens_at_once(stack: Stack) -> None:
    run = await stack.launch(small_cohort(2))
    tasks = await _onboarding_open(run)
    for task in tasks:
        await run.answer(task)
    chemistry = await eventually(
        _exactly(2, lambda: run.open_tasks(TaskKind.CHEMISTRY)), "the chemistry tasks"
    )
    # Well before the onboarding deadline: nobody waited for it.
    assert all(t.issued_at < tasks[0].due_at - 4 * DAY for t in chemistry)
    assert stack.mails("onboarding_reminder") == [] and stack.mails("onboarding_overdue") == []


async def test_a_mentor_of_two_pairs_is_asked_once_and_their_answer_serves_both(
    stack: Stack,
) -> None:
    cohort = small_cohort(4)
    people = cohort.participants[:3]  # two mentees, one mentor
    run = await stack.launch(cohort.model_copy(update={"participants": people}))
    (mentor,) = run.ids(Role.MENTOR)
    alike = {"availability": ("mon-am", "tue-am"), "languages": ("fr",), "format": "hybrid"}
    for person in (*run.ids(Role.MENTEE), mentor):
        capacity = {"capacity": 2} if person == mentor else {}
        await run.answer(await run.task(TaskKind.SELF_ASSESSMENT, person), **alike, **capacity)
    tasks = await _onboarding_open(run, count=3)
    mine = [t for t in tasks if t.participant_id == mentor]
    assert len(mine) == 1  # one task, in one of the two pairs
    assert len(stack.mails("onboarding", run.email(mentor))) == 1
    for task in tasks:
        await run.answer(task)
    chemistry = await eventually(
        _exactly(4, lambda: run.open_tasks(TaskKind.CHEMISTRY)), "both pairs' chemistry tasks"
    )
    assert sorted({t.workflow_id for t in chemistry}) == [run.pair_id_for(1), run.pair_id_for(2)]
    assert stack.mails("onboarding_overdue") == []
