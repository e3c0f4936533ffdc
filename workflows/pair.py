"""One mentor–mentee pair, from the chemistry meeting to the final evaluation.

The pair's rules and state are `domain.pair_rules.PairRules`; this workflow waits, records and
notifies what they decide. The session cadence is a small timeline: each tick performs whatever
is due (reminders, log tasks, missed sessions, midpoint and final surveys) in one recorded step,
then sleeps until the next thing is due or a participant acts.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.pair import (
        OnboardedNotice,
        OpenTask,
        PairInput,
        PairOutcome,
        PairPhase,
        PairStatus,
        SessionPlanRequest,
        UpcomingSession,
        WithdrawnNotice,
    )
    from contracts.queries import PAIR_STATUS
    from contracts.roster import EXTEND_TASK, PARTICIPANT_ONBOARDED, PARTICIPANT_WITHDRAWN
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
        OnboardingAcceptance,
        Pause,
        Reschedule,
        SessionAgenda,
        SessionLog,
        ThemeChange,
    )
    from domain.events import EventType, pair_stream, participant_stream
    from domain.next_steps import NextStep
    from domain.pair_rules import (
        AskSessionLog,
        Due,
        ExpireTask,
        GoalsAlert,
        GoalsLapsed,
        GoalsVerdict,
        Miss,
        OpenFinal,
        OpenMidpoint,
        PairRules,
        RemindSession,
        SessionMissed,
        Waiting,
        WaitKind,
    )
    from domain.pair_state import OnboardingTerms, PairTerms
    from domain.programme_clock import ProgrammeClock
    from domain.roster import ExtendTask
    from domain.session_plan import SessionPlan, SessionTheme
    from domain.tasks import TaskKind, TaskStatus

from workflows.replies import acknowledge, refusing
from workflows.retries import LOCAL_STEP_RETRY
from workflows.shared import (
    PLAN_SESSIONS,
    STEP_TIMEOUT,
    Journal,
    iso_date,
    iso_moment,
    wait_until,
)

# Patch: a mentor's decline sends the goals back to the mentee (a new task and e-mail), the last
# decline and a missing proposal alert the coordinator. Runs started before keep ignoring both.
GOALS_DECLINABLE = "goals-declinable"
# Patch: a pair dissolved before its sessions leaves its pair_dissolved e-mails to the programme.
PROGRAMME_TELLS_DISSOLVED = "programme-tells-dissolved"
# Patch: each session gets a theme once the sessions are scheduled (an activity reads the
# mentee's self-assessment), and the invitations, reminders and pair page show it.
SESSION_PLAN = "session-plan"
# Patch: two days before each session the mentee gets an agenda task (one more minted id), which
# their reminder links to, and the mentor receives what they write.
SESSION_AGENDA = "session-agenda"
# How long before the onboarding deadline those who have not accepted the charter are reminded.
ONBOARDING_REMINDER_DAYS = 2
_ENDED = frozenset({PairPhase.COMPLETED, PairPhase.ENDED_EARLY, PairPhase.DISSOLVED})


@workflow.defn
class PairWorkflow:
    @workflow.init
    def __init__(self, inp: PairInput) -> None:
        self._in = inp
        self._journal = Journal(inp.programme_id)
        self._stream = pair_stream(inp.programme_id, inp.pair_id)
        self._pair = PairRules(
            PairTerms(
                mentor_id=inp.mentor_id,
                mentee_id=inp.mentee_id,
                sessions=inp.sessions,
                cadence_days=inp.cadence_days,
                durations=inp.durations,
                day_seconds=inp.day_seconds,
                skills=inp.skills,
                meetings=inp.meetings,
                # Sessions are planned in programme time when the programme says when they may
                # take place; pairs started before keep the old timing.
                clock=inp.clock if inp.meetings is not None else None,
                common_slots=inp.common_slots,
            )
        )
        self._sides = self._pair.terms.sides
        self._changed = False  # set by handlers that move the timeline
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
        inp, j, pair = self._in, self._journal, self._pair
        formed = workflow.now()
        onboarding = inp.onboarding
        # With onboarding, the meeting's deadline counts from the end of it: partners who accept
        # the charter early have longer to meet.
        opens = formed + (pair.terms.days(onboarding.days) if onboarding else timedelta(0))
        due = pair.chemistry_deadlines(opens)
        j.event(
            self._stream,
            EventType.PAIR_FORMED,
            mentor_id=inp.mentor_id,
            mentee_id=inp.mentee_id,
            chemistry_due=due.deadline.isoformat(),
        )
        if onboarding is not None:
            await self._onboarding(onboarding, opens)
            if pair.chemistry_stopped or pair.ended:
                return pair.conclude_chemistry()
        slots = self._slot_context()
        for me, partner in self._sides:
            self._open(me, TaskKind.PAIR_MANAGE, "end_pair", due.manage_due, **slots)
            task = self._open(me, TaskKind.CHEMISTRY, "chemistry", due.deadline, **slots)
            j.notify(
                me,
                "chemistry",
                task,
                partner_id=partner,
                due_date=iso_date(due.deadline, self._clock),
                **({"slot": pair.slot, "slot_shared": bool(inp.common_slots)} if slots else {}),
            )
        await j.flush("pair formed: chemistry meeting tasks")

        def both() -> bool:
            return pair.both_answered_chemistry

        def stop() -> bool:  # a no-go, or the coordinator re-pairing them
            return pair.chemistry_stopped

        answered = await wait_until(due.reminder_at, both, j, "chemistry go/no-go", also=stop)
        if not answered and not stop():
            for me, partner in self._sides:
                if me not in pair.chemistry:
                    j.notify(
                        me,
                        "chemistry_reminder",
                        pair.task_of(me, TaskKind.CHEMISTRY),
                        partner_id=partner,
                        due_date=iso_date(due.deadline, self._clock),
                    )
            await j.flush("chemistry reminder")
        while True:  # once more for each extension of the deadline
            deadline = pair.chemistry_due or due.deadline
            await wait_until(
                deadline,
                both,
                j,
                "chemistry go/no-go",
                also=lambda d=deadline: stop() or pair.chemistry_due != d,  # type: ignore[misc]
            )
            if both() or stop() or pair.chemistry_due == deadline:
                break
        return pair.conclude_chemistry()

    async def _onboarding(self, terms: OnboardingTerms, deadline: datetime) -> None:
        """Each partner reads the charter and their role's guide and accepts the charter; the
        chemistry meeting waits for both, or for the deadline, when the coordinator hears who
        has not accepted."""
        inp, j, pair = self._in, self._journal, self._pair
        self._waiting_for = "onboarding"
        for me, partner in self._sides:
            if me in terms.opens_for:
                task = self._open(
                    me, TaskKind.ONBOARDING, "accept_onboarding", deadline, role=self._role(me)
                )
                j.notify(
                    me,
                    "onboarding",
                    task,
                    partner_id=partner,
                    due_date=iso_date(deadline, self._clock),
                )
        await j.flush("pair formed: onboarding")

        def onboarded() -> bool:
            return not pair.onboarding_pending(terms.waits_for)

        def stop() -> bool:
            return pair.chemistry_stopped or pair.ended

        reminder_at = deadline - pair.terms.days(ONBOARDING_REMINDER_DAYS)
        if reminder_at > workflow.now():
            done = await wait_until(reminder_at, onboarded, j, "charter accepted", also=stop)
            if not done and not stop():
                for me, partner in self._sides:
                    asked = pair.task_of(me, TaskKind.ONBOARDING)
                    if asked is not None and me in pair.onboarding_pending(terms.waits_for):
                        j.notify(
                            me,
                            "onboarding_reminder",
                            asked,
                            partner_id=partner,
                            due_date=iso_date(deadline, self._clock),
                        )
        if await wait_until(deadline, onboarded, j, "charter accepted", also=stop) or stop():
            return
        missing = pair.onboarding_pending(terms.waits_for)
        j.event(self._stream, EventType.COORDINATOR_ALERTED, why="onboarding")
        j.notify(
            None,
            "onboarding_overdue",
            pair_id=inp.pair_id,
            not_accepted=[self._role(p) for p in missing],
        )
        # Their task stays open: the charter can still be accepted once the meeting is planned.

    async def _agree_goals(self) -> None:
        inp, j, pair = self._in, self._journal, self._pair
        self._set_phase(PairPhase.GOALS)
        start = workflow.now()
        sessions = pair.schedule_sessions(start)
        for s in sessions:
            j.event(
                self._stream,
                EventType.SESSION_SCHEDULED,
                session_number=s.number,
                at=s.at.isoformat(),
            )
        if workflow.patched(SESSION_PLAN):
            await self._plan_sessions()
        # Patched: two more notifications mint two more ids, which would shift the ids of every
        # task opened after them in runs started before this change, and so their replay.
        if workflow.patched("sessions-scheduled-invitation"):
            invite = self._calendar()
            for me, partner in self._sides:
                j.notify(
                    me,
                    "sessions_scheduled",
                    pair.task_of(me, TaskKind.PAIR_MANAGE),
                    partner_id=partner,
                    sessions_total=inp.sessions,
                    first_session_date=iso_moment(sessions[0].at, self._clock),
                    cadence_days=inp.cadence_days,
                    calendar=invite,
                    **(
                        {"slot": pair.slot, "slot_shared": pair.slot in inp.common_slots}
                        if self._slot_context()
                        else {}
                    ),
                )
        propose_due = pair.goals_due(start)
        task = self._open(inp.mentee_id, TaskKind.GOALS_PROPOSE, "propose_goals", propose_due)
        j.notify(
            inp.mentee_id,
            "goals_propose",
            task,
            partner_id=inp.mentor_id,
            due_date=iso_date(propose_due, self._clock),
        )
        await j.flush("chemistry confirmed: goals task")
        if not await self._wait_for_goals(task, propose_due):
            for task_id in pair.tasks_of_kind(TaskKind.GOALS_PROPOSE):
                self._close(task_id, TaskStatus.EXPIRED)
            if not pair.ended:
                alert = pair.goals_lapsed()
                if workflow.patched(GOALS_DECLINABLE):
                    self._alert_goals(alert)
            return
        # The mentor's confirmation runs alongside the session timeline: it never delays session 1.
        self._set_phase(PairPhase.SESSIONS)

    async def _plan_sessions(self) -> None:
        """Each session's theme, from the mentee's self-assessment, before the invitation goes:
        its sessions name their themes from the first."""
        inp = self._in
        plan = await workflow.execute_local_activity(
            PLAN_SESSIONS,
            SessionPlanRequest(mentee_id=inp.mentee_id, sessions=inp.sessions, skills=inp.skills),
            result_type=SessionPlan,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=LOCAL_STEP_RETRY,
            summary="session themes from the mentee's self-assessment",
        )
        self._pair.make_plan(plan)
        self._journal.event(
            self._stream,
            EventType.SESSION_PLAN_MADE,
            themes=[t.model_dump(mode="json") for t in self._pair.themes],
        )

    async def _wait_for_goals(self, task: UUID, due: datetime) -> bool:
        """Whether the mentee proposed goals by the task's deadline, extended or not."""
        pair = self._pair

        def due_now() -> datetime:
            open_task = pair.tasks.get(task)
            return open_task.due_at if open_task is not None else due

        while True:  # once more for each extension of the deadline
            deadline = due_now()
            proposed = await wait_until(
                deadline,
                lambda: pair.goals is not None,
                self._journal,
                "mentee's goals",
                also=lambda d=deadline: pair.ended or due_now() != d,  # type: ignore[misc]
            )
            if proposed or pair.ended or due_now() == deadline:
                return proposed

    async def _hold_sessions(self) -> None:
        j, pair = self._journal, self._pair
        if pair.phase is PairPhase.GOALS:
            self._set_phase(PairPhase.SESSIONS)
        while not pair.ended:
            now = workflow.now()
            self._resume_if_due(now)
            for due in pair.due(now):
                self._perform(due)
            self._waiting_for = _describe(pair.waiting())
            for task_id in pair.overdue_finals(now):
                self._close(task_id, TaskStatus.EXPIRED)
            if pair.final_over(now):
                break
            await j.flush(f"session timeline: {self._waiting_for}")
            upcoming = pair.next_due(workflow.now())
            self._changed = False
            await wait_until(
                upcoming,
                lambda: False,
                j,
                self._waiting_for,
                also=lambda: self._changed or pair.ended,
            )
        await j.flush("session timeline")

    async def _finish(self) -> PairOutcome:
        inp, j, pair = self._in, self._journal, self._pair
        was_dissolved = pair.phase is PairPhase.DISSOLVED
        phase = pair.conclude()
        cancellation: dict[str, Any] | None = None
        if pair.withdrawn_by is not None and not was_dissolved:
            # The programme tells both, knowing whether the one left gets a new partner.
            j.event(
                self._stream,
                EventType.PAIR_ENDED_EARLY,
                ended_by=pair.withdrawn_by,
                ended_by_role=pair.terms.role_of(pair.withdrawn_by),
                reason=pair.end_reason,
            )
            if pair.sessions:
                cancellation = self._calendar("CANCEL")
        elif was_dissolved:
            j.event(
                self._stream,
                EventType.PAIR_DISSOLVED,
                no_go_by=pair.ended_by,
                reason=pair.end_reason,
            )
            # Sessions exist only when the coordinator re-paired a pair past its chemistry meeting.
            dissolved: dict[str, Any] = {"by_coordinator": pair.ended_by == "coordinator"}
            if pair.sessions:
                dissolved["calendar"] = self._calendar("CANCEL")
            # The programme, which knows whether each side gets a new partner, tells them; the
            # pair still does when it has a calendar to cancel (patched: one fewer minted id).
            if pair.sessions or not workflow.patched(PROGRAMME_TELLS_DISSOLVED):
                for me, partner in self._sides:
                    j.notify(
                        me, "pair_dissolved", partner_id=partner, will_repair=True, **dissolved
                    )
        elif phase is PairPhase.ENDED_EARLY:
            assert pair.ended_by is not None
            by_role = pair.terms.role_of(pair.ended_by)
            j.event(
                self._stream,
                EventType.PAIR_ENDED_EARLY,
                ended_by=pair.ended_by,
                ended_by_role=by_role,
                reason=pair.end_reason,
            )
            cancel: dict[str, Any] = {"calendar": self._calendar("CANCEL")} if pair.sessions else {}
            for me, partner in self._sides:
                j.notify(
                    me,
                    "pair_ended_early",
                    partner_id=partner,
                    reason=pair.end_reason,
                    ended_by_role=by_role,
                    **cancel,
                )
        else:
            j.event(self._stream, EventType.PAIR_COMPLETED, sessions_held=pair.held)
            for me, _ in self._sides:
                j.notify(me, "pair_completed", sessions_held=pair.held)
        for task_id in list(pair.tasks):
            self._close(task_id, TaskStatus.CANCELLED)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await j.flush(f"pair {pair.phase.value}")
        self._set_phase(pair.phase)
        outcome = PairOutcome(
            pair_id=inp.pair_id,
            mentor_id=inp.mentor_id,
            mentee_id=inp.mentee_id,
            phase=pair.phase,
            ended_by=pair.ended_by,
            reason=pair.end_reason,
            sessions_planned=inp.sessions if pair.sessions else 0,
            sessions_held=pair.held,
            sessions_missed=pair.missed,
            at_risk_episodes=pair.at_risk_episodes,
            withdrawn_by=pair.withdrawn_by if not was_dissolved else None,
            cancellation=cancellation,
        )
        programme = workflow.get_external_workflow_handle(inp.programme_workflow_id)
        await programme.signal("pair_ended", outcome)
        return outcome

    # ---- the session timeline --------------------------------------------------------------------

    def _perform(self, due: Due) -> None:
        inp, j, pair = self._in, self._journal, self._pair
        if isinstance(due, RemindSession):
            agenda = self._ask_agenda(due) if pair.plan is not None else None
            for me, partner in self._sides:
                asks = agenda is not None and me == inp.mentee_id
                j.notify(
                    me,
                    "session_reminder",
                    agenda if asks else pair.task_of(me, TaskKind.PAIR_MANAGE),
                    session_number=due.number,
                    sessions_total=inp.sessions,
                    session_date=iso_moment(due.at, self._clock),
                    partner_id=partner,
                    leads_agenda=me == inp.mentor_id,
                    **self._theme_of(due.number),
                    **({"asks_agenda": True} if asks else {}),
                    **({"agenda_coming": True} if agenda and me == inp.mentor_id else {}),
                )
        elif isinstance(due, AskSessionLog):
            task = self._open(
                inp.mentor_id,
                TaskKind.SESSION_LOG,
                "log_session",
                due.due,
                session_number=due.number,
                **self._theme_of(due.number),  # the log's form starts from the planned theme
            )
            j.notify(
                inp.mentor_id,
                "session_log",
                task,
                session_number=due.number,
                session_date=iso_moment(due.at, self._clock),
                due_date=iso_date(due.due, self._clock),
            )
        elif isinstance(due, SessionMissed):
            log_task = pair.sessions[due.miss.number - 1].log_task
            assert log_task is not None
            self._close(log_task, TaskStatus.EXPIRED)
            j.event(self._stream, EventType.SESSION_MISSED, session_number=due.miss.number)
            self._tell_missed(due.miss)
        elif isinstance(due, OpenMidpoint):
            for me, _ in self._sides:
                task = self._open(me, TaskKind.MIDPOINT_SURVEY, "midpoint_survey", due.due)
                j.notify(me, "midpoint_survey", task, due_date=iso_date(due.due, self._clock))
        elif isinstance(due, OpenFinal):
            self._set_phase(PairPhase.FINAL)
            goals = [g.model_dump(mode="json") for g in pair.goals.goals] if pair.goals else []
            for me, _ in self._sides:
                task = self._open(
                    me,
                    TaskKind.FINAL_EVALUATION,
                    "final_evaluation",
                    due.due,
                    role=pair.terms.role_of(me),
                    goals=goals,
                )
                j.notify(me, "final_evaluation", task, due_date=iso_date(due.due, self._clock))
        elif isinstance(due, ExpireTask):
            self._close(due.task_id, TaskStatus.EXPIRED)
        elif isinstance(due, GoalsLapsed):
            self._close(due.task_id, TaskStatus.EXPIRED)
            self._alert_goals(due.alert)

    def _alert_goals(self, why: GoalsAlert) -> None:
        """The coordinator hears of the goals; the sessions go on with the last proposal, if any."""
        pair = self._pair
        self._journal.event(self._stream, EventType.COORDINATOR_ALERTED, why=why.value)
        self._journal.notify(
            None,
            "goals_alert",
            pair_id=self._in.pair_id,
            why=why.value,
            comment=pair.decline_comment,
            has_goals=pair.goals is not None,
        )

    def _tell_missed(self, miss: Miss) -> None:
        j = self._journal
        for me, _ in self._sides:
            j.notify(
                me,
                "session_missed",
                self._pair.task_of(me, TaskKind.PAIR_MANAGE),
                session_number=miss.number,
                missed_in_a_row=miss.in_a_row,
            )
        if miss.at_risk:
            workflow.upsert_search_attributes([AT_RISK.value_set(True)])
            j.event(self._stream, EventType.PAIR_AT_RISK, missed_in_a_row=miss.in_a_row)
            j.event(self._stream, EventType.COORDINATOR_ALERTED, why="at_risk")
            j.notify(None, "at_risk", pair_id=self._in.pair_id, missed_in_a_row=miss.in_a_row)

    def _resume_if_due(self, now: datetime) -> None:
        resumed = self._pair.resume_if_due(now)
        if resumed is None:
            return
        self._journal.event(self._stream, EventType.PAIR_RESUMED)
        at = resumed.next_session_at
        for me, _ in self._sides:
            self._journal.notify(
                me,
                "pair_resumed",
                self._pair.task_of(me, TaskKind.PAIR_MANAGE),
                next_session_date=(iso_moment(at, self._clock) if at else ""),
            )

    # ---- participant actions (updates with validators) ---------------------------------------

    @workflow.update(name="accept_onboarding")
    async def accept_onboarding(self, answer: OnboardingAcceptance) -> Acknowledgement:
        self._onboarded(answer.participant_id, answer)
        # The programme tells the participant's other pairs waiting for the same acceptance.
        programme = workflow.get_external_workflow_handle(self._in.programme_workflow_id)
        await programme.signal(
            PARTICIPANT_ONBOARDED,
            OnboardedNotice(participant_id=answer.participant_id, pair_id=self._in.pair_id),
        )
        return acknowledge(NextStep.ONBOARDED)

    @accept_onboarding.validator
    def _check_onboarding(self, answer: OnboardingAcceptance) -> None:
        with refusing():
            self._pair.check_onboarding(answer)

    @workflow.signal(name=PARTICIPANT_ONBOARDED)
    def participant_onboarded(self, notice: OnboardedNotice) -> None:
        """The participant accepted the charter in another of their pairs."""
        person = notice.participant_id
        if (
            person in (self._in.mentor_id, self._in.mentee_id)
            and person not in self._pair.onboarded
        ):
            self._onboarded(person)

    def _onboarded(self, participant_id: str, answer: OnboardingAcceptance | None = None) -> None:
        # Accepted here, the task is done; accepted in another pair, this one's is moot.
        status = TaskStatus.DONE if answer is not None else TaskStatus.CANCELLED
        for task_id in self._pair.record_onboarding(participant_id):
            self._close(task_id, status, answer)
        if answer is not None:
            self._journal.event(
                participant_stream(participant_id),
                EventType.ONBOARDING_ACCEPTED,
                pair_id=self._in.pair_id,
            )

    @workflow.update(name="chemistry")
    def chemistry(self, answer: ChemistryAnswer) -> Acknowledgement:
        self._pair.record_chemistry(answer)
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
        with refusing():
            self._pair.check_chemistry(answer)

    @workflow.update(name="propose_goals")
    def propose_goals(self, proposal: GoalsProposal) -> Acknowledgement:
        inp = self._in
        revised = self._pair.goals is not None  # goals sent back, proposed again
        self._pair.record_goals(proposal)
        self._close(proposal.task_id, answer=proposal)
        goals = [g.model_dump(mode="json") for g in proposal.goals]
        self._journal.event(self._stream, EventType.GOALS_PROPOSED, goals=goals)
        due = self._pair.goals_due(workflow.now())
        task = self._open(inp.mentor_id, TaskKind.GOALS_CONFIRM, "confirm_goals", due, goals=goals)
        self._journal.notify(
            inp.mentor_id,
            "goals_confirm",
            task,
            partner_id=inp.mentee_id,
            goals=goals,
            due_date=iso_date(due, self._clock),
        )
        if revised:  # the sessions are under way: their timeline writes this down now
            self._changed = True
        return acknowledge(NextStep.MENTOR_CONFIRMS_GOALS)

    @propose_goals.validator
    def _check_propose(self, proposal: GoalsProposal) -> None:
        with refusing():
            self._pair.check_goals(proposal)

    @workflow.update(name="confirm_goals")
    def confirm_goals(self, confirmation: GoalsConfirmation) -> Acknowledgement:
        verdict = self._pair.record_confirmation(confirmation)
        self._close(confirmation.task_id, answer=confirmation)
        if verdict.confirmed or not workflow.patched(GOALS_DECLINABLE):
            self._journal.event(
                self._stream,
                EventType.GOALS_CONFIRMED,
                confirmed=confirmation.confirmed,
                comment=confirmation.comment,
            )
            return acknowledge(NextStep.SESSIONS)
        return self._declined(verdict, confirmation.comment)

    def _declined(self, verdict: GoalsVerdict, comment: str) -> Acknowledgement:
        inp, pair = self._in, self._pair
        self._journal.event(
            self._stream,
            EventType.GOALS_DECLINED,
            comment=comment,
            declines=verdict.declines,
            sent_back=verdict.send_back,
        )
        self._changed = True  # the timeline writes this down now, and waits for the new task
        if verdict.alert is not None:
            self._alert_goals(verdict.alert)
            return acknowledge(NextStep.GOALS_TO_COORDINATOR)
        due = pair.goals_due(workflow.now())
        task = self._open(inp.mentee_id, TaskKind.GOALS_PROPOSE, "propose_goals", due)
        previous = pair.declined_goals.goals if pair.declined_goals else ()
        self._journal.notify(
            inp.mentee_id,
            "goals_propose",
            task,
            partner_id=inp.mentor_id,
            due_date=iso_date(due, self._clock),
            comment=comment,
            previous_goals=[g.model_dump(mode="json") for g in previous],
            last_round=pair.last_goals_round,
        )
        return acknowledge(NextStep.GOALS_SENT_BACK)

    @confirm_goals.validator
    def _check_confirm(self, confirmation: GoalsConfirmation) -> None:
        with refusing():
            self._pair.check_confirmation(confirmation)

    @workflow.update(name="log_session")
    def log_session(self, log: SessionLog) -> Acknowledgement:
        result = self._pair.record_log(log)
        self._close(log.task_id, answer=log)
        self._journal.event(
            self._stream,
            EventType.SESSION_LOGGED,
            **log.model_dump(mode="json", exclude={"task_id"}),
        )
        if result.back_on_track:
            workflow.upsert_search_attributes([AT_RISK.value_set(False)])
        if result.miss is not None:
            self._tell_missed(result.miss)
        self._changed = True
        return acknowledge(NextStep.NEXT_SESSION)

    @log_session.validator
    def _check_log(self, log: SessionLog) -> None:
        with refusing():
            self._pair.check_log(log)

    @workflow.update(name="reschedule")
    def reschedule(self, request: Reschedule) -> Acknowledgement:
        session = self._pair.reschedule(request)
        self._journal.event(
            self._stream,
            EventType.SESSION_RESCHEDULED,
            session_number=session.number,
            at=session.at.isoformat(),
            by=request.participant_id,
        )
        invite = self._calendar()
        for me, partner in self._sides:
            self._journal.notify(
                me,
                "session_rescheduled",
                self._pair.task_of(me, TaskKind.PAIR_MANAGE),
                session_number=session.number,
                session_date=iso_moment(session.at, self._clock),
                partner_id=partner,
                calendar=invite,
            )
        self._changed = True
        return acknowledge(
            NextStep.SESSION_MOVED, number=session.number, date=iso_date(session.at, self._clock)
        )

    @reschedule.validator
    def _check_reschedule(self, request: Reschedule) -> None:
        with refusing():
            self._pair.check_reschedule(request, workflow.now())

    @workflow.update(name="session_agenda")
    def session_agenda(self, agenda: SessionAgenda) -> Acknowledgement:
        self._close(agenda.task_id, answer=agenda)
        fields = agenda.model_dump(mode="json", exclude={"task_id"})
        self._journal.event(self._stream, EventType.SESSION_AGENDA_SENT, **fields)
        session = self._pair.sessions[agenda.session_number - 1]
        self._journal.notify(
            self._in.mentor_id,
            "session_agenda",
            self._pair.task_of(self._in.mentor_id, TaskKind.PAIR_MANAGE),
            session_number=agenda.session_number,
            session_date=iso_moment(session.at, self._clock),
            partner_id=self._in.mentee_id,
            tried=agenda.tried,
            practise=agenda.practise,
            **self._theme_of(agenda.session_number),
        )
        return acknowledge(NextStep.AGENDA_SENT)

    @session_agenda.validator
    def _check_agenda(self, agenda: SessionAgenda) -> None:
        with refusing():
            self._pair.check_agenda(agenda)

    @workflow.update(name="change_theme")
    def change_theme(self, change: ThemeChange) -> Acknowledgement:
        session = self._pair.change_theme(change)
        assert session.theme is not None
        self._journal.event(
            self._stream,
            EventType.SESSION_THEME_CHANGED,
            session_number=session.number,
            skill=session.theme.skill,
            level=session.theme.level,
            by=change.participant_id,
        )
        invite = self._calendar()
        for me, partner in self._sides:
            self._journal.notify(
                me,
                "session_theme_changed",
                self._pair.task_of(me, TaskKind.PAIR_MANAGE),
                session_number=session.number,
                session_date=iso_moment(session.at, self._clock),
                partner_id=partner,
                changed_by_partner=change.participant_id == partner,
                theme=session.theme.model_dump(mode="json"),
                calendar=invite,
            )
        self._changed = True
        return acknowledge(NextStep.THEME_CHANGED, number=session.number)

    @change_theme.validator
    def _check_theme_change(self, change: ThemeChange) -> None:
        with refusing():
            self._pair.check_theme_change(change)

    @workflow.update(name="pause")
    def pause(self, request: Pause) -> Acknowledgement:
        until = self._pair.pause(request, workflow.now())
        self._journal.event(
            self._stream,
            EventType.PAIR_PAUSED,
            days=request.days,
            until=until.isoformat(),
            by=request.participant_id,
            reason=request.reason,
        )
        invite = self._calendar()
        for me, partner in self._sides:
            self._journal.notify(
                me,
                "pair_paused",
                self._pair.task_of(me, TaskKind.PAIR_MANAGE),
                until_date=iso_date(until, self._clock),
                partner_id=partner,
                calendar=invite,
            )
        self._changed = True
        return acknowledge(NextStep.PAUSED_UNTIL, date=iso_date(until, self._clock))

    @pause.validator
    def _check_pause(self, request: Pause) -> None:
        with refusing():
            self._pair.check_pause(request)

    @workflow.update(name="midpoint_survey")
    def midpoint_survey(self, answer: MidpointAnswer) -> Acknowledgement:
        self._close(answer.task_id, answer=answer)
        self._journal.event(
            self._stream,
            EventType.MIDPOINT_ANSWERED,
            **answer.model_dump(mode="json", exclude={"task_id"}),
        )
        if self._pair.midpoint_alerts(answer):
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
        with refusing():
            self._pair.check_midpoint(answer)

    @workflow.update(name="final_evaluation")
    def final_evaluation(self, evaluation: FinalEvaluation) -> Acknowledgement:
        self._pair.record_final(evaluation)
        self._close(evaluation.task_id, answer=evaluation)
        self._journal.event(
            self._stream,
            EventType.FINAL_EVALUATION_SUBMITTED,
            role=self._pair.terms.role_of(evaluation.participant_id),
            **evaluation.model_dump(mode="json", exclude={"task_id"}),
        )
        self._changed = True
        return acknowledge(NextStep.PAIR_COMPLETE)

    @final_evaluation.validator
    def _check_final(self, evaluation: FinalEvaluation) -> None:
        with refusing():
            self._pair.check_final(evaluation)

    @workflow.update(name="end_pair")
    def end_pair(self, request: EndPair) -> Acknowledgement:
        self._pair.end_by_participant(request)
        self._close(request.task_id, answer=request)  # the link then shows what was sent
        return acknowledge(NextStep.PAIR_ENDS_BOTH_TOLD)

    @end_pair.validator
    def _check_end(self, request: EndPair) -> None:
        with refusing():
            self._pair.check_end(request)

    @workflow.update(name="end_by_coordinator")
    def end_by_coordinator(self, command: CoordinatorCommand) -> Acknowledgement:
        self._pair.end_by_coordinator(command)
        return acknowledge(NextStep.PAIR_ENDS)

    @end_by_coordinator.validator
    def _check_end_by_coordinator(self, command: CoordinatorCommand) -> None:
        with refusing():
            self._pair.check_end_by_coordinator()

    @workflow.update(name="re_pair")
    def re_pair(self, command: CoordinatorCommand) -> Acknowledgement:
        self._pair.dissolve_by_coordinator(command)
        return acknowledge(NextStep.PAIR_DISSOLVED_BACKUP)

    @re_pair.validator
    def _check_re_pair(self, command: CoordinatorCommand) -> None:
        with refusing():
            self._pair.check_re_pair(command)

    @workflow.update(name="nudge")
    def nudge(self, command: NudgeCommand) -> Acknowledgement:
        task = self._pair.record_nudge(command, workflow.now())
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
            due_date=iso_date(task.due_at, self._clock),
            partner_id=self._pair.terms.partner_of(task.participant_id),
        )
        return acknowledge(NextStep.REMINDER_SENT)

    @nudge.validator
    def _check_nudge(self, command: NudgeCommand) -> None:
        with refusing():
            self._pair.check_nudge(command, workflow.now())

    @workflow.signal(name=PARTICIPANT_WITHDRAWN)
    def participant_withdrawn(self, notice: WithdrawnNotice) -> None:
        self._pair.withdraw(notice.participant_id)
        self._changed = True

    @workflow.update(name=EXTEND_TASK)
    def extend_task(self, command: ExtendTask) -> Acknowledgement:
        j = self._journal
        moved = self._pair.extend(command, workflow.now())
        for task in moved:
            j.extend_task(task.task_id, task.due_at)
            j.event(
                participant_stream(task.participant_id),
                EventType.TASK_EXTENDED,
                task_id=str(task.task_id),
                kind=task.kind.value,
                due_at=task.due_at.isoformat(),
                reopened=False,
            )
            j.notify(
                task.participant_id,
                "task_extended",
                task.task_id,
                task_kind=task.kind.value,
                due_date=iso_date(task.due_at, self._clock),
            )
        self._changed = True
        return acknowledge(NextStep.TASK_EXTENDED, date=iso_date(moved[0].due_at, self._clock))

    @extend_task.validator
    def _check_extend(self, command: ExtendTask) -> None:
        with refusing():
            self._pair.check_extend(command)

    @workflow.query(name=PAIR_STATUS)
    def status(self) -> PairStatus:
        pair = self._pair
        return PairStatus(
            pair_id=self._in.pair_id,
            phase=pair.phase,
            # An ended pair waits for nothing, whatever its last wait was.
            waiting_for="" if pair.phase in _ENDED else self._journal.waiting_for,
            next_deadline=self._journal.next_deadline,
            sessions_held=pair.held,
            sessions_missed=pair.missed,
            at_risk=pair.at_risk,
            paused_until=pair.paused_until,
            open_tasks=list(pair.tasks.values()),
            upcoming_sessions=[
                UpcomingSession(number=s.number, at=self._shown(s.at), theme=s.theme)
                for s in pair.upcoming_sessions()
            ],
            slot=pair.slot if self._slot_context() else None,
            slot_options=list(pair.terms.slot_options) if self._slot_context() else [],
            themes=pair.themes,
        )

    # ---- helpers ------------------------------------------------------------------------------

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
        self._pair.opened(
            OpenTask(
                task_id=task_id,
                participant_id=participant_id,
                kind=kind,
                due_at=due,
                session_number=session_number,
            )
        )
        return task_id

    def _close(
        self, task_id: UUID, status: TaskStatus = TaskStatus.DONE, answer: Action | None = None
    ) -> None:
        if self._pair.close(task_id):
            self._journal.close_task(task_id, status, answer)

    def _set_phase(self, phase: PairPhase) -> None:
        self._pair.phase = phase
        workflow.upsert_search_attributes([PHASE.value_set(phase.value)])
        workflow.logger.info("pair.phase", extra={"phase": phase.value})

    def _calendar(self, method: str = "REQUEST") -> dict[str, Any]:
        """The sessions as an invitation the mailer turns into an ICS file (domain.calendar).

        One series per pair (one UID); each change is sent with the next SEQUENCE so calendars
        update the series instead of adding another.
        """
        self._calendar_sequence += 1
        # In programme time, as the e-mails' dates are: a compressed demo's calendar shows the
        # programme's weeks, not the few minutes the run takes.
        terms, clock = self._pair.terms, self._clock
        invite: dict[str, Any] = {
            "uid": f"{workflow.info().workflow_id}@tandem",
            "sequence": self._calendar_sequence,
            "method": method,
            "cadence_seconds": terms.cadence_days * 86_400
            if clock is not None
            else int(terms.cadence.total_seconds()),
            "sessions": [
                [s.number, iso_moment(s.planned, clock), iso_moment(s.at, clock)]
                + ([s.moved_from.isoformat()] if s.moved_from else [])
                for s in self._pair.sessions
            ],
        }
        if self._pair.plan is not None:
            invite["themes"] = [t.model_dump(mode="json") for t in self._pair.themes]
        if terms.meetings is not None:
            invite["timezone"] = terms.meetings.timezone
            invite["minutes"] = terms.meetings.session_minutes
            invite["holidays"] = terms.meetings.holidays
        return invite

    def _ask_agenda(self, due: RemindSession) -> UUID | None:
        """The mentee's agenda task for the session, due when it begins (a session reminded
        again after it moved replaces the one asked before)."""
        if not workflow.patched(SESSION_AGENDA):
            return None
        for earlier in self._pair.agenda_tasks(due.number):
            self._close(earlier, TaskStatus.CANCELLED)
        return self._open(
            self._in.mentee_id,
            TaskKind.SESSION_AGENDA,
            "session_agenda",
            due.at,
            session_number=due.number,
            **self._theme_of(due.number),
        )

    def _theme_of(self, number: int) -> dict[str, Any]:
        """Session `number`'s theme for an e-mail's context; nothing in pairs without a plan."""
        theme: SessionTheme | None = self._pair.sessions[number - 1].theme
        return {"theme": theme.model_dump(mode="json")} if theme is not None else {}

    def _role(self, participant_id: str) -> str:
        return self._pair.terms.role_of(participant_id)

    def _shown(self, moment: datetime) -> datetime:
        """`moment` as the pair's people live it: programme time (a demo's is compressed)."""
        clock = self._clock
        return clock.programme_time(moment) if clock is not None else moment

    def _slot_context(self) -> dict[str, Any]:
        """What the chemistry and pair-management forms offer: the pair's slots, the proposed
        one."""
        terms = self._pair.terms
        if terms.meetings is None or terms.clock is None:
            return {}
        return {"slots": list(terms.slot_options), "proposed_slot": self._pair.slot}

    @property
    def _clock(self) -> ProgrammeClock | None:
        return self._in.clock


def _describe(waiting: Waiting) -> str:
    """What the timeline waits for, in the words an engineer reads in the Temporal UI."""
    at = iso_date(waiting.at) if waiting.at else ""
    if waiting.kind is WaitKind.PAUSED:
        return f"paused until {at}"
    if waiting.kind is WaitKind.FINAL_EVALUATIONS:
        return "waiting for the final evaluations"
    if waiting.kind is WaitKind.SESSION_LOG:
        return f"waiting for session {waiting.number} log (due {at})"
    if waiting.kind is WaitKind.SESSION:
        return f"session {waiting.number} of {waiting.total} on {at}"
    return "waiting"
