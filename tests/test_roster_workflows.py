"""Roster changes on a running programme, on the time-skipping server, with the e-mails read back
from the SMTP peer: late joiners matched in a top-up round, a withdrawal ending a pair and
re-pairing the partner, a corrected address receiving the open links, longer deadlines."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError

from client.refusals import refusal_of
from contracts.pair import PairPhase
from contracts.programme import ProgrammePhase
from contracts.roster import ADD_PARTICIPANTS, CHANGE_EMAIL, EXTEND_TASK, WITHDRAW_PARTICIPANT
from domain.answers import Acknowledgement, CoordinatorCommand
from domain.events import EventType, participant_stream
from domain.next_steps import NextStep
from domain.programme import (
    Locale,
    MatchingSettings,
    Participant,
    ParticipantRef,
    Role,
    participant_id,
)
from domain.programme_clock import DEFAULT_TIMEZONE
from domain.refusals import Refusal
from domain.roster import AddParticipants, ChangeEmail, ExtendTask, OpenLink, WithdrawParticipant
from domain.tasks import TaskKind, TaskStatus
from domain.tokens import verify_task_token
from store.participants import ParticipantStore
from store.tasks import TaskStore
from tests.lifecycle_helpers import Run, Stack, small_cohort

DAY = timedelta(days=1)
SECRET = b"lifecycle-tests"  # what `mail_settings` in lifecycle_helpers signs links with


def _command(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4()}"


async def _update(run: Run, name: str, command: CoordinatorCommand) -> Acknowledgement:
    ack: Acknowledgement = await run.handle.execute_update(
        name, command, id=command.command_id, result_type=Acknowledgement
    )
    return ack


async def _refused(run: Run, name: str, command: CoordinatorCommand) -> Refusal:
    with pytest.raises(WorkflowUpdateFailedError) as failed:
        await _update(run, name, command)
    found = refusal_of(failed.value)
    assert found is not None
    return found.code


async def _join(run: Run, *people: tuple[str, Role]) -> tuple[list[Participant], Acknowledgement]:
    """Late joiners, stored as `tandem roster add` stores them, then added to the programme."""
    joiners = [
        Participant(
            id=participant_id(run.spec.id, email),
            email=email,
            name=email.split("@")[0].title(),
            role=role,
            department="communication",
            grade=8 if role is Role.MENTEE else 2,
            locale=Locale.FR,
        )
        for email, role in people
    ]
    await ParticipantStore(run.stack.pool).upsert_many(run.spec.id, joiners)
    run.spec = run.spec.model_copy(update={"participants": (*run.spec.participants, *joiners)})
    refs = tuple(
        ParticipantRef(
            id=p.id, role=p.role, locale=p.locale, grade=p.grade, department=p.department
        )
        for p in joiners
    )
    ack = await _update(
        run, ADD_PARTICIPANTS, AddParticipants(command_id=_command("add"), participants=refs)
    )
    return joiners, ack


async def _approve(run: Run) -> None:
    await _update(run, "approve_matching", CoordinatorCommand(command_id=_command("approve")))


async def test_late_joiners_are_matched_in_a_reviewed_top_up_round(stack: Stack) -> None:
    spec = small_cohort(6, sessions=2)  # three mentees, three mentors
    spec = spec.model_copy(update={"matching": MatchingSettings(auto_approve=False)})
    run = await stack.launch(spec)
    await run.until_phase(ProgrammePhase.REVIEW, max_days=10)
    await _approve(run)
    await run.until_phase(ProgrammePhase.RUNNING, max_days=2)

    async def started() -> bool:
        s = await run.summary()
        return s.pairs_formed == len(s.pairs) == 3

    await run.run_until(started, "the first round's pairs started", max_days=1)
    first = await run.summary()
    assert first.matching_rounds == 1 and len(first.unmatched_ids) == 1

    joiners, ack = await _join(
        run, ("late.mentee@example.com", Role.MENTEE), ("late.mentor@example.com", Role.MENTOR)
    )
    assert ack.next is NextStep.PARTICIPANTS_ADDED and ack.params["count"] == 2
    for person in joiners:  # their own self-assessment, by e-mail
        await stack.wait_for_mails("self_assessment", person.email)
        events = await run.events(participant_stream(person.id))
        enrolled = [e for e in events if e.type == EventType.PARTICIPANT_ENROLLED]
        assert enrolled and enrolled[0].data["late"] is True
    summary = await run.summary()
    assert summary.participants == 8 and summary.late_joiner_ids == [p.id for p in joiners]
    assert summary.next_top_up is not None

    # A second add of the same people changes nothing.
    refs = tuple(ParticipantRef(id=p.id, role=p.role) for p in joiners)
    again = AddParticipants(command_id=_command("add"), participants=refs)
    assert await _refused(run, ADD_PARTICIPANTS, again) is Refusal.ALREADY_ENROLLED

    async def in_review() -> bool:
        s = await run.summary()
        return s.phase is ProgrammePhase.REVIEW and s.matching_rounds == 2

    await run.run_until(in_review, "the top-up round's review", max_days=10)
    await stack.wait_for_mails("matching_review", count=2)
    await _approve(run)

    async def paired() -> bool:
        s = await run.summary()
        return s.phase is ProgrammePhase.RUNNING and s.pairs_formed == len(s.pairs) == 4

    await run.run_until(paired, "the top-up pair started", max_days=3)
    summary = await run.summary()
    # The late mentee is paired with a mentor with capacity left: the late one, or the mentor
    # the first round left over; the other is still unmatched, and told so.
    top_up = summary.pairs[3]
    assert top_up.mentee_id == joiners[0].id
    spare = {joiners[1].id, *first.unmatched_ids}
    assert top_up.mentor_id in spare
    assert summary.unmatched_ids == sorted(spare - {top_up.mentor_id})
    assert summary.late_joiners_paired == (2 if top_up.mentor_id == joiners[1].id else 1)
    mentee = joiners[0]
    await run.accept_charters()
    await stack.wait_for_mails("chemistry", mentee.email)


async def test_a_withdrawal_ends_the_pair_and_repairs_the_partner(stack: Stack) -> None:
    spec = small_cohort(6, sessions=2)  # three mentees, three mentors, capacity 1 each
    run = await stack.launch(spec)
    await run.until_phase(ProgrammePhase.RUNNING, max_days=15)
    summary = await run.summary()
    pair = summary.pairs[0]
    mentor, mentee = pair.mentor_id, pair.mentee_id

    ack = await _update(
        run,
        WITHDRAW_PARTICIPANT,
        WithdrawParticipant(
            command_id=_command("withdraw"), participant_id=mentor, reason="a quitté le groupe"
        ),
    )
    assert ack.next is NextStep.PARTICIPANT_WITHDRAWN
    await stack.wait_for_mails("withdrawal_confirmed", run.email(mentor))
    told = await stack.wait_for_mails("partner_withdrew", run.email(mentee))
    assert len(told) == 1

    async def ended() -> bool:
        status = await run.pair_status(int(pair.pair_id))
        return status.phase is PairPhase.ENDED_EARLY

    await run.run_until(ended, "the pair ended", max_days=1)
    status = await run.pair_status(int(pair.pair_id))
    assert status.open_tasks == [] and status.waiting_for == ""
    mentor_tasks = await run.open_tasks(participant_id=mentor)
    assert mentor_tasks == []
    record = await ParticipantStore(stack.pool).get(mentor)
    assert record is not None and record.withdrawn_at is not None  # their links say so now
    summary = await run.summary()
    assert summary.withdrawn_ids == [mentor]
    events = await run.events(participant_stream(mentor))
    withdrawn = [e for e in events if e.type == EventType.PARTICIPANT_WITHDRAWN]
    assert withdrawn[0].data["pair_id"] == pair.pair_id

    # Bad input changes nothing: a second withdrawal, an unknown person.
    second = WithdrawParticipant(command_id=_command("w"), participant_id=mentor, reason="encore")
    assert await _refused(run, WITHDRAW_PARTICIPANT, second) is Refusal.PARTICIPANT_WITHDRAWN
    unknown = WithdrawParticipant(command_id=_command("w"), participant_id="p000", reason="???")
    assert await _refused(run, WITHDRAW_PARTICIPANT, unknown) is Refusal.NOT_PARTICIPANT
    no_reason = WithdrawParticipant(command_id=_command("w"), participant_id=mentee, reason=" ")
    assert await _refused(run, WITHDRAW_PARTICIPANT, no_reason) is Refusal.REASON_NEEDED
    assert (await run.summary()).withdrawn_ids == [mentor]


async def test_a_corrected_address_gets_every_open_link(stack: Stack) -> None:
    run = await stack.launch(small_cohort(4, sessions=2))
    person = run.ids(Role.MENTEE)[0]
    await run.task(TaskKind.SELF_ASSESSMENT, person)
    store = ParticipantStore(stack.pool)
    await stack.wait_for_mails("self_assessment", run.email(person))
    record = await store.get(person)
    assert record is not None
    corrected = await store.change_email(person, "fixed@example.com")
    assert corrected is not None and corrected.link_generation == 1
    tasks = await TaskStore(stack.pool).list_open(run.spec.id)
    mine = [
        OpenLink(task_id=t.task_id, kind=t.kind, due_at=t.due_at)
        for t in tasks
        if t.participant_id == person
    ]
    assert {t.kind for t in mine} == {TaskKind.SELF_ASSESSMENT, TaskKind.CONCERN}
    ack = await _update(
        run,
        CHANGE_EMAIL,
        ChangeEmail(command_id=_command("email"), participant_id=person, open_tasks=tuple(mine)),
    )
    assert ack.next is NextStep.EMAIL_CHANGED and ack.params["links"] == 2
    renewed = await stack.wait_for_mails("task_link_renewed", "fixed@example.com", count=2)
    assert len(renewed) == 2
    assert stack.mails("task_link_renewed", record.email) == []
    # The confidential concern link is named as such, with no date to answer by.
    concern = {"fr": "Votre nouveau lien confidentiel", "en": "Your new confidential link"}
    subjects = {str(m.message["Subject"]) for m in renewed}
    assert concern[record.locale] in subjects
    # The renewed links are signed under the new generation: the old address's links are retired.
    now = datetime.now(UTC)
    for mail in renewed:
        for token in re.findall(r"/t/([A-Za-z0-9_-]+)", mail.text()):
            assert verify_task_token(token, SECRET, now).generation == 1
    events = await run.events(participant_stream(person))
    assert [
        e.data["links_sent"] for e in events if e.type == EventType.PARTICIPANT_EMAIL_CHANGED
    ] == [2]


async def test_an_expired_self_assessment_reopened_is_matched_in_a_top_up(stack: Stack) -> None:
    run = await stack.launch(small_cohort(4, sessions=2))  # two mentees, two mentors
    late = run.ids(Role.MENTEE)[0]
    task = await run.task(TaskKind.SELF_ASSESSMENT, late)
    await run.until_phase(
        ProgrammePhase.RUNNING, max_days=15, skip=lambda t: t.task_id == task.task_id
    )
    summary = await run.summary()
    assert late in summary.unmatched_ids and summary.pairs_formed == 1
    expired = await TaskStore(stack.pool).get(task.task_id)
    assert expired is not None and expired.status is TaskStatus.EXPIRED

    ack = await _update(
        run,
        EXTEND_TASK,
        ExtendTask(
            command_id=_command("extend"),
            participant_id=late,
            task_id=task.task_id,
            kind=TaskKind.SELF_ASSESSMENT,
            days=5,
            expired=True,
        ),
    )
    assert ack.next is NextStep.TASK_EXTENDED
    await stack.wait_for_mails("self_assessment", run.email(late), count=2)
    fresh = await run.task(TaskKind.SELF_ASSESSMENT, late)
    assert fresh.task_id != task.task_id

    async def paired() -> bool:
        s = await run.summary()
        return s.phase is ProgrammePhase.RUNNING and late in {p.mentee_id for p in s.pairs}

    await run.run_until(paired, "the reopened mentee paired", max_days=12)
    summary = await run.summary()
    assert late not in summary.unmatched_ids and summary.matching_rounds == 2
    too_long = ExtendTask(
        command_id=_command("extend"),
        participant_id=late,
        task_id=task.task_id,
        kind=TaskKind.SELF_ASSESSMENT,
        days=90,
    )
    assert await _refused(run, EXTEND_TASK, too_long) is Refusal.EXTENSION_TOO_LONG


async def test_an_open_self_assessment_extended_is_told_at_once_and_matched_later(
    stack: Stack,
) -> None:
    run = await stack.launch(small_cohort(4, sessions=2))  # two mentees, two mentors
    person = run.ids(Role.MENTEE)[0]
    task = await run.task(TaskKind.SELF_ASSESSMENT, person)
    ack = await _update(
        run,
        EXTEND_TASK,
        ExtendTask(
            command_id=_command("extend"),
            participant_id=person,
            task_id=task.task_id,
            kind=TaskKind.SELF_ASSESSMENT,
            days=20,
        ),
    )
    assert ack.next is NextStep.TASK_EXTENDED
    # Told now, with the same link, not at the next reminder.
    told = await stack.wait_for_mails("task_extended", run.email(person))
    assert len(told) == 1
    new_due = (await TaskStore(stack.pool).get(task.task_id)).due_at  # type: ignore[union-attr]
    assert new_due > task.due_at and _programme_date(new_due) == ack.params["date"]

    # The first round runs at the programme's deadline without them; their window stays open.
    async def first_pair() -> bool:
        return (await run.summary()).pairs_formed == 1

    await run.run_until(
        first_pair, "the first round's pair", 15, lambda t: t.task_id == task.task_id
    )
    summary = await run.summary()
    assert person not in summary.unmatched_ids
    # The mentor left over by round 1 is unmatched; the paired one is not, whatever a round says.
    assert summary.unmatched_ids == [
        m for m in run.ids(Role.MENTOR) if m != summary.pairs[0].mentor_id
    ]
    still = await TaskStore(stack.pool).get(task.task_id)
    assert still is not None and still.status is TaskStatus.OPEN
    await run.answer(task)

    async def paired() -> bool:
        s = await run.summary()
        return person in {p.mentee_id for p in s.pairs if p.started}

    await run.run_until(paired, "the extended mentee paired in a top-up round", max_days=25)
    summary = await run.summary()
    assert summary.matching_rounds == 2 and summary.unmatched_ids == []
    # The mentor paired in round 1 was never told they had no partner (the top-up round, which
    # offered them nobody new, listed them as unmatched).
    assert stack.mails("unmatched", run.email(summary.pairs[0].mentor_id)) == []


async def test_an_open_chemistry_task_gets_a_later_deadline(stack: Stack) -> None:
    run = await stack.launch(small_cohort(2, sessions=2))
    await run.until_phase(ProgrammePhase.RUNNING, max_days=15)
    await run.accept_charters()
    mentee = run.ids(Role.MENTEE)[0]
    task = await run.task(TaskKind.CHEMISTRY, mentee)
    handle = stack.client.get_workflow_handle(task.workflow_id)
    command = ExtendTask(
        command_id=_command("extend"),
        participant_id=mentee,
        task_id=task.task_id,
        kind=TaskKind.CHEMISTRY,
        days=4,
    )
    ack = await handle.execute_update(
        EXTEND_TASK, command, id=command.command_id, result_type=Acknowledgement
    )
    assert ack.next is NextStep.TASK_EXTENDED
    later = task.due_at + 4 * DAY
    assert ack.params["date"] == _programme_date(later)
    await stack.wait_for_mails("task_extended", run.email(mentee))
    for chemistry in await run.open_tasks(TaskKind.CHEMISTRY):  # both answers share it
        assert chemistry.due_at == later
    # The pair waits for the new deadline: at the old one, nobody answered, it is still open.
    await stack.sleep(task.due_at + DAY - await stack.now())
    status = await run.pair_status(1)
    assert status.phase is PairPhase.CHEMISTRY
    await run.until_pair_phase(1, PairPhase.DISSOLVED.value, max_days=6, skip=lambda t: True)

    finished = ExtendTask(
        command_id=_command("extend"),
        participant_id=mentee,
        task_id=task.task_id,
        kind=TaskKind.CHEMISTRY,
        days=2,
        expired=True,
    )
    # The pair is over: its workflow takes no more updates (the CLI refuses before sending).
    with pytest.raises(RPCError):
        await handle.execute_update(
            EXTEND_TASK, finished, id=finished.command_id, result_type=Acknowledgement
        )


def _programme_date(moment: datetime) -> str:
    """The date people are told for `moment`: the programme's, in its time zone (Paris)."""
    return moment.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date().isoformat()
