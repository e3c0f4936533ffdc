"""The self-assessment deadline a participant is told is the one the matching keeps: an answer
accepted in the window's last second is matched, never listed as missed."""

from __future__ import annotations

from datetime import timedelta

from contracts.programme import ProgrammePhase
from domain.events import EventType, participant_stream
from domain.next_steps import NextStep
from domain.programme import Role
from domain.tasks import TaskKind
from tests.lifecycle_helpers import Stack, small_cohort

SECOND = timedelta(seconds=1)
MILLISECOND = timedelta(milliseconds=1)


async def test_an_answer_in_the_last_second_of_the_window_is_matched(stack: Stack) -> None:
    run = await stack.launch(small_cohort(4))  # two mentees, two mentors
    last, _ = run.ids(Role.MENTEE)
    task = await run.task(TaskKind.SELF_ASSESSMENT, last)
    for p in run.spec.participants:  # every window is open before anyone answers
        await run.task(TaskKind.SELF_ASSESSMENT, p.id)
    await run.answer_open(skip=lambda t: t.participant_id == last)

    # One deadline for everyone, and the matching does not run before it.
    windows = await run.tasks_ever(TaskKind.SELF_ASSESSMENT)
    assert len(windows) == 4
    assert {w.due_at for w in windows} == {task.due_at}
    summary = await run.summary()
    assert summary.phase is ProgrammePhase.SELF_ASSESSMENT
    assert summary.next_deadline is not None and summary.next_deadline > task.due_at

    # The server's clock counts whole milliseconds and a skip stops on one: one more keeps the
    # answer inside the last second whatever the deadline's microseconds.
    await stack.sleep(task.due_at - SECOND + MILLISECOND - await stack.now())
    assert task.due_at - await stack.now() <= SECOND
    ack = await run.answer(task)
    assert ack.next is NextStep.MATCHING  # "thank you, the matching comes next"

    await run.until_phase(ProgrammePhase.RUNNING, max_days=5)
    summary = await run.summary()
    assert last in {p.mentee_id for p in summary.pairs}
    assert summary.unmatched == 0
    history = [e.type for e in await run.events(participant_stream(last))]
    assert EventType.SELF_ASSESSMENT_SUBMITTED in history
    assert EventType.SELF_ASSESSMENT_MISSED not in history
    assert EventType.PARTICIPANT_UNMATCHED not in history
    assert stack.mails("unmatched", run.email(last)) == []
