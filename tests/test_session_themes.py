"""Every session has a theme: planned from the mentee's self-assessment, named in the invitation
and the reminder, changed from the pair's page (an event, and the invitation sent again).

A tiny cohort runs through the real workflows on the time-skipping server; participants act
through the same task table and updates as the web page.
"""

from __future__ import annotations

from uuid import uuid4

import pytest
from temporalio.client import WorkflowUpdateFailedError

from client.refusals import RefusalInfo, refusal_of
from contracts.pair import PairPhase
from devstack.smtp_sink import ReceivedMail
from domain.answers import ThemeChange
from domain.event_payloads import SelfAssessmentSubmitted, payload_as
from domain.events import EventType, participant_stream
from domain.next_steps import NextStep
from domain.programme import Role
from domain.refusals import Refusal
from domain.session_plan import SessionTheme, plan_themes
from domain.skills import skill_labels
from domain.tasks import TaskKind, TaskStatus
from guides.library import built_in
from store.tasks import TaskRecord
from tests.calendar_helpers import events, invitation
from tests.lifecycle_helpers import Run, Stack, eventually, small_cohort


async def _pair_in_sessions(stack: Stack, sessions: int = 4) -> Run:
    spec = small_cohort(2, sessions=sessions).model_copy(update={"holidays": "none"})
    run = await stack.launch(spec)
    await run.until_pair_phase(1, PairPhase.SESSIONS.value, max_days=30)
    return run


def _label(run: Run, person: str, skill: str | None) -> str:
    locale = next(p.locale.value for p in run.spec.participants if p.id == person)
    if skill is None:
        return "Bilan du programme" if locale == "fr" else "Programme review"
    return skill_labels((), locale)[skill]


def _locale(run: Run, person: str) -> str:
    return next(p.locale.value for p in run.spec.participants if p.id == person)


def _summaries(mail: ReceivedMail) -> dict[int, tuple[str, str]]:
    """Each session's (SUMMARY, DESCRIPTION) in the invitation, by its place in the series."""
    _, *sessions = events(invitation(mail))
    ordered = sorted(sessions, key=lambda s: s.decoded("RECURRENCE-ID"))
    return {n: (str(s["SUMMARY"]), str(s["DESCRIPTION"])) for n, s in enumerate(ordered, start=1)}


async def test_each_session_has_a_theme_from_the_mentees_self_assessment(stack: Stack) -> None:
    run = await _pair_in_sessions(stack)
    mentor, mentee = run.ids(Role.MENTOR)[0], run.ids(Role.MENTEE)[0]
    (answer,) = [
        e
        for e in await run.events(participant_stream(mentee))
        if e.type == EventType.SELF_ASSESSMENT_SUBMITTED
    ]
    said = payload_as(answer, SelfAssessmentSubmitted)
    skills = tuple(s.id for s in run.spec.skills)
    expected = plan_themes(4, skills, said.levels, said.targets, said.priorities)
    assert [t.number for t in expected] == [1, 2, 3, 4] and expected[-1].is_review

    status = await run.pair_status(1)
    assert status.themes == list(expected)
    assert [s.theme for s in status.upcoming_sessions] == list(expected)
    stream = await run.pair_stream(1)
    (made,) = [e for e in await run.events(stream) if e.type == EventType.SESSION_PLAN_MADE]
    assert [SessionTheme.model_validate(t) for t in made.data["themes"]] == list(expected)

    for person in (mentor, mentee):
        (scheduled,) = await stack.wait_for_mails("sessions_scheduled", run.email(person))
        summaries = _summaries(scheduled)
        for theme in expected:
            summary, description = summaries[theme.number]
            assert _label(run, person, theme.skill) in summary
            guide = (
                built_in().review(_locale(run, person))
                if theme.skill is None
                else built_in().exercise(theme.skill, theme.level, _locale(run, person))
            )
            assert guide is not None and guide.title in description


