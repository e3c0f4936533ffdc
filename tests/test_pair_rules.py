"""A pair's rules without Temporal: the session timeline, counting, pauses, reschedules, refusals.

`Shell` does with the rules' decisions what `PairWorkflow` does, minus the recording: it opens the
tasks they ask for (minting ids) and closes the ones they expire. The stateful test drives a pair
through any order of participants' and coordinators' actions and checks the rules that must hold
whatever the order.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from domain.answers import (
    ChemistryAnswer,
    CoordinatorCommand,
    EndPair,
    FinalEvaluation,
    Goal,
    GoalsConfirmation,
    GoalsProposal,
    MidpointAnswer,
    NudgeCommand,
    Pause,
    Reschedule,
    SessionLog,
)
from domain.holiday_calendar import holiday_dates
from domain.meeting_rules import MeetingRules
from domain.pair_rules import (
    AskSessionLog,
    Due,
    ExpireTask,
    GoalsAlert,
    GoalsLapsed,
    GoalsState,
    GoalsVerdict,
    LogResult,
    OpenFinal,
    OpenMidpoint,
    PairRules,
    RemindSession,
    SessionMissed,
    WaitKind,
)
from domain.pair_state import TERMINAL, OpenTask, PairPhase, PairTerms
from domain.programme import Durations
from domain.programme_clock import ProgrammeClock
from domain.refusals import Refusal, Refused
from domain.tasks import TaskKind

MENTOR, MENTEE = "p-mentor", "p-mentee"
SKILLS = ("linkedin", "ia")
START = datetime(2027, 1, 4, 8, 30, tzinfo=UTC)  # a Monday
GONE = UUID(int=0)  # a task that is not open (any more)


def _terms(sessions: int = 4, **planning: Any) -> PairTerms:
    return PairTerms(
        mentor_id=MENTOR,
        mentee_id=MENTEE,
        sessions=sessions,
        cadence_days=14,
        durations=Durations(),
        day_seconds=planning.pop("day_seconds", 86_400),
        skills=SKILLS,
        **planning,
    )


class Shell:
    """The workflow's side of the rules: tasks opened and closed, time moving on."""

    def __init__(self, sessions: int = 4, **planning: Any) -> None:
        self.pair = PairRules(_terms(sessions, **planning))
        self.now = START
        self.over = False

    def open(self, who: str, kind: TaskKind, due: datetime, session: int | None = None) -> UUID:
        task_id = uuid4()
        self.pair.opened(
            OpenTask(
                task_id=task_id, participant_id=who, kind=kind, due_at=due, session_number=session
            )
        )
        return task_id

    def task(self, who: str, kind: TaskKind) -> UUID:
        task_id = self.pair.task_of(who, kind)
        assert task_id is not None, f"no {kind} task for {who}"
        return task_id

    def into_sessions(self) -> None:
        """Chemistry "go" from both, the mentee's goals in: the timeline starts."""
        pair = self.pair
        due = pair.chemistry_deadlines(self.now)
        for me in (MENTOR, MENTEE):
            self.open(me, TaskKind.PAIR_MANAGE, due.manage_due)
            self.open(me, TaskKind.CHEMISTRY, due.deadline)
        for me in (MENTOR, MENTEE):
            answer = ChemistryAnswer(
                task_id=self.task(me, TaskKind.CHEMISTRY), participant_id=me, go=True
            )
            pair.check_chemistry(answer)
            pair.record_chemistry(answer)
            assert pair.close(answer.task_id)
        assert pair.conclude_chemistry()
        pair.phase = PairPhase.GOALS
        pair.schedule_sessions(self.now)
        self.open(MENTEE, TaskKind.GOALS_PROPOSE, pair.goals_due(self.now))
        goal = Goal(objective="Publier un article", kpi="1 article", target_date=date(2027, 6, 1))
        proposal = GoalsProposal(
            task_id=self.task(MENTEE, TaskKind.GOALS_PROPOSE), participant_id=MENTEE, goals=(goal,)
        )
        pair.check_goals(proposal)
        pair.record_goals(proposal)
        pair.close(proposal.task_id)
        self.open(MENTOR, TaskKind.GOALS_CONFIRM, pair.goals_due(self.now))
        pair.phase = PairPhase.SESSIONS

    def tick(self) -> list[Due]:
        """One turn of the workflow's session loop at `now`."""
        pair = self.pair
        pair.resume_if_due(self.now)
        owed = pair.due(self.now)
        for due in owed:
            if isinstance(due, AskSessionLog):
                self.open(MENTOR, TaskKind.SESSION_LOG, due.due, due.number)
            elif isinstance(due, SessionMissed):
                log_task = pair.sessions[due.miss.number - 1].log_task
                assert log_task is not None and pair.close(log_task)
            elif isinstance(due, OpenMidpoint):
                for me in (MENTOR, MENTEE):
                    self.open(me, TaskKind.MIDPOINT_SURVEY, due.due)
            elif isinstance(due, OpenFinal):
                for me in (MENTOR, MENTEE):
                    self.open(me, TaskKind.FINAL_EVALUATION, due.due)
            elif isinstance(due, ExpireTask | GoalsLapsed):
                assert pair.close(due.task_id)
        for task_id in pair.overdue_finals(self.now):
            pair.close(task_id)
        if pair.final_over(self.now):
            self.finish()
        return owed

    def finish(self) -> None:
        self.pair.conclude()
        self.pair.tasks.clear()
        self.over = True

    def until(self, moment: datetime) -> list[Due]:
        """Tick at every moment the rules ask to be woken, up to `moment`."""
        owed: list[Due] = []
        while not self.over and not self.pair.ended:
            owed += self.tick()
            wake = self.pair.next_due(self.now)
            if wake > moment:
                break
            self.now = wake
        self.now = max(self.now, moment)
        return owed

    def log(self, held: bool) -> LogResult:
        task_id = self.task(MENTOR, TaskKind.SESSION_LOG)
        number = self.pair.tasks[task_id].session_number
        assert number is not None
        log = SessionLog(task_id=task_id, participant_id=MENTOR, session_number=number, held=held)
        self.pair.check_log(log)
        result = self.pair.record_log(log)
        self.pair.close(task_id)
        return result

    def confirm_goals(self) -> None:
        task_id = self.task(MENTOR, TaskKind.GOALS_CONFIRM)
        confirmation = GoalsConfirmation(task_id=task_id, participant_id=MENTOR)
        self.pair.check_confirmation(confirmation)
        self.pair.record_confirmation(confirmation)
        self.pair.close(task_id)

    def answer_goals(self, confirmed: bool, comment: str = "") -> GoalsVerdict:
        task_id = self.task(MENTOR, TaskKind.GOALS_CONFIRM)
        confirmation = GoalsConfirmation(
            task_id=task_id, participant_id=MENTOR, confirmed=confirmed, comment=comment
        )
        self.pair.check_confirmation(confirmation)
        verdict = self.pair.record_confirmation(confirmation)
        self.pair.close(task_id)
        return verdict

    def propose_again(self, objective: str) -> GoalsProposal:
        """The mentee's goals, sent back, proposed again (as the workflow opens the tasks)."""
        self.open(MENTEE, TaskKind.GOALS_PROPOSE, self.pair.goals_due(self.now))
        goal = Goal(objective=objective, kpi="1 article", target_date=date(2027, 6, 1))
        proposal = GoalsProposal(
            task_id=self.task(MENTEE, TaskKind.GOALS_PROPOSE), participant_id=MENTEE, goals=(goal,)
        )
        self.pair.check_goals(proposal)
        self.pair.record_goals(proposal)
        self.pair.close(proposal.task_id)
        self.open(MENTOR, TaskKind.GOALS_CONFIRM, self.pair.goals_due(self.now))
        return proposal


