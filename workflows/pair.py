"""One mentor–mentee pair, from the chemistry meeting to the final evaluation.

The session cadence is a small timeline: each tick performs whatever is due (reminders, log tasks,
missed sessions, midpoint and final surveys) in one recorded step, then sleeps until the next thing
is due or a participant acts. Pauses and reschedules only move dates on that timeline.
"""

from __future__ import annotations

import math
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.pair import (
        TERMINAL,
        OpenTask,
        PairInput,
        PairOutcome,
        PairPhase,
        PairStatus,
        Session,
        UpcomingSession,
    )
    from contracts.queries import PAIR_STATUS
    from contracts.search_attributes import AT_RISK, PHASE
    from domain.answers import (
        Acknowledgement,
        Action,
        ChemistryAnswer,
        CoordinatorCommand,
        EndPair,
        FinalEvaluation,
        GoalsConfirmation,
        GoalsProposal,
        MidpointAnswer,
        NudgeCommand,
        Pause,
        Reschedule,
        SessionLog,
    )
    from domain.events import EventType, pair_stream
    from domain.next_steps import NextStep
    from domain.refusals import Refusal
    from domain.tasks import TaskKind, TaskStatus

from workflows.replies import acknowledge, refuse
from workflows.shared import Journal, days, iso_date, wait_until

_SESSION_TIME = time(9, 0)


