"""What a self-assessment must say to be accepted, without Temporal."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from domain.answers import EXCHANGE_TOPICS, SelfAssessment
from domain.programme import Role
from domain.refusals import Refusal, Refused


@dataclass(frozen=True)
class AssessmentWindow:
    """One participant's self-assessment task, as its workflow holds it."""

    participant_id: str
    role: Role
    skills: tuple[str, ...]
    task_id: UUID | None  # None until the task is issued
    answered: bool
    closed: bool = False  # its participant left, or a window of their own replaced it

    def check(self, answer: SelfAssessment) -> None:
        if self.task_id is None:
            raise Refused(Refusal.SELF_ASSESSMENT_NOT_OPEN)
        if self.closed:
            raise Refused(Refusal.TASK_CLOSED)
        if self.answered:
            raise Refused(Refusal.SELF_ASSESSMENT_ALREADY_SUBMITTED)
        if answer.task_id != self.task_id or answer.participant_id != self.participant_id:
            raise Refused(Refusal.NOT_YOUR_TASK)
        unknown = sorted(set(answer.levels) - set(self.skills))
        if unknown:
            raise Refused(Refusal.UNKNOWN_SKILLS, skills=unknown)
        if not set(answer.exchange) <= set(EXCHANGE_TOPICS):
            # Matching compares these as given: a text of one's own goes in `exchange_other`.
            raise Refused(Refusal.EXCHANGE_NOT_A_TOPIC)
        missing = sorted(set(self.skills) - set(answer.levels))
        if missing:
            raise Refused(Refusal.LEVEL_NEEDED, skills=missing)
        if self.role is Role.MENTEE:
            # A mentee says where they want to get to, and which skills matter most.
            if set(answer.targets) != set(self.skills):
                raise Refused(Refusal.TARGET_NEEDED_FOR_EVERY_SKILL)
            if any(answer.targets[s] < answer.levels[s] for s in self.skills):
                raise Refused(Refusal.TARGET_BELOW_LEVEL)
            if not set(answer.priorities) <= set(self.skills):
                raise Refused(Refusal.PRIORITIES_NOT_SKILLS)
