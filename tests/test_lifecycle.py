"""Whole programmes on the real stack: a 12-session programme end to end, the `tandem simulate`
report, and the self-assessment window of a participant who never answers."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from contracts.ids import assessment_workflow_id
from contracts.programme import ProgrammePhase
from control.participants import SimulatedCohort, run_until
from control.simulate import simulate
from domain.events import EventType, participant_stream, programme_stream
from domain.programme import Locale, Role
from domain.simulation import synthetic_programme
from domain.tasks import TaskKind, TaskStatus
from store.sent_mail import SentMailLog
from store.tasks import TaskRecord, TaskStore
from tests.lifecycle_helpers import (
    DAY,
    EVERYONE_ANSWERS,
    START,
    SkippingClock,
    Stack,
    small_cohort,
)

COORDINATOR = "coordination@example.com"
HOUR = timedelta(hours=1)


async def test_a_twelve_session_programme_runs_to_completion(stack: Stack) -> None:
    spec = small_cohort(8, seed=7)  # 12 sessions, every 14 days
    run = await stack.launch(spec, seed=7)
    cohort = SimulatedCohort(stack.client, stack.pool, spec, 7, EVERYONE_ANSWERS, 86_400)

    async def finished() -> bool:
        return (await run.summary()).phase is ProgrammePhase.COMPLETED

    await run_until(cohort, SkippingClock(stack.env), finished, DAY, max_steps=260)
    summary = await run.handle.result()

    assert cohort.stats.rejected == 0, cohort.stats.rejections
    assert summary.phase is ProgrammePhase.COMPLETED
    assert (summary.participants, summary.pairs_formed, summary.pairs_completed) == (8, 4, 4)
    assert (summary.pairs_ended_early, summary.pairs_dissolved, summary.unmatched) == (0, 0, 0)
    assert summary.sessions_planned == summary.sessions_held == 12 * 4
    assert summary.runs == 1
    assert {r.phase for r in summary.pairs} == {"completed"}

    # The event store tells the same story.
    events = await run.events()
    types = Counter(e.type for e in events)
    assert types[EventType.PROGRAMME_LAUNCHED] == 1
    assert types[EventType.PARTICIPANT_ENROLLED] == 8
    assert types[EventType.SELF_ASSESSMENT_SUBMITTED] == 8
    assert types[EventType.MATCHING_APPROVED] == 1
    assert types[EventType.PAIR_FORMED] == 4
    assert types[EventType.SESSION_SCHEDULED] == types[EventType.SESSION_LOGGED] == 48
    assert types[EventType.FINAL_EVALUATION_SUBMITTED] == 8
    assert types[EventType.PAIR_COMPLETED] == 4
    assert types[EventType.SESSION_MISSED] == types[EventType.PAIR_AT_RISK] == 0
    programme_events = await run.event_types(programme_stream(spec.id))
    assert programme_events[-1] == EventType.PROGRAMME_COMPLETED
    for record in summary.pairs:
        pair_types = await run.event_types(await run.pair_stream(int(record.pair_id)))
        assert pair_types[0] == EventType.PAIR_FORMED
        assert pair_types[-1] == EventType.PAIR_COMPLETED

    # Nothing is left to do but the confidential concern links, valid for a while longer.
    assert {t.kind for t in await run.open_tasks()} == {TaskKind.CONCERN}

    # Every e-mail went out once; everybody heard about the end of their pair.
    sent = await SentMailLog(stack.pool).count(spec.id)
    assert sent > 100
    assert stack.sink.received_count == sent
    message_ids = [m.message["Message-ID"] for m in stack.sink.messages]
    assert len(set(message_ids)) == len(message_ids)
    for p in spec.participants:
        assert len(stack.mails("pair_completed", p.email)) == 1
        assert len(stack.mails("session_log", p.email)) == (12 if p.role is Role.MENTOR else 0)
    assert len(stack.mails("programme_completed", COORDINATOR)) == 1

    # Small histories: no workflow of the programme comes near the continue-as-new limit.
    ids = [run.handle.id, *(run.pair_id_for(int(r.pair_id)) for r in summary.pairs)]
    ids += [assessment_workflow_id(spec.id, p.id) for p in spec.participants]
    sizes = [len((await stack.client.get_workflow_handle(i).fetch_history()).events) for i in ids]
    assert max(sizes) < 2000
    assert summary.max_history_length < 2000


async def test_tandem_simulate_reports_a_clean_run() -> None:
    """`tandem simulate` brings up its own stack and reports what a coordinator would read."""
    spec = synthetic_programme(4, 3, START)
    report = await simulate(spec, 3, EVERYONE_ANSWERS)
    assert (report.participants, report.pairs_formed, report.pairs_completed) == (4, 2, 2)
    assert report.sessions_planned == report.sessions_held == 12 * 2
    assert report.answers_refused == 0
    assert report.emails_sent > 0
    assert report.events_stored > 0
    assert report.max_history_events < 2000
    assert report.programme_runs == 1
    assert report.simulated_days > 12 * 14


async def test_a_rehearsal_with_late_joiners_and_withdrawals_adds_up() -> None:
    """`tandem simulate --late-joiners 2 --withdrawals 1`: the joiners are paired in a top-up
    round, the one who leaves ends their pair, and the figures agree with each other."""
    spec = synthetic_programme(8, 3, START).model_copy(update={"sessions": 2})
    report = await simulate(spec, 3, EVERYONE_ANSWERS, late_joiners=2, withdrawals=1)
    assert (report.participants, report.late_joiners, report.withdrawals) == (10, 2, 1)
    # A late mentee and a late mentor: the mentee is paired in the top-up round, with the late
    # mentor or one the first round left with capacity; a mentor alone waits for the next.
    assert report.late_joiners_paired in (1, 2)
    assert report.pairs_formed >= 5
    # The pair of the one who left ends early; everyone else's completes.
    assert report.pairs_ended_early >= 1
    assert report.pairs_formed == (
        report.pairs_completed + report.pairs_ended_early + report.pairs_dissolved
    )
    # Only an answer to a task of the ended pair, sent as it ended, can be refused (a stale
    # link): the one who left answers nothing more.
    assert report.answers_refused <= 2


async def test_a_silent_participant_is_reminded_twice_then_left_out_of_matching(
    stack: Stack,
) -> None:
    run = await stack.launch(small_cohort(4))  # two mentees, two mentors
    silent, other_mentee = run.ids(Role.MENTEE)
    silent_email = run.email(silent)
    task = await run.task(TaskKind.SELF_ASSESSMENT, silent)
    opened = task.issued_at
    assert task.workflow_id == assessment_workflow_id(run.spec.id, silent)
    # The programme's deadline, set a moment before this window opened.
    assert opened + 7 * DAY - HOUR < task.due_at <= opened + 7 * DAY
    await stack.wait_for_mails("self_assessment", silent_email)

    def from_silent(t: TaskRecord) -> bool:
        return t.participant_id == silent

    async def advance_to(moment: datetime) -> None:
        await run.answer_open(skip=from_silent)
        await stack.sleep(moment - await stack.now())

    # Reminders on day 3 and day 6, not before.
    await advance_to(opened + 3 * DAY - HOUR)
    assert stack.mails("self_assessment_reminder") == []
    await advance_to(opened + 3 * DAY + HOUR)
    await stack.wait_for_mails("self_assessment_reminder", silent_email, 1)
    await advance_to(opened + 6 * DAY - HOUR)
    assert len(stack.mails("self_assessment_reminder")) == 1
    await advance_to(opened + 6 * DAY + HOUR)
    reminders = await stack.wait_for_mails("self_assessment_reminder", silent_email, 2)
    assert len(reminders) == 2
    assert all(str(task.task_id) == m.message["X-Tandem-Task"] for m in reminders)

    await run.until_phase(ProgrammePhase.RUNNING, max_days=10, skip=from_silent)
    expired = await TaskStore(stack.pool).get(task.task_id)
    assert expired is not None and expired.status is TaskStatus.EXPIRED

    history = await run.events(participant_stream(silent))
    assert [e.type for e in history] == [
        EventType.PARTICIPANT_ENROLLED,
        EventType.SELF_ASSESSMENT_OPENED,
        EventType.SELF_ASSESSMENT_MISSED,
        EventType.PARTICIPANT_UNMATCHED,
    ]
    assert "self-assessment" in history[-1].data["reason"]
    assert history[-1].data["code"] == "self_assessment_missed"
    await stack.wait_for_mails("unmatched", silent_email)

    summary = await run.summary()
    assert summary.unmatched == 2  # the silent mentee, and the mentor left without a mentee
    assert all(silent not in (p.mentor_id, p.mentee_id) for p in summary.pairs)
    assert [p.mentee_id for p in summary.pairs] == [other_mentee]
    # Only the silent participant was reminded.
    assert len(stack.mails("self_assessment_reminder")) == 2


async def test_the_unmatched_email_says_why_in_the_participant_language(stack: Stack) -> None:
    """Two mentees never answer, one French, one English; the third pairs with a mentor."""
    spec = small_cohort(6)  # three mentees, three mentors
    people = list(spec.participants)
    people[0] = people[0].model_copy(update={"locale": Locale.FR})
    people[1] = people[1].model_copy(update={"locale": Locale.EN})
    people[3:] = [p.model_copy(update={"locale": Locale.EN}) for p in people[3:]]
    run = await stack.launch(spec.model_copy(update={"participants": tuple(people)}))
    french, english, _ = run.ids(Role.MENTEE)
    silent = {french, english}

    await run.until_phase(
        ProgrammePhase.RUNNING, max_days=20, skip=lambda t: t.participant_id in silent
    )

    (to_french,) = await stack.wait_for_mails("unmatched", run.email(french))
    assert "votre auto-évaluation ne nous est pas parvenue à temps" in to_french.text()
    assert "votre auto-évaluation ne nous est pas parvenue à temps" in to_french.html()
    (to_english,) = await stack.wait_for_mails("unmatched", run.email(english))
    assert "we did not receive your self-assessment in time" in to_english.text()
    assert "we did not receive your self-assessment in time" in to_english.html()
    # The mentors left without a mentee hear the matcher's reason, without its diagnostics.
    for mentor in run.ids(Role.MENTOR):
        if any(mentor == p.mentor_id for p in (await run.summary()).pairs):
            continue
        (mail,) = await stack.wait_for_mails("unmatched", run.email(mentor))
        assert "(no compatible partner was available)" in mail.text()
        assert "compatible, all better matched elsewhere" not in mail.text()
