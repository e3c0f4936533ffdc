"""A pair's rules, from the chemistry meeting to the final evaluation, without Temporal.

`PairRules` holds a pair's state and makes every decision about it: who may do what when (each
check raises `Refused`), what an accepted action changes, and what the session timeline owes at a
moment (`due`: reminders, log requests, missed sessions, the midpoint and final surveys). The pair's
workflow waits, records and notifies what these decisions say, in the order they say it.

Tasks are opened by the caller, which mints their ids, and registered here with `opened`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from uuid import UUID

from domain.answers import (
    Action,
    ChemistryAnswer,
    CoordinatorCommand,
    EndPair,
    FinalEvaluation,
    GoalsConfirmation,
    GoalsProposal,
    MidpointAnswer,
    NudgeCommand,
    OnboardingAcceptance,
    Pause,
    Reschedule,
    SessionAgenda,
    SessionLog,
    ThemeChange,
)
from domain.meeting_rules import MeetingRules, at_slot, plan_sessions, slot_weekday
from domain.pair_state import TERMINAL, OpenTask, PairPhase, PairTerms, Session
from domain.programme_clock import ProgrammeClock
from domain.refusals import Refusal, Refused
from domain.roster import ExtendTask, check_extension
from domain.session_plan import SessionPlan, SessionTheme
from domain.tasks import TaskKind
from domain.typed_text import long_enough

# Missed sessions in a row that put a pair at risk (the coordinator is alerted).
AT_RISK_AFTER_MISSED = 2
# How long before the chemistry deadline the unanswered get a reminder.
CHEMISTRY_REMINDER_DAYS = 3
# How long a pair-management link outlives the pair's last planned step.
MANAGE_LINK_EXTRA_DAYS = 60
# A coordinator's reminder for one task goes out at most once in this many days.
NUDGE_INTERVAL_DAYS = 1
# Declines of the mentee's goals the mentor has: each but the last sends them back for another
# proposal; the last one tells the coordinator, and the sessions go on with the last proposal.
MAX_GOALS_DECLINES = 2
# Tasks the timeline expires on their due date (the others close with the pair, or by the final).
# (and the mentee's agenda, due when its session begins)
_EXPIRING_SURVEYS = (TaskKind.MIDPOINT_SURVEY, TaskKind.GOALS_CONFIRM, TaskKind.SESSION_AGENDA)
# Tasks nobody waits on: open for the pair's whole life.
_STANDING = (TaskKind.PAIR_MANAGE, TaskKind.CONCERN)
# The end reason of a pair whose participant left the programme: a code, worded at the edge.
WITHDRAWN = "withdrawn"


class GoalsState(StrEnum):
    """Where the pair's goals stand, as the dashboard shows it."""

    AWAITED = "awaited"  # the mentee has not proposed any yet
    PROPOSED = "proposed"  # the mentor has not answered yet
    DECLINED = "declined"  # sent back to the mentee with the mentor's comment
    DISPUTED = "disputed"  # declined for the last time: the coordinator steps in
    CONFIRMED = "confirmed"
    MISSING = "missing"  # no proposal by the deadline (or no revised one)


class GoalsAlert(StrEnum):
    """Why the coordinator hears of a pair's goals: `CoordinatorAlerted.why`, `goals_alert`."""

    DECLINED = "goals_declined"  # declined MAX_GOALS_DECLINES times
    MISSING = "goals_missing"  # the mentee proposed none (or no revised one) in time


@dataclass(frozen=True)
class GoalsVerdict:
    """What the mentor's answer to a proposal leads to."""

    confirmed: bool
    declines: int  # how many times the mentor has declined so far
    send_back: bool  # the mentee proposes again
    alert: GoalsAlert | None  # the coordinator hears of it; the sessions go on regardless


# ---- what the timeline owes at a moment ------------------------------------------------------


@dataclass(frozen=True)
class Miss:
    """A session counted as missed, and where the pair stands after it."""

    number: int
    in_a_row: int
    at_risk: bool  # this miss crossed the threshold: the pair has just become at risk


@dataclass(frozen=True)
class RemindSession:
    number: int
    at: datetime


@dataclass(frozen=True)
class AskSessionLog:
    """The session's date has come: the mentor is asked for its log."""

    number: int
    at: datetime
    due: datetime