def _refusal(check: object, *args: object) -> tuple[Refusal, dict[str, object]]:
    with pytest.raises(Refused) as refused:
        check(*args)  # type: ignore[operator]
    return refused.value.code, dict(refused.value.params)


# ---- the timeline ----------------------------------------------------------------------------


def test_sessions_are_planned_every_cadence_at_nine() -> None:
    shell = Shell()
    shell.into_sessions()
    ats = [s.at for s in shell.pair.sessions]
    assert ats[0] == datetime(2027, 1, 18, 9, 0, tzinfo=UTC)
    assert [b - a for a, b in itertools.pairwise(ats)] == [timedelta(days=14)] * 3
    assert shell.pair.waiting().kind is WaitKind.SESSION
    # Woken first when the goals confirmation is due, then two days before session 1.
    assert shell.pair.next_due(shell.now) == START + timedelta(days=7)
    shell.confirm_goals()
    assert shell.pair.next_due(shell.now) == ats[0] - timedelta(days=2)


def test_a_session_is_reminded_then_its_log_asked_for_then_missed() -> None:
    shell = Shell()
    shell.into_sessions()
    confirm = shell.task(MENTOR, TaskKind.GOALS_CONFIRM)
    first = shell.pair.sessions[0]
    # The unanswered goals confirmation expires on its day; the reminder comes two days before.
    assert shell.until(first.at - timedelta(days=2)) == [
        ExpireTask(confirm),
        RemindSession(1, first.at),
    ]
    assert shell.tick() == []  # nothing is owed twice
    shell.now = first.at
    assert shell.tick() == [AskSessionLog(1, first.at, first.at + timedelta(days=7))]
    assert shell.pair.waiting().kind is WaitKind.SESSION_LOG
    shell.now = first.at + timedelta(days=7)
    (missed,) = shell.tick()
    assert isinstance(missed, SessionMissed)
    assert (missed.miss.number, missed.miss.in_a_row, missed.miss.at_risk) == (1, 1, False)
    assert shell.pair.missed == 1 and not shell.pair.at_risk
    assert shell.pair.task_of(MENTOR, TaskKind.SESSION_LOG) is None  # the log task expired


