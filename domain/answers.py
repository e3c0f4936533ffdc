"""What participants submit through their task links: the payloads of workflow updates.

Each model checks what it can alone (ranges, sizes); the workflow's validator checks the rest
against its state (right phase, right task, right person, skills of this programme).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from domain.meeting_rules import Slot
from domain.next_steps import NextStep, NextStepParam
from domain.tasks import TaskKind
from domain.typed_text import Typed

Level = int  # 0 (none) .. 4 (expert)
_LEVEL = Field(ge=0, le=4)


class AnswerFault(StrEnum):
    """Why an answer is refused on its own, as the type of its validation error; the values are
    i18n keys (web/i18n.py). Pydantic's own types cover the rest (a missing value, a range)."""

    LEVEL = "error.level"
    LANGUAGE = "error.language"
    NO_GO_REASON = "error.no_go_reason"
    PERCENTAGE = "error.percentage"


class MeetingFormat(StrEnum):
    REMOTE = "remote"
    ONSITE = "onsite"
    HYBRID = "hybrid"


# What a participant may offer or want back besides the skills; anything else they write goes in
# `exchange_other`, a typed text, so matching only ever compares these.
EXCHANGE_TOPICS = ("leadership", "strategy", "network", "negotiation", "public-speaking", "career")


class Action(BaseModel):
    """Common to every participant action: which task, and who acts (from the signed link)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    task_id: UUID
    participant_id: str


class SelfAssessment(Action):
    # Mentee: current and target level per skill. Mentor: expertise per skill (targets empty).
    levels: dict[str, int]
    targets: dict[str, int] = Field(default_factory=dict)
    priorities: tuple[str, ...] = Field(default=(), max_length=3)
    capacity: int = Field(1, ge=1, le=3)
    availability: tuple[str, ...] = ()  # e.g. "mon-am", "thu-pm"
    format: MeetingFormat = MeetingFormat.HYBRID
    languages: tuple[str, ...] = ("fr",)
    exchange: tuple[str, ...] = ()  # mentee: what they offer back; mentor: what they want to learn
    exchange_other: Annotated[str, Typed(200)] = ""  # "another topic", for their partner to read

    @field_validator("levels", "targets")
    @classmethod
    def _levels_in_range(cls, value: dict[str, int]) -> dict[str, int]:
        for skill, level in value.items():
            if not 0 <= level <= 4:
                raise PydanticCustomError(
                    AnswerFault.LEVEL,
                    "level of {skill} must be between 0 and 4, not {level}",
                    {"skill": skill, "level": level},
                )
        return value

    @field_validator("languages")
    @classmethod
    def _some_language(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise PydanticCustomError(AnswerFault.LANGUAGE, "at least one language is needed")
        return value


class ChemistryAnswer(Action):
    go: bool
    reason: Annotated[str, Typed(max_length=2000)] = ""
    # The weekly slot the pair meets at ("tue-pm"): the proposed one kept, or another they share.
    slot: Slot | None = None

    @model_validator(mode="after")
    def _no_go_needs_reason(self) -> ChemistryAnswer:
        if not self.go and not self.reason.strip():
            raise PydanticCustomError(AnswerFault.NO_GO_REASON, "a no-go needs a reason")
        return self


class Goal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    objective: Annotated[str, Typed(max_length=500, min_length=3)]
    kpi: Annotated[str, Typed(max_length=300, min_length=2)]
    target_date: date


class GoalsProposal(Action):
    goals: tuple[Goal, ...] = Field(min_length=1, max_length=3)


class GoalsConfirmation(Action):
    confirmed: bool = True
    comment: Annotated[str, Typed(max_length=2000)] = ""


class SessionLog(Action):
    session_number: int = Field(ge=1)
    held: bool
    minutes: int | None = Field(None, ge=0, le=600)
    skills_covered: tuple[str, ...] = ()
    notes: Annotated[str, Typed(max_length=5000)] = ""
    progress_rating: int | None = Field(None, ge=1, le=5)


class SessionAgenda(Action):
    """The mentee's agenda for the next session, sent on to their mentor: what they tried since
    the last one, and what they want to practise."""

    session_number: int = Field(ge=1)
    tried: Annotated[str, Typed(max_length=2000)] = ""
    practise: Annotated[str, Typed(max_length=2000, min_length=3)]


class Reschedule(Action):
    session_number: int = Field(ge=1)
    new_date: date
    # At another of the pair's slots' time of day; none keeps the session's time.
    slot: Slot | None = None


class ThemeChange(Action):
    """A partner gives one of the sessions still ahead another theme, from their pair page."""

    session_number: int = Field(ge=1)
    skill: str | None = None  # a skill of the programme; None makes the session a review


class Pause(Action):
    days: int = Field(ge=1)
    reason: Annotated[str, Typed(max_length=2000)] = ""


class MidpointAnswer(Action):
    satisfaction: int = Field(ge=1, le=5)
    progress: int = Field(ge=1, le=5)
    concerns: Annotated[str, Typed(max_length=5000)] = ""
    wants_to_continue: bool = True


class FinalEvaluation(Action):
    # Mentee: re-assessed levels (uplift = final - baseline) and KPI attainment (0-100 % each).
    levels: dict[str, int] = Field(default_factory=dict)
    kpi_attainment: tuple[int, ...] = ()
    satisfaction: int = Field(ge=1, le=5)
    nps: int = Field(ge=0, le=10)
    learned_back: Annotated[str, Typed(max_length=5000)] = ""  # mentor: what they learned in return
    # Mentor: whether they would mentor again, so a wave that follows this programme invites them
    # first (domain/pilot.py). None: not asked (a mentee, or an answer from before the question).
    would_mentor_again: bool | None = None

    @field_validator("kpi_attainment")
    @classmethod
    def _percentages(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(not 0 <= v <= 100 for v in value):
            raise PydanticCustomError(
                AnswerFault.PERCENTAGE, "KPI attainment is a percentage between 0 and 100"
            )
        return value


class EndPair(Action):
    reason: Annotated[str, Typed(max_length=2000, min_length=3)]


class OnboardingAcceptance(Action):
    """The participant has read the programme's charter and their role's guide, and accepts
    the charter."""

    accepted: bool


class Concern(Action):
    text: Annotated[str, Typed(max_length=5000, min_length=3)]
    pair_id: str | None = None


class CoordinatorCommand(BaseModel):
    """Coordinator actions carry a command id so a repeated CLI call is one effect."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    command_id: str = Field(min_length=1, max_length=200)
    reason: Annotated[str, Typed(max_length=2000)] = ""


