"""Compatibility of a mentor (junior, digital expert) with a mentee (senior, learner).

This is the definition of the score, one pair at a time, with the words that explain it;
`domain.compatibility` computes the same numbers for every pair at once, and a test holds the two
together. docs/matching.md describes each factor for coordinators.
"""

from __future__ import annotations

from domain.answers import MeetingFormat
from domain.matching import Factor, FactorCode, MatchingWeights, Profile, TaughtSkill

PRIORITY_WEIGHTS = (3.0, 2.0, 1.5)  # the mentee's first, second and third priority
DEFAULT_WEIGHTS = MatchingWeights()


def skill_weight(mentee: Profile, skill: str) -> float:
    if skill in mentee.priorities:
        return PRIORITY_WEIGHTS[mentee.priorities.index(skill)]
    return 1.0


def teachable(mentor: Profile, mentee: Profile) -> dict[str, int]:
    """Levels the mentor can take the mentee up, per skill: their gap, capped by the expertise."""
    found: dict[str, int] = {}
    for skill, current in mentee.levels.items():
        gap = max(0, mentee.targets.get(skill, current) - current)
        reachable = min(gap, max(0, mentor.levels.get(skill, 0) - current))
        if reachable:
            found[skill] = reachable
    return found


def formats_fit(mentor: Profile, mentee: Profile) -> bool:
    hybrid = MeetingFormat.HYBRID
    return mentor.format == mentee.format or hybrid in (mentor.format, mentee.format)


def same_preferred_language(mentor: Profile, mentee: Profile) -> bool:
    return bool(mentor.languages and mentee.languages) and (
        mentor.languages[0] == mentee.languages[0]
    )


def cross_department(mentor: Profile, mentee: Profile) -> bool:
    return bool(mentor.department and mentee.department) and (
        mentor.department != mentee.department
    )


def factors(
    mentor: Profile, mentee: Profile, weights: MatchingWeights = DEFAULT_WEIGHTS
) -> tuple[Factor, ...]:
    """Every factor that adds to this pair's score, largest first."""
    found: list[Factor] = []
    levels = teachable(mentor, mentee)
    if levels and weights.skills:
        points = weights.skills * sum(skill_weight(mentee, s) * n for s, n in levels.items())
        ordered = sorted(levels, key=lambda s: (-skill_weight(mentee, s), s))
        taught = tuple(
            TaughtSkill(
                skill=s,
                priority=mentee.priorities.index(s) + 1 if s in mentee.priorities else None,
            )
            for s in ordered
        )
        named = [
            t.skill if t.priority is None else f"{t.skill} (priority {t.priority})" for t in taught
        ]
        found.append(
            Factor(
                code=FactorCode.SKILLS,
                points=points,
                text="can teach " + ", ".join(named),
                skills=taught,
            )
        )
    shared = sorted(set(mentor.exchange) & set(mentee.exchange))
    if shared and weights.exchange:
        found.append(
            Factor(
                code=FactorCode.EXCHANGE,
                points=weights.exchange * len(shared),
                text="wants to learn what the mentee offers: " + ", ".join(shared),
                topics=tuple(shared),
            )
        )
    slots = set(mentor.availability) & set(mentee.availability)
    if slots and weights.availability:
        found.append(
            Factor(
                code=FactorCode.AVAILABILITY,
                points=weights.availability * len(slots),
                text=f"{len(slots)} common time slot{'s' if len(slots) > 1 else ''}",
                slots=len(slots),
            )
        )
    if formats_fit(mentor, mentee) and weights.format:
        found.append(
            Factor(
                code=FactorCode.FORMAT,
                points=weights.format,
                text=f"meeting formats fit ({mentor.format.value} and {mentee.format.value})",
                formats=(mentor.format, mentee.format),
            )
        )
    if same_preferred_language(mentor, mentee) and weights.language:
        found.append(
            Factor(
                code=FactorCode.LANGUAGE,
                points=weights.language,
                text=f"same preferred language ({mentee.languages[0]})",
                language=mentee.languages[0],
            )
        )
    if cross_department(mentor, mentee) and weights.department:
        found.append(
            Factor(
                code=FactorCode.DEPARTMENT,
                points=weights.department,
                text=f"different departments ({mentor.department}, {mentee.department})",
                departments=(mentor.department or "", mentee.department or ""),
            )
        )
    order = list(FactorCode)
    return tuple(sorted(found, key=lambda f: (-f.points, order.index(f.code))))


def score(mentor: Profile, mentee: Profile, weights: MatchingWeights = DEFAULT_WEIGHTS) -> float:
    return sum(f.points for f in factors(mentor, mentee, weights))