def test_two_missed_sessions_in_a_row_put_the_pair_at_risk_until_one_is_held() -> None:
    shell = Shell()
    shell.into_sessions()
    s1, s2 = shell.pair.sessions[:2]
    shell.until(s1.at)
    not_held = shell.log(held=False)
    assert not_held.miss is not None and not not_held.miss.at_risk
    assert (shell.pair.missed_in_a_row, shell.pair.at_risk) == (1, False)
    shell.until(s2.at + timedelta(days=7))  # session 2's log never comes
    assert shell.pair.at_risk and shell.pair.at_risk_episodes == 1
    assert shell.pair.missed == 1  # the sessions without a log; session 1's says "not held"
    shell.until(shell.pair.sessions[2].at)
    result = shell.log(held=True)
    assert result.back_on_track and result.miss is None
    assert (shell.pair.missed_in_a_row, shell.pair.at_risk) == (0, False)


def test_the_midpoint_opens_at_half_and_the_final_once_every_session_is_resolved() -> None:
    shell = Shell()
    shell.into_sessions()
    s = shell.pair.sessions
    shell.until(s[0].at)
    shell.log(held=True)
    owed = shell.until(s[1].at)
    assert not any(isinstance(d, OpenMidpoint) for d in owed)
    shell.log(held=True)
    assert any(isinstance(d, OpenMidpoint) for d in shell.tick())
    for k in (2, 3):
        shell.until(s[k].at)
        shell.log(held=True)
    owed = shell.tick()
    assert any(isinstance(d, OpenFinal) for d in owed)
    assert shell.pair.phase is PairPhase.FINAL
    assert shell.pair.waiting().kind is WaitKind.FINAL_EVALUATIONS
    # "Would you mentor again?" is the mentors' question: a mentee's answer to it is refused.
    mentee_says = FinalEvaluation(
        task_id=shell.task(MENTEE, TaskKind.FINAL_EVALUATION),
        participant_id=MENTEE,
        levels=dict.fromkeys(SKILLS, 3),
        satisfaction=5,
        nps=9,
        would_mentor_again=True,
    )
    with pytest.raises(Refused) as refused:
        shell.pair.check_final(mentee_says)
    assert refused.value.code is Refusal.MENTORS_ONLY_QUESTION
    for me, levels, again in ((MENTOR, {}, True), (MENTEE, dict.fromkeys(SKILLS, 3), None)):
        final = FinalEvaluation(
            task_id=shell.task(me, TaskKind.FINAL_EVALUATION),
            participant_id=me,
            levels=levels,
            satisfaction=5,
            nps=9,
            would_mentor_again=again,
        )
        shell.pair.check_final(final)
        shell.pair.record_final(final)
        shell.pair.close(final.task_id)
    assert shell.pair.final_over(shell.now)
    assert shell.pair.conclude() is PairPhase.COMPLETED and shell.pair.held == 4


def test_a_pause_moves_the_next_sessions_and_holds_their_reminders() -> None:
    shell = Shell()
    shell.into_sessions()
    shell.confirm_goals()
    before = [s.at for s in shell.pair.sessions]
    request = Pause(
        task_id=shell.task(MENTEE, TaskKind.PAIR_MANAGE), participant_id=MENTEE, days=10
    )
    shell.pair.check_pause(request)
    until = shell.pair.pause(request, shell.now)
    assert until == START + timedelta(days=10)
    assert [s.at for s in shell.pair.sessions] == [at + timedelta(days=10) for at in before]
    assert shell.pair.waiting().kind is WaitKind.PAUSED
    assert _refusal(shell.pair.check_pause, request) == (Refusal.ALREADY_PAUSED, {})
    assert shell.pair.next_due(shell.now) == until
    shell.now = until
    shell.tick()
    assert shell.pair.paused_until is None