@dataclass(frozen=True)
class SessionMissed:
    """No log in time: the log task expires and the session counts as missed."""

    miss: Miss


@dataclass(frozen=True)
class OpenMidpoint:
    due: datetime


@dataclass(frozen=True)
class OpenFinal:
    due: datetime


@dataclass(frozen=True)
class ExpireTask:
    task_id: UUID


@dataclass(frozen=True)
class GoalsLapsed:
    """Goals sent back and not proposed again in time: the task expires, the coordinator hears
    of it, and the sessions go on with the declined proposal."""

    task_id: UUID
    alert: GoalsAlert


Due = (
    RemindSession
    | AskSessionLog
    | SessionMissed
    | OpenMidpoint
    | OpenFinal
    | ExpireTask
    | GoalsLapsed
)


@dataclass(frozen=True)
class Resumed:
    next_session_at: datetime | None


@dataclass(frozen=True)
class LogResult:
    miss: Miss | None  # the session was not held
    back_on_track: bool  # held, and the pair was at risk: it no longer is


@dataclass(frozen=True)
class ChemistryDeadlines:
    deadline: datetime
    reminder_at: datetime
    manage_due: datetime  # the pair-management links', past any end the pair can have


class WaitKind(StrEnum):
    PAUSED = "paused"
    FINAL_EVALUATIONS = "final_evaluations"
    SESSION_LOG = "session_log"
    SESSION = "session"
    NOTHING = "nothing"


@dataclass(frozen=True)
class Waiting:
    """What the timeline waits for now, for the workflow's status and the Temporal UI."""

    kind: WaitKind
    number: int = 0
    total: int = 0
    at: datetime | None = None  # the session's date, its log's due date, the end of a pause


