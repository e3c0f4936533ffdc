"""Hard constraints of a pair: a pair that breaks one is never proposed, whatever its score.

`domain.compatibility` applies the same rules to every pair at once; a test holds the two together.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from domain.matching import Profile

REPORTING_LEVELS = 2


class Constraint(StrEnum):
    BANNED = "banned"
    GRADE = "grade"
    REPORTING_LINE = "reporting line"
    LANGUAGE = "language"


WORDS = {
    Constraint.BANNED: "the pair is banned (a no-go, or the coordinator's decision)",
    Constraint.GRADE: "the mentor must be junior to the mentee",
    Constraint.REPORTING_LINE: "one is in the other's reporting line",
    Constraint.LANGUAGE: "they share no language",
}


def managers_above(person_id: str, manager_of: Mapping[str, str | None], levels: int) -> set[str]:
    """The person's manager and their manager, and so on for `levels` levels."""
    found: set[str] = set()
    current = manager_of.get(person_id)
    while current is not None and len(found) < levels and current not in found:
        found.add(current)
        current = manager_of.get(current)
    return found


def violation(
    mentor: Profile,
    mentee: Profile,
    manager_of: Mapping[str, str | None],
    banned: frozenset[tuple[str, str]],
) -> Constraint | None:
    """The first hard constraint this pair breaks, or None when it may be formed.

    The reporting line is checked both ways: neither may be the other's manager or manager's
    manager (so neither is the other's report or report's report either).
    """
    if (mentor.id, mentee.id) in banned:
        return Constraint.BANNED
    if mentor.grade is not None and mentee.grade is not None and mentor.grade >= mentee.grade:
        return Constraint.GRADE
    if mentor.id in managers_above(mentee.id, manager_of, REPORTING_LEVELS) or mentee.id in (
        managers_above(mentor.id, manager_of, REPORTING_LEVELS)
    ):
        return Constraint.REPORTING_LINE
    if not set(mentor.languages) & set(mentee.languages):
        return Constraint.LANGUAGE
    return None