def test_a_pause_longer_than_the_programme_allows_is_refused() -> None:
    shell = Shell()
    shell.into_sessions()
    request = Pause(
        task_id=shell.task(MENTOR, TaskKind.PAIR_MANAGE), participant_id=MENTOR, days=29
    )
    assert _refusal(shell.pair.check_pause, request) == (Refusal.PAUSE_TOO_LONG, {"max_days": 28})


def test_a_reschedule_moves_the_session_and_the_later_ones_within_the_rules() -> None:
    shell = Shell()
    shell.into_sessions()
    s = shell.pair.sessions
    manage = shell.task(MENTOR, TaskKind.PAIR_MANAGE)

    def move(number: int, to: date) -> Reschedule:
        return Reschedule(task_id=manage, participant_id=MENTOR, session_number=number, new_date=to)

    check = shell.pair.check_reschedule
    assert _refusal(check, move(5, date(2027, 3, 1)), shell.now) == (Refusal.NO_SUCH_SESSION, {})
    yesterday = START.date() - timedelta(days=1)
    assert _refusal(check, move(1, yesterday), shell.now) == (Refusal.DATE_NOT_IN_FUTURE, {})
    assert _refusal(check, move(2, s[0].at.date()), shell.now) == (
        Refusal.SESSION_MUST_FOLLOW_PREVIOUS,
        {"session": 2, "previous": 1, "previous_date": "2027-01-18"},
    )
    late = (s[1].at + timedelta(days=15)).date()
    assert _refusal(check, move(2, late), shell.now) == (Refusal.MOVE_BEYOND_CADENCE, {})

    old = [x.at for x in s]
    request = move(2, (s[1].at + timedelta(days=3)).date())
    check(request, shell.now)
    moved = shell.pair.reschedule(request)
    assert moved.at == old[1] + timedelta(days=3) and moved.at.hour == 9
    assert [x.at for x in s] == [old[0], *(at + timedelta(days=3) for at in old[1:])]

    shell.until(s[0].at)
    assert _refusal(check, move(1, s[0].at.date() + timedelta(days=1)), shell.now) == (
        Refusal.SESSION_ALREADY_TOOK_PLACE,
        {},
    )


# ---- who may do what when --------------------------------------------------------------------


def test_an_answer_must_be_the_actor_s_own_open_task_in_its_phase() -> None:
    shell = Shell()
    pair = shell.pair
    chemistry = shell.open(MENTOR, TaskKind.CHEMISTRY, START + timedelta(days=10))
    stolen = ChemistryAnswer(task_id=chemistry, participant_id=MENTEE, go=True)
    assert _refusal(pair.check_chemistry, stolen) == (Refusal.NOT_YOUR_TASK, {})
    forged = ChemistryAnswer(task_id=uuid4(), participant_id=MENTOR, go=True)
    assert _refusal(pair.check_chemistry, forged) == (Refusal.TASK_CLOSED, {})
    log = SessionLog(task_id=chemistry, participant_id=MENTOR, session_number=1, held=True)
    assert _refusal(pair.check_log, log) == (
        Refusal.NOT_POSSIBLE_IN_PHASE,
        {"phase": "chemistry"},
    )
    assert _refusal(pair.check_end_by_coordinator) == (Refusal.WAIT_FOR_CHEMISTRY, {})


def test_a_session_log_names_its_own_session_and_the_programme_s_skills() -> None:
    shell = Shell()
    shell.into_sessions()
    shell.until(shell.pair.sessions[0].at)
    task_id = shell.task(MENTOR, TaskKind.SESSION_LOG)
    other = SessionLog(task_id=task_id, participant_id=MENTOR, session_number=2, held=True)
    assert _refusal(shell.pair.check_log, other) == (
        Refusal.LINK_FOR_OTHER_SESSION,
        {"session": 1, "asked": 2},
    )
    odd = SessionLog(
        task_id=task_id,
        participant_id=MENTOR,
        session_number=1,
        held=True,
        skills_covered=("rust", "ia", "cobol"),
    )
    assert _refusal(shell.pair.check_log, odd) == (
        Refusal.UNKNOWN_SKILLS,
        {"skills": ["cobol", "rust"]},
    )


def test_a_no_go_dissolves_the_pair_in_the_name_of_whoever_said_it() -> None:
    shell = Shell()
    pair = shell.pair
    task = shell.open(MENTEE, TaskKind.CHEMISTRY, START + timedelta(days=10))
    no = ChemistryAnswer(task_id=task, participant_id=MENTEE, go=False, reason="Pas le temps")
    pair.record_chemistry(no)
    assert pair.chemistry_stopped and not pair.conclude_chemistry()
    assert (pair.phase, pair.ended_by, pair.end_reason) == (
        PairPhase.DISSOLVED,
        MENTEE,
        "Pas le temps",
    )