class PairRules:
    def __init__(self, terms: PairTerms) -> None:
        self.terms = terms
        self.phase = PairPhase.CHEMISTRY
        self.tasks: dict[UUID, OpenTask] = {}
        self.chemistry: dict[str, ChemistryAnswer] = {}
        self.goals: GoalsProposal | None = None
        self.goals_confirmed = False
        self.goals_state = GoalsState.AWAITED
        self.goals_declines = 0
        self.declined_goals: GoalsProposal | None = None  # the proposal last sent back
        self.decline_comment = ""
        self.sessions: list[Session] = []
        self.missed_in_a_row = 0
        self.at_risk = False
        self.at_risk_episodes = 0
        self.paused_until: datetime | None = None
        self.midpoint_opened = False
        self.final_opened = False
        self.final: dict[str, FinalEvaluation] = {}
        self.ended_by: str | None = None  # a participant id, or "coordinator"
        self.end_reason = ""
        self.nudged: dict[UUID, datetime] = {}  # task -> when the coordinator last nudged
        self.chemistry_due: datetime | None = None  # both chemistry answers' deadline
        self.withdrawn_by: str | None = None  # the participant who left the programme
        # The weekly slot the sessions are planned at: proposed, then as the chemistry answers say.
        self.slot = terms.proposed_slot
        self.plan: SessionPlan | None = None  # each session's theme (domain.session_plan)
        self.onboarded: set[str] = set()  # the partners who accepted the charter

    # ---- tasks ----------------------------------------------------------------------------------

    def opened(self, task: OpenTask) -> None:
        self.tasks[task.task_id] = task
        if task.kind is TaskKind.SESSION_LOG and task.session_number is not None:
            self.sessions[task.session_number - 1].log_task = task.task_id

    def close(self, task_id: UUID) -> bool:
        """Forget an open task; False when it was not open (so nothing is recorded twice)."""
        return self.tasks.pop(task_id, None) is not None

    def tasks_of_kind(self, kind: TaskKind) -> list[UUID]:
        return [t.task_id for t in self.tasks.values() if t.kind is kind]

    def task_of(self, participant_id: str, kind: TaskKind) -> UUID | None:
        return next(
            (
                t.task_id
                for t in self.tasks.values()
                if t.participant_id == participant_id and t.kind is kind
            ),
            None,
        )

    # ---- chemistry and goals --------------------------------------------------------------------

    def chemistry_deadlines(self, now: datetime) -> ChemistryDeadlines:
        t, d = self.terms, self.terms.durations
        deadline = now + t.days(d.chemistry_days)
        self.chemistry_due = deadline
        last_step = t.sessions * t.cadence_days + d.final_evaluation_days + MANAGE_LINK_EXTRA_DAYS
        return ChemistryDeadlines(
            deadline=deadline,
            reminder_at=deadline - t.days(CHEMISTRY_REMINDER_DAYS),
            manage_due=deadline + t.days(last_step),
        )

    @property
    def ended(self) -> bool:
        """Someone ended the pair (a participant, the coordinator, a chemistry no-go)."""
        return self.ended_by is not None

    @property
    def both_answered_chemistry(self) -> bool:
        return len(self.chemistry) == 2

    @property
    def no_go(self) -> bool:
        return any(not a.go for a in self.chemistry.values())

    @property
    def chemistry_stopped(self) -> bool:
        """A no-go, or the coordinator re-pairing them: nobody waits for the other answer."""
        return self.no_go or self.ended

    def conclude_chemistry(self) -> bool:
        """Whether the pair goes on; otherwise it is dissolved, by whoever said no (or nobody)."""
        if self.ended:
            return False  # the coordinator dissolved the pair
        if self.both_answered_chemistry and not self.no_go:
            return True
        refused = next((pid for pid, a in self.chemistry.items() if not a.go), None)
        self.ended_by = refused
        self.end_reason = self.chemistry[refused].reason if refused else "no answer in time"
        self.phase = PairPhase.DISSOLVED
        return False

    def schedule_sessions(self, start: datetime) -> list[Session]:
        t = self.terms
        if t.planning is not None:
            meetings, clock = t.planning
            planned = plan_sessions(
                clock.programme_time(start), self.slot, t.sessions, t.cadence_days, meetings
            )
            self.sessions = [
                Session(
                    number=p.number,
                    at=clock.run_time(p.at),
                    planned=clock.run_time(p.planned),
                    moved_from=p.moved_from,
                )
                for p in planned
            ]
            return self.sessions
        self.sessions = [
            Session(number=k, at=at, planned=at)
            for k in range(1, t.sessions + 1)
            for at in [t.at_nine(start + t.days(k * t.cadence_days))]
        ]
        return self.sessions

    def goals_due(self, now: datetime) -> datetime:
        return now + self.terms.days(self.terms.durations.goals_days)

    @property
    def goals_round(self) -> int:
        """The proposal the mentee is asked for now: 1, then one more after each decline."""
        return self.goals_declines + 1

    @property
    def last_goals_round(self) -> bool:
        """The mentor's next decline is the last one: the coordinator will step in."""
        return self.goals_round >= MAX_GOALS_DECLINES

    def goals_lapsed(self) -> GoalsAlert:
        """No proposal by the deadline: the sessions start anyway, the coordinator hears of it."""
        self.goals_state = GoalsState.MISSING
        return GoalsAlert.MISSING

    # ---- the session timeline -------------------------------------------------------------------

    def resume_if_due(self, now: datetime) -> Resumed | None:
        if self.paused_until is None or now < self.paused_until:
            return None
        self.paused_until = None
        upcoming = self._upcoming()
        return Resumed(upcoming.at if upcoming else None)

    def due(self, now: datetime) -> list[Due]:
        """Everything owed at `now`, in the order it is to be done; the state moves past it."""
        t, d = self.terms, self.terms.durations
        owed: list[Due] = []
        if self.paused_until is None:
            for s in self.sessions:
                if not s.reminded and now >= s.at - t.days(d.session_reminder_days_before):
                    s.reminded = True
                    owed.append(RemindSession(s.number, s.at))
                if not s.took_place and now >= s.at:
                    s.log_due = s.at + t.days(d.session_log_grace_days)
                    owed.append(AskSessionLog(s.number, s.at, s.log_due))
        for s in self.sessions:
            if s.log_due is not None and not s.resolved and now >= s.log_due:
                s.missed = True
                owed.append(SessionMissed(self._miss(s.number)))

        resolved = sum(s.resolved for s in self.sessions)
        if not self.midpoint_opened and resolved >= math.ceil(t.sessions / 2):
            self.midpoint_opened = True
            owed.append(OpenMidpoint(now + t.days(d.survey_days)))
        if not self.final_opened and resolved == len(self.sessions):
            self.final_opened = True
            self.phase = PairPhase.FINAL
            owed.append(OpenFinal(now + t.days(d.final_evaluation_days)))
        owed += [
            ExpireTask(task.task_id)
            for task in self.tasks.values()
            if task.kind in _EXPIRING_SURVEYS and now >= task.due_at
        ]
        # Only a proposal asked again after a decline is open while the sessions run.
        for task in self.tasks.values():
            if task.kind is TaskKind.GOALS_PROPOSE and now >= task.due_at:
                owed.append(GoalsLapsed(task.task_id, self.goals_lapsed()))
        return owed

    def overdue_finals(self, now: datetime) -> list[UUID]:
        """The final evaluations still open once the last of them is overdue (all, or none)."""
        finals = [t for t in self.tasks.values() if t.kind is TaskKind.FINAL_EVALUATION]
        if finals and now >= max(t.due_at for t in finals):
            return [t.task_id for t in finals]
        return []

    def final_over(self, now: datetime) -> bool:
        """Every final evaluation is in, or the time for them is up: the pair is complete."""
        if not self.final_opened:
            return False
        finals = [t for t in self.tasks.values() if t.kind is TaskKind.FINAL_EVALUATION]
        return not finals or now >= max(t.due_at for t in finals)

    def next_due(self, now: datetime) -> datetime:
        """When the timeline next owes something (a day from now when nothing is planned)."""
        t = self.terms
        moments = [task.due_at for task in self.tasks.values() if task.kind not in _STANDING]
        if self.paused_until is not None:
            moments.append(self.paused_until)
        else:
            for s in self.sessions:
                if not s.reminded:
                    moments.append(s.at - t.days(t.durations.session_reminder_days_before))
                if not s.took_place:
                    moments.append(s.at)
        future = [m for m in moments if m > now]
        return min(future) if future else now + t.days(1)

    def waiting(self) -> Waiting:
        if self.paused_until is not None:
            return Waiting(WaitKind.PAUSED, at=self.paused_until)
        if self.final_opened:
            return Waiting(WaitKind.FINAL_EVALUATIONS)
        for s in self.sessions:
            if s.log_due is not None and not s.resolved:
                return Waiting(WaitKind.SESSION_LOG, number=s.number, at=s.log_due)
        upcoming = self._upcoming()
        if upcoming is not None:
            return Waiting(
                WaitKind.SESSION, number=upcoming.number, total=len(self.sessions), at=upcoming.at
            )
        return Waiting(WaitKind.NOTHING)

    def upcoming_sessions(self) -> list[Session]:
        """Sessions whose date has not come: the ones a reschedule or a pause can move."""
        return [s for s in self.sessions if not s.took_place]

    @property
    def held(self) -> int:
        return sum(bool(s.held) for s in self.sessions)

    @property
    def missed(self) -> int:
        return sum(s.missed for s in self.sessions)

    def conclude(self) -> PairPhase:
        """The phase the pair ends in, once its workflow stops."""
        if self.phase is not PairPhase.DISSOLVED:
            self.phase = PairPhase.ENDED_EARLY if self.ended else PairPhase.COMPLETED
        return self.phase

    # ---- who may do what when (update validators) -------------------------------------------

    def require(self, action: Action, kind: TaskKind, phases: set[PairPhase]) -> OpenTask:
        """The open task `action` answers, if this is the phase for it and it is the actor's."""
        task = self.tasks.get(action.task_id)
        if self.phase not in phases or self.ended:
            raise Refused(Refusal.NOT_POSSIBLE_IN_PHASE, phase=self.phase.value)
        if task is None or task.kind is not kind:
            raise Refused(Refusal.TASK_CLOSED)
        if task.participant_id != action.participant_id:
            raise Refused(Refusal.NOT_YOUR_TASK)
        return task

    def check_slot(self, slot: str | None) -> None:
        if slot is not None and slot not in self.terms.slot_options:
            raise Refused(Refusal.SLOT_NOT_OFFERED, slots=list(self.terms.slot_options))

    def check_onboarding(self, answer: OnboardingAcceptance) -> None:
        self.require(answer, TaskKind.ONBOARDING, {PairPhase.CHEMISTRY})
        if not answer.accepted:
            raise Refused(Refusal.CHARTER_NOT_ACCEPTED)

    def check_chemistry(self, answer: ChemistryAnswer) -> None:
        self.require(answer, TaskKind.CHEMISTRY, {PairPhase.CHEMISTRY})
        self.check_slot(answer.slot)

    def check_goals(self, proposal: GoalsProposal) -> None:
        # Goals sent back are proposed again while the sessions go on.
        self.require(proposal, TaskKind.GOALS_PROPOSE, {PairPhase.GOALS, PairPhase.SESSIONS})

    def check_confirmation(self, confirmation: GoalsConfirmation) -> None:
        self.require(
            confirmation,
            TaskKind.GOALS_CONFIRM,
            {PairPhase.GOALS, PairPhase.SESSIONS, PairPhase.FINAL},
        )

    def check_log(self, log: SessionLog) -> None:
        task = self.require(log, TaskKind.SESSION_LOG, {PairPhase.SESSIONS})
        if task.session_number != log.session_number:
            raise Refused(
                Refusal.LINK_FOR_OTHER_SESSION,
                session=task.session_number or 0,
                asked=log.session_number,
            )
        unknown = sorted(set(log.skills_covered) - set(self.terms.skills))
        if unknown:
            raise Refused(Refusal.UNKNOWN_SKILLS, skills=unknown)

    def check_reschedule(self, request: Reschedule, now: datetime) -> None:
        self.require(request, TaskKind.PAIR_MANAGE, {PairPhase.GOALS, PairPhase.SESSIONS})
        if not 1 <= request.session_number <= len(self.sessions):
            raise Refused(Refusal.NO_SUCH_SESSION)
        session = self.sessions[request.session_number - 1]
        if session.took_place:
            raise Refused(Refusal.SESSION_ALREADY_TOOK_PLACE)
        self.check_slot(request.slot)
        if self.terms.planning is not None:
            meetings, _ = self.terms.planning
            if meetings.is_holiday(request.new_date):
                raise Refused(Refusal.PUBLIC_HOLIDAY, date=request.new_date.isoformat())
            if not meetings.is_working_day(request.new_date):
                raise Refused(Refusal.NOT_A_WORKING_DAY)
            if request.slot is not None and request.new_date.weekday() != slot_weekday(
                request.slot
            ):
                raise Refused(Refusal.DATE_NOT_ON_SLOT_DAY, slots=[request.slot])
        new_at = self._moved_at(request)
        if new_at <= now:
            raise Refused(Refusal.DATE_NOT_IN_FUTURE)
        if request.session_number > 1:
            previous = self.sessions[request.session_number - 2]
            if new_at <= previous.at:
                raise Refused(
                    Refusal.SESSION_MUST_FOLLOW_PREVIOUS,
                    session=request.session_number,
                    previous=previous.number,
                    previous_date=self._date(previous.at).isoformat(),
                )
        if new_at - session.at > self.terms.cadence:
            raise Refused(Refusal.MOVE_BEYOND_CADENCE)

    def check_agenda(self, agenda: SessionAgenda) -> None:
        task = self.require(agenda, TaskKind.SESSION_AGENDA, {PairPhase.SESSIONS})
        if task.session_number != agenda.session_number:
            raise Refused(
                Refusal.LINK_FOR_OTHER_SESSION,
                session=task.session_number or 0,
                asked=agenda.session_number,
            )

    def agenda_tasks(self, number: int) -> list[UUID]:
        """The open agenda tasks of session `number` (one, unless it moved and was reminded
        again)."""
        return [
            t.task_id
            for t in self.tasks.values()
            if t.kind is TaskKind.SESSION_AGENDA and t.session_number == number
        ]

    def check_theme_change(self, change: ThemeChange) -> None:
        self.require(change, TaskKind.PAIR_MANAGE, {PairPhase.GOALS, PairPhase.SESSIONS})
        if self.plan is None:
            raise Refused(Refusal.NO_SESSION_PLAN)
        if not 1 <= change.session_number <= len(self.sessions):
            raise Refused(Refusal.NO_SUCH_SESSION)
        session = self.sessions[change.session_number - 1]
        if session.took_place:
            raise Refused(Refusal.SESSION_ALREADY_TOOK_PLACE)
        if change.skill is not None and change.skill not in self.terms.skills:
            raise Refused(Refusal.UNKNOWN_SKILLS, skills=[change.skill])
        if session.theme is not None and session.theme.skill == change.skill:
            raise Refused(Refusal.THEME_UNCHANGED)

    def check_pause(self, request: Pause) -> None:
        self.require(request, TaskKind.PAIR_MANAGE, {PairPhase.GOALS, PairPhase.SESSIONS})
        if self.paused_until is not None:
            raise Refused(Refusal.ALREADY_PAUSED)
        if request.days > self.terms.durations.max_pause_days:
            raise Refused(Refusal.PAUSE_TOO_LONG, max_days=self.terms.durations.max_pause_days)

    def check_midpoint(self, answer: MidpointAnswer) -> None:
        self.require(answer, TaskKind.MIDPOINT_SURVEY, {PairPhase.SESSIONS, PairPhase.FINAL})

    def check_final(self, evaluation: FinalEvaluation) -> None:
        self.require(evaluation, TaskKind.FINAL_EVALUATION, {PairPhase.FINAL})
        if evaluation.participant_id == self.terms.mentee_id:
            missing = sorted(set(self.terms.skills) - set(evaluation.levels))
            if missing:
                raise Refused(Refusal.LEVEL_NEEDED, skills=missing)
            # Asked of mentors only: a mentee's answer would count them as a returning mentor.
            if evaluation.would_mentor_again is not None:
                raise Refused(Refusal.MENTORS_ONLY_QUESTION)

    def check_end(self, request: EndPair) -> None:
        self.require(
            request,
            TaskKind.PAIR_MANAGE,
            {PairPhase.GOALS, PairPhase.SESSIONS, PairPhase.FINAL},
        )
        if self.ended:
            raise Refused(Refusal.PAIR_ALREADY_ENDING)

    def check_end_by_coordinator(self) -> None:
        if self.phase in TERMINAL or self.ended:
            raise Refused(Refusal.PAIR_ENDED)
        if self.phase is PairPhase.CHEMISTRY:
            raise Refused(Refusal.WAIT_FOR_CHEMISTRY)

    def check_re_pair(self, command: CoordinatorCommand) -> None:
        if self.phase in TERMINAL or self.ended:
            raise Refused(Refusal.PAIR_ENDED)
        if self.phase is PairPhase.FINAL:
            raise Refused(Refusal.PAIR_AT_FINAL_EVALUATION)
        if not long_enough(command.reason):
            raise Refused(Refusal.RE_PAIR_REASON_NEEDED)

    def check_extend(self, command: ExtendTask) -> None:
        """A later deadline for one of the pair's open tasks; an expired one has had its effect
        (a session counted missed, a pair dissolved), so it cannot come back."""
        if self.phase in TERMINAL or self.ended:
            raise Refused(Refusal.PAIR_ENDED)
        task = self.tasks.get(command.task_id)
        if task is None:
            if command.expired:
                raise Refused(Refusal.TASK_NOT_EXTENDABLE, kind=command.kind.value)
            raise Refused(Refusal.TASK_CLOSED)
        if task.participant_id != command.participant_id:
            raise Refused(Refusal.NOT_YOUR_TASK)
        check_extension(task.kind, command.days)

    def check_nudge(self, command: NudgeCommand, now: datetime) -> None:
        if self.phase in TERMINAL or self.ended:
            raise Refused(Refusal.PAIR_ENDED)
        task = self.tasks.get(command.task_id)
        if task is None or task.kind in _STANDING:
            raise Refused(Refusal.TASK_CLOSED)
        last = self.nudged.get(task.task_id)
        if last is not None and now - last < self.terms.days(NUDGE_INTERVAL_DAYS):
            raise Refused(Refusal.NUDGE_TOO_SOON)

    # ---- what an accepted action changes (update handlers) ----------------------------------

    def record_onboarding(self, participant_id: str) -> list[UUID]:
        """The participant accepted the charter (here or in another of their pairs); returns
        their onboarding task here, if one is still open, to close."""
        self.onboarded.add(participant_id)
        return [
            t.task_id
            for t in self.tasks.values()
            if t.kind is TaskKind.ONBOARDING and t.participant_id == participant_id
        ]

    def onboarding_pending(self, waits_for: tuple[str, ...]) -> list[str]:
        """Who, of those the chemistry meeting waits for, has not accepted the charter yet."""
        return [p for p in waits_for if p not in self.onboarded]

    def record_chemistry(self, answer: ChemistryAnswer) -> None:
        self.chemistry[answer.participant_id] = answer
        if answer.go and answer.slot is not None:
            # The later answer wins: its form showed the earlier one's choice as the pair's slot.
            self.slot = answer.slot

    def record_goals(self, proposal: GoalsProposal) -> None:
        self.goals = proposal
        self.goals_state = GoalsState.PROPOSED

    def record_confirmation(self, confirmation: GoalsConfirmation) -> GoalsVerdict:
        """Confirmed, or declined: sent back to the mentee, or after the last decline left to
        the coordinator (the proposal stands for the sessions and the final evaluation)."""
        self.goals_confirmed = confirmation.confirmed
        if confirmation.confirmed:
            self.goals_state = GoalsState.CONFIRMED
            return GoalsVerdict(True, self.goals_declines, send_back=False, alert=None)
        self.goals_declines += 1
        self.declined_goals, self.decline_comment = self.goals, confirmation.comment
        if self.goals_declines < MAX_GOALS_DECLINES:
            self.goals_state = GoalsState.DECLINED
            return GoalsVerdict(False, self.goals_declines, send_back=True, alert=None)
        self.goals_state = GoalsState.DISPUTED
        return GoalsVerdict(False, self.goals_declines, send_back=False, alert=GoalsAlert.DECLINED)

    def record_log(self, log: SessionLog) -> LogResult:
        session = self.sessions[log.session_number - 1]
        session.logged, session.held = True, log.held
        if not log.held:
            return LogResult(miss=self._miss(log.session_number), back_on_track=False)
        self.missed_in_a_row = 0
        was_at_risk, self.at_risk = self.at_risk, False
        return LogResult(miss=None, back_on_track=was_at_risk)

    def reschedule(self, request: Reschedule) -> Session:
        """Move the session, and every later one with it: the cadence keeps its rhythm."""
        session = self.sessions[request.session_number - 1]
        moved = self._moved_at(request)
        if self.terms.planning is None:
            self._shift_from(session, moved - session.at)
            return session
        _, clock = self.terms.planning
        # From the session's place in the rhythm (before any holiday moved it), so the later
        # ones keep the rhythm the move gives them.
        wall = _wall(clock.programme_time(moved)) - self._rhythm_time(session)
        if request.slot is not None:
            self.slot = request.slot  # the pair now meets at that slot
        self._shift_from(session, moved - session.at, wall)
        session.at, session.moved_from = moved, None  # exactly where it was asked to be
        return session

    def make_plan(self, plan: SessionPlan) -> None:
        """Give each session its theme; a plan for more sessions than the pair has gives none
        to the extra ones."""
        self.plan = plan
        by_number = {theme.number: theme for theme in plan.themes}
        for session in self.sessions:
            session.theme = by_number.get(session.number)

    def change_theme(self, change: ThemeChange) -> Session:
        assert self.plan is not None
        session = self.sessions[change.session_number - 1]
        session.theme = self.plan.changed(change.session_number, change.skill)
        return session

    @property
    def themes(self) -> list[SessionTheme]:
        return [s.theme for s in self.sessions if s.theme is not None]

    def pause(self, request: Pause, now: datetime) -> datetime:
        """Pause the timeline; the next session and the ones after it move by the pause."""
        self.paused_until = until = now + self.terms.days(request.days)
        upcoming = self._upcoming()
        if upcoming is not None:
            # Whole weeks with the programme's meeting rules: the sessions stay on their slot.
            weeks = timedelta(weeks=math.ceil(request.days / 7))
            self._shift_from(upcoming, self.terms.days(request.days), weeks)
        return until

    @staticmethod
    def midpoint_alerts(answer: MidpointAnswer) -> bool:
        """Whether the coordinator hears of this midpoint answer."""
        return answer.satisfaction <= 2 or not answer.wants_to_continue

    def record_final(self, evaluation: FinalEvaluation) -> None:
        self.final[evaluation.participant_id] = evaluation

    def end_by_participant(self, request: EndPair) -> None:
        self.ended_by, self.end_reason = request.participant_id, request.reason

    def end_by_coordinator(self, command: CoordinatorCommand) -> None:
        self.ended_by = "coordinator"
        self.end_reason = command.reason or "ended by coordinator"

    def dissolve_by_coordinator(self, command: CoordinatorCommand) -> None:
        """Dissolved like a no-go: the programme bans the pair and offers the mentee a backup."""
        self.ended_by, self.end_reason = "coordinator", command.reason.strip()
        self.phase = PairPhase.DISSOLVED

    def withdraw(self, participant_id: str) -> None:
        """One of the two left the programme: the pair ends, whatever its phase."""
        if self.phase in TERMINAL or self.withdrawn_by is not None:
            return
        self.withdrawn_by = participant_id
        if not self.ended:
            self.ended_by, self.end_reason = participant_id, WITHDRAWN

    def extend(self, command: ExtendTask, now: datetime) -> list[OpenTask]:
        """The task's deadline moved `days` later (from now, if it is nearer); every task that
        shares it moves too (both chemistry answers). Returns the tasks moved."""
        task = self.tasks[command.task_id]
        due = max(task.due_at, now) + self.terms.days(command.days)
        moved = [task]
        if task.kind is TaskKind.CHEMISTRY:
            moved = [t for t in self.tasks.values() if t.kind is TaskKind.CHEMISTRY]
            self.chemistry_due = due
        if task.kind is TaskKind.SESSION_LOG and task.session_number is not None:
            self.sessions[task.session_number - 1].log_due = due
        for t in moved:
            self.tasks[t.task_id] = t.model_copy(update={"due_at": due})
        return [self.tasks[t.task_id] for t in moved]

    def record_nudge(self, command: NudgeCommand, now: datetime) -> OpenTask:
        task = self.tasks[command.task_id]
        self.nudged[task.task_id] = now
        return task

    # ---- helpers --------------------------------------------------------------------------------

    def _miss(self, number: int) -> Miss:
        self.missed_in_a_row += 1
        crossed = self.missed_in_a_row >= AT_RISK_AFTER_MISSED and not self.at_risk
        if crossed:
            self.at_risk = True
            self.at_risk_episodes += 1
        return Miss(number, self.missed_in_a_row, crossed)

    def _date(self, moment: datetime) -> date:
        """The date people read for `moment`: on the programme's clock when it has one."""
        clock = self.terms.clock
        return moment.date() if clock is None else clock.programme_date(moment)

    def _upcoming(self) -> Session | None:
        return next((s for s in self.sessions if not s.took_place), None)

    def _moved_at(self, request: Reschedule) -> datetime:
        session = self.sessions[request.session_number - 1]
        if self.terms.planning is not None:
            meetings, clock = self.terms.planning
            # The new day in programme time, at the slot's or the session's own local time.
            kept = clock.programme_time(session.at)
            return clock.run_time(at_slot(request.new_date, request.slot, kept, meetings))
        return datetime.combine(request.new_date, session.at.timetz())

    def _shift_from(self, first: Session, delta: timedelta, wall: timedelta | None = None) -> None:
        """Move `first` and the sessions after it by `delta`; with the programme's meeting rules,
        by `wall` of local time from each one's place in the rhythm instead (a session at 14:00
        stays at 14:00 across a change of daylight saving), each on the next working day if it
        lands on a public holiday, and saying which."""
        planning = self.terms.planning
        previous: Session | None = None
        for s in self.sessions:
            if s.number >= first.number:
                if planning is not None and wall is not None:
                    s.at, s.moved_from = self._shifted(s, wall, previous, *planning)
                else:
                    s.at = s.at + delta
                s.reminded = False
            previous = s

    def _shifted(
        self,
        session: Session,
        wall: timedelta,
        previous: Session | None,
        meetings: MeetingRules,
        clock: ProgrammeClock,
    ) -> tuple[datetime, date | None]:
        moved = self._rhythm_time(session) + wall
        rhythm_day = moved.date()
        day = meetings.next_working_day(rhythm_day)
        if previous is not None:
            previous_day = clock.programme_date(previous.at)
            if day <= previous_day:
                day = meetings.next_working_day(previous_day + timedelta(days=1))
        at = clock.run_time(datetime.combine(day, moved.time(), tzinfo=meetings.zone))
        return at, rhythm_day if meetings.is_holiday(rhythm_day) else None

    def _rhythm_time(self, session: Session) -> datetime:
        """Where the session's rhythm puts it, in local wall-clock time: where it is, or the
        public holiday it was moved off."""
        assert self.terms.clock is not None
        local = _wall(self.terms.clock.programme_time(session.at))
        if session.moved_from is None:
            return local
        return datetime.combine(session.moved_from, local.time())


def _wall(moment: datetime) -> datetime:
    """Local wall-clock time, for arithmetic that keeps the time of day."""
    return moment.replace(tzinfo=None)
