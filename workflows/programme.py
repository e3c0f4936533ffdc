"""A whole programme: enrolment, self-assessment, matching and review, the pairs, completion.

Participants and pairs run as child workflows (abandoned on continue-as-new, so they outlive the
run that started them); pairs report their end by signal. The programme continues as new whenever
its history grows past `HISTORY_LIMIT`, carrying `ProgrammeState`, so a cohort of thousands keeps
every run's history small.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import ActivityError, ApplicationError, FailureError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from contracts.assessment import AssessmentInput
    from contracts.ids import assessment_workflow_id, pair_workflow_id
    from contracts.pair import (
        OnboardedNotice,
        OnboardingTerms,
        PairInput,
        PairOutcome,
        PairPhase,
        WithdrawnNotice,
    )
    from contracts.programme import (
        LateWindow,
        MatchingRequest,
        MatchingView,
        PairRecord,
        ProgrammeInput,
        ProgrammePhase,
        ProgrammeState,
        ProgrammeSummary,
    )
    from contracts.queries import MATCHING, PROGRAMME_SUMMARY
    from contracts.roster import (
        ADD_PARTICIPANTS,
        CHANGE_EMAIL,
        EXTEND_TASK,
        EXTEND_WINDOW,
        PARTICIPANT_ONBOARDED,
        PARTICIPANT_WITHDRAWN,
        STAND_DOWN,
        WITHDRAW_PARTICIPANT,
    )
    from contracts.search_attributes import PAIR_ID, PHASE, PROGRAMME_ID
    from domain.answers import (
        Acknowledgement,
        Concern,
        CoordinatorCommand,
        PairCommand,
        SwapCommand,
    )
    from domain.events import EventType, participant_stream, programme_stream
    from domain.launches import LaunchBatch, LaunchResult, WorkflowLaunch
    from domain.matching import MatchingProposal
    from domain.meeting_rules import common_slots
    from domain.next_steps import NextStep
    from domain.pilot import PilotFacts, PilotRequest, invitation_order
    from domain.programme import ParticipantRef, ProgrammePlan, Role
    from domain.programme_clock import ProgrammeClock
    from domain.programme_rules import (
        Backup,
        Constraints,
        MatchingReview,
        PairIds,
        WaitingMentee,
        backup_mentor,
        changed_pairs,
        check_concern_link,
        mentee_for_mentor,
        merge_rounds,
    )
    from domain.refusals import Refusal, Refused
    from domain.roster import (
        AddParticipants,
        ChangeEmail,
        ExtendTask,
        Roster,
        WithdrawParticipant,
    )
    from domain.tasks import TaskKind, TaskStatus
    from domain.unmatched import UnmatchedReason, legacy_unmatched_reason

from workflows.assessment import AssessmentWorkflow
from workflows.pair import PairWorkflow
from workflows.replies import acknowledge, refuse, refusing
from workflows.retries import (
    MATCHING_RETRY,
    READ_PILOT_RETRY,
    REVISION_RETRY,
    START_WORKFLOWS_RETRY,
)
from workflows.shared import (
    READ_PILOT,
    RUN_MATCHING,
    START_WORKFLOWS,
    STEP_TIMEOUT,
    Journal,
    days,
    iso_date,
    wait_until,
)

HISTORY_LIMIT = 1_500
# Patch: participants' and pairs' workflows are started by an activity, no longer as children
# (see domain.launches); runs started before keep starting children on replay.
INDEPENDENT_RUNS = "independent-participant-and-pair-workflows"
# Patch: after a dissolved pair both sides are re-paired (the mentor with a mentee still waiting)
# and the programme, which knows the outcome, sends each side its pair_dissolved e-mail.
REPAIR_BOTH_SIDES = "repair-both-sides"
MAX_REVIEW_REMINDERS = 5
# What an unmatched participant's event says next to its code, for people reading the history.
_UNMATCHED_SENTENCES = {
    UnmatchedReason.REPAIRING_LIMIT_REACHED: "re-pairing limit reached",
    UnmatchedReason.NO_BACKUP_MENTOR: "no backup mentor is available",
    UnmatchedReason.NO_MENTEE_WAITING: "no mentee without a mentor can be paired with them yet",
}
START_BATCH = 50
# A window of its own counts as closed this long after its deadline (as the programme's does), so
# its last answer is recorded before a matching round reads it.
WINDOW_MARGIN_DAYS = 0.02


# Patch: the programme records its clock's origin at launch (domain.programme_clock).
PROGRAMME_CLOCK = "programme-clock"
# Patch: a wave that follows a pilot reads it before its first invitations (domain/pilot.py).
# Only plans with `follows` take this path, and no run started before it had one; the marker
# still records in each history which code read the pilot.
FOLLOWS_PILOT = "follows-pilot"


@workflow.defn
class ProgrammeWorkflow:
    @workflow.init
    def __init__(self, inp: ProgrammeInput) -> None:
        self._plan = inp.plan
        self._s = inp.state or ProgrammeState()
        self._journal = Journal(inp.plan.id)
        # Coordinator changes to the matching run one at a time, each re-solving it (an activity).
        self._revision_lock = asyncio.Lock()
        self._revising = 0
        self._stream = programme_stream(inp.plan.id)
        # The plan with the late joiners and the chains they extend: what matching rounds see.
        self._everyone = self._compose_plan()
        self._wake = False  # a roster change the pairs' wait reacts to

    @workflow.run
    async def run(self, inp: ProgrammeInput) -> ProgrammeSummary:
        s = self._s
        workflow.upsert_search_attributes([PHASE.value_set(s.phase.value)])
        while s.phase is not ProgrammePhase.COMPLETED:
            if s.phase is ProgrammePhase.LAUNCHING:
                await self._launch()
            elif s.phase is ProgrammePhase.SELF_ASSESSMENT:
                await self._self_assessment()
            elif s.phase is ProgrammePhase.MATCHING:
                await self._matching()
            elif s.phase is ProgrammePhase.REVIEW:
                await self._review()
            elif s.phase is ProgrammePhase.RUNNING:
                await self._run_pairs()
            self._continue_as_new_if_long()
        summary = self.summary()
        outcome = {
            "pairs_completed": summary.pairs_completed,
            "pairs_ended_early": summary.pairs_ended_early,
        }
        self._journal.event(
            self._stream,
            EventType.PROGRAMME_COMPLETED,
            **outcome,
            pairs_dissolved=summary.pairs_dissolved,
        )
        self._journal.notify(
            None,
            "programme_completed",
            pairs_completed=summary.pairs_completed,
            pairs_ended_early=summary.pairs_ended_early,
        )
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._journal.flush("programme completed")
        return self.summary()

    # ---- phases ---------------------------------------------------------------------------------

    async def _launch(self) -> None:
        plan, s, j = self._plan, self._s, self._journal
        if s.enrolled == 0:
            # Patched: a run launched before the clock, replayed, must not gain one (its pairs
            # would switch to planning in programme time halfway through).
            if workflow.patched(PROGRAMME_CLOCK):
                s.clock_origin = workflow.now()
            j.event(
                self._stream,
                EventType.PROGRAMME_LAUNCHED,
                name=plan.name,
                starts_on=plan.starts_on.isoformat(),
                sessions=plan.sessions,
                cadence_days=plan.cadence_days,
                skills=[k.id for k in plan.skills],
                participants=len(plan.participants),
                day_seconds=plan.day_seconds,
                timezone=_timezone(plan),
                clock_origin=s.clock_origin.isoformat() if s.clock_origin else None,
            )
        while s.enrolled < len(plan.participants):
            batch = plan.participants[s.enrolled : s.enrolled + 500]
            for p in batch:
                j.event(
                    participant_stream(p.id),
                    EventType.PARTICIPANT_ENROLLED,
                    programme_id=plan.id,
                    role=p.role.value,
                    locale=p.locale.value,
                )
                s.concern_tasks[p.id] = workflow.uuid4()
            s.enrolled += len(batch)
            await j.flush(f"enrol participants {s.enrolled}/{len(plan.participants)}")
        s.assessment_deadline = workflow.now() + self._days(plan.durations.self_assessment_days)
        self._set_phase(ProgrammePhase.SELF_ASSESSMENT)

    async def _self_assessment(self) -> None:
        plan, s = self._plan, self._s
        concern_due = self._expected_end() + self._days(60)
        if plan.follows and s.pilot is None and workflow.patched(FOLLOWS_PILOT):
            await self._read_pilot(plan.follows)
        order = self._invitation_order()
        while s.assessments_started < len(order):
            batch = self._next_invitations(order)
            inputs = [
                AssessmentInput(
                    programme_id=plan.id,
                    participant_id=p.id,
                    role=p.role,
                    skills=tuple(k.id for k in plan.skills),
                    durations=plan.durations,
                    day_seconds=plan.day_seconds,
                    concern_task_id=s.concern_tasks[p.id],
                    concern_due_at=concern_due,
                    due_at=s.assessment_deadline,
                    clock=self._clock,
                )
                for p in batch
            ]
            if workflow.patched(INDEPENDENT_RUNS):
                await self._start_workflows(
                    [
                        WorkflowLaunch(
                            workflow_type=AssessmentWorkflow.__name__,
                            workflow_id=assessment_workflow_id(plan.id, a.participant_id),
                            input=a.model_dump(mode="json"),
                            static_summary=f"self-assessment of {a.role.value} {a.participant_id}",
                            search_attributes={
                                PROGRAMME_ID.name: plan.id,
                                PHASE.name: "self_assessment",
                            },
                        )
                        for a in inputs
                    ],
                    f"start self-assessments {s.assessments_started + 1}-"
                    f"{s.assessments_started + len(batch)}",
                )
            else:
                for a in inputs:
                    await workflow.start_child_workflow(
                        AssessmentWorkflow.run,
                        a,
                        id=assessment_workflow_id(plan.id, a.participant_id),
                        parent_close_policy=ParentClosePolicy.ABANDON,
                        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                        static_summary=f"self-assessment of {a.role.value} {a.participant_id}",
                        search_attributes=TypedSearchAttributes(
                            [
                                SearchAttributePair(PROGRAMME_ID, plan.id),
                                SearchAttributePair(PHASE, "self_assessment"),
                            ]
                        ),
                    )
            s.assessments_started += len(batch)
            self._continue_as_new_if_long()
        assert s.assessment_deadline is not None
        # A little after the deadline every self-assessment window shares, so the last answers
        # are recorded before the matching reads them.
        closes = s.assessment_deadline + self._days(0.02)
        await wait_until(
            closes,
            lambda: False,
            self._journal,
            "self-assessment window",
            also=self._history_is_long,
        )
        if workflow.now() >= closes:
            self._set_phase(ProgrammePhase.MATCHING)

    async def _read_pilot(self, pilot_id: str) -> None:
        """The pilot's facts, once: its pairs and bans join this programme's bans, so the
        matching, the coordinator's review and every re-pairing keep to them."""
        s = self._s
        facts = await workflow.execute_activity(
            READ_PILOT,
            PilotRequest(programme_id=self._plan.id, pilot_id=pilot_id),
            result_type=PilotFacts,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=READ_PILOT_RETRY,
            summary=f"read pilot {pilot_id}: returning mentors, its pairs and bans",
        )
        s.pilot = facts
        s.banned.extend(pair for pair in facts.banned if pair not in s.banned)
        self._journal.event(
            self._stream,
            EventType.PILOT_FOLLOWED,
            pilot_id=facts.pilot_id,
            found=facts.found,
            returning=list(facts.returning),
            pilot_pairs=facts.pilot_pairs,
            pilot_bans=len(facts.banned) - facts.pilot_pairs,
        )
        await self._journal.flush(f"pilot {pilot_id} read")

    def _invitation_order(self) -> list[ParticipantRef]:
        """The participants in the order their self-assessments start: a wave's returning
        mentors first, then the plan's order (the plan's order alone without a pilot)."""
        plan, pilot = self._plan, self._s.pilot
        if pilot is None:
            return list(plan.participants)
        by_id = {p.id: p for p in plan.participants}
        return [
            by_id[i] for i in invitation_order([p.id for p in plan.participants], pilot.returning)
        ]

    def _next_invitations(self, order: list[ParticipantRef]) -> list[ParticipantRef]:
        """The next batch to invite. Returning mentors make batches of their own, so that
        everyone else's invitations start only once theirs have."""
        first, pilot = self._s.assessments_started, self._s.pilot
        planned = {p.id for p in self._plan.participants}
        # A late joiner the pilot brings back has a window of their own, outside this order.
        returning = sum(p in planned for p in pilot.returning) if pilot else 0
        end = first + START_BATCH
        if first < returning:
            end = min(end, returning)
        return order[first:end]

    async def _matching(self) -> None:
        plan, s, j = self._plan, self._s, self._journal
        s.matching_round += 1
        s.approved, s.review_reminders = False, 0
        if s.matching_round == 1:
            s.round_ids = self._first_round()
        while True:  # again if someone in it withdrew while it was computed
            proposal = await workflow.execute_activity(
                RUN_MATCHING,
                self._matching_request(s.banned, s.forced),
                result_type=MatchingProposal,
                start_to_close_timeout=timedelta(minutes=10),
                retry_policy=MATCHING_RETRY,
                summary="optimal matching of the respondents"
                if s.matching_round == 1
                else f"top-up matching, round {s.matching_round}",
            )
            if not self._proposes_withdrawn(proposal):
                break
        s.proposal = proposal
        s.availability.update(proposal.availability)
        extra = {"round": s.matching_round} if s.matching_round > 1 else {}
        j.event(
            self._stream,
            EventType.MATCHING_PROPOSED,
            pairs=[p.model_dump(mode="json") for p in proposal.pairs],
            unmatched=[u.model_dump(mode="json") for u in proposal.unmatched],
            total_score=proposal.total_score,
            **extra,
        )
        s.review_deadline = workflow.now() + self._days(plan.durations.matching_review_days)
        j.notify(
            None,
            "matching_review",
            pairs=len(proposal.pairs),
            unmatched=len(proposal.unmatched),
            due_date=iso_date(s.review_deadline, self._clock),
            auto_approve=plan.matching.auto_approve,
        )
        await j.flush("matching proposed to the coordinator")
        self._set_phase(ProgrammePhase.REVIEW)

    async def _review(self) -> None:
        plan, s, j = self._plan, self._s, self._journal
        assert s.review_deadline is not None and s.proposal is not None
        await wait_until(
            s.review_deadline,
            lambda: s.approved,
            j,
            "coordinator's matching review",
            also=self._history_is_long,
        )
        if self._revising:
            # A change the coordinator asked for is being computed: approve what it gives.
            await workflow.wait_condition(lambda: self._revising == 0)
        if self._history_is_long():
            return
        if not s.approved and not plan.matching.auto_approve:
            # Never start pairs nobody approved: remind, and give another review window.
            if s.review_reminders >= MAX_REVIEW_REMINDERS:
                j.event(self._stream, EventType.MATCHING_ABANDONED, reminders=s.review_reminders)
                if s.matching_round > 1:
                    # The pairs already running go on; this round's people stay as they were.
                    s.proposal, s.base_proposal = s.base_proposal, None
                    await j.flush("top-up matching never approved: the pairs go on")
                    self._set_phase(ProgrammePhase.RUNNING)
                    return
                await j.flush("matching never approved: the programme closes")
                self._set_phase(ProgrammePhase.COMPLETED)
                return
            s.review_reminders += 1
            s.review_deadline = workflow.now() + self._days(plan.durations.matching_review_days)
            assert s.proposal is not None
            j.notify(
                None,
                "matching_review",
                pairs=len(s.proposal.pairs),
                unmatched=len(s.proposal.unmatched),
                due_date=iso_date(s.review_deadline, self._clock),
                auto_approve=False,
            )
            await j.flush("remind the coordinator to review the matching")
            return
        j.event(
            self._stream,
            EventType.MATCHING_APPROVED,
            by="coordinator" if s.approved else "auto-approval",
        )
        if s.matching_round > 1:
            self._approve_top_up(s.proposal)
            await j.flush(f"top-up matching approved (round {s.matching_round})")
            self._set_phase(ProgrammePhase.RUNNING)
            return
        for u in s.proposal.unmatched:
            if u.participant_id not in s.withdrawn:
                self._leave_unmatched(u.participant_id, u.reason, u.code)
        for p in s.proposal.pairs:
            self._add_pair(p.mentor_id, p.mentee_id)
        await j.flush("matching approved")
        self._set_phase(ProgrammePhase.RUNNING)

    def _approve_top_up(self, proposal: MatchingProposal) -> None:
        """The round's pairs start; whoever it leaves out and was not already is told why."""
        s = self._s
        # A mentor with room left is in the round: given nobody new, they still have their pair.
        paired = {
            x for r in s.pairs.values() if r.outcome is None for x in (r.mentor_id, r.mentee_id)
        }
        for u in proposal.unmatched:
            person = u.participant_id
            if person not in s.unmatched and person not in s.withdrawn and person not in paired:
                self._leave_unmatched(person, u.reason, u.code)
        for p in proposal.pairs:
            for person in (p.mentor_id, p.mentee_id):
                while person in s.unmatched:
                    s.unmatched.remove(person)
            self._add_pair(p.mentor_id, p.mentee_id)
        s.proposal = merge_rounds(s.base_proposal, proposal, s.round_load)
        s.base_proposal = None

    async def _run_pairs(self) -> None:
        s, j = self._s, self._journal
        waiting = [r for r in s.pairs.values() if not r.started]
        if workflow.patched(INDEPENDENT_RUNS):
            for first in range(0, len(waiting), START_BATCH):
                batch = waiting[first : first + START_BATCH]
                await self._start_pairs(batch)
                for record in batch:
                    for person in (record.mentor_id, record.mentee_id):
                        if person in s.withdrawn and record.outcome is None:
                            await self._tell_pair_withdrawn(record, person)
                if self._history_is_long():
                    return
        else:
            for record in waiting:
                await self._start_pair(record)
                if self._history_is_long():
                    return
        while s.pending_outcomes:
            self._handle_outcome(s.pending_outcomes.pop(0))
        while s.onboarding_relays:
            await self._relay_onboarding(s.onboarding_relays.pop(0))
        if any(not r.started for r in s.pairs.values()):
            return
        if self._top_up_due():
            if self._open_top_up():
                self._set_phase(ProgrammePhase.MATCHING)
            return
        if all(r.outcome is not None for r in s.pairs.values()) and not s.windows:
            self._set_phase(ProgrammePhase.COMPLETED)
            return
        deadline = workflow.now() + self._days(30)
        top_up = self._next_top_up()
        self._wake = False
        await wait_until(
            deadline if top_up is None else min(deadline, top_up),
            lambda: bool(s.pending_outcomes) or self._wake,
            j,
            "pairs in progress",
            also=self._history_is_long,
        )

    # ---- pairs and re-pairing -------------------------------------------------------------------

    def _add_pair(self, mentor_id: str, mentee_id: str) -> None:
        pair_id = f"{len(self._s.pairs) + 1:04d}"
        self._s.pairs[pair_id] = PairRecord(
            pair_id=pair_id, mentor_id=mentor_id, mentee_id=mentee_id
        )

    def _onboarding(self, record: PairRecord) -> OnboardingTerms | None:
        """Who of the pair still has to accept the charter, and whose task this pair opens: a
        participant's first pair asks them, a later one waits for that answer (or asks again if
        the first pair ended without it)."""
        days, s = self._plan.onboarding_days, self._s
        if days is None:
            return None
        waits = [p for p in (record.mentor_id, record.mentee_id) if p not in s.onboarded]
        opens = []
        for person in waits:
            asked_in = s.onboarding_asked_in.get(person)
            earlier = s.pairs.get(asked_in) if asked_in is not None else None
            if earlier is None or earlier.outcome is not None or earlier.pair_id == record.pair_id:
                s.onboarding_asked_in[person] = record.pair_id
                opens.append(person)
        return OnboardingTerms(days=days, waits_for=tuple(waits), opens_for=tuple(opens))

    def _pair_input(self, record: PairRecord) -> PairInput:
        plan = self._plan
        return PairInput(
            programme_id=plan.id,
            pair_id=record.pair_id,
            mentor_id=record.mentor_id,
            mentee_id=record.mentee_id,
            sessions=plan.sessions,
            cadence_days=plan.cadence_days,
            durations=plan.durations,
            day_seconds=plan.day_seconds,
            skills=tuple(k.id for k in plan.skills),
            programme_workflow_id=workflow.info().workflow_id,
            clock=self._clock,
            meetings=plan.meetings if self._s.clock_origin is not None else None,
            common_slots=common_slots(
                self._s.availability.get(record.mentor_id, ()),
                self._s.availability.get(record.mentee_id, ()),
            ),
            onboarding=self._onboarding(record),
        )

    @staticmethod
    def _pair_summary(record: PairRecord) -> str:
        return f"pair {record.pair_id}: mentor {record.mentor_id}, mentee {record.mentee_id}"

    async def _start_pairs(self, records: list[PairRecord]) -> None:
        plan = self._plan
        await self._start_workflows(
            [
                WorkflowLaunch(
                    workflow_type=PairWorkflow.__name__,
                    workflow_id=pair_workflow_id(plan.id, r.pair_id),
                    input=self._pair_input(r).model_dump(mode="json"),
                    static_summary=self._pair_summary(r),
                    search_attributes={
                        PROGRAMME_ID.name: plan.id,
                        PAIR_ID.name: r.pair_id,
                        PHASE.name: PairPhase.CHEMISTRY.value,
                    },
                )
                for r in records
            ],
            f"start pairs {records[0].pair_id}-{records[-1].pair_id}",
        )
        for record in records:
            record.started = True
            record.phase = PairPhase.CHEMISTRY.value

    async def _start_workflows(self, launches: list[WorkflowLaunch], summary: str) -> None:
        await workflow.execute_activity(
            START_WORKFLOWS,
            LaunchBatch(launches=tuple(launches)),
            result_type=LaunchResult,
            start_to_close_timeout=STEP_TIMEOUT,
            retry_policy=START_WORKFLOWS_RETRY,
            summary=summary,
        )

    async def _start_pair(self, record: PairRecord) -> None:
        """Before INDEPENDENT_RUNS: pairs as child workflows (kept for runs started then)."""
        plan = self._plan
        await workflow.start_child_workflow(
            PairWorkflow.run,
            self._pair_input(record),
            id=pair_workflow_id(plan.id, record.pair_id),
            parent_close_policy=ParentClosePolicy.ABANDON,
            static_summary=self._pair_summary(record),
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(PROGRAMME_ID, plan.id),
                    SearchAttributePair(PAIR_ID, record.pair_id),
                    SearchAttributePair(PHASE, PairPhase.CHEMISTRY.value),
                ]
            ),
        )
        record.started = True
        record.phase = PairPhase.CHEMISTRY.value

    def _handle_outcome(self, outcome: PairOutcome) -> None:
        s = self._s
        record = s.pairs.get(outcome.pair_id)
        if record is None or record.outcome is not None:
            return
        record.outcome, record.phase = outcome, outcome.phase.value
        if outcome.withdrawn_by is not None:
            self._after_withdrawal(outcome)
        elif outcome.phase is PairPhase.DISSOLVED:
            s.banned.append((outcome.mentor_id, outcome.mentee_id))
            if workflow.patched(REPAIR_BOTH_SIDES):
                self._repair_both(outcome)
            else:
                self._repair(outcome.mentee_id)

    def _backup_for(self, mentee_id: str) -> Backup:
        """A new mentor for a mentee from their backups, within `max_repairings`."""
        s = self._s
        assert s.proposal is not None
        return backup_mentor(
            mentee_id,
            s.proposal,
            banned=s.banned,
            repairings=s.repairings,
            limit=self._plan.matching.max_repairings,
            active_mentors=self._active_mentors(),
            unavailable=s.withdrawn,
        )

    def _waiting_for(self, mentor_id: str) -> WaitingMentee:
        """A mentee still without a mentor, for a mentor whose pair ended."""
        s = self._s
        assert s.proposal is not None
        return mentee_for_mentor(
            mentor_id,
            s.proposal,
            waiting=self._waiting_mentees(),
            banned=s.banned,
            repairings=s.repairings,
            limit=self._plan.matching.max_repairings,
        )

    def _repair_both(self, outcome: PairOutcome) -> None:
        """The mentee from their backups, the mentor with a waiting mentee; each told the truth."""
        s = self._s
        assert s.proposal is not None
        mentee_id, mentor_id = outcome.mentee_id, outcome.mentor_id
        backup = self._backup_for(mentee_id)
        if backup.mentor_id is not None and mentee_id not in s.withdrawn:
            self._repaired(backup.mentor_id, mentee_id)
            s.partners_repaired += 1
        waiting = self._waiting_for(mentor_id)
        if waiting.mentee_id is not None and mentor_id not in s.withdrawn:
            self._repaired(mentor_id, waiting.mentee_id)
            s.partners_repaired += 1
        sides = (
            (mentee_id, mentor_id, backup.unmatched),
            (mentor_id, mentee_id, waiting.unmatched),
        )
        for person, partner, why in sides:
            if person in s.withdrawn:
                continue  # told when they left
            if why is not None:
                self._leave_unmatched(person, _UNMATCHED_SENTENCES[why], why, notify=False)
            if outcome.sessions_planned:
                continue  # the pair told them, with its calendar's cancellation
            self._journal.notify(
                person,
                "pair_dissolved",
                partner_id=partner,
                will_repair=why is None,
                no_partner_reason=None if why is None else why.value,
                by_coordinator=outcome.ended_by == "coordinator",
            )

    def _active_mentors(self) -> list[str]:
        return [
            r.mentor_id
            for r in self._s.pairs.values()
            if r.outcome is None
            or (r.outcome.phase is not PairPhase.DISSOLVED and r.outcome.withdrawn_by is None)
        ]

    def _waiting_mentees(self) -> list[str]:
        """Mentees left without a mentor and in no running pair, in the order they were left."""
        s = self._s
        running = {r.mentee_id for r in s.pairs.values() if r.outcome is None}
        mentees = {p.id for p in self._everyone.participants if p.role is Role.MENTEE}
        return [
            p
            for p in dict.fromkeys(s.unmatched)
            if p in mentees and p not in running and p not in s.withdrawn
        ]

    def _repaired(self, mentor_id: str, mentee_id: str) -> None:
        s = self._s
        for person in (mentee_id, mentor_id):
            s.repairings[person] = s.repairings.get(person, 0) + 1
            if person in s.unmatched:
                s.unmatched.remove(person)
        self._add_pair(mentor_id, mentee_id)

    def _repair(self, mentee_id: str) -> None:
        s = self._s
        assert s.proposal is not None
        backup = backup_mentor(
            mentee_id,
            s.proposal,
            banned=s.banned,
            repairings=s.repairings,
            limit=self._plan.matching.max_repairings,
            active_mentors=[
                r.mentor_id
                for r in s.pairs.values()
                if r.outcome is None or r.outcome.phase is not PairPhase.DISSOLVED
            ],
            unavailable=s.withdrawn,
        )
        if backup.mentor_id is None:
            assert backup.unmatched is not None
            self._leave_unmatched(
                mentee_id, _UNMATCHED_SENTENCES[backup.unmatched], backup.unmatched
            )
            return
        for person in (mentee_id, backup.mentor_id):
            s.repairings[person] = s.repairings.get(person, 0) + 1
        self._add_pair(backup.mentor_id, mentee_id)

    def _leave_unmatched(
        self,
        participant_id: str,
        reason: str,
        code: UnmatchedReason | None,
        notify: bool = True,
    ) -> None:
        # A proposal recorded before codes existed has only the sentence.
        known = code or legacy_unmatched_reason(reason)
        self._s.unmatched.append(participant_id)
        self._journal.event(
            participant_stream(participant_id),
            EventType.PARTICIPANT_UNMATCHED,
            reason=reason,
            code=known.value if known else None,
        )
        if notify:
            # The e-mail words the code itself: the sentence is English and may hold diagnostics.
            self._journal.notify(participant_id, "unmatched", reason=known.value if known else "")

    async def _tell_pair_withdrawn(self, pair: PairRecord, person: str) -> bool:
        handle = workflow.get_external_workflow_handle(
            pair_workflow_id(self._plan.id, pair.pair_id)
        )
        try:
            await handle.signal(PARTICIPANT_WITHDRAWN, WithdrawnNotice(participant_id=person))
        except FailureError:
            return False  # it has just ended: its outcome is on its way
        return True

    async def _relay_onboarding(self, notice: OnboardedNotice) -> None:
        """The participant's other pairs waiting for their acceptance stop waiting."""
        for record in self._s.pairs.values():
            people = (record.mentor_id, record.mentee_id)
            if record.pair_id == notice.pair_id or notice.participant_id not in people:
                continue
            if not record.started or record.outcome is not None:
                continue  # a pair started later is told at its start (`_onboarding`)
            handle = workflow.get_external_workflow_handle(
                pair_workflow_id(self._plan.id, record.pair_id)
            )
            with suppress(FailureError):  # it has just ended: nothing is waiting any more
                await handle.signal(PARTICIPANT_ONBOARDED, notice)

    def _after_withdrawal(self, outcome: PairOutcome) -> None:
        """The one who left hears it is done; their partner gets a new one, or hears why not."""
        s = self._s
        gone = outcome.withdrawn_by
        assert gone is not None and s.proposal is not None
        partner = outcome.mentee_id if gone == outcome.mentor_id else outcome.mentor_id
        calendar: dict[str, Any] = (
            {"calendar": outcome.cancellation} if outcome.cancellation else {}
        )
        still_running = any(
            gone in (r.mentor_id, r.mentee_id) and r.started and r.outcome is None
            for r in s.pairs.values()
        )
        if not still_running or outcome.cancellation:
            # One confirmation once their last pair has ended, or one with each pair whose
            # planned sessions it cancels in their calendar.
            self._journal.notify(gone, "withdrawal_confirmed", **calendar)
        if partner in s.withdrawn:
            return  # both left: each was told
        if partner == outcome.mentee_id:
            backup = self._backup_for(partner)
            new_partner, why = backup.mentor_id, backup.unmatched
            pair = None if new_partner is None else (new_partner, partner)
        else:
            waiting = self._waiting_for(partner)
            new_partner, why = waiting.mentee_id, waiting.unmatched
            pair = None if new_partner is None else (partner, new_partner)
        if pair is not None:
            self._repaired(*pair)
            s.partners_repaired += 1
        elif why is not None:
            self._leave_unmatched(partner, _UNMATCHED_SENTENCES[why], why, notify=False)
        self._journal.notify(
            partner,
            "partner_withdrew",
            partner_id=gone,
            will_repair=pair is not None,
            no_partner_reason=None if why is None or pair is not None else why.value,
            **calendar,
        )

    # ---- the roster: late joiners, withdrawals, windows of their own, top-up rounds -------------

    def _compose_plan(self) -> ProgrammePlan:
        s = self._s
        if not s.joined and not s.chains:
            return self._plan
        # A chain only grows when people join: what the programme file's organisation gave
        # (managers outside the cohort) stays.
        people = [
            p.model_copy(update={"above": tuple(sorted({*p.above, *s.chains[p.id]}))})
            if p.id in s.chains
            else p
            for p in (*self._plan.participants, *s.joined)
        ]
        return self._plan.model_copy(update={"participants": tuple(people)})

    def _roster(self) -> Roster:
        s = self._s
        return Roster(
            enrolled={p.id for p in self._everyone.participants},
            withdrawn=s.withdrawn,
            over=s.phase is ProgrammePhase.COMPLETED,
        )

    def _window_closes(self, window: LateWindow) -> datetime:
        return window.due_at + self._days(WINDOW_MARGIN_DAYS)

    def _take_closed_windows(self) -> list[str]:
        """The participants whose own window has closed, now theirs to match."""
        s, now = self._s, workflow.now()
        closed = [w.participant_id for w in s.windows if self._window_closes(w) <= now]
        s.windows = [w for w in s.windows if self._window_closes(w) > now]
        return closed

    def _first_round(self) -> list[str] | None:
        """Everyone still in the programme, but those whose own window is still open."""
        s = self._s
        if not (s.joined or s.withdrawn or s.windows):
            return None
        self._take_closed_windows()
        pending = {w.participant_id for w in s.windows}
        return [
            p.id
            for p in self._everyone.participants
            if p.id not in s.withdrawn and p.id not in pending
        ]

    def _next_top_up(self) -> datetime | None:
        windows = self._s.windows
        return min(self._window_closes(w) for w in windows) if windows else None

    def _top_up_due(self) -> bool:
        top_up = self._next_top_up()
        return top_up is not None and workflow.now() >= top_up

    def _open_top_up(self) -> bool:
        """A round for the windows closed, those left over and every mentor with room left;
        False when it has no mentee to match (the windows closed are then simply done)."""
        s = self._s
        fresh = self._take_closed_windows()
        pending = {w.participant_id for w in s.windows}
        roles = {p.id: p.role for p in self._everyone.participants}
        running = [r for r in s.pairs.values() if r.outcome is None]
        in_pairs = {r.mentee_id for r in running}
        mentees = [
            p
            for p in dict.fromkeys([*fresh, *self._waiting_mentees()])
            if roles.get(p) is Role.MENTEE and p not in in_pairs and p not in s.withdrawn
        ]
        if not mentees:
            return False
        mentors = [
            p.id
            for p in self._everyone.participants
            if p.role is Role.MENTOR and p.id not in s.withdrawn and p.id not in pending
        ]
        s.round_ids = [*mentees, *mentors]
        s.round_load = dict(Counter(r.mentor_id for r in running))
        s.base_proposal, s.forced = s.proposal, []
        return True

    def _proposes_withdrawn(self, proposal: MatchingProposal) -> bool:
        gone = self._s.withdrawn
        return any(p.mentor_id in gone or p.mentee_id in gone for p in proposal.pairs)

    def _matching_request(
        self, banned: list[tuple[str, str]], forced: list[tuple[str, str]]
    ) -> MatchingRequest:
        s = self._s
        return MatchingRequest(
            plan=self._everyone,
            banned=tuple(banned),
            forced=tuple(forced),
            participant_ids=None if s.round_ids is None else tuple(s.round_ids),
            load=s.round_load,
        )

    def _window_id(self, participant_id: str) -> str:
        return assessment_workflow_id(
            self._plan.id, participant_id, self._s.window_attempts.get(participant_id, 1)
        )

    def _window_open(self, participant_id: str) -> bool:
        """Whether a self-assessment window of theirs is still waiting for an answer."""
        s = self._s
        if any(w.participant_id == participant_id for w in s.windows):
            return True
        in_first = any(p.id == participant_id for p in self._plan.participants)
        return in_first and s.phase in (ProgrammePhase.LAUNCHING, ProgrammePhase.SELF_ASSESSMENT)

    async def _open_windows(self, people: list[ParticipantRef], due: datetime) -> None:
        """A self-assessment window of their own for each, matched in the next top-up round
        (or in the first matching, when it closes before the programme's)."""
        plan, s = self._plan, self._s
        concern_due = self._expected_end() + self._days(60)
        launches = []
        for ref in people:
            inp = AssessmentInput(
                programme_id=plan.id,
                participant_id=ref.id,
                role=ref.role,
                skills=tuple(k.id for k in plan.skills),
                durations=plan.durations,
                day_seconds=plan.day_seconds,
                concern_task_id=s.concern_tasks[ref.id],
                concern_due_at=concern_due,
                due_at=due,
                clock=self._clock,
            )
            launches.append(
                WorkflowLaunch(
                    workflow_type=AssessmentWorkflow.__name__,
                    workflow_id=self._window_id(ref.id),
                    input=inp.model_dump(mode="json"),
                    static_summary=f"self-assessment of {ref.role.value} {ref.id} (own window)",
                    search_attributes={PROGRAMME_ID.name: plan.id, PHASE.name: "self_assessment"},
                )
            )
            s.windows.append(
                LateWindow(
                    participant_id=ref.id,
                    due_at=due,
                    attempt=s.window_attempts.get(ref.id, 1),
                )
            )
        await self._start_workflows(launches, f"open {len(launches)} self-assessment window(s)")
        self._wake = True

    async def _tell_window(self, participant_id: str, signal: str, *args: object) -> bool:
        """Signal their open window; False when it had closed meanwhile."""
        handle = workflow.get_external_workflow_handle(self._window_id(participant_id))
        try:
            await handle.signal(signal, *args)
        except FailureError:
            return False
        return True

    # ---- signals, updates, queries ----------------------------------------------------------

    @workflow.signal(name="pair_ended")
    def pair_ended(self, outcome: PairOutcome) -> None:
        self._s.pending_outcomes.append(outcome)

    @workflow.signal(name=PARTICIPANT_ONBOARDED)
    def participant_onboarded(self, notice: OnboardedNotice) -> None:
        s = self._s
        if notice.participant_id not in s.onboarded:
            s.onboarded.append(notice.participant_id)
            s.onboarding_relays.append(notice)
            self._wake = True

    @workflow.update(name="approve_matching")
    def approve_matching(self, command: CoordinatorCommand) -> Acknowledgement:
        self._s.approved = True
        self._s.handled_commands.append(command.command_id)
        return acknowledge(NextStep.PAIRS_START_CHEMISTRY)

    @approve_matching.validator
    def _check_approve(self, command: CoordinatorCommand) -> None:
        with refusing():
            self._matching_review().check_approve()

    @workflow.update(name="ban_pair")
    async def ban_pair(self, command: PairCommand) -> Acknowledgement:
        pair = (command.mentor_id, command.mentee_id)
        return await self._revise(command, "ban", self._matching_review().ban(pair), pair)

    @ban_pair.validator
    def _check_ban(self, command: PairCommand) -> None:
        with refusing():
            self._matching_review().check_ban((command.mentor_id, command.mentee_id))

    @workflow.update(name="force_pair")
    async def force_pair(self, command: PairCommand) -> Acknowledgement:
        pair = (command.mentor_id, command.mentee_id)
        return await self._revise(command, "force", self._matching_review().force(pair), pair)

    @force_pair.validator
    def _check_force(self, command: PairCommand) -> None:
        with refusing():
            self._matching_review().check_force((command.mentor_id, command.mentee_id))

    @workflow.update(name="swap_mentors")
    async def swap_mentors(self, command: SwapCommand) -> Acknowledgement:
        return await self._revise(
            command, "swap", self._matching_review().swap(command.mentee_ids), None
        )

    @swap_mentors.validator
    def _check_swap(self, command: SwapCommand) -> None:
        with refusing():
            self._matching_review().check_swap(command.mentee_ids)

    async def _revise(
        self,
        command: CoordinatorCommand,
        action: str,
        constraints: Constraints,
        pair: PairIds | None,
        done: NextStep = NextStep.MATCHING_RECOMPUTED,
    ) -> Acknowledgement:
        """Re-solve the matching with the coordinator's bans and forced pairs; all or nothing."""
        s, banned, forced = self._s, constraints.banned, constraints.forced
        async with self._revision_lock:
            if command.command_id in s.handled_commands:
                return acknowledge(NextStep.ALREADY_DONE)
            self._revising += 1
            try:
                proposal = await workflow.execute_activity(
                    RUN_MATCHING,
                    self._matching_request(banned, forced),
                    result_type=MatchingProposal,
                    start_to_close_timeout=timedelta(minutes=10),
                    retry_policy=REVISION_RETRY,
                    summary=f"matching recomputed after the coordinator's {action}",
                )
            except ActivityError as error:
                cause = error.cause
                if isinstance(cause, ApplicationError) and cause.type == "MatchingConflict":
                    raise refuse(Refusal.MATCHING_CONFLICT, detail=cause.message) from None
                raise
            finally:
                self._revising -= 1
            before = s.proposal
            s.banned, s.forced, s.proposal = list(banned), list(forced), proposal
            s.availability.update(proposal.availability)
            s.handled_commands.append(command.command_id)
            changed = changed_pairs(before, proposal)
            self._journal.event(
                self._stream,
                EventType.MATCHING_REVISED,
                action=action,
                mentor_id=pair[0] if pair else None,
                mentee_id=pair[1] if pair else None,
                reason=command.reason,
                pairs_changed=changed,
                pairs=[p.model_dump(mode="json") for p in proposal.pairs],
                unmatched=[u.model_dump(mode="json") for u in proposal.unmatched],
                total_score=proposal.total_score,
            )
            was = before.total_score if before else 0.0
            if done is not NextStep.MATCHING_RECOMPUTED:
                return acknowledge(done)
            return acknowledge(
                NextStep.MATCHING_RECOMPUTED,
                changed=changed,
                pairs=len(proposal.pairs),
                score=float(proposal.total_score),
                previous_score=float(was),
            )

    def _matching_review(self) -> MatchingReview:
        s = self._s
        return MatchingReview(
            plan=self._everyone,
            phase=s.phase.value,
            in_review=s.phase is ProgrammePhase.REVIEW,
            approved=s.approved,
            revising=bool(self._revising),
            proposal=s.proposal,
            banned=tuple(s.banned),
            forced=tuple(s.forced),
        )

    @workflow.query(name=MATCHING)
    def matching(self) -> MatchingView:
        s = self._s
        return MatchingView(
            programme_id=self._plan.id,
            phase=s.phase,
            proposal=s.proposal,
            banned=s.banned,
            forced=s.forced,
            review_deadline=s.review_deadline,
            approved=s.approved,
            auto_approve=self._plan.matching.auto_approve,
            returning=list(s.pilot.returning) if s.pilot else [],
        )

    @workflow.update(name=ADD_PARTICIPANTS)
    async def add_participants(self, command: AddParticipants) -> Acknowledgement:
        s, j = self._s, self._journal
        if command.command_id in s.handled_commands:
            return acknowledge(NextStep.ALREADY_DONE)
        s.handled_commands.append(command.command_id)
        people = list(command.participants)
        s.joined.extend(people)
        s.chains.update(command.chains)
        self._everyone = self._compose_plan()
        for ref in people:
            j.event(
                participant_stream(ref.id),
                EventType.PARTICIPANT_ENROLLED,
                programme_id=self._plan.id,
                role=ref.role.value,
                locale=ref.locale.value,
                late=True,
            )
            s.concern_tasks[ref.id] = workflow.uuid4()
        await j.flush(f"enrol {len(people)} late joiner(s)")
        due = workflow.now() + self._days(self._plan.durations.self_assessment_days)
        await self._open_windows(people, due)
        top_up = self._next_top_up()
        assert top_up is not None
        return acknowledge(
            NextStep.PARTICIPANTS_ADDED, count=len(people), date=iso_date(top_up, self._clock)
        )

    @add_participants.validator
    def _check_add(self, command: AddParticipants) -> None:
        if command.command_id in self._s.handled_commands:
            return
        with refusing():
            self._roster().check_add(command)

    @workflow.update(name=WITHDRAW_PARTICIPANT)
    async def withdraw_participant(self, command: WithdrawParticipant) -> Acknowledgement:
        s, j = self._s, self._journal
        if command.command_id in s.handled_commands:
            return acknowledge(NextStep.ALREADY_DONE)
        person = command.participant_id
        window_open = self._window_open(person)
        s.withdrawn[person] = command.reason.strip()
        s.windows = [w for w in s.windows if w.participant_id != person]
        while person in s.unmatched:
            s.unmatched.remove(person)
        reported = {o.pair_id for o in s.pending_outcomes}
        # A mentor may have several mentees: every pair of theirs still running ends.
        pairs = [
            r
            for r in s.pairs.values()
            if person in (r.mentor_id, r.mentee_id)
            and r.outcome is None
            and r.pair_id not in reported
        ]
        j.event(
            participant_stream(person),
            EventType.PARTICIPANT_WITHDRAWN,
            reason=s.withdrawn[person],
            pair_id=pairs[0].pair_id if pairs else None,
            phase=s.phase.value,
        )
        j.withdraw(person)
        concern = s.concern_tasks.get(person)
        if concern is not None:
            j.close_task(concern, TaskStatus.CANCELLED)
        if window_open:
            await self._tell_window(person, STAND_DOWN)
        told = False
        for pair in pairs:
            # A pair whose start is still on its way is told once it has started (_run_pairs).
            # Each pair's end confirms it to them (_after_withdrawal).
            if not pair.started or await self._tell_pair_withdrawn(pair, person):
                told = True
        if not told:
            j.notify(person, "withdrawal_confirmed")
        if (
            s.phase is ProgrammePhase.REVIEW
            and s.proposal is not None
            and self._proposes_withdrawn(s.proposal)
        ):
            # The proposal under review loses them: solved again without them.
            forced = [f for f in s.forced if person not in f]
            return await self._revise(
                command,
                "withdraw",
                Constraints(list(s.banned), forced),
                None,
                NextStep.PARTICIPANT_WITHDRAWN,
            )
        s.handled_commands.append(command.command_id)
        self._wake = True
        return acknowledge(NextStep.PARTICIPANT_WITHDRAWN)

    @withdraw_participant.validator
    def _check_withdraw(self, command: WithdrawParticipant) -> None:
        if command.command_id in self._s.handled_commands:
            return
        with refusing():
            self._roster().check_withdraw(command)

    @workflow.update(name=CHANGE_EMAIL)
    def change_email(self, command: ChangeEmail) -> Acknowledgement:
        s, j = self._s, self._journal
        if command.command_id in s.handled_commands:
            return acknowledge(NextStep.ALREADY_DONE)
        s.handled_commands.append(command.command_id)
        person = command.participant_id
        links = [t for t in command.open_tasks if t.kind is not TaskKind.MATCHING_REVIEW]
        j.event(
            participant_stream(person), EventType.PARTICIPANT_EMAIL_CHANGED, links_sent=len(links)
        )
        for task in links:
            j.notify(
                person,
                "task_link_renewed",
                task.task_id,
                task_kind=task.kind.value,
                due_date=iso_date(task.due_at, self._clock),
            )
        self._wake = True
        return acknowledge(NextStep.EMAIL_CHANGED, links=len(links))

    @change_email.validator
    def _check_change_email(self, command: ChangeEmail) -> None:
        if command.command_id in self._s.handled_commands:
            return
        with refusing():
            self._roster().check_present(command.participant_id)

    @workflow.update(name=EXTEND_TASK)
    async def extend_task(self, command: ExtendTask) -> Acknowledgement:
        """A self-assessment's later deadline: the open window waits longer, an expired one is
        replaced by a window of its own; either way the answer joins the next matching round."""
        s, j = self._s, self._journal
        if command.command_id in s.handled_commands:
            return acknowledge(NextStep.ALREADY_DONE)
        s.handled_commands.append(command.command_id)
        person = command.participant_id
        ref = self._everyone.participant(person)
        due = workflow.now() + self._days(command.days)
        self._wake = True
        if (
            not command.expired
            and self._window_open(person)
            and await self._tell_window(person, EXTEND_WINDOW, due)
        ):
            s.windows = [w for w in s.windows if w.participant_id != person]
            s.windows.append(
                LateWindow(
                    participant_id=person,
                    due_at=due,
                    attempt=s.window_attempts.get(person, 1),
                )
            )
            return acknowledge(NextStep.TASK_EXTENDED, date=iso_date(due, self._clock))
        s.windows = [w for w in s.windows if w.participant_id != person]
        s.window_attempts[person] = s.window_attempts.get(person, 1) + 1
        while person in s.unmatched:  # matched again, in the next round
            s.unmatched.remove(person)
        j.event(
            participant_stream(person),
            EventType.TASK_EXTENDED,
            task_id=str(command.task_id),
            kind=command.kind.value,
            due_at=due.isoformat(),
            reopened=True,
        )
        await j.flush("a self-assessment reopened")
        await self._open_windows([ref], due)
        return acknowledge(NextStep.TASK_EXTENDED, date=iso_date(due, self._clock))

    @extend_task.validator
    def _check_extend(self, command: ExtendTask) -> None:
        if command.command_id in self._s.handled_commands:
            return
        with refusing():
            self._roster().check_extend(command)
            if self._s.phase is ProgrammePhase.LAUNCHING:
                raise Refused(Refusal.SELF_ASSESSMENT_NOT_OPEN)
            if command.kind is not TaskKind.SELF_ASSESSMENT:
                raise Refused(Refusal.TASK_NOT_EXTENDABLE, kind=command.kind.value)
            if self._matched(command.participant_id):
                raise Refused(Refusal.TASK_ALREADY_DONE)

    def _matched(self, participant_id: str) -> bool:
        """In a pair now, or proposed in the matching under review."""
        s = self._s
        if any(
            participant_id in (r.mentor_id, r.mentee_id) and r.outcome is None
            for r in s.pairs.values()
        ):
            return True
        proposal = s.proposal if s.phase is ProgrammePhase.REVIEW else None
        return proposal is not None and any(
            participant_id in (p.mentor_id, p.mentee_id) for p in proposal.pairs
        )

    @workflow.update(name="raise_concern")
    def raise_concern(self, concern: Concern) -> Acknowledgement:
        self._s.concerns += 1
        role = self._everyone.participant(concern.participant_id).role.value
        self._journal.event(
            self._stream,
            EventType.CONCERN_RAISED,
            concern_id=str(concern.task_id),
            participant_id=concern.participant_id,
            pair_id=concern.pair_id,
            text=concern.text,
        )
        self._journal.notify(
            None, "concern_raised", participant_role=role, pair_id=concern.pair_id or ""
        )
        return acknowledge(NextStep.COORDINATOR_WILL_CONTACT)

    @raise_concern.validator
    def _check_concern(self, concern: Concern) -> None:
        with refusing():
            check_concern_link(self._s.concern_tasks.get(concern.participant_id), concern.task_id)

    @workflow.query(name=PROGRAMME_SUMMARY)
    def summary(self) -> ProgrammeSummary:
        s = self._s
        outcomes = [r.outcome for r in s.pairs.values() if r.outcome is not None]
        by_phase = [o.phase for o in outcomes]
        formed = [r for r in s.pairs.values() if r.started]
        return ProgrammeSummary(
            programme_id=self._plan.id,
            phase=s.phase,
            participants=len(self._everyone.participants),
            responded=None
            if s.proposal is None
            else len(
                {p.mentor_id for p in s.proposal.pairs} | {p.mentee_id for p in s.proposal.pairs}
            ),
            pairs_formed=len(formed),
            pairs_active=len(formed) - len(outcomes),
            pairs_completed=by_phase.count(PairPhase.COMPLETED),
            pairs_ended_early=by_phase.count(PairPhase.ENDED_EARLY),
            pairs_dissolved=by_phase.count(PairPhase.DISSOLVED),
            repairings=sum(s.repairings.values()) // 2,
            unmatched=len(s.unmatched),
            unmatched_ids=list(s.unmatched),
            concerns=s.concerns,
            sessions_planned=sum(o.sessions_planned for o in outcomes),
            sessions_held=sum(o.sessions_held for o in outcomes),
            next_deadline=self._journal.next_deadline,
            waiting_for=self._journal.waiting_for,
            pairs=list(s.pairs.values()),
            runs=s.runs,
            max_history_length=max(
                s.max_history_length, workflow.info().get_current_history_length()
            ),
            late_joiner_ids=[p.id for p in s.joined],
            late_joiners_paired=len(
                {p.id for p in s.joined} & {x for r in formed for x in (r.mentor_id, r.mentee_id)}
            ),
            withdrawn_ids=list(s.withdrawn),
            partners_repaired=s.partners_repaired,
            matching_rounds=s.matching_round,
            next_top_up=self._next_top_up(),
            returning_mentor_ids=list(s.pilot.returning) if s.pilot else [],
        )

    # ---- helpers ------------------------------------------------------------------------------

    def _set_phase(self, phase: ProgrammePhase) -> None:
        self._s.phase = phase
        self._journal.waiting_for = phase.value.replace("_", " ")
        workflow.upsert_search_attributes([PHASE.value_set(phase.value)])
        workflow.set_current_details(f"phase: {self._journal.waiting_for}")
        workflow.logger.info("programme.phase", extra={"phase": phase.value})

    def _history_is_long(self) -> bool:
        return workflow.info().get_current_history_length() > HISTORY_LIMIT

    def _continue_as_new_if_long(self) -> None:
        if not self._history_is_long() or self._s.phase is ProgrammePhase.COMPLETED:
            return
        if self._journal.pending or not workflow.all_handlers_finished():
            return  # the next safe point comes at the next loop turn
        s = self._s
        s.max_history_length = max(
            s.max_history_length, workflow.info().get_current_history_length()
        )
        s.runs += 1
        workflow.continue_as_new(ProgrammeInput(plan=self._plan, state=s))

    def _expected_end(self) -> datetime:
        d = self._plan.durations
        total = (
            d.self_assessment_days
            + d.matching_review_days
            + d.chemistry_days
            + self._plan.sessions * self._plan.cadence_days
            + d.final_evaluation_days
        )
        return workflow.now() + self._days(total)

    def _days(self, count: float) -> timedelta:
        return days(count, self._plan.day_seconds)

    @property
    def _clock(self) -> ProgrammeClock | None:
        """The programme's clock, once launched (runs launched before it have none)."""
        origin = self._s.clock_origin
        if origin is None:
            return None
        plan = self._plan
        return ProgrammeClock(origin, plan.starts_on, _timezone(plan), plan.day_seconds)


def _timezone(plan: ProgrammePlan) -> str:
    return plan.meetings.timezone


__all__ = ["ProgrammeInput", "ProgrammeWorkflow", "Role"]