def test_without_answers_in_time_the_pair_is_dissolved_by_nobody() -> None:
    pair = Shell().pair
    assert not pair.conclude_chemistry()
    assert (pair.ended_by, pair.end_reason) == (None, "no answer in time")


def test_the_coordinator_re_pairs_with_a_reason_and_never_at_the_final_evaluation() -> None:
    shell = Shell()
    shell.into_sessions()
    pair = shell.pair
    assert _refusal(pair.check_re_pair, CoordinatorCommand(command_id="c1", reason=" a ")) == (
        Refusal.RE_PAIR_REASON_NEEDED,
        {},
    )
    pair.phase = PairPhase.FINAL
    assert _refusal(pair.check_re_pair, CoordinatorCommand(command_id="c2", reason="Conflit")) == (
        Refusal.PAIR_AT_FINAL_EVALUATION,
        {},
    )


def test_a_nudge_goes_out_at_most_once_a_day_for_a_task_someone_waits_on() -> None:
    shell = Shell()
    shell.into_sessions()
    pair = shell.pair
    confirm = NudgeCommand(command_id="n1", task_id=shell.task(MENTOR, TaskKind.GOALS_CONFIRM))
    manage = NudgeCommand(command_id="n2", task_id=shell.task(MENTOR, TaskKind.PAIR_MANAGE))
    assert _refusal(pair.check_nudge, manage, shell.now) == (Refusal.TASK_CLOSED, {})
    pair.check_nudge(confirm, shell.now)
    assert pair.record_nudge(confirm, shell.now).participant_id == MENTOR
    later = shell.now + timedelta(hours=23)
    assert _refusal(pair.check_nudge, confirm, later) == (Refusal.NUDGE_TOO_SOON, {})
    pair.check_nudge(confirm, shell.now + timedelta(days=1))


# ---- whatever the order of actions -----------------------------------------------------------


