"""A pair's life inside a real programme: re-pairing, missed sessions, pause and reschedule, early
end, refused actions, and retried steps.

Each test runs a tiny cohort through the real `ProgrammeWorkflow` (so a pair's closing signal has
somewhere to go) on the time-skipping server, and acts for participants through the same task
table and workflow updates as the web page.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import asyncpg
import holidays
import pytest
import recurring_ical_events
from temporalio import activity
from temporalio.api.enums.v1 import EventType as EventTypeProto
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.mailer import Mailer, MailSettings
from activities.steps import StepActivities
from client.refusals import RefusalInfo, refusal_of
from contracts.pair import PairOutcome, PairPhase
from contracts.programme import ProgrammePhase
from devstack.smtp_sink import SmtpSink
from domain.answers import (
    ChemistryAnswer,
    EndPair,
    Goal,
    GoalsProposal,
    Pause,
    Reschedule,
    SessionLog,
)
from domain.delivery import NOTIFICATIONS_PENDING
from domain.events import (
    EventType,
    NewEvent,
    RecordedEvent,
    pair_stream,
    participant_stream,
    programme_stream,
)
from domain.meeting_rules import SLOTS
from domain.next_steps import NextStep
from domain.programme import Locale, Role
from domain.refusals import Refusal
from domain.steps import StepInput, StepResult
from domain.tasks import Notification, TaskClosure, TaskKind, TaskSpec, TaskStatus
from store.events import EventStore
from store.participants import ParticipantStore
from store.programmes import ProgrammeStore
from store.sent_mail import SentMailLog
from store.tasks import TaskRecord, TaskStore
from tests.calendar_helpers import events, invitation
from tests.lifecycle_helpers import (
    START,
    Run,
    Stack,
    TaskFilter,
    eventually,
    mail_settings,
    running_stack,
    small_cohort,
)
from workflows.programme import ProgrammeWorkflow

COORDINATOR = "coordination@example.com"
_WORKFLOW_TASK_EVENTS = {
    EventTypeProto.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventTypeProto.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventTypeProto.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
}


def _is(kind: TaskKind) -> TaskFilter:
    return lambda task: task.kind is kind


PARIS = ZoneInfo("Europe/Paris")


async def _pair_in_sessions(stack: Stack, sessions: int = 4, holidays: str = "FR") -> Run:
    """One mentee and one mentor, matched, chemistry and goals agreed: session 1 is ahead."""
    spec = small_cohort(2, sessions=sessions).model_copy(update={"holidays": holidays})
    run = await stack.launch(spec)
    await run.until_pair_phase(1, PairPhase.SESSIONS.value, max_days=30)
    return run


def _near(actual: datetime, expected: datetime, slack: timedelta = timedelta(minutes=5)) -> bool:
    return abs(actual - expected) <= slack


# ---- a. a no-go at the chemistry meeting --------------------------------------------------------


async def test_no_go_dissolves_the_pair_and_re_pairs_with_a_backup_never_the_same_mentor(
    stack: Stack,
) -> None:
    run = await stack.launch(small_cohort(3))  # one mentee, two compatible mentors
    (mentee,) = run.ids(Role.MENTEE)
    chemistry = _is(TaskKind.CHEMISTRY)

    async def chemistry_open() -> bool:
        return len(await run.open_tasks(TaskKind.CHEMISTRY)) == 2

    await run.run_until(chemistry_open, "first pair's chemistry", 20, skip=chemistry)
    first = (await run.summary()).pairs[0]
    assert first.mentee_id == mentee
    (backup,) = [m for m in run.ids(Role.MENTOR) if m != first.mentor_id]

    ack = await run.answer(
        await run.task(TaskKind.CHEMISTRY, mentee), go=False, reason="Pas d'affinité"
    )
    assert ack.next_step == "re-pairing"
    outcome: PairOutcome = await run.pair(1).result()
    assert outcome.phase is PairPhase.DISSOLVED
    assert outcome.ended_by == mentee

    stream = await run.pair_stream(1)
    types = await run.event_types(stream)
    assert types.count(EventType.CHEMISTRY_ANSWERED) == 1
    assert types[-1] == EventType.PAIR_DISSOLVED
    dissolved = (await run.events(stream))[-1]
    assert dissolved.data["no_go_by"] == mentee
    # The mentee gets the free mentor; the first mentor has no mentee waiting, and each is told so.
    (to_mentee,) = await stack.wait_for_mails("pair_dissolved", run.email(mentee))
    (to_mentor,) = await stack.wait_for_mails("pair_dissolved", run.email(first.mentor_id))
    assert any(
        words in to_mentor.text()
        for words in ("no mentee still without a mentor", "aucun(e) mentoré(e) encore sans mentor")
    )
    assert not any(w in to_mentee.text() for w in ("no mentee still", "aucun(e) mentoré(e)"))
    # Nothing of the dissolved pair stays open (the mentor's chemistry task is cancelled).
    assert await run.open_tasks(workflow_id=run.pair_id_for(1)) == []

    async def re_paired() -> bool:
        summary = await run.summary()
        return summary.pairs_formed == 2 and summary.pairs_dissolved == 1

    await eventually(re_paired, "a second pair started")
    summary = await run.summary()
    assert summary.repairings == 1
    second = summary.pairs[1]
    assert (second.mentor_id, second.mentee_id) == (backup, mentee)
    assert second.phase == PairPhase.CHEMISTRY.value
    # The backup came from the proposal's ranked list: the matching itself never ran again.
    view = await run.handle.query(ProgrammeWorkflow.matching)
    assert view.proposal is not None and view.proposal.backups[mentee][0] == backup
    history = await run.handle.fetch_history()
    matchings = [
        e
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
        and e.activity_task_scheduled_event_attributes.activity_type.name == "run_matching"
    ]
    assert len(matchings) == 1
    assert (await run.event_types(programme_stream(run.spec.id))).count(
        EventType.MATCHING_PROPOSED
    ) == 1

    # The backup mentor says no-go too: the first mentor is banned, so the mentee stays unmatched.
    await run.run_until(chemistry_open, "second pair's chemistry", 5, skip=chemistry)
    await run.answer(await run.task(TaskKind.CHEMISTRY, backup), go=False, reason="Agenda")
    final = await run.handle.result()
    assert final.phase is ProgrammePhase.COMPLETED
    assert (final.pairs_formed, final.pairs_dissolved, final.repairings) == (2, 2, 1)
    assert [(p.mentor_id, p.mentee_id) for p in final.pairs] == [
        (first.mentor_id, mentee),
        (backup, mentee),
    ]
    unmatched = [
        e
        for e in await run.events(participant_stream(mentee))
        if e.type == EventType.PARTICIPANT_UNMATCHED
    ]
    assert [e.data["reason"] for e in unmatched] == ["no backup mentor is available"]
    # Told in the second pair_dissolved e-mail, with the reason, not in a second e-mail.
    _, told = await stack.wait_for_mails("pair_dissolved", run.email(mentee), 2)
    assert any(
        words in told.text()
        for words in ("no other partner could be found", "aucun autre binôme n’a pu être trouvé")
    )
    assert stack.mails("unmatched", run.email(mentee)) == []
    assert run.refused == []


async def test_no_go_re_pairs_the_freed_mentor_with_the_mentee_left_waiting(stack: Stack) -> None:
    # Two mentees, one mentor who takes one: one mentee is left waiting from the first matching.
    cohort = small_cohort(4)
    people = tuple(p.model_copy(update={"locale": Locale.FR}) for p in cohort.participants[:3])
    run = await stack.launch(cohort.model_copy(update={"participants": people}))
    (mentor,) = run.ids(Role.MENTOR)
    # Everyone free the same mornings, in the same language: the mentor suits both mentees.
    alike = {"availability": ("mon-am", "tue-am"), "languages": ("fr",), "format": "hybrid"}
    for person in (*run.ids(Role.MENTEE), mentor):
        await run.answer(await run.task(TaskKind.SELF_ASSESSMENT, person), capacity=1, **alike)
    chemistry = _is(TaskKind.CHEMISTRY)

    async def chemistry_open() -> bool:
        return len(await run.open_tasks(TaskKind.CHEMISTRY)) == 2

    await run.run_until(chemistry_open, "first pair's chemistry", 20, skip=chemistry)
    before = await run.summary()
    (first,) = before.pairs
    assert first.mentor_id == mentor
    (waiting,) = [m for m in run.ids(Role.MENTEE) if m != first.mentee_id]
    assert before.unmatched_ids == [waiting]
    view = await run.handle.query(ProgrammeWorkflow.matching)
    assert view.proposal is not None and mentor in view.proposal.backups[waiting]

    await run.answer(
        await run.task(TaskKind.CHEMISTRY, first.mentee_id), go=False, reason="Pas d'affinité"
    )
    outcome: PairOutcome = await run.pair(1).result()
    assert outcome.phase is PairPhase.DISSOLVED

    # (a) The freed mentor is told a new partner is coming; the mentee that no one is left for.
    (to_mentor,) = await stack.wait_for_mails("pair_dissolved", run.email(mentor))
    assert "Nous vous proposerons prochainement un nouveau binôme." in to_mentor.text()
    assert "pas en mesure de vous proposer" not in to_mentor.text()
    (to_mentee,) = await stack.wait_for_mails("pair_dissolved", run.email(first.mentee_id))
    assert "aucun autre binôme n’a pu être trouvé après la première rencontre" in to_mentee.text()
    assert "prochainement un nouveau binôme" not in to_mentee.text()

    # (b) A new pair: the same mentor with the mentee who was waiting, each invited to meet.
    async def re_paired() -> bool:
        return (await run.summary()).pairs_formed == 2

    await eventually(re_paired, "the freed mentor's new pair started")
    summary = await run.summary()
    second = summary.pairs[1]
    assert (second.mentor_id, second.mentee_id) == (mentor, waiting)
    assert second.phase == PairPhase.CHEMISTRY.value
    assert (summary.pairs_dissolved, summary.repairings) == (1, 1)
    # The mentor accepted the charter in the first pair: only the mentee who waited is asked.
    (asked,) = await eventually(
        lambda: run.open_tasks(TaskKind.ONBOARDING, workflow_id=run.pair_id_for(2)),
        "the waiting mentee's onboarding",
    )
    assert asked.participant_id == waiting
    await run.answer(asked)
    await stack.wait_for_mails("chemistry", run.email(mentor), count=2)
    (invited,) = await stack.wait_for_mails("chemistry", run.email(waiting))
    assert invited.message["X-Tandem-Template"] == "chemistry"
    new_tasks = await run.open_tasks(TaskKind.CHEMISTRY, workflow_id=run.pair_id_for(2))
    assert sorted(t.participant_id for t in new_tasks) == sorted([mentor, waiting])

    # (c) Nothing of the dissolved pair is left for anyone to answer.
    assert await run.open_tasks(workflow_id=run.pair_id_for(1)) == []
    # (d) The coordinator's list of people without a partner: the dropped mentee, not the other.
    assert summary.unmatched_ids == [first.mentee_id]
    # (e) The dissolved pair's status waits for nothing.
    status = await run.pair_status(1)
    assert status.phase is PairPhase.DISSOLVED
    assert status.waiting_for == ""
    assert status.open_tasks == []
    assert run.refused == []


# ---- b. two missed sessions in a row ------------------------------------------------------------


async def test_two_missed_sessions_in_a_row_put_the_pair_at_risk(stack: Stack) -> None:
    run = await _pair_in_sessions(stack)
    mentor, mentee = run.ids(Role.MENTOR)[0], run.ids(Role.MENTEE)[0]
    session_log = _is(TaskKind.SESSION_LOG)

    async def at_risk() -> bool:
        return (await run.pair_status(1)).at_risk

    await run.run_until(at_risk, "pair at risk", 45, skip=session_log)
    status = await run.pair_status(1)
    assert (status.sessions_missed, status.sessions_held) == (2, 0)

    stream = await run.pair_stream(1)

    async def alerted() -> list[str]:
        types = await run.event_types(stream)
        return types if EventType.COORDINATOR_ALERTED in types else []

    types = await eventually(alerted, "the coordinator alert recorded")
    assert types.count(EventType.SESSION_MISSED) == 2
    assert types.count(EventType.PAIR_AT_RISK) == 1
    risk = next(e for e in await run.events(stream) if e.type == EventType.PAIR_AT_RISK)
    assert risk.data == {"missed_in_a_row": 2}
    logs = await run.tasks_ever(TaskKind.SESSION_LOG)
    assert [t.status for t in logs] == [TaskStatus.EXPIRED, TaskStatus.EXPIRED]

    (alert,) = await stack.wait_for_mails("at_risk", COORDINATOR, 1)
    assert alert.recipients == [COORDINATOR]
    assert alert.message["X-Tandem-Template"] == "at_risk"
    for person in (mentor, mentee):
        assert len(stack.mails("session_missed", run.email(person))) == 2

    # The next session takes place: the pair is no longer at risk.
    async def log_open() -> bool:
        return bool(await run.open_tasks(TaskKind.SESSION_LOG))

    await run.run_until(log_open, "session 3 log task", 20, skip=session_log)
    third = await run.task(TaskKind.SESSION_LOG, mentor)
    await run.answer(third, held=True, notes="Prompts <b>& tables</b>")
    status = await run.pair_status(1)
    assert not status.at_risk
    assert status.sessions_held == 1

    # The task keeps the answer (for the link opened again) and the programme time it closed.
    async def closed() -> TaskRecord | None:
        task = await TaskStore(stack.pool).get(third.task_id)
        return task if task is not None and task.status is TaskStatus.DONE else None

    done: TaskRecord = await eventually(closed, "session 3 log closed")
    assert done.answer is not None
    assert (done.answer["held"], done.answer["notes"]) == (True, "Prompts <b>& tables</b>")
    assert "task_id" not in done.answer and "participant_id" not in done.answer
    assert done.closed_at is not None and done.closed_at >= third.issued_at
    assert done.closed_at.year == 2027  # programme time, not the database's clock


# ---- c. reschedule and pause ---------------------------------------------------------------


async def test_reschedule_and_pause_shift_the_cadence(stack: Stack) -> None:
    # No public holiday here: the sessions move by whole days and stay on their weekday.
    run = await _pair_in_sessions(stack, holidays="none")
    mentor, mentee = run.ids(Role.MENTOR)[0], run.ids(Role.MENTEE)[0]
    pair_wf = run.pair_id_for(1)
    stream = await run.pair_stream(1)
    planned = {
        e.data["session_number"]: datetime.fromisoformat(e.data["at"])
        for e in await run.events(stream)
        if e.type == EventType.SESSION_SCHEDULED
    }
    assert sorted(planned) == [1, 2, 3, 4]
    assert planned[2] - planned[1] == timedelta(days=14)
    # Later the same week: a working day, as every session is (Monday to Friday).
    late = next(d for d in (3, 2, 1) if (planned[1] + timedelta(days=d)).weekday() < 5)

    manage = await run.task(TaskKind.PAIR_MANAGE, mentor, pair_wf)
    saturday = planned[1].date() + timedelta(days=(5 - planned[1].weekday()) % 7)
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await run.send(
            manage,
            Reschedule(
                task_id=manage.task_id, participant_id=mentor, session_number=1, new_date=saturday
            ),
            update="reschedule",
            update_id=str(uuid4()),
        )
    assert refusal_of(failure.value) == RefusalInfo(Refusal.NOT_A_WORKING_DAY, {})
    moved_to = (planned[1] + timedelta(days=late)).date()
    ack = await run.send(
        manage,
        Reschedule(
            task_id=manage.task_id, participant_id=mentor, session_number=1, new_date=moved_to
        ),
        update="reschedule",
        update_id=f"{manage.task_id}:reschedule",
    )
    assert moved_to.isoformat() in ack.next_step
    assert (ack.next, ack.params) == (
        NextStep.SESSION_MOVED,
        {"number": 1, "date": moved_to.isoformat()},
    )
    # Session 2 cannot move before session 1: refused, with what a page needs to say why.
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await run.send(
            manage,
            Reschedule(
                task_id=manage.task_id, participant_id=mentor, session_number=2, new_date=moved_to
            ),
            update="reschedule",
            update_id=str(uuid4()),
        )
    assert refusal_of(failure.value) == RefusalInfo(
        Refusal.SESSION_MUST_FOLLOW_PREVIOUS,
        {"session": 2, "previous": 1, "previous_date": moved_to.isoformat()},
    )

    async def rescheduled() -> list[RecordedEvent]:
        return [e for e in await run.events(stream) if e.type == EventType.SESSION_RESCHEDULED]

    def moved(k: int) -> datetime:
        """Session k after the reschedule: `late` days later, then the next working day."""
        local = planned[k].astimezone(PARIS).replace(tzinfo=None) + timedelta(days=late)
        while local.weekday() >= 5:
            local += timedelta(days=1)
        return local.replace(tzinfo=PARIS)

    (event,) = await eventually(rescheduled, "SessionRescheduled recorded")
    assert event.data["session_number"] == 1
    assert datetime.fromisoformat(event.data["at"]) == planned[1] + timedelta(days=late)
    for person in (mentor, mentee):
        # The step writes its events before it sends its e-mails: wait for the mail itself.
        await stack.wait_for_mails("session_rescheduled", run.email(person))
        assert len(stack.mails("session_rescheduled", run.email(person))) == 1
        # The calendar had the series; the update moves session 1 and, with it, the rest.
        (scheduled,) = stack.mails("sessions_scheduled", run.email(person))
        series, *sessions = events(invitation(scheduled))
        assert series.decoded("DTSTART") == planned[1]
        assert series["DTSTART"].params["TZID"] == "Europe/Paris"
        rule = series["RRULE"]
        assert (rule["FREQ"], rule["INTERVAL"], rule["COUNT"]) == (["WEEKLY"], [2], [4])
        assert [s.decoded("DTSTART") for s in sessions] == [planned[k] for k in sorted(planned)]
        (update,) = stack.mails("session_rescheduled", run.email(person))
        # Its link is the person's own pair-management page (reschedule, pause, end).
        own = await run.task(TaskKind.PAIR_MANAGE, person, pair_wf)
        assert update.message["X-Tandem-Task"] == scheduled.message["X-Tandem-Task"]
        assert update.message["X-Tandem-Task"] == str(own.task_id)
        master, *overrides = events(invitation(update))
        assert str(master["UID"]) == str(series["UID"]) and master["SEQUENCE"] == 1
        assert {o.decoded("RECURRENCE-ID"): o.decoded("DTSTART") for o in overrides} == {
            planned[k]: moved(k) for k in planned
        }

    async def logged(number: int) -> bool:
        tasks = await run.tasks_ever(TaskKind.SESSION_LOG, pair_wf)
        return len(tasks) >= number and tasks[number - 1].status is TaskStatus.DONE

    await run.run_until(lambda: logged(1), "session 1 logged", 25)
    first_log = (await run.tasks_ever(TaskKind.SESSION_LOG, pair_wf))[0]
    # Session 1 took place later: its log task was issued then, not on the old date.
    assert _near(first_log.issued_at, moved(1))
    assert _near(first_log.due_at, moved(1) + timedelta(days=7))

    # A 14-day pause moves session 2 (already moved with session 1) by another 14 days.
    manage = await run.task(TaskKind.PAIR_MANAGE, mentee, pair_wf)
    paused_at = await stack.now()
    await run.send(
        manage,
        Pause(task_id=manage.task_id, participant_id=mentee, days=14, reason="Congés"),
        update="pause",
        update_id=f"{manage.task_id}:pause",
    )
    status = await run.pair_status(1)
    assert status.paused_until is not None
    assert _near(status.paused_until, paused_at + timedelta(days=14))

    await run.run_until(lambda: logged(2), "session 2 logged", 40)
    second_log = (await run.tasks_ever(TaskKind.SESSION_LOG, pair_wf))[1]
    assert _near(second_log.issued_at, moved(2) + timedelta(days=14))
    await run.run_until(lambda: logged(3), "session 3 logged", 20)
    third_log = (await run.tasks_ever(TaskKind.SESSION_LOG, pair_wf))[2]
    assert _near(third_log.issued_at, moved(3) + timedelta(days=14))

    types = await run.event_types(stream)
    assert types.count(EventType.PAIR_PAUSED) == 1
    assert types.count(EventType.PAIR_RESUMED) == 1
    assert types.index(EventType.PAIR_PAUSED) < types.index(EventType.PAIR_RESUMED)
    for person in (mentor, mentee):
        (paused,) = stack.mails("pair_paused", run.email(person))
        assert len(stack.mails("pair_resumed", run.email(person))) == 1
        master, *overrides = events(invitation(paused))
        assert master["SEQUENCE"] == 2
        assert {o.decoded("RECURRENCE-ID"): o.decoded("DTSTART") for o in overrides} == {
            planned[k]: moved(k) + timedelta(days=0 if k == 1 else 14) for k in planned
        }
        for o in overrides:  # the same local time, whatever daylight saving did meanwhile
            start = o.decoded("DTSTART").astimezone(PARIS)
            assert (start.hour, start.minute) == (
                planned[1].astimezone(PARIS).hour,
                planned[1].astimezone(PARIS).minute,
            )
    assert (await run.pair_status(1)).paused_until is None
    assert run.refused == []


async def test_the_pair_meets_at_the_slot_it_chose_on_working_days_in_programme_hours(
    stack: Stack,
) -> None:
    run = await stack.launch(small_cohort(2, sessions=6))
    (mentee,), (mentor,) = run.ids(Role.MENTEE), run.ids(Role.MENTOR)
    chemistry = _is(TaskKind.CHEMISTRY)

    async def chemistry_open() -> bool:
        return len(await run.open_tasks(TaskKind.CHEMISTRY)) == 2

    await run.run_until(chemistry_open, "chemistry tasks", 20, skip=chemistry)
    asked = await run.task(TaskKind.CHEMISTRY, mentee)
    options, proposed = asked.context["slots"], asked.context["proposed_slot"]

    async def gave(person: str) -> set[str]:
        (answer,) = [
            e
            for e in await run.events(participant_stream(person))
            if e.type == EventType.SELF_ASSESSMENT_SUBMITTED
        ]
        return set(answer.data["availability"])

    shared = (await gave(mentee)) & (await gave(mentor))
    # Offered: the slots both gave in their self-assessments, in the order of the week.
    assert options == [s for s in SLOTS if s in shared] and proposed == options[0]
    (offer,) = stack.mails("chemistry", run.email(mentee))
    assert "Pour vos séances, nous vous proposons" in offer.text() or "Vous n’avez indiqué" in (
        offer.text()
    )
    # A slot outside the pair's is refused, with the ones it may choose.
    outside = next(s for s in SLOTS if s not in options)  # they share some, not all
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await run.answer(asked, go=True, slot=outside)
    assert refusal_of(failure.value) == RefusalInfo(Refusal.SLOT_NOT_OFFERED, {"slots": options})
    chosen = options[-1]
    await run.answer(asked, go=True, slot=chosen)
    assert (await run.pair_status(1)).slot == chosen  # the mentor's form now shows it
    await run.answer(await run.task(TaskKind.CHEMISTRY, mentor), go=True)
    await run.until_pair_phase(1, PairPhase.SESSIONS.value, max_days=30)

    day, half = chosen.split("-")
    weekday = ("mon", "tue", "wed", "thu", "fri").index(day)
    french = holidays.country_holidays("FR", years=range(2026, 2029))
    for person in (mentor, mentee):
        (scheduled,) = stack.mails("sessions_scheduled", run.email(person))
        shown = list(
            recurring_ical_events.of(invitation(scheduled)).between(
                datetime(2026, 1, 1), datetime(2029, 1, 1)
            )
        )
        assert len(shown) == 6
        for session in shown:
            local = session.decoded("DTSTART").astimezone(PARIS)
            assert local.weekday() < 5 and local.date() not in french
            assert (local.hour, local.minute) == ((9, 0) if half == "am" else (14, 0))
            if "férié" not in str(session["DESCRIPTION"]):
                assert local.weekday() == weekday  # the slot's day, unless a holiday moved it


# ---- d. an early end --------------------------------------------------------------------------


async def test_a_participant_ends_the_pair_early(stack: Stack) -> None:
    run = await _pair_in_sessions(stack)
    mentor, mentee = run.ids(Role.MENTOR)[0], run.ids(Role.MENTEE)[0]
    pair_wf = run.pair_id_for(1)
    await run.run_days(2)  # the mentor confirms the goals; a pause is not needed
    # The mentor's confirmation page has the goals to confirm, as the mentee proposed them.
    (confirm,) = await run.tasks_ever(TaskKind.GOALS_CONFIRM, pair_wf)
    (proposed,) = [
        e for e in await run.events(await run.pair_stream(1)) if e.type == EventType.GOALS_PROPOSED
    ]
    assert confirm.context["goals"] == proposed.data["goals"] != []

    manage = await run.task(TaskKind.PAIR_MANAGE, mentee, pair_wf)
    assert manage.update_name == "end_pair"
    await run.send(
        manage,
        EndPair(task_id=manage.task_id, participant_id=mentee, reason="Mutation à Lyon"),
    )
    outcome: PairOutcome = await run.pair(1).result()
    assert outcome.phase is PairPhase.ENDED_EARLY
    assert (outcome.ended_by, outcome.reason) == (mentee, "Mutation à Lyon")

    ended = [
        e
        for e in await run.events(await run.pair_stream(1))
        if e.type == EventType.PAIR_ENDED_EARLY
    ]
    assert [e.data for e in ended] == [
        {"ended_by": mentee, "ended_by_role": "mentee", "reason": "Mutation à Lyon"}
    ]
    # Every task of the pair is closed; the pair's task links no longer work.
    assert await run.open_tasks(workflow_id=pair_wf) == []
    store = TaskStore(stack.pool)
    closed = await store.get(manage.task_id)
    assert closed is not None and closed.status is TaskStatus.DONE
    assert closed.answer == {"reason": "Mutation à Lyon"}  # shown again on the link
    statuses = {t.participant_id: t.status for t in await run.tasks_ever(TaskKind.PAIR_MANAGE)}
    assert statuses == {mentee: TaskStatus.DONE, mentor: TaskStatus.CANCELLED}
    for person in (mentor, mentee):
        (farewell,) = stack.mails("pair_ended_early", run.email(person))
        # The sessions leave both calendars.
        calendar = invitation(farewell)
        (series,) = events(calendar)
        assert str(calendar["METHOD"]) == "CANCEL" and str(series["STATUS"]) == "CANCELLED"
        (scheduled,) = stack.mails("sessions_scheduled", run.email(person))
        assert str(series["UID"]) == str(events(invitation(scheduled))[0]["UID"])

    summary = await run.handle.result()
    assert summary.phase is ProgrammePhase.COMPLETED
    assert (summary.pairs_ended_early, summary.pairs_completed) == (1, 0)
    assert EventType.PROGRAMME_COMPLETED in await run.event_types()


# ---- e. refused actions -------------------------------------------------------------------------


async def test_wrong_phase_wrong_task_and_repeated_answers_are_refused(stack: Stack) -> None:
    run = await stack.launch(small_cohort(2))
    mentor, mentee = run.ids(Role.MENTOR)[0], run.ids(Role.MENTEE)[0]

    async def chemistry_open() -> bool:
        return len(await run.open_tasks(TaskKind.CHEMISTRY)) == 2

    await run.run_until(chemistry_open, "chemistry tasks", 20, skip=_is(TaskKind.CHEMISTRY))
    mentor_chem = await run.task(TaskKind.CHEMISTRY, mentor)
    pair = stack.client.get_workflow_handle(mentor_chem.workflow_id)
    stream = await run.pair_stream(1)
    history_before = len((await pair.fetch_history()).events)
    assert history_before > 0
    events_before = await run.event_types(stream)

    async def refused(name: str, payload: object, why: str) -> RefusalInfo | None:
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await pair.execute_update(name, payload, id=str(uuid4()))
        cause = failure.value.cause
        assert isinstance(cause, ApplicationError)
        assert cause.type == why, cause
        return refusal_of(failure.value)

    # A session log during the chemistry phase.
    log = SessionLog(
        task_id=mentor_chem.task_id, participant_id=mentor, session_number=1, held=True
    )
    assert await refused("log_session", log, "WrongPhase") == RefusalInfo(
        Refusal.NOT_POSSIBLE_IN_PHASE, {"phase": "chemistry"}
    )
    # The mentor's task answered by the mentee.
    stolen = ChemistryAnswer(task_id=mentor_chem.task_id, participant_id=mentee, go=True)
    assert await refused("chemistry", stolen, "WrongTask") == RefusalInfo(Refusal.NOT_YOUR_TASK)
    # A task that does not exist.
    forged = ChemistryAnswer(task_id=uuid4(), participant_id=mentor, go=True)
    assert await refused("chemistry", forged, "WrongTask") == RefusalInfo(Refusal.TASK_CLOSED)
    # Goals before the chemistry meeting.
    goals = GoalsProposal(
        task_id=mentor_chem.task_id,
        participant_id=mentee,
        goals=(Goal(objective="Publier sur LinkedIn", kpi="1 post", target_date=START),),
    )
    assert await refused("propose_goals", goals, "WrongPhase") == RefusalInfo(
        Refusal.NOT_POSSIBLE_IN_PHASE, {"phase": "chemistry"}
    )

    # Nothing was accepted or done: no update, activity or timer event. (The real server drops
    # the speculative workflow task of a rejected update; the time-skipping test server keeps
    # its three workflow-task events, so those are all that may appear.)
    added = {e.event_type for e in (await pair.fetch_history()).events[history_before:]}
    assert added <= _WORKFLOW_TASK_EVENTS
    assert await run.event_types(stream) == events_before

    # The right answer is accepted; the same click again (same update id) is one answer.
    mine = ChemistryAnswer(task_id=mentor_chem.task_id, participant_id=mentor, go=True)
    first = await run.send(mentor_chem, mine)
    again = await run.send(mentor_chem, mine)
    assert first == again
    # The same answer through a new request is refused: the task is closed.
    assert await refused("chemistry", mine, "WrongTask") == RefusalInfo(Refusal.TASK_CLOSED)

    async def answered_once() -> bool:
        types = await run.event_types(stream)
        return types.count(EventType.CHEMISTRY_ANSWERED) == 1

    await eventually(answered_once, "one ChemistryAnswered")
    closed = await TaskStore(stack.pool).get(mentor_chem.task_id)
    assert closed is not None and closed.status is TaskStatus.DONE


# ---- f. retried steps ----------------------------------------------------------------------


async def test_a_retried_record_step_writes_and_mails_once(
    pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    spec = small_cohort(2)
    await ProgrammeStore(pool).upsert(spec)
    await ParticipantStore(pool).upsert_many(spec.id, spec.participants)
    (mentor_id,) = [p.id for p in spec.participants if p.role is Role.MENTOR]
    (mentee_id,) = [p.id for p in spec.participants if p.role is Role.MENTEE]
    task = TaskSpec(
        task_id=uuid4(),
        programme_id=spec.id,
        participant_id=mentor_id,
        kind=TaskKind.CHEMISTRY,
        workflow_id="pair:x:0001",
        update_name="chemistry",
        due_at=datetime.fromisoformat("2027-02-01T09:00:00+00:00"),
        context={"pair_id": "0001"},
    )
    step = StepInput(
        events=(
            NewEvent(
                event_id=uuid4(),
                stream_name=pair_stream(spec.id, "0001"),
                type=EventType.PAIR_FORMED,
                data={
                    "mentor_id": mentor_id,
                    "mentee_id": mentee_id,
                    "chemistry_due": "2027-02-01T09:00:00+00:00",
                },
            ),
        ),
        open_tasks=(task,),
        notifications=(
            Notification(
                notification_id=uuid4(),
                programme_id=spec.id,
                participant_id=mentor_id,
                template="chemistry",
                task_id=task.task_id,
                context={"partner_id": mentee_id, "due_date": "2027-02-01"},
            ),
        ),
        correlation={"workflow_id": "pair:x:0001", "run_id": "r1"},
    )
    events, tasks, sent = EventStore(pool), TaskStore(pool), SentMailLog(pool)

    # Attempt 1 dies at the SMTP step: events and the task are written, no mail leaves.
    closed_port = MailSettings(
        smtp_url="smtp://127.0.0.1:9",
        mail_from="t@localhost",
        public_base_url="http://x",
        secret=b"s",
    )
    broken = StepActivities(events, tasks, Mailer(pool, closed_port), ParticipantStore(pool))
    with pytest.raises(ApplicationError) as waiting:  # retried: the e-mail waits
        await ActivityEnvironment().run(broken.record_step, step)
    assert (waiting.value.type, waiting.value.non_retryable) == (NOTIFICATIONS_PENDING, False)
    assert isinstance(waiting.value.__cause__, OSError)
    assert await events.count() == 2  # PairFormed and the task's TaskOpened
    assert smtp_sink.received_count == 0

    steps = StepActivities(
        events, tasks, Mailer(pool, mail_settings(smtp_sink)), ParticipantStore(pool)
    )
    retried: StepResult = await ActivityEnvironment().run(steps.record_step, step)
    again: StepResult = await ActivityEnvironment().run(steps.record_step, step)
    assert (retried.emails_sent, again.emails_sent) == (1, 0)
    assert await events.count() == 2
    assert smtp_sink.received_count == 1
    assert await sent.count(spec.id) == 1
    stored = await tasks.get(task.task_id)
    assert stored is not None and stored.status is TaskStatus.OPEN

    # A repeated closure keeps the first status.
    close = StepInput(close_tasks=(TaskClosure(task_id=task.task_id, status=TaskStatus.DONE),))
    await ActivityEnvironment().run(steps.record_step, close)
    expire = StepInput(close_tasks=(TaskClosure(task_id=task.task_id, status=TaskStatus.EXPIRED),))
    await ActivityEnvironment().run(steps.record_step, expire)
    stored = await tasks.get(task.task_id)
    assert stored is not None and stored.status is TaskStatus.DONE
    # And so does the task's history: one TaskClosed, saying done.
    closed = [e for e in await events.read_all() if e.type == EventType.TASK_CLOSED]
    assert [e.data for e in closed] == [{"status": "done"}]


class CrashAfterRecording(StepActivities):
    """Does the whole step, then fails its first attempt: the worst moment for a retry."""

    crashes = 0

    @activity.defn(name="record_step")
    async def record_step(self, step: StepInput) -> StepResult:
        result = await super().record_step(step)
        if activity.info().attempt == 1:
            CrashAfterRecording.crashes += 1
            raise RuntimeError("worker lost after recording the step")
        return result


async def test_retried_steps_in_a_running_programme_duplicate_nothing(
    env: WorkflowEnvironment, pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    settings = mail_settings(smtp_sink)
    flaky = CrashAfterRecording(
        EventStore(pool), TaskStore(pool), Mailer(pool, settings), ParticipantStore(pool)
    )
    CrashAfterRecording.crashes = 0
    async with running_stack(env, pool, smtp_sink, step_activities=flaky) as stack:
        run = await stack.launch(small_cohort(2, sessions=2))

        async def completed() -> bool:
            return (await run.summary()).phase is ProgrammePhase.COMPLETED

        await run.run_until(completed, "programme completed", 90)
        summary = await run.handle.result()

    assert summary.pairs_completed == 1
    assert summary.sessions_held == 2
    assert CrashAfterRecording.crashes > 20  # every step failed once after recording

    recorded = await run.events()
    assert len({e.event_id for e in recorded}) == len(recorded)
    copies = Counter((e.stream_name, e.type, json.dumps(e.data, sort_keys=True)) for e in recorded)
    assert [key for key, n in copies.items() if n > 1] == []
    types = Counter(e.type for e in recorded)
    assert types[EventType.PARTICIPANT_ENROLLED] == 2
    assert types[EventType.PAIR_FORMED] == 1
    assert types[EventType.SESSION_SCHEDULED] == 2
    assert types[EventType.SESSION_LOGGED] == 2
    assert types[EventType.PAIR_COMPLETED] == 1
    assert types[EventType.PROGRAMME_COMPLETED] == 1

    logged = await SentMailLog(pool).count(run.spec.id)
    assert smtp_sink.received_count == logged > 0
    message_ids = [m.message["Message-ID"] for m in smtp_sink.messages]
    assert len(set(message_ids)) == len(message_ids)
