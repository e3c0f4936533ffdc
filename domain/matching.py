"""The matching problem and its answer, as plain data that workflows can carry.

The solver lives in `domain.matcher` (numpy/scipy), which workflow code never imports; the score
is defined factor by factor in `domain.scoring` and documented in docs/matching.md.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from domain.answers import MeetingFormat
from domain.unmatched import UnmatchedReason

MAX_CAPACITY = 3


class Profile(BaseModel):
    """One participant's side of matching: the programme file plus their self-assessment."""

    model_config = ConfigDict(frozen=True)

    id: str
    grade: int | None = None
    department: str | None = None
    manager_id: str | None = None
    # The people of this matching above them in their management chain, any depth, also through
    # managers outside it (`domain.org_chart.cohort_lines`); `manager_id`'s chain counts as well.
    above: tuple[str, ...] = ()
    languages: tuple[str, ...] = ("fr",)  # the first is the one they prefer
    format: MeetingFormat = MeetingFormat.HYBRID
    availability: tuple[str, ...] = ()
    levels: dict[str, int] = Field(default_factory=dict)
    targets: dict[str, int] = Field(default_factory=dict)
    priorities: tuple[str, ...] = ()
    capacity: int = 1
    # Mentee: what they offer back (leadership, strategy...); mentor: what they want to learn.
    exchange: tuple[str, ...] = ()

    @property
    def slots(self) -> int:
        """How many mentees a mentor may take: their capacity, held to 1..3."""
        return max(1, min(MAX_CAPACITY, self.capacity))


class MatchingWeights(BaseModel):
    """How much each factor of the compatibility score counts (docs/matching.md)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    skills: float = Field(1.0, ge=0, le=100)
    exchange: float = Field(0.5, ge=0, le=100)
    availability: float = Field(0.25, ge=0, le=100)
    format: float = Field(1.0, ge=0, le=100)
    language: float = Field(0.5, ge=0, le=100)
    department: float = Field(1.0, ge=0, le=100)


class FactorCode(StrEnum):
    SKILLS = "skills"
    EXCHANGE = "exchange"
    AVAILABILITY = "availability"
    FORMAT = "format"
    LANGUAGE = "language"
    DEPARTMENT = "department"


class TaughtSkill(BaseModel):
    """A skill the mentor can take the mentee up in; `priority` is the mentee's rank for it."""

    model_config = ConfigDict(frozen=True)

    skill: str
    priority: int | None = None  # 1 (first priority) .. 3, or None when not a priority


class Factor(BaseModel):
    """One factor's contribution to a pair's score: its code and the values that explain it.

    Each code fills its own fields (below); the edge words them for its reader. `text` says the
    same in English for people reading a history, and is all that a proposal recorded before the
    fields existed carries: shown as it is, never parsed.
    """

    model_config = ConfigDict(frozen=True)

    code: FactorCode
    points: float
    text: str = ""
    skills: tuple[TaughtSkill, ...] = ()  # SKILLS: what the mentor can teach, best first
    topics: tuple[str, ...] = ()  # EXCHANGE: what the mentee offers and the mentor wants
    slots: int = 0  # AVAILABILITY: time slots both have
    formats: tuple[MeetingFormat, MeetingFormat] | None = None  # FORMAT: the mentor's, the mentee's
    language: str = ""  # LANGUAGE: the preferred language both share
    departments: tuple[str, str] | None = None  # DEPARTMENT: the mentor's, the mentee's

    @property
    def explained(self) -> bool:
        """Whether this factor carries its values (every factor the matcher computes now does)."""
        return {
            FactorCode.SKILLS: bool(self.skills),
            FactorCode.EXCHANGE: bool(self.topics),
            FactorCode.AVAILABILITY: self.slots > 0,
            FactorCode.FORMAT: self.formats is not None,
            FactorCode.LANGUAGE: bool(self.language),
            FactorCode.DEPARTMENT: self.departments is not None,
        }[self.code]


class MatchingProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    mentors: tuple[Profile, ...]
    mentees: tuple[Profile, ...]
    weights: MatchingWeights = MatchingWeights()
    banned: frozenset[tuple[str, str]] = frozenset()  # (mentor_id, mentee_id)
    forced: tuple[tuple[str, str], ...] = ()  # (mentor_id, mentee_id)
    backups_per_mentee: int = Field(3, ge=0)
    # True: as many mentees matched as possible, then the best total score among those.
    favour_participation: bool = True


class ProposedPair(BaseModel):
    model_config = ConfigDict(frozen=True)

    mentor_id: str
    mentee_id: str
    score: float
    reasons: tuple[str, ...] = ()  # the top factors' words, best first
    factors: tuple[Factor, ...] = ()  # every factor that scored, best first
    forced: bool = False


class Unmatched(BaseModel):
    """Someone the proposal leaves without a partner: why, as a code with its parameters.

    `reason` is the same in English words for people reading a history; `code` is None only in
    proposals recorded before it existed (see `domain.unmatched.unmatched_reason`).
    """

    model_config = ConfigDict(frozen=True)

    participant_id: str
    reason: str
    code: UnmatchedReason | None = None
    compatible: int = 0  # partners compatible with them, all taken elsewhere
    ruled_out: dict[str, int] = Field(default_factory=dict)  # constraint -> people it rules out


class MatchingProposal(BaseModel):
    model_config = ConfigDict(frozen=True)

    pairs: tuple[ProposedPair, ...]
    unmatched: tuple[Unmatched, ...] = ()
    backups: dict[str, tuple[str, ...]] = Field(
        default_factory=dict
    )  # mentee -> mentors, best first
    capacities: dict[str, int] = Field(default_factory=dict)  # mentor -> capacity
    total_score: float = 0.0
    # Participant -> the weekly slots they gave ("tue-pm"): where their pair's sessions go.
    availability: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class MatchingConflict(ValueError):
    """A forced pair that cannot be honoured (a hard constraint, a capacity, a duplicate)."""