class PairLife(RuleBasedStateMachine):
    """Participants and coordinators acting in any order, time moving on between them."""

    def __init__(self) -> None:
        super().__init__()
        self.shell = Shell(sessions=4)
        self.shell.into_sessions()
        self.pair = self.shell.pair
        self.episodes = 0

    @property
    def running(self) -> bool:
        return not self.shell.over and not self.pair.ended

    def _try(self, check: object, *args: object) -> bool:
        """Run a validator's check: whether the action is accepted."""
        try:
            check(*args)  # type: ignore[operator]
        except Refused:
            return False
        return True

    def _manage(self, who: str) -> UUID:
        return self.pair.task_of(who, TaskKind.PAIR_MANAGE) or GONE

    @precondition(lambda self: self.running)
    @rule(hours=st.integers(1, 24 * 20))
    def time_passes(self, hours: int) -> None:
        was_at_risk = self.pair.at_risk
        owed = self.shell.until(self.shell.now + timedelta(hours=hours))
        for miss in (d.miss for d in owed if isinstance(d, SessionMissed)):
            # At risk exactly when this miss reaches the threshold from below.
            assert miss.at_risk == (miss.in_a_row == 2 and not was_at_risk)
            was_at_risk = was_at_risk or miss.at_risk
            self.episodes += miss.at_risk

    @precondition(lambda self: self.running)
    @rule(held=st.booleans())
    def mentor_logs(self, held: bool) -> None:
        task_id = self.pair.task_of(MENTOR, TaskKind.SESSION_LOG)
        if task_id is None:
            return
        number = self.pair.tasks[task_id].session_number or 0
        log = SessionLog(task_id=task_id, participant_id=MENTOR, session_number=number, held=held)
        if not self._try(self.pair.check_log, log):
            return
        before, was_at_risk = self.pair.missed_in_a_row, self.pair.at_risk
        result = self.pair.record_log(log)
        self.pair.close(task_id)
        if held:
            assert self.pair.missed_in_a_row == 0 and result.miss is None
            assert result.back_on_track == was_at_risk
        else:
            assert result.miss is not None and result.miss.in_a_row == before + 1
            assert result.miss.at_risk == (before + 1 == 2 and not was_at_risk)
            self.episodes += result.miss.at_risk

    @rule(
        who=st.sampled_from([MENTOR, MENTEE]),
        number=st.integers(1, 5),
        days=st.integers(-30, 30),
    )
    def someone_reschedules(self, who: str, number: int, days: int) -> None:
        base = self.pair.sessions[min(number, 4) - 1].at
        request = Reschedule(
            task_id=self._manage(who),
            participant_id=who,
            session_number=number,
            new_date=(base + timedelta(days=days)).date(),
        )
        if self._try(self.pair.check_reschedule, request, self.shell.now):
            assert self.running
            self.pair.reschedule(request)

    @rule(who=st.sampled_from([MENTOR, MENTEE]), days=st.integers(1, 40))
    def someone_pauses(self, who: str, days: int) -> None:
        request = Pause(task_id=self._manage(who), participant_id=who, days=days)
        if self._try(self.pair.check_pause, request):
            assert self.running and days <= 28
            self.pair.pause(request, self.shell.now)

    @rule(who=st.sampled_from([MENTOR, MENTEE]))
    def someone_ends_the_pair(self, who: str) -> None:
        request = EndPair(task_id=self._manage(who), participant_id=who, reason="Départ")
        if self._try(self.pair.check_end, request):
            assert self.running
            self.pair.end_by_participant(request)

    @rule(dissolve=st.booleans())
    def the_coordinator_ends_it(self, dissolve: bool) -> None:
        command = CoordinatorCommand(command_id="c-1", reason="Réorganisation")
        check = self.pair.check_re_pair if dissolve else self.pair.check_end_by_coordinator
        if self._try(check, *([command] if dissolve else [])):
            assert self.running
            if dissolve:
                self.pair.dissolve_by_coordinator(command)
            else:
                self.pair.end_by_coordinator(command)

    @rule(who=st.sampled_from([MENTOR, MENTEE]), satisfaction=st.integers(1, 5))
    def someone_answers_a_survey(self, who: str, satisfaction: int) -> None:
        midpoint = self.pair.task_of(who, TaskKind.MIDPOINT_SURVEY)
        if midpoint is not None:
            answer = MidpointAnswer(
                task_id=midpoint, participant_id=who, satisfaction=satisfaction, progress=3
            )
            if self._try(self.pair.check_midpoint, answer):
                self.pair.close(midpoint)
        final = self.pair.task_of(who, TaskKind.FINAL_EVALUATION)
        if final is not None:
            levels = dict.fromkeys(SKILLS, 2) if who == MENTEE else {}
            evaluation = FinalEvaluation(
                task_id=final, participant_id=who, levels=levels, satisfaction=satisfaction, nps=7
            )
            if self._try(self.pair.check_final, evaluation):
                self.pair.record_final(evaluation)
                self.pair.close(final)

    @invariant()
    def sessions_stay_in_order(self) -> None:
        ats = [s.at for s in self.pair.sessions]
        assert ats == sorted(ats) and len(set(ats)) == len(ats)
        took_place = [s.took_place for s in self.pair.sessions]
        assert took_place == sorted(took_place, reverse=True)  # in order too

    @invariant()
    def at_risk_exactly_past_the_threshold(self) -> None:
        assert self.pair.at_risk == (self.pair.missed_in_a_row >= 2)
        assert self.pair.at_risk_episodes == self.episodes

    @invariant()
    def nothing_is_accepted_once_the_pair_has_ended(self) -> None:
        if self.running:
            return
        # While its workflow winds up, and once it has.
        self._everything_refused()
        if not self.shell.over:
            self.shell.finish()
        assert self.pair.phase in TERMINAL
        self._everything_refused()

    def _everything_refused(self) -> None:
        pair, now = self.pair, self.shell.now
        command = CoordinatorCommand(command_id="late", reason="Trop tard")
        attempts: list[tuple[object, tuple[object, ...]]] = [
            (pair.check_end_by_coordinator, ()),
            (pair.check_re_pair, (command,)),
        ]
        for who in (MENTOR, MENTEE):
            manage = self._manage(who)
            later = (now + timedelta(days=3)).date()
            attempts += [
                (pair.check_end, (EndPair(task_id=manage, participant_id=who, reason="Fin"),)),
                (pair.check_pause, (Pause(task_id=manage, participant_id=who, days=3),)),
                (
                    pair.check_reschedule,
                    (
                        Reschedule(
                            task_id=manage, participant_id=who, session_number=1, new_date=later
                        ),
                        now,
                    ),
                ),
            ]
        for task in list(pair.tasks.values()):
            me = task.participant_id
            attempts.append(
                (pair.check_nudge, (NudgeCommand(command_id="n", task_id=task.task_id), now))
            )
            if task.kind is TaskKind.SESSION_LOG:
                log = SessionLog(
                    task_id=task.task_id,
                    participant_id=me,
                    session_number=task.session_number or 1,
                    held=True,
                )
                attempts.append((pair.check_log, (log,)))
            elif task.kind is TaskKind.MIDPOINT_SURVEY:
                answer = MidpointAnswer(
                    task_id=task.task_id, participant_id=me, satisfaction=4, progress=4
                )
                attempts.append((pair.check_midpoint, (answer,)))
            elif task.kind is TaskKind.FINAL_EVALUATION:
                final = FinalEvaluation(
                    task_id=task.task_id,
                    participant_id=me,
                    levels=dict.fromkeys(SKILLS, 2),
                    satisfaction=4,
                    nps=8,
                )
                attempts.append((pair.check_final, (final,)))
            elif task.kind is TaskKind.GOALS_CONFIRM:
                confirmation = GoalsConfirmation(task_id=task.task_id, participant_id=me)
                attempts.append((pair.check_confirmation, (confirmation,)))
        for check, args in attempts:
            assert not self._try(check, *args), check