class NudgeCommand(CoordinatorCommand):
    """Remind a participant of one open task, on the coordinator's behalf."""

    task_id: UUID


class PairCommand(CoordinatorCommand):
    """Ban or force one (mentor, mentee) pair during the matching review."""

    mentor_id: str = Field(min_length=1, max_length=100)
    mentee_id: str = Field(min_length=1, max_length=100)


class SwapCommand(CoordinatorCommand):
    """Give each of two proposed mentees the other's mentor."""

    mentee_ids: tuple[str, str]


class Acknowledgement(BaseModel):
    """What an update returns: shown to the participant as "what happens next".

    `next` and `params` are the code the edge words; `next_step` is the same step as the English
    key older pages and the CLI still read.
    """

    accepted: bool = True
    next_step: str = ""
    next: NextStep | None = None
    params: dict[str, NextStepParam] = Field(default_factory=dict)


# The answer each kind of task expects (a PAIR_MANAGE link can also reschedule or pause).
ANSWER_MODELS: dict[TaskKind, type[Action]] = {
    TaskKind.SELF_ASSESSMENT: SelfAssessment,
    TaskKind.CHEMISTRY: ChemistryAnswer,
    TaskKind.GOALS_PROPOSE: GoalsProposal,
    TaskKind.GOALS_CONFIRM: GoalsConfirmation,
    TaskKind.SESSION_LOG: SessionLog,
    TaskKind.MIDPOINT_SURVEY: MidpointAnswer,
    TaskKind.FINAL_EVALUATION: FinalEvaluation,
    TaskKind.PAIR_MANAGE: EndPair,
    TaskKind.CONCERN: Concern,
    TaskKind.ONBOARDING: OnboardingAcceptance,
    TaskKind.SESSION_AGENDA: SessionAgenda,
}