async def test_a_theme_changed_on_the_pair_page_reaches_the_invitation_and_the_next_reminder(
    stack: Stack,
) -> None:
    run = await _pair_in_sessions(stack)
    mentor, mentee = run.ids(Role.MENTOR)[0], run.ids(Role.MENTEE)[0]
    pair_wf = run.pair_id_for(1)
    before = (await run.pair_status(1)).themes
    skills = [s.id for s in run.spec.skills]
    new_skill = next(s for s in skills if s != before[1].skill)
    manage = await run.task(TaskKind.PAIR_MANAGE, mentee, pair_wf)

    def change(session: int, skill: str | None, by: TaskRecord = manage) -> ThemeChange:
        return ThemeChange(
            task_id=by.task_id,
            participant_id=by.participant_id,
            session_number=session,
            skill=skill,
        )

    async def refused(request: ThemeChange) -> RefusalInfo | None:
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await run.send(manage, request, update="change_theme", update_id=str(uuid4()))
        return refusal_of(failure.value)

    assert await refused(change(2, "knitting")) == RefusalInfo(
        Refusal.UNKNOWN_SKILLS, {"skills": ["knitting"]}
    )
    assert await refused(change(2, before[1].skill)) == RefusalInfo(Refusal.THEME_UNCHANGED, {})
    assert await refused(change(9, new_skill)) == RefusalInfo(Refusal.NO_SUCH_SESSION, {})

    ack = await run.send(manage, change(2, new_skill), update="change_theme", update_id="t-2")
    assert (ack.next, ack.params) == (NextStep.THEME_CHANGED, {"number": 2})
    after = (await run.pair_status(1)).themes
    assert after[1].skill == new_skill and after[0] == before[0] and after[2:] == before[2:]

    async def changed() -> list[dict[str, object]]:
        stream = await run.pair_stream(1)
        return [
            e.data for e in await run.events(stream) if e.type == EventType.SESSION_THEME_CHANGED
        ]

    (event,) = await eventually(changed, "SessionThemeChanged recorded")
    assert event == {
        "session_number": 2,
        "skill": new_skill,
        "level": after[1].level,
        "by": mentee,
    }
    for person in (mentor, mentee):
        (mail,) = await stack.wait_for_mails("session_theme_changed", run.email(person))
        (scheduled,) = stack.mails("sessions_scheduled", run.email(person))
        first, update = events(invitation(scheduled))[0], events(invitation(mail))[0]
        # The same series, updated in place: same UID, the next SEQUENCE.
        assert str(update["UID"]) == str(first["UID"])
        assert (first["SEQUENCE"], update["SEQUENCE"]) == (0, 1)
        summary, description = _summaries(mail)[2]
        assert _label(run, person, new_skill) in summary
        exercise = built_in().exercise(new_skill, after[1].level, _locale(run, person))
        assert exercise is not None and exercise.title in description
        assert _label(run, person, new_skill) in mail.text()
        # The others keep theirs.
        assert _summaries(mail)[1] == _summaries(scheduled)[1]

    async def reminded_of_session_2() -> bool:
        return any(
            "2/4" in m.subject or "2 sur 4" in m.text() or "2 of 4" in m.text()
            for m in stack.mails("session_reminder", run.email(mentor))
        )

    await run.run_until(reminded_of_session_2, "session 2's reminder", 30)
    (reminder,) = [
        m for m in stack.mails("session_reminder", run.email(mentor)) if "2/4" in m.subject
    ]
    assert _label(run, mentor, new_skill) in reminder.text()
    exercise = built_in().exercise(new_skill, after[1].level, _locale(run, mentor))
    assert exercise is not None and exercise.title in reminder.text()

    # Session 1 has taken place: its theme can no longer change.
    assert await refused(change(1, new_skill if before[0].skill != new_skill else None)) == (
        RefusalInfo(Refusal.SESSION_ALREADY_TOOK_PLACE, {})
    )
    # The log of a session starts from its planned theme.
    (first_log, *_) = await run.tasks_ever(TaskKind.SESSION_LOG, pair_wf)
    assert first_log.context["theme"]["skill"] == before[0].skill
    assert first_log.status in (TaskStatus.OPEN, TaskStatus.DONE)


async def test_the_mentee_sends_an_agenda_before_each_session_and_the_mentor_receives_it(
    stack: Stack,
) -> None:
    run = await _pair_in_sessions(stack)
    mentor, mentee = run.ids(Role.MENTOR)[0], run.ids(Role.MENTEE)[0]
    pair_wf = run.pair_id_for(1)
    themes = (await run.pair_status(1)).themes

    def agenda(task: TaskRecord) -> bool:
        return task.kind is TaskKind.SESSION_AGENDA

    async def asked() -> bool:
        return bool(await run.open_tasks(TaskKind.SESSION_AGENDA, mentee, pair_wf))

    await run.run_until(asked, "session 1's agenda", 30, skip=agenda)
    task = await run.task(TaskKind.SESSION_AGENDA, mentee, pair_wf)
    assert task.context["session_number"] == 1
    assert task.context["theme"]["skill"] == themes[0].skill
    session_1 = (await run.pair_status(1)).upcoming_sessions[0].at
    assert task.due_at == session_1  # it is for before the session
    # The mentee's reminder links to it; the mentor's to the pair's page, saying it is coming.
    (to_mentee,) = await stack.wait_for_mails("session_reminder", run.email(mentee))
    (to_mentor,) = await stack.wait_for_mails("session_reminder", run.email(mentor))
    assert to_mentee.message["X-Tandem-Task"] == str(task.task_id)
    manage = await run.task(TaskKind.PAIR_MANAGE, mentor, pair_wf)
    assert to_mentor.message["X-Tandem-Task"] == str(manage.task_id)

    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await run.answer(task, session_number=2, practise="Un tableau croisé")
    assert refusal_of(failure.value) == RefusalInfo(
        Refusal.LINK_FOR_OTHER_SESSION, {"session": 1, "asked": 2}
    )
    ack = await run.answer(task, tried="Deux posts publiés", practise="Un tableau croisé dynamique")
    assert ack.next is NextStep.AGENDA_SENT
    (sent,) = await stack.wait_for_mails("session_agenda", run.email(mentor))
    assert "Deux posts publiés" in sent.text() and "Un tableau croisé dynamique" in sent.text()
    assert _label(run, mentor, themes[0].skill) in sent.text()
    stream = await run.pair_stream(1)
    (event,) = [e for e in await run.events(stream) if e.type == EventType.SESSION_AGENDA_SENT]
    assert event.data["session_number"] == 1 and event.data["participant_id"] == mentee

    # Session 2's agenda, left unanswered, expires when the session begins.
    async def second_asked() -> list[TaskRecord]:
        return [
            t
            for t in await run.tasks_ever(TaskKind.SESSION_AGENDA, pair_wf)
            if t.context["session_number"] == 2
        ]

    async def second_open() -> bool:
        return bool(await second_asked())

    await run.run_until(second_open, "session 2's agenda", 30, skip=agenda)
    assert len(await second_asked()) == 1

    async def expired() -> bool:
        (found,) = await second_asked()
        return found.status is TaskStatus.EXPIRED

    await run.run_until(expired, "session 2's agenda expired", 5, skip=agenda)
    assert len(stack.mails("session_agenda", run.email(mentor))) == 1