PairLife.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_a_pair_s_rules_hold_whatever_the_order_of_actions = PairLife.TestCase


# ---- goals declined ------------------------------------------------------------------------


def test_a_first_decline_sends_the_goals_back_for_a_last_round() -> None:
    shell = Shell()
    shell.into_sessions()
    first = shell.pair.goals
    assert shell.pair.goals_state is GoalsState.PROPOSED and shell.pair.goals_round == 1
    verdict = shell.answer_goals(confirmed=False, comment="Trop vague")
    assert (verdict.confirmed, verdict.declines, verdict.send_back, verdict.alert) == (
        False,
        1,
        True,
        None,
    )
    pair = shell.pair
    assert pair.goals_state is GoalsState.DECLINED
    assert (pair.declined_goals, pair.decline_comment) == (first, "Trop vague")
    assert pair.goals_round == 2 and pair.last_goals_round

    # Proposed again while the sessions run, then confirmed.
    second = shell.propose_again("Publier deux articles")
    assert pair.goals == second and _goals_state(pair) is GoalsState.PROPOSED
    confirmed = shell.answer_goals(confirmed=True)
    assert confirmed.confirmed and confirmed.alert is None
    assert _goals_state(pair) is GoalsState.CONFIRMED and pair.goals == second


def test_the_second_decline_goes_to_the_coordinator_and_the_last_proposal_stands() -> None:
    shell = Shell()
    shell.into_sessions()
    shell.answer_goals(confirmed=False, comment="Trop vague")
    second = shell.propose_again("Publier deux articles")
    verdict = shell.answer_goals(confirmed=False, comment="Toujours trop vague")
    pair = shell.pair
    assert (verdict.declines, verdict.send_back, verdict.alert) == (2, False, GoalsAlert.DECLINED)
    assert pair.goals_state is GoalsState.DISPUTED
    assert pair.goals == second  # what the sessions and the final evaluation go on with
    assert pair.decline_comment == "Toujours trop vague"
    # Nothing is asked of the mentee any more; the sessions go on.
    assert pair.task_of(MENTEE, TaskKind.GOALS_PROPOSE) is None
    owed = shell.until(pair.sessions[0].at)
    assert any(isinstance(d, AskSessionLog) for d in owed)


def test_goals_sent_back_and_not_proposed_again_lapse_to_the_coordinator() -> None:
    shell = Shell()
    shell.into_sessions()
    shell.answer_goals(confirmed=False, comment="Trop vague")
    task_id = shell.open(MENTEE, TaskKind.GOALS_PROPOSE, shell.pair.goals_due(shell.now))
    due_at = shell.pair.tasks[task_id].due_at
    assert shell.pair.next_due(shell.now) == due_at  # the timeline wakes for it
    owed = shell.until(due_at)
    assert GoalsLapsed(task_id, GoalsAlert.MISSING) in owed
    assert task_id not in shell.pair.tasks
    assert shell.pair.goals_state is GoalsState.MISSING
    assert shell.pair.goals is not None  # the declined proposal stands


def test_no_goals_by_the_deadline_is_told_to_the_coordinator() -> None:
    pair = PairRules(_terms())
    assert pair.goals_state is GoalsState.AWAITED
    assert pair.goals_lapsed() is GoalsAlert.MISSING
    assert _goals_state(pair) is GoalsState.MISSING and pair.goals is None


def _goals_state(pair: PairRules) -> GoalsState:
    # Read afresh: the state moves with each answer (mypy would keep the first one read).
    return pair.goals_state


# ---- sessions in programme time: the pair's slot, working days, public holidays ---------------

PARIS = ZoneInfo("Europe/Paris")
FRANCE = MeetingRules(holiday_dates=holiday_dates("FR", 2026, years=4))


