"""The matching problem and its answer, as plain data that workflows can carry.

The solver lives in `domain.matcher` (numpy/scipy), which workflow code never imports.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from domain.answers import MeetingFormat


class Profile(BaseModel):
    """One participant's side of matching: the programme file plus their self-assessment."""

    model_config = ConfigDict(frozen=True)

    id: str
    grade: int | None = None
    department: str | None = None
    manager_id: str | None = None
    languages: tuple[str, ...] = ("fr",)
    format: MeetingFormat = MeetingFormat.HYBRID
    availability: tuple[str, ...] = ()
    levels: dict[str, int] = Field(default_factory=dict)
    targets: dict[str, int] = Field(default_factory=dict)
    priorities: tuple[str, ...] = ()
    capacity: int = 1
    exchange: tuple[str, ...] = ()


class MatchingProblem(BaseModel):
    model_config = ConfigDict(frozen=True)

    mentors: tuple[Profile, ...]
    mentees: tuple[Profile, ...]
    banned: frozenset[tuple[str, str]] = frozenset()  # (mentor_id, mentee_id)
    forced: tuple[tuple[str, str], ...] = ()
    backups_per_mentee: int = 3
    favour_participation: bool = True


class ProposedPair(BaseModel):
    model_config = ConfigDict(frozen=True)

    mentor_id: str
    mentee_id: str
    score: float
    reasons: tuple[str, ...] = ()


class Unmatched(BaseModel):
    model_config = ConfigDict(frozen=True)

    participant_id: str
    reason: str


class MatchingProposal(BaseModel):
    model_config = ConfigDict(frozen=True)

    pairs: tuple[ProposedPair, ...]
    unmatched: tuple[Unmatched, ...] = ()
    backups: dict[str, tuple[str, ...]] = Field(
        default_factory=dict
    )  # mentee -> mentors, best first
    capacities: dict[str, int] = Field(default_factory=dict)  # mentor -> capacity
    total_score: float = 0.0
