"""The coordinator's actions on a running pair: re-pairing a mentee, and nudging a participant.

Both are workflow updates with validators, called as the dashboard calls them, on the real stack
(time-skipping Temporal, the worker, PostgreSQL, an SMTP sink).
"""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import WorkflowUpdateFailedError

from contracts.pair import PairOutcome, PairPhase
from domain.answers import Acknowledgement, CoordinatorCommand, NudgeCommand
from domain.events import EventType
from domain.programme import Role
from domain.tasks import TaskKind, TaskStatus
from tests.calendar_helpers import events, invitation
from tests.lifecycle_helpers import DAY, Run, Stack, eventually, small_cohort
from workflows.programme import ProgrammeWorkflow


def _command(reason: str = "") -> CoordinatorCommand:
    return CoordinatorCommand(command_id=f"test-{uuid.uuid4()}", reason=reason)


async def _refused(run: Run, n: int, update: str, command: CoordinatorCommand) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await run.pair(n).execute_update(update, command, result_type=Acknowledgement)
    return str(caught.value.cause)


async def test_the_coordinator_re_pairs_a_mentee_during_the_sessions(stack: Stack) -> None:
    run = await stack.launch(small_cohort(3))  # one mentee, two compatible mentors
    (mentee,) = run.ids(Role.MENTEE)
    await run.until_pair_phase(1, PairPhase.SESSIONS.value, max_days=30)
    first = (await run.summary()).pairs[0]
    (backup,) = [m for m in run.ids(Role.MENTOR) if m != first.mentor_id]

    assert "say why" in await _refused(run, 1, "re_pair", _command(" "))
    ack = await run.pair(1).execute_update(
        "re_pair", _command("Incompatibilité d'agenda"), result_type=Acknowledgement
    )
    assert "backup mentor" in ack.next_step
    outcome: PairOutcome = await run.pair(1).result()
    assert (outcome.phase, outcome.ended_by) == (PairPhase.DISSOLVED, "coordinator")

    dissolved = [
        e for e in await run.events(await run.pair_stream(1)) if e.type == EventType.PAIR_DISSOLVED
    ]
    assert [e.data for e in dissolved] == [
        {"no_go_by": "coordinator", "reason": "Incompatibilité d'agenda"}
    ]
    assert await run.open_tasks(workflow_id=run.pair_id_for(1)) == []
    for person in (mentee, first.mentor_id):
        (farewell,) = await stack.wait_for_mails("pair_dissolved", run.email(person))
        assert "La coordination du programme a décidé" in farewell.text()
        assert "première rencontre" not in farewell.text()  # not the no-go wording
        (series,) = events(invitation(farewell))  # the planned sessions leave the calendars
        assert str(series["STATUS"]) == "CANCELLED"

    async def re_paired() -> bool:
        return (await run.summary()).pairs_formed == 2

    await eventually(re_paired, "the mentee's second pair")
    summary = await run.summary()
    assert (summary.pairs[1].mentor_id, summary.pairs[1].mentee_id) == (backup, mentee)
    assert (summary.pairs_dissolved, summary.repairings) == (1, 1)
    view = await run.handle.query(ProgrammeWorkflow.matching)
    assert (first.mentor_id, mentee) in view.banned


async def test_re_pairing_is_refused_once_the_pair_has_ended(stack: Stack) -> None:
    run = await stack.launch(small_cohort(2))
    await run.until_pair_phase(1, PairPhase.SESSIONS.value, max_days=30)
    await run.pair(1).execute_update(
        "end_by_coordinator", _command("Départ de l'entreprise"), result_type=Acknowledgement
    )
    assert "already ended" in await _refused(run, 1, "re_pair", _command("Trop tard"))
    outcome: PairOutcome = await run.pair(1).result()
    assert outcome.phase is PairPhase.ENDED_EARLY


async def test_a_nudge_e_mails_the_task_link_once_a_day_at_most(stack: Stack) -> None:
    run = await stack.launch(small_cohort(2))
    (mentee,) = run.ids(Role.MENTEE)

    async def chemistry_open() -> bool:
        return len(await run.open_tasks(TaskKind.CHEMISTRY)) == 2

    no_chemistry = lambda task: task.kind is TaskKind.CHEMISTRY  # noqa: E731
    await run.run_until(chemistry_open, "the chemistry tasks", 20, skip=no_chemistry)
    task = await run.task(TaskKind.CHEMISTRY, mentee)

    def nudge(task_id: uuid.UUID = task.task_id) -> NudgeCommand:
        return NudgeCommand(command_id=f"test-{uuid.uuid4()}", task_id=task_id)

    ack = await run.pair(1).execute_update("nudge", nudge(), result_type=Acknowledgement)
    assert ack.next_step == "a reminder is on its way"
    (mail,) = await stack.wait_for_mails("task_nudge", run.email(mentee))
    assert str(mail.message["X-Tandem-Task"]) == str(task.task_id)
    assert "/t/" in mail.text() and "votre réponse après la première rencontre" in mail.text()
    assert "Rappel de la coordination" in str(mail.message["Subject"])

    # Twice the same day is refused; a day later it goes again.
    assert "less than a day ago" in await _refused(run, 1, "nudge", nudge())
    await stack.sleep(DAY)
    await run.pair(1).execute_update("nudge", nudge(), result_type=Acknowledgement)
    await stack.wait_for_mails("task_nudge", run.email(mentee), count=2)

    # Only open participant tasks: not a pair's standing "manage" task, not an unknown one.
    manage = await run.task(TaskKind.PAIR_MANAGE, mentee)
    assert "closed or does not exist" in await _refused(run, 1, "nudge", nudge(manage.task_id))
    assert "closed or does not exist" in await _refused(run, 1, "nudge", nudge(uuid.uuid4()))

    stream = await run.pair_stream(1)
    nudged = [e for e in await run.events(stream) if e.type == EventType.PARTICIPANT_NUDGED]
    assert [(e.data["participant_id"], e.data["task_kind"]) for e in nudged] == [
        (mentee, "chemistry"),
        (mentee, "chemistry"),
    ]
    # A nudge changes nothing else: the task is still open, waiting for its answer.
    still = await run.task(TaskKind.CHEMISTRY, mentee)
    assert still.status is TaskStatus.OPEN