def _planned_shell(
    slot_start: datetime, slots: tuple[str, ...], sessions: int = 8, **clock: Any
) -> Shell:
    day_seconds = clock.get("day_seconds", 86_400)
    origin = clock.get("origin", slot_start)
    shell = Shell(
        sessions,
        meetings=FRANCE,
        clock=ProgrammeClock(
            origin=origin, starts_on=clock.get("starts_on", START.date()), day_seconds=day_seconds
        ),
        common_slots=slots,
        day_seconds=day_seconds,
    )
    shell.now = origin
    shell.into_sessions()
    return shell


def _local(moment: datetime, clock: ProgrammeClock | None) -> datetime:
    assert clock is not None
    return clock.programme_time(moment)


def test_a_compressed_demo_keeps_local_time_across_summer_time() -> None:
    # A 5-second day from 8 March 2027: the sessions after 28 March stay at 14:00 in Paris.
    origin = datetime(2026, 12, 2, 18, 0, tzinfo=UTC)
    shell = _planned_shell(
        origin, ("tue-pm",), day_seconds=5, origin=origin, starts_on=date(2027, 3, 8)
    )
    clock = shell.pair.terms.clock
    local = [_local(s.at, clock) for s in shell.pair.sessions]
    assert {(t.hour, t.minute, t.weekday()) for t in local} == {(14, 0, 1)}
    assert local[0].utcoffset() != local[-1].utcoffset()  # winter, then summer time
    for s in shell.pair.sessions:
        assert clock is not None and clock.run_time(clock.programme_time(s.at)) == s.at


def test_a_pause_keeps_the_sessions_on_their_slot_and_off_holidays() -> None:
    shell = _planned_shell(datetime(2027, 1, 7, 9, tzinfo=PARIS), ("thu-am",))
    clock = shell.pair.terms.clock
    request = Pause(
        task_id=shell.task(MENTEE, TaskKind.PAIR_MANAGE), participant_id=MENTEE, days=10
    )
    shell.pair.check_pause(request)
    shell.pair.pause(request, shell.now)
    local = [_local(s.at, clock) for s in shell.pair.sessions]
    for t, s in zip(local, shell.pair.sessions, strict=True):
        assert FRANCE.is_working_day(t.date()) and (t.hour, t.minute) == (9, 0)
        if s.moved_from is None:
            assert t.weekday() == 3  # Thursday, the slot's day: the pause counted whole weeks
        else:
            assert FRANCE.is_holiday(s.moved_from) and t.date() > s.moved_from


def test_a_reschedule_to_another_slot_moves_the_pair_there_and_a_holiday_says_its_own_name() -> (
    None
):
    # Mondays from January: the fortnightly series meets Easter Monday (29 March 2027).
    shell = _planned_shell(datetime(2027, 1, 4, 9, tzinfo=PARIS), ("mon-am", "thu-pm"), 12)
    pair, clock = shell.pair, shell.pair.terms.clock
    easter = next(s for s in pair.sessions if s.moved_from is not None)
    assert easter.moved_from == date(2027, 3, 29)
    assert _local(easter.at, clock).date() == date(2027, 3, 30)
    manage = shell.task(MENTOR, TaskKind.PAIR_MANAGE)

    def move(to: date, slot: str | None) -> Reschedule:
        return Reschedule(
            task_id=manage, participant_id=MENTOR, session_number=2, new_date=to, slot=slot
        )

    second = _local(pair.sessions[1].at, clock).date()  # a Monday
    assert _refusal(
        pair.check_reschedule, move(second + timedelta(days=2), "thu-pm"), shell.now
    ) == (
        Refusal.DATE_NOT_ON_SLOT_DAY,
        {"slots": ["thu-pm"]},
    )
    assert _refusal(pair.check_reschedule, move(second + timedelta(days=5), None), shell.now) == (
        Refusal.NOT_A_WORKING_DAY,
        {},
    )
    request = move(second + timedelta(days=3), "thu-pm")
    pair.check_reschedule(request, shell.now)
    pair.reschedule(request)
    assert pair.slot == "thu-pm"
    later = [_local(s.at, clock) for s in pair.sessions[1:]]
    assert all((t.hour, t.minute) == (14, 0) for t in later)
    for t, s in zip(later, pair.sessions[1:], strict=True):
        assert FRANCE.is_working_day(t.date())
        if s.moved_from is None:
            assert t.weekday() == 3
        else:  # the holiday it moved off is the one its Thursday fell on
            assert FRANCE.is_holiday(s.moved_from) and s.moved_from.weekday() == 3
    # The session that was moved off Easter Monday is on its Thursday now, with no stale note.
    assert easter.moved_from != date(2027, 3, 29)
