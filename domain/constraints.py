"""Hard constraints of a pair: a pair that breaks one is never proposed, whatever its score.

`domain.compatibility` applies the same rules to every pair at once; a test holds the two together.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from domain.matching import Profile
from domain.org_chart import chain_above, same_line


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


def line_above(person: Profile, manager_of: Mapping[str, str | None]) -> set[str]:
    """Everyone above the person in their management chain, any depth: through the managers of
    this matching (`manager_of`) and through those outside it (`Profile.above`)."""
    return {*chain_above(person.id, manager_of), *person.above}


def violation(
    mentor: Profile,
    mentee: Profile,
    manager_of: Mapping[str, str | None],
    banned: frozenset[tuple[str, str]],
) -> Constraint | None:
    """The first hard constraint this pair breaks, or None when it may be formed.

    The reporting line is checked both ways and at any depth: neither may be anywhere above the
    other in their management chain, whoever sits between them.
    """
    if (mentor.id, mentee.id) in banned:
        return Constraint.BANNED
    if mentor.grade is not None and mentee.grade is not None and mentor.grade >= mentee.grade:
        return Constraint.GRADE
    if same_line(
        mentor.id, line_above(mentor, manager_of), mentee.id, line_above(mentee, manager_of)
    ):
        return Constraint.REPORTING_LINE
    if not set(mentor.languages) & set(mentee.languages):
        return Constraint.LANGUAGE
    return None
