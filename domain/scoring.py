"""Compatibility of a mentor (junior, digital expert) with a mentee (senior, learner)."""

from __future__ import annotations

from domain.answers import MeetingFormat
from domain.matching import Profile

PRIORITY_WEIGHTS = (3.0, 2.0, 1.5)  # the mentee's first, second and third priority


def _skill_weight(mentee: Profile, skill: str) -> float:
    if skill in mentee.priorities:
        return PRIORITY_WEIGHTS[mentee.priorities.index(skill)]
    return 1.0


def skill_coverage(mentor: Profile, mentee: Profile) -> float:
    """How much of the mentee's gap (target - current) the mentor's expertise can close."""
    total = 0.0
    for skill, current in mentee.levels.items():
        target = mentee.targets.get(skill, current)
        gap = max(0, target - current)
        if gap:
            reachable = min(gap, max(0, mentor.levels.get(skill, 0) - current))
            total += _skill_weight(mentee, skill) * reachable
    return total


def score(mentor: Profile, mentee: Profile) -> float:
    value = skill_coverage(mentor, mentee)
    value += 0.5 * len(set(mentor.exchange) & set(mentee.exchange))
    value += 0.25 * len(set(mentor.availability) & set(mentee.availability))
    if MeetingFormat.HYBRID in (mentor.format, mentee.format) or mentor.format == mentee.format:
        value += 1.0
    if mentor.department and mentee.department and mentor.department != mentee.department:
        value += 1.0
    return value


def explain(mentor: Profile, mentee: Profile) -> tuple[str, ...]:
    reasons: list[tuple[float, str]] = []
    for skill in mentee.priorities:
        if mentor.levels.get(skill, 0) > mentee.levels.get(skill, 0):
            reasons.append(
                (_skill_weight(mentee, skill), f"mentor is stronger on priority {skill}")
            )
    shared = sorted(set(mentor.exchange) & set(mentee.exchange))
    if shared:
        reasons.append((0.5 * len(shared), "reverse exchange on " + ", ".join(shared)))
    overlap = set(mentor.availability) & set(mentee.availability)
    if overlap:
        reasons.append((0.25 * len(overlap), f"{len(overlap)} common availability slots"))
    if mentor.department and mentee.department and mentor.department != mentee.department:
        reasons.append((1.0, "different departments"))
    reasons.sort(key=lambda r: -r[0])
    return tuple(text for _, text in reasons[:3])
