"""A pair's goals declined by the mentor, on the time-skipping server with the real mailer.

Declined once, the goals go back to the mentee with the mentor's comment; declined twice, or
never proposed, the coordinator is told by e-mail and the sessions go on regardless.
"""

from __future__ import annotations

from contracts.pair import PairPhase
from domain.events import EventType
from domain.next_steps import NextStep
from domain.programme import Role
from domain.tasks import TaskKind, TaskStatus
from tests.lifecycle_helpers import Run, Stack, TaskFilter, eventually, small_cohort

COORDINATOR = "coordination@example.com"
COMMENT = "Trop vague, précisez la mesure de réussite"


def _is(kind: TaskKind) -> TaskFilter:
    return lambda task: task.kind is kind


async def _goals_to_confirm(stack: Stack) -> Run:
    """A pair whose mentee has proposed goals; the mentor has not answered yet."""
    run = await stack.launch(small_cohort(2, sessions=4))

    async def confirm_open() -> bool:
        return bool(await run.open_tasks(TaskKind.GOALS_CONFIRM))

    await run.run_until(confirm_open, "goals to confirm", 30, skip=_is(TaskKind.GOALS_CONFIRM))
    return run


async def _decline(run: Run, comment: str) -> NextStep | None:
    (mentor,) = run.ids(Role.MENTOR)
    task = await run.task(TaskKind.GOALS_CONFIRM, mentor)
    ack = await run.answer(task, confirmed=False, comment=comment)
    return ack.next


async def _objectives(run: Run) -> list[list[str]]:
    stream = await run.pair_stream(1)
    return [
        [g["objective"] for g in e.data["goals"]]
        for e in await run.events(stream)
        if e.type == EventType.GOALS_PROPOSED
    ]


async def _session_log_opens(run: Run) -> None:
    async def log_open() -> bool:
        return bool(await run.open_tasks(TaskKind.SESSION_LOG))

    await run.run_until(log_open, "session 1 log", 30, skip=_is(TaskKind.SESSION_LOG))


async def test_declined_goals_go_back_to_the_mentee_with_the_comment(stack: Stack) -> None:
    run = await _goals_to_confirm(stack)
    (mentor,), (mentee,) = run.ids(Role.MENTOR), run.ids(Role.MENTEE)
    assert await _decline(run, COMMENT) is NextStep.GOALS_SENT_BACK

    # A second goals e-mail, with the mentor's comment and the goals declined.
    first, again = await stack.wait_for_mails("goals_propose", run.email(mentee), 2)
    (declined,) = await _objectives(run)
    text = again.text()
    assert COMMENT in text and COMMENT not in first.text()
    assert all(objective in text for objective in declined)
    assert again.subject != first.subject

    # The mentee proposes again; the mentor confirms; the sessions go on, nobody alerted.
    revised = await run.task(TaskKind.GOALS_PROPOSE, mentee)
    ack = await run.answer(revised)
    assert ack.next is NextStep.MENTOR_CONFIRMS_GOALS
    await stack.wait_for_mails("goals_confirm", run.email(mentor), 2)
    confirm = await run.task(TaskKind.GOALS_CONFIRM, mentor)
    assert (await run.answer(confirm, confirmed=True)).next is NextStep.SESSIONS
    await _session_log_opens(run)

    types = await run.event_types(await run.pair_stream(1))
    assert types.count(EventType.GOALS_PROPOSED) == 2
    assert types.count(EventType.GOALS_DECLINED) == 1
    assert types.count(EventType.GOALS_CONFIRMED) == 1
    assert EventType.COORDINATOR_ALERTED not in types
    assert stack.mails("goals_alert") == []
    assert (await run.pair_status(1)).phase is PairPhase.SESSIONS


async def test_goals_declined_twice_alert_the_coordinator_and_sessions_go_on(
    stack: Stack,
) -> None:
    run = await _goals_to_confirm(stack)
    (mentee,) = run.ids(Role.MENTEE)
    assert await _decline(run, "Trop vague") is NextStep.GOALS_SENT_BACK
    await run.answer(await run.task(TaskKind.GOALS_PROPOSE, mentee))
    assert await _decline(run, COMMENT) is NextStep.GOALS_TO_COORDINATOR

    (alert,) = await stack.wait_for_mails("goals_alert", COORDINATOR, 1)
    assert alert.recipients == [COORDINATOR]
    assert COMMENT in alert.text()
    stream = await run.pair_stream(1)

    async def alerted() -> list[dict[str, object]]:
        return [e.data for e in await run.events(stream) if e.type == EventType.COORDINATOR_ALERTED]

    assert await eventually(alerted, "the coordinator alert recorded") == [
        {"why": "goals_declined"}
    ]
    declines = [e.data for e in await run.events(stream) if e.type == EventType.GOALS_DECLINED]
    assert [(d["declines"], d["sent_back"]) for d in declines] == [(1, True), (2, False)]
    assert await run.open_tasks(TaskKind.GOALS_PROPOSE) == []
    # Only the first decline asked the mentee again.
    assert len(stack.mails("goals_propose", run.email(mentee))) == 2
    await _session_log_opens(run)


async def test_no_goals_by_the_deadline_alert_the_coordinator(stack: Stack) -> None:
    run = await stack.launch(small_cohort(2, sessions=4))
    await run.until_pair_phase(
        1, PairPhase.SESSIONS.value, max_days=40, skip=_is(TaskKind.GOALS_PROPOSE)
    )
    (alert,) = await stack.wait_for_mails("goals_alert", COORDINATOR, 1)
    assert alert.recipients == [COORDINATOR]
    stream = await run.pair_stream(1)

    async def alerted() -> list[dict[str, object]]:
        return [e.data for e in await run.events(stream) if e.type == EventType.COORDINATOR_ALERTED]

    assert await eventually(alerted, "the coordinator alert recorded") == [{"why": "goals_missing"}]
    (proposal,) = await run.tasks_ever(TaskKind.GOALS_PROPOSE)
    assert proposal.status is TaskStatus.EXPIRED
    assert EventType.GOALS_PROPOSED not in await run.event_types(stream)