@workflow.defn
class PairWorkflow:
    @workflow.init
    def __init__(self, inp: PairInput) -> None:
        self._in = inp
        self._journal = Journal(inp.programme_id)
        self._stream = pair_stream(inp.programme_id, inp.pair_id)
        self._phase = PairPhase.CHEMISTRY
        self._tasks: dict[UUID, OpenTask] = {}
        self._chemistry: dict[str, ChemistryAnswer] = {}
        self._goals: GoalsProposal | None = None
        self._goals_confirmed = False
        self._sessions: list[Session] = []
        self._missed_in_a_row = 0
        self._at_risk = False
        self._at_risk_episodes = 0
        self._paused_until: datetime | None = None
        self._midpoint_opened = False
        self._final_opened = False
        self._final: dict[str, FinalEvaluation] = {}
        self._ended_by: str | None = None
        self._end_reason = ""
        self._changed = False  # set by handlers that move the timeline
        self._nudged: dict[UUID, datetime] = {}  # task -> when the coordinator last nudged
        self._calendar_sequence = -1  # the SEQUENCE of the last invitation sent
        self._waiting_for = "chemistry meeting"

    # ---- the lifecycle ------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: PairInput) -> PairOutcome:
        self._set_phase(PairPhase.CHEMISTRY)
        if await self._chemistry_meeting():
            await self._agree_goals()
            await self._hold_sessions()
        return await self._finish()

    async def _chemistry_meeting(self) -> bool:
        inp, j = self._in, self._journal
        deadline = workflow.now() + self._days(inp.durations.chemistry_days)
        manage_due = deadline + self._days(
            inp.sessions * inp.cadence_days + inp.durations.final_evaluation_days + 60
        )
        j.event(
            self._stream,
            EventType.PAIR_FORMED,
            mentor_id=inp.mentor_id,
            mentee_id=inp.mentee_id,
            chemistry_due=deadline.isoformat(),
        )
        for me, partner in self._sides():
            self._open(me, TaskKind.PAIR_MANAGE, "end_pair", manage_due)
            task = self._open(me, TaskKind.CHEMISTRY, "chemistry", deadline)
            j.notify(me, "chemistry", task, partner_id=partner, due_date=iso_date(deadline))
        await j.flush("pair formed: chemistry meeting tasks")

        reminder_at = deadline - self._days(3)

        def both() -> bool:
            return len(self._chemistry) == 2

        def no_go() -> bool:
            return any(not a.go for a in self._chemistry.values())

        def stop() -> bool:  # a no-go, or the coordinator re-pairing them
            return no_go() or self._ended_by is not None

        answered = await wait_until(reminder_at, both, j, "chemistry go/no-go", also=stop)
        if not answered and not stop():
            for me, partner in self._sides():
                if me not in self._chemistry:
                    j.notify(
                        me,
                        "chemistry_reminder",
                        self._task_of(me, TaskKind.CHEMISTRY),
                        partner_id=partner,
                        due_date=iso_date(deadline),
                    )
            await j.flush("chemistry reminder")
        await wait_until(deadline, both, j, "chemistry go/no-go", also=stop)
        if self._ended_by is not None:
            return False  # the coordinator dissolved the pair (`re_pair`)
        if both() and not no_go():
            return True

        refused = next((pid for pid, a in self._chemistry.items() if not a.go), None)
        self._ended_by = refused
        self._end_reason = self._chemistry[refused].reason if refused else "no answer in time"
        self._phase = PairPhase.DISSOLVED
        return False

    async def _agree_goals(self) -> None:
        inp, j = self._in, self._journal
        self._set_phase(PairPhase.GOALS)
        start = workflow.now()
        self._sessions = [
            Session(number=k, at=at, planned=at)
            for k in range(1, inp.sessions + 1)
            for at in [self._at_nine(start + self._days(k * inp.cadence_days))]
        ]
        for s in self._sessions:
            j.event(
                self._stream,
                EventType.SESSION_SCHEDULED,
                session_number=s.number,
                at=s.at.isoformat(),
            )
        # Patched: two more notifications mint two more ids, which would shift the ids of every
        # task opened after them in runs started before this change, and so their replay.
        if workflow.patched("sessions-scheduled-invitation"):
            invite = self._calendar()
            for me, partner in self._sides():
                j.notify(
                    me,
                    "sessions_scheduled",
                    self._task_of(me, TaskKind.PAIR_MANAGE),
                    partner_id=partner,
                    sessions_total=inp.sessions,
                    first_session_date=self._sessions[0].at.isoformat(),
                    cadence_days=inp.cadence_days,
                    calendar=invite,
                )
        propose_due = start + self._days(inp.durations.goals_days)
        task = self._open(inp.mentee_id, TaskKind.GOALS_PROPOSE, "propose_goals", propose_due)
        j.notify(
            inp.mentee_id,
            "goals_propose",
            task,
            partner_id=inp.mentor_id,
            due_date=iso_date(propose_due),
        )
        await j.flush("chemistry confirmed: goals task")
        ended = lambda: self._ended_by is not None  # noqa: E731
        if not await wait_until(
            propose_due, lambda: self._goals is not None, j, "mentee's goals", also=ended
        ):
            self._expire(TaskKind.GOALS_PROPOSE)
            return
        # The mentor's confirmation runs alongside the session timeline: it never delays session 1.
        self._set_phase(PairPhase.SESSIONS)

    async def _hold_sessions(self) -> None:
        _inp, j = self._in, self._journal
        if self._phase is PairPhase.GOALS:
            self._set_phase(PairPhase.SESSIONS)
        while self._ended_by is None:
            now = workflow.now()
            self._resume_if_due(now)
            self._perform_due(now)
            if self._final_done(now):
                break
            await j.flush(f"session timeline: {self._waiting_for}")
            upcoming = self._next_due(workflow.now())
            self._changed = False
            await wait_until(
                upcoming,
                lambda: False,
                j,
                self._waiting_for,
                also=lambda: self._changed or self._ended_by is not None,
            )
        await j.flush("session timeline")

    async def _finish(self) -> PairOutcome:
        inp, j = self._in, self._journal
        if self._phase is PairPhase.DISSOLVED:
            j.event(
                self._stream,
                EventType.PAIR_DISSOLVED,
                no_go_by=self._ended_by,
                reason=self._end_reason,
            )
            # Sessions exist only when the coordinator re-paired a pair past its chemistry meeting.
            dissolved: dict[str, Any] = {"by_coordinator": self._ended_by == "coordinator"}
            if self._sessions:
                dissolved["calendar"] = self._calendar("CANCEL")
            for me, partner in self._sides():
                j.notify(me, "pair_dissolved", partner_id=partner, will_repair=True, **dissolved)
        elif self._ended_by is not None:
            self._phase = PairPhase.ENDED_EARLY
            by_role = self._role_of(self._ended_by)
            j.event(
                self._stream,
                EventType.PAIR_ENDED_EARLY,
                ended_by=self._ended_by,
                ended_by_role=by_role,
                reason=self._end_reason,
            )
            cancel: dict[str, Any] = (
                {"calendar": self._calendar("CANCEL")} if self._sessions else {}
            )
            for me, partner in self._sides():
                j.notify(
                    me,
                    "pair_ended_early",
                    partner_id=partner,
                    reason=self._end_reason,
                    ended_by_role=by_role,
                    **cancel,
                )
        else:
            self._phase = PairPhase.COMPLETED
            j.event(self._stream, EventType.PAIR_COMPLETED, sessions_held=self._held())
            for me, _ in self._sides():
                j.notify(me, "pair_completed", sessions_held=self._held())
        for task_id in list(self._tasks):
            self._close(task_id, TaskStatus.CANCELLED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await j.flush(f"pair {self._phase.value}")
        self._set_phase(self._phase)
        outcome = PairOutcome(
            pair_id=inp.pair_id,
            mentor_id=inp.mentor_id,
            mentee_id=inp.mentee_id,
            phase=self._phase,
            ended_by=self._ended_by,
            reason=self._end_reason,
            sessions_planned=inp.sessions if self._sessions else 0,
            sessions_held=self._held(),
            sessions_missed=sum(s.missed for s in self._sessions),
            at_risk_episodes=self._at_risk_episodes,
        )
        programme = workflow.get_external_workflow_handle(inp.programme_workflow_id)
        await programme.signal("pair_ended", outcome)
        return outcome

    # ---- the session timeline --------------------------------------------------------------------

    def _perform_due(self, now: datetime) -> None:
        inp, j, dur = self._in, self._journal, self._in.durations
        if self._paused_until is None:
            for s in self._sessions:
                if not s.reminded and now >= s.at - self._days(dur.session_reminder_days_before):
                    s.reminded = True
                    for me, partner in self._sides():
                        j.notify(
                            me,
                            "session_reminder",
                            self._task_of(me, TaskKind.PAIR_MANAGE),
                            session_number=s.number,
                            sessions_total=inp.sessions,
                            session_date=s.at.isoformat(),
                            partner_id=partner,
                            leads_agenda=me == inp.mentor_id,
                        )
                if s.log_task is None and now >= s.at:
                    due = s.at + self._days(dur.session_log_grace_days)
                    s.log_task = self._open(
                        inp.mentor_id,
                        TaskKind.SESSION_LOG,
                        "log_session",
                        due,
                        session_number=s.number,
                    )
                    j.notify(
                        inp.mentor_id,
                        "session_log",
                        s.log_task,
                        session_number=s.number,
                        session_date=s.at.isoformat(),
                        due_date=iso_date(due),
                    )
        for s in self._sessions:
            if s.log_task is not None and not s.resolved and now >= self._tasks[s.log_task].due_at:
                s.missed = True
                self._close(s.log_task, TaskStatus.EXPIRED)
                j.event(self._stream, EventType.SESSION_MISSED, session_number=s.number)
                self._count_missed(s.number)

        resolved = sum(s.resolved for s in self._sessions)
        if not self._midpoint_opened and resolved >= math.ceil(inp.sessions / 2):
            self._midpoint_opened = True
            due = now + self._days(dur.survey_days)
            for me, _ in self._sides():
                task = self._open(me, TaskKind.MIDPOINT_SURVEY, "midpoint_survey", due)
                j.notify(me, "midpoint_survey", task, due_date=iso_date(due))
        if not self._final_opened and resolved == len(self._sessions):
            self._final_opened = True
            self._set_phase(PairPhase.FINAL)
            due = now + self._days(dur.final_evaluation_days)
            goals = [g.model_dump(mode="json") for g in self._goals.goals] if self._goals else []
            for me, _ in self._sides():
                task = self._open(
                    me,
                    TaskKind.FINAL_EVALUATION,
                    "final_evaluation",
                    due,
                    role=self._role_of(me),
                    goals=goals,
                )
                j.notify(me, "final_evaluation", task, due_date=iso_date(due))
        for open_task in list(self._tasks.values()):
            survey = open_task.kind in (TaskKind.MIDPOINT_SURVEY, TaskKind.GOALS_CONFIRM)
            if survey and now >= open_task.due_at:
                self._close(open_task.task_id, TaskStatus.EXPIRED)
        self._waiting_for = self._describe_wait(now)

    def _final_done(self, now: datetime) -> bool:
        if not self._final_opened:
            return False
        finals = [t for t in self._tasks.values() if t.kind is TaskKind.FINAL_EVALUATION]
        if not finals:
            return True
        if now >= max(t.due_at for t in finals):
            for t in finals:
                self._close(t.task_id, TaskStatus.EXPIRED)
            return True
        return False

    def _next_due(self, now: datetime) -> datetime:
        dur = self._in.durations
        moments: list[datetime] = [
            t.due_at
            for t in self._tasks.values()
            if t.kind not in (TaskKind.PAIR_MANAGE, TaskKind.CONCERN)
        ]
        if self._paused_until is not None:
            moments.append(self._paused_until)
        else:
            for s in self._sessions:
                if not s.reminded:
                    moments.append(s.at - self._days(dur.session_reminder_days_before))
                if s.log_task is None:
                    moments.append(s.at)
        future = [m for m in moments if m > now]
        return min(future) if future else now + self._days(1)

    def _describe_wait(self, now: datetime) -> str:
        if self._paused_until is not None:
            return f"paused until {iso_date(self._paused_until)}"
        if self._final_opened:
            return "waiting for the final evaluations"
        for s in self._sessions:
            if s.log_task is not None and not s.resolved:
                due = self._tasks[s.log_task].due_at
                return f"waiting for session {s.number} log (due {iso_date(due)})"
        for s in self._sessions:
            if s.log_task is None:
                return f"session {s.number} of {len(self._sessions)} on {iso_date(s.at)}"
        return "waiting"

    def _count_missed(self, number: int) -> None:
        self._missed_in_a_row += 1
        for me, _ in self._sides():
            self._journal.notify(
                me,
                "session_missed",
                self._task_of(me, TaskKind.PAIR_MANAGE),
                session_number=number,
                missed_in_a_row=self._missed_in_a_row,
            )
        if self._missed_in_a_row >= 2 and not self._at_risk:
            self._at_risk = True
            self._at_risk_episodes += 1
            workflow.upsert_search_attributes([AT_RISK.value_set(True)])
            self._journal.event(
                self._stream, EventType.PAIR_AT_RISK, missed_in_a_row=self._missed_in_a_row
            )
            self._journal.event(self._stream, EventType.COORDINATOR_ALERTED, why="at_risk")
            self._journal.notify(
                None, "at_risk", pair_id=self._in.pair_id, missed_in_a_row=self._missed_in_a_row
            )

    def _resume_if_due(self, now: datetime) -> None:
        if self._paused_until is not None and now >= self._paused_until:
            self._paused_until = None
            upcoming = next((s for s in self._sessions if s.log_task is None), None)
            self._journal.event(self._stream, EventType.PAIR_RESUMED)
            for me, _ in self._sides():
                self._journal.notify(
                    me,
                    "pair_resumed",
                    self._task_of(me, TaskKind.PAIR_MANAGE),
                    next_session_date=(upcoming.at.isoformat() if upcoming else ""),
                )

    def _shift_from(self, first: Session, delta: timedelta) -> None:
        """Move `first` and every later session by `delta`: the cadence keeps its rhythm."""
        for s in self._sessions:
            if s.number >= first.number:
                s.at = s.at + delta
                s.reminded = False

    # ---- participant actions (updates with validators) ---------------------------------------

    @workflow.update(name="chemistry")
    def chemistry(self, answer: ChemistryAnswer) -> Acknowledgement:
        self._chemistry[answer.participant_id] = answer
        self._close(answer.task_id, answer=answer)
        self._journal.event(
            self._stream,
            EventType.CHEMISTRY_ANSWERED,
            participant_id=answer.participant_id,
            go=answer.go,
            reason=answer.reason,
        )
        return acknowledge(NextStep.GOALS if answer.go else NextStep.RE_PAIRING)

    @chemistry.validator
    def _check_chemistry(self, answer: ChemistryAnswer) -> None:
        self._require(answer, TaskKind.CHEMISTRY, {PairPhase.CHEMISTRY})

    @workflow.update(name="propose_goals")
    def propose_goals(self, proposal: GoalsProposal) -> Acknowledgement:
        inp = self._in
        self._goals = proposal
        self._close(proposal.task_id, answer=proposal)
        goals = [g.model_dump(mode="json") for g in proposal.goals]
        self._journal.event(self._stream, EventType.GOALS_PROPOSED, goals=goals)
        due = workflow.now() + self._days(inp.durations.goals_days)
        task = self._open(inp.mentor_id, TaskKind.GOALS_CONFIRM, "confirm_goals", due, goals=goals)
        self._journal.notify(
            inp.mentor_id,
            "goals_confirm",
            task,
            partner_id=inp.mentee_id,
            goals=goals,
            due_date=iso_date(due),
        )
        return acknowledge(NextStep.MENTOR_CONFIRMS_GOALS)

    @propose_goals.validator
    def _check_propose(self, proposal: GoalsProposal) -> None:
        self._require(proposal, TaskKind.GOALS_PROPOSE, {PairPhase.GOALS})

    @workflow.update(name="confirm_goals")
    def confirm_goals(self, confirmation: GoalsConfirmation) -> Acknowledgement:
        self._goals_confirmed = confirmation.confirmed
        self._close(confirmation.task_id, answer=confirmation)
        self._journal.event(
            self._stream,
            EventType.GOALS_CONFIRMED,
            confirmed=confirmation.confirmed,
            comment=confirmation.comment,
        )
        return acknowledge(NextStep.SESSIONS)

    @confirm_goals.validator
    def _check_confirm(self, confirmation: GoalsConfirmation) -> None:
        self._require(
            confirmation,
            TaskKind.GOALS_CONFIRM,
            {PairPhase.GOALS, PairPhase.SESSIONS, PairPhase.FINAL},
        )

    @workflow.update(name="log_session")
    def log_session(self, log: SessionLog) -> Acknowledgement:
        session = self._sessions[log.session_number - 1]
        session.logged, session.held = True, log.held
        self._close(log.task_id, answer=log)
        self._journal.event(
            self._stream,
            EventType.SESSION_LOGGED,
            **log.model_dump(mode="json", exclude={"task_id"}),
        )
        if log.held:
            self._missed_in_a_row = 0
            if self._at_risk:
                self._at_risk = False
                workflow.upsert_search_attributes([AT_RISK.value_set(False)])
        else:
            self._count_missed(log.session_number)
        self._changed = True
        return acknowledge(NextStep.NEXT_SESSION)

    @log_session.validator
    def _check_log(self, log: SessionLog) -> None:
        task = self._require(log, TaskKind.SESSION_LOG, {PairPhase.SESSIONS})
        if task.session_number != log.session_number:
            raise refuse(
                Refusal.LINK_FOR_OTHER_SESSION,
                session=task.session_number or 0,
                asked=log.session_number,
            )
        unknown = sorted(set(log.skills_covered) - set(self._in.skills))
        if unknown:
            raise refuse(Refusal.UNKNOWN_SKILLS, skills=unknown)

    @workflow.update(name="reschedule")
    def reschedule(self, request: Reschedule) -> Acknowledgement:
        session = self._sessions[request.session_number - 1]
        new_at = datetime.combine(request.new_date, session.at.timetz())
        self._shift_from(session, new_at - session.at)
        self._journal.event(
            self._stream,
            EventType.SESSION_RESCHEDULED,
            session_number=session.number,
            at=new_at.isoformat(),
            by=request.participant_id,
        )
        invite = self._calendar()
        for me, partner in self._sides():
            self._journal.notify(
                me,
                "session_rescheduled",
                self._task_of(me, TaskKind.PAIR_MANAGE),
                session_number=session.number,
                session_date=new_at.isoformat(),
                partner_id=partner,
                calendar=invite,
            )
        self._changed = True
        return acknowledge(NextStep.SESSION_MOVED, number=session.number, date=iso_date(new_at))

    @reschedule.validator
    def _check_reschedule(self, request: Reschedule) -> None:
        self._require(request, TaskKind.PAIR_MANAGE, {PairPhase.GOALS, PairPhase.SESSIONS})
        if not 1 <= request.session_number <= len(self._sessions):
            raise refuse(Refusal.NO_SUCH_SESSION)
        session = self._sessions[request.session_number - 1]
        if session.log_task is not None:
            raise refuse(Refusal.SESSION_ALREADY_TOOK_PLACE)
        new_at = datetime.combine(request.new_date, session.at.timetz())
        if new_at <= workflow.now():
            raise refuse(Refusal.DATE_NOT_IN_FUTURE)
        if request.session_number > 1:
            previous = self._sessions[request.session_number - 2]
            if new_at <= previous.at:
                raise refuse(
                    Refusal.SESSION_MUST_FOLLOW_PREVIOUS,
                    session=request.session_number,
                    previous=previous.number,
                    previous_date=iso_date(previous.at),
                )
        if new_at - session.at > self._days(self._in.cadence_days):
            raise refuse(Refusal.MOVE_BEYOND_CADENCE)

    @workflow.update(name="pause")
    def pause(self, request: Pause) -> Acknowledgement:
        now = workflow.now()
        self._paused_until = now + self._days(request.days)
        upcoming = next((s for s in self._sessions if s.log_task is None), None)
        if upcoming is not None:
            self._shift_from(upcoming, self._days(request.days))
        self._journal.event(
            self._stream,
            EventType.PAIR_PAUSED,
            days=request.days,
            until=self._paused_until.isoformat(),
            by=request.participant_id,
            reason=request.reason,
        )
        invite = self._calendar()
        for me, partner in self._sides():
            self._journal.notify(
                me,
                "pair_paused",
                self._task_of(me, TaskKind.PAIR_MANAGE),
                until_date=iso_date(self._paused_until),
                partner_id=partner,
                calendar=invite,
            )
        self._changed = True
        return acknowledge(NextStep.PAUSED_UNTIL, date=iso_date(self._paused_until))

    @pause.validator
    def _check_pause(self, request: Pause) -> None:
        self._require(request, TaskKind.PAIR_MANAGE, {PairPhase.GOALS, PairPhase.SESSIONS})
        if self._paused_until is not None:
            raise refuse(Refusal.ALREADY_PAUSED)
        if request.days > self._in.durations.max_pause_days:
            raise refuse(Refusal.PAUSE_TOO_LONG, max_days=self._in.durations.max_pause_days)

    @workflow.update(name="midpoint_survey")
    def midpoint_survey(self, answer: MidpointAnswer) -> Acknowledgement:
        self._close(answer.task_id, answer=answer)
        self._journal.event(
            self._stream,
            EventType.MIDPOINT_ANSWERED,
            **answer.model_dump(mode="json", exclude={"task_id"}),
        )
        if answer.satisfaction <= 2 or not answer.wants_to_continue:
            self._journal.event(self._stream, EventType.COORDINATOR_ALERTED, why="midpoint")
            self._journal.notify(
                None,
                "midpoint_alert",
                pair_id=self._in.pair_id,
                satisfaction=answer.satisfaction,
                wants_to_continue=answer.wants_to_continue,
            )
        return acknowledge(NextStep.SESSIONS_CONTINUE)

    @midpoint_survey.validator
    def _check_midpoint(self, answer: MidpointAnswer) -> None:
        self._require(answer, TaskKind.MIDPOINT_SURVEY, {PairPhase.SESSIONS, PairPhase.FINAL})

    @workflow.update(name="final_evaluation")
    def final_evaluation(self, evaluation: FinalEvaluation) -> Acknowledgement:
        self._final[evaluation.participant_id] = evaluation
        self._close(evaluation.task_id, answer=evaluation)
        self._journal.event(
            self._stream,
            EventType.FINAL_EVALUATION_SUBMITTED,
            role=self._role_of(evaluation.participant_id),
            **evaluation.model_dump(mode="json", exclude={"task_id"}),
        )
        self._changed = True
        return acknowledge(NextStep.PAIR_COMPLETE)

    @final_evaluation.validator
    def _check_final(self, evaluation: FinalEvaluation) -> None:
        self._require(evaluation, TaskKind.FINAL_EVALUATION, {PairPhase.FINAL})
        if evaluation.participant_id == self._in.mentee_id:
            missing = sorted(set(self._in.skills) - set(evaluation.levels))
            if missing:
                raise refuse(Refusal.LEVEL_NEEDED, skills=missing)

    @workflow.update(name="end_pair")
    def end_pair(self, request: EndPair) -> Acknowledgement:
        self._ended_by, self._end_reason = request.participant_id, request.reason
        self._close(request.task_id, answer=request)  # the link then shows what was sent
        return acknowledge(NextStep.PAIR_ENDS_BOTH_TOLD)

    @end_pair.validator
    def _check_end(self, request: EndPair) -> None:
        self._require(
            request,
            TaskKind.PAIR_MANAGE,
            {PairPhase.GOALS, PairPhase.SESSIONS, PairPhase.FINAL},
        )
        if self._ended_by is not None:
            raise refuse(Refusal.PAIR_ALREADY_ENDING)

    @workflow.update(name="end_by_coordinator")
    def end_by_coordinator(self, command: CoordinatorCommand) -> Acknowledgement:
        self._ended_by, self._end_reason = "coordinator", command.reason or "ended by coordinator"
        return acknowledge(NextStep.PAIR_ENDS)

    @end_by_coordinator.validator
    def _check_end_by_coordinator(self, command: CoordinatorCommand) -> None:
        if self._phase in TERMINAL or self._ended_by is not None:
            raise refuse(Refusal.PAIR_ENDED)
        if self._phase is PairPhase.CHEMISTRY:
            raise refuse(Refusal.WAIT_FOR_CHEMISTRY)

    @workflow.update(name="re_pair")
    def re_pair(self, command: CoordinatorCommand) -> Acknowledgement:
        # Dissolved like a no-go: the programme bans the pair and offers the mentee a backup.
        self._ended_by, self._end_reason = "coordinator", command.reason.strip()
        self._phase = PairPhase.DISSOLVED
        return acknowledge(NextStep.PAIR_DISSOLVED_BACKUP)

    @re_pair.validator
    def _check_re_pair(self, command: CoordinatorCommand) -> None:
        if self._phase in TERMINAL or self._ended_by is not None:
            raise refuse(Refusal.PAIR_ENDED)
        if self._phase is PairPhase.FINAL:
            raise refuse(Refusal.PAIR_AT_FINAL_EVALUATION)
        if len(command.reason.strip()) < 3:
            raise refuse(Refusal.RE_PAIR_REASON_NEEDED)

    @workflow.update(name="nudge")
    def nudge(self, command: NudgeCommand) -> Acknowledgement:
        task = self._tasks[command.task_id]
        self._nudged[task.task_id] = workflow.now()
        mentor, mentee = self._in.mentor_id, self._in.mentee_id
        self._journal.event(
            self._stream,
            EventType.PARTICIPANT_NUDGED,
            participant_id=task.participant_id,
            task_id=str(task.task_id),
            task_kind=task.kind.value,
        )
        self._journal.notify(
            task.participant_id,
            "task_nudge",
            task.task_id,
            task_kind=task.kind.value,
            due_date=iso_date(task.due_at),
            partner_id=mentee if task.participant_id == mentor else mentor,
        )
        return acknowledge(NextStep.REMINDER_SENT)

    @nudge.validator
    def _check_nudge(self, command: NudgeCommand) -> None:
        if self._phase in TERMINAL or self._ended_by is not None:
            raise refuse(Refusal.PAIR_ENDED)
        task = self._tasks.get(command.task_id)
        if task is None or task.kind in (TaskKind.PAIR_MANAGE, TaskKind.CONCERN):
            raise refuse(Refusal.TASK_CLOSED)
        last = self._nudged.get(task.task_id)
        if last is not None and workflow.now() - last < self._days(1):
            raise refuse(Refusal.NUDGE_TOO_SOON)

    @workflow.query(name=PAIR_STATUS)
    def status(self) -> PairStatus:
        return PairStatus(
            pair_id=self._in.pair_id,
            phase=self._phase,
            waiting_for=self._journal.waiting_for,
            next_deadline=self._journal.next_deadline,
            sessions_held=self._held(),
            sessions_missed=sum(s.missed for s in self._sessions),
            at_risk=self._at_risk,
            paused_until=self._paused_until,
            open_tasks=list(self._tasks.values()),
            upcoming_sessions=[
                UpcomingSession(number=s.number, at=s.at)
                for s in self._sessions
                if s.log_task is None
            ],
        )

    # ---- helpers ------------------------------------------------------------------------------

    def _require(self, action: Action, kind: TaskKind, phases: set[PairPhase]) -> OpenTask:
        task = self._tasks.get(action.task_id)
        if self._phase not in phases or self._ended_by is not None:
            raise refuse(Refusal.NOT_POSSIBLE_IN_PHASE, phase=self._phase.value)
        if task is None or task.kind is not kind:
            raise refuse(Refusal.TASK_CLOSED)
        if task.participant_id != action.participant_id:
            raise refuse(Refusal.NOT_YOUR_TASK)
        return task

    def _open(
        self,
        participant_id: str,
        kind: TaskKind,
        update: str,
        due: datetime,
        session_number: int | None = None,
        **extra: Any,
    ) -> UUID:
        context: dict[str, Any] = {"pair_id": self._in.pair_id, **extra}
        if session_number is not None:
            context["session_number"] = session_number
        task_id = self._journal.open_task(participant_id, kind, update, due, context=context)
        self._tasks[task_id] = OpenTask(
            task_id=task_id,
            participant_id=participant_id,
            kind=kind,
            due_at=due,
            session_number=session_number,
        )
        return task_id

    def _close(
        self, task_id: UUID, status: TaskStatus = TaskStatus.DONE, answer: Action | None = None
    ) -> None:
        if self._tasks.pop(task_id, None) is not None:
            self._journal.close_task(task_id, status, answer)

    def _expire(self, kind: TaskKind) -> None:
        for task in [t for t in self._tasks.values() if t.kind is kind]:
            self._close(task.task_id, TaskStatus.EXPIRED)

    def _task_of(self, participant_id: str, kind: TaskKind) -> UUID | None:
        return next(
            (
                t.task_id
                for t in self._tasks.values()
                if t.participant_id == participant_id and t.kind is kind
            ),
            None,
        )

    def _set_phase(self, phase: PairPhase) -> None:
        self._phase = phase
        workflow.upsert_search_attributes([PHASE.value_set(phase.value)])
        workflow.logger.info("pair.phase", extra={"phase": phase.value})

    def _sides(self) -> tuple[tuple[str, str], tuple[str, str]]:
        return ((self._in.mentor_id, self._in.mentee_id), (self._in.mentee_id, self._in.mentor_id))

    def _role_of(self, participant_id: str) -> str:
        if participant_id == self._in.mentor_id:
            return "mentor"
        return "mentee" if participant_id == self._in.mentee_id else participant_id

    def _held(self) -> int:
        return sum(bool(s.held) for s in self._sessions)

    def _calendar(self, method: str = "REQUEST") -> dict[str, Any]:
        """The sessions as an invitation the mailer turns into an ICS file (domain.calendar).

        One series per pair (one UID); each change is sent with the next SEQUENCE so calendars
        update the series instead of adding another.
        """
        self._calendar_sequence += 1
        return {
            "uid": f"{workflow.info().workflow_id}@tandem",
            "sequence": self._calendar_sequence,
            "method": method,
            "cadence_seconds": int(self._days(self._in.cadence_days).total_seconds()),
            "sessions": [
                [s.number, s.planned.isoformat(), s.at.isoformat()] for s in self._sessions
            ],
        }

    def _days(self, count: float) -> timedelta:
        return days(count, self._in.day_seconds)

    def _at_nine(self, moment: datetime) -> datetime:
        # Real programmes meet in office hours; a compressed demo keeps exact offsets instead.
        if self._in.day_seconds != 86_400:
            return moment
        return datetime.combine(moment.date(), _SESSION_TIME, tzinfo=moment.tzinfo)
