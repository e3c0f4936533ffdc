"""Hard constraints of a pair: a pair that breaks one is never proposed, whatever its score."""

from __future__ import annotations

from collections.abc import Mapping

from domain.matching import Profile

REPORTING_LEVELS = 2


def managers_above(person_id: str, manager_of: Mapping[str, str | None], levels: int) -> set[str]:
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
) -> str | None:
    """Why this pair may not be formed, or None when it may."""
    if (mentor.id, mentee.id) in banned:
        return "banned pair"
    if mentor.grade is not None and mentee.grade is not None and mentor.grade >= mentee.grade:
        return "the mentor must be junior to the mentee"
    if mentor.id in managers_above(mentee.id, manager_of, REPORTING_LEVELS) or mentee.id in (
        managers_above(mentor.id, manager_of, REPORTING_LEVELS)
    ):
        return "same reporting line"
    if not set(mentor.languages) & set(mentee.languages):
        return "no shared language"
    return None
