"""One participant's self-assessment window: task link, reminders, answer or exclusion."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from contracts.assessment import AssessmentInput, AssessmentResult
    from contracts.ids import programme_workflow_id
    from contracts.roster import EXTEND_WINDOW, STAND_DOWN
    from domain.answers import Acknowledgement, SelfAssessment
    from domain.assessment_rules import AssessmentWindow
    from domain.events import EventType, participant_stream
    from domain.next_steps import NextStep
    from domain.tasks import TaskKind, TaskStatus

from workflows.replies import acknowledge, refusing
from workflows.shared import Journal, days, iso_date, wait_until

SUBMIT = "submit_self_assessment"


@workflow.defn
class AssessmentWorkflow:
    @workflow.init
    def __init__(self, inp: AssessmentInput) -> None:
        self._input = inp
        self._journal = Journal(inp.programme_id)
        self._answer: SelfAssessment | None = None
        self._task_id: UUID | None = None
        self._deadline: datetime | None = None
        self._stood_down = False  # the participant left the programme, or the window was replaced

    @workflow.run
    async def run(self, inp: AssessmentInput) -> AssessmentResult:
        journal = self._journal
        opened = workflow.now()
        deadline = inp.due_at or opened + days(inp.durations.self_assessment_days, inp.day_seconds)
        self._deadline = deadline
        journal.open_task(
            inp.participant_id,
            TaskKind.CONCERN,
            "raise_concern",
            inp.concern_due_at,
            task_id=inp.concern_task_id,
            workflow_id=programme_workflow_id(inp.programme_id),
        )
        self._task_id = journal.open_task(
            inp.participant_id,
            TaskKind.SELF_ASSESSMENT,
            SUBMIT,
            deadline,
            context={"role": inp.role.value, "skills": list(inp.skills)},
        )
        journal.event(
            participant_stream(inp.participant_id),
            EventType.SELF_ASSESSMENT_OPENED,
            due_at=deadline.isoformat(),
        )
        journal.notify(
            inp.participant_id,
            "self_assessment",
            self._task_id,
            due_date=iso_date(deadline, inp.clock),
        )
        await journal.flush("issue the self-assessment task")

        def over() -> bool:
            return self._answer is not None or self._stood_down

        for reminder_day in sorted(inp.durations.self_assessment_reminder_days):
            reminder_at = opened + days(reminder_day, inp.day_seconds)
            if reminder_at >= deadline or await wait_until(
                reminder_at,
                over,
                journal,
                f"self-assessment answer, reminder on day {reminder_day}",
            ):
                break
            left = max(1, inp.durations.self_assessment_days - reminder_day)
            journal.notify(
                inp.participant_id,
                "self_assessment_reminder",
                self._task_id,
                due_date=iso_date(self._deadline, inp.clock),
                days_left=left,
            )
            await journal.flush(f"self-assessment reminder (day {reminder_day})")

        while True:  # once more for each extension of the deadline
            assert self._deadline is not None
            deadline = self._deadline
            await wait_until(
                deadline,
                over,
                journal,
                "waiting for the self-assessment",
                also=lambda d=deadline: self._deadline != d,  # type: ignore[misc]
            )
            if over() or self._deadline == deadline:
                break
        answered = self._answer is not None
        if self._stood_down and not answered:
            journal.close_task(self._task_id, TaskStatus.CANCELLED)
            await journal.flush("self-assessment window closed: its participant left")
        elif not answered:
            journal.close_task(self._task_id, TaskStatus.EXPIRED)
            journal.event(participant_stream(inp.participant_id), EventType.SELF_ASSESSMENT_MISSED)
            await journal.flush("self-assessment window closed without an answer")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return AssessmentResult(participant_id=inp.participant_id, responded=answered)

    @workflow.update(name=SUBMIT)
    def submit(self, answer: SelfAssessment) -> Acknowledgement:
        assert self._task_id is not None
        self._answer = answer
        journal = self._journal
        journal.close_task(self._task_id, answer=answer)
        journal.event(
            participant_stream(answer.participant_id),
            EventType.SELF_ASSESSMENT_SUBMITTED,
            **answer.model_dump(mode="json", exclude={"task_id", "participant_id"}),
            role=self._input.role.value,
        )
        return acknowledge(NextStep.MATCHING)

    @submit.validator
    def _check(self, answer: SelfAssessment) -> None:
        inp = self._input
        window = AssessmentWindow(
            participant_id=inp.participant_id,
            role=inp.role,
            skills=inp.skills,
            task_id=self._task_id,
            answered=self._answer is not None,
            closed=self._stood_down,
        )
        with refusing():
            window.check(answer)

    @workflow.signal(name=STAND_DOWN)
    def stand_down(self) -> None:
        self._stood_down = True

    @workflow.signal(name=EXTEND_WINDOW)
    async def extend_window(self, due_at: datetime) -> None:
        """A later deadline: the same link works until then, and the participant is told now,
        not at the next reminder."""
        if self._answer is not None or self._task_id is None or self._deadline is None:
            return
        if due_at <= self._deadline:
            return
        self._deadline = due_at
        inp, journal = self._input, self._journal
        journal.extend_task(self._task_id, due_at)
        journal.event(
            participant_stream(inp.participant_id),
            EventType.TASK_EXTENDED,
            task_id=str(self._task_id),
            kind=TaskKind.SELF_ASSESSMENT.value,
            due_at=due_at.isoformat(),
            reopened=False,
        )
        journal.notify(
            inp.participant_id,
            "task_extended",
            self._task_id,
            task_kind=TaskKind.SELF_ASSESSMENT.value,
            due_date=iso_date(due_at, inp.clock),
        )
        await journal.flush("self-assessment deadline extended")

    @workflow.query
    def status(self) -> dict[str, object]:
        return {"answered": self._answer is not None, "task_id": str(self._task_id)}
