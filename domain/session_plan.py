"""Which skill each of a pair's sessions practises, and from which level.

A session with a theme is one the mentee prepares for and the mentor can plan an exercise for
(the guide library has one per skill and level). The mentee's priorities come first, and every
skill they want to progress on gets sessions in proportion to the way still to go (target minus
level), a priority counting double. Skills alternate rather than follow each other in blocks, so
each comes back after a rest, and the level rises along the way from where the mentee stands
towards their target. From three sessions on, the last one is a review of the whole programme.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

MAX_LEVEL = 4
# With fewer sessions there is nothing to look back on apart from the sessions themselves.
REVIEW_FROM = 3
_PRIORITY_WEIGHT = 2


class SessionTheme(BaseModel):
    """Session `number`'s theme: `skill` practised from `level`, or the review (skill None)."""

    model_config = ConfigDict(frozen=True)

    number: int = Field(ge=1)
    skill: str | None
    level: int = Field(0, ge=0, le=MAX_LEVEL)

    @property
    def is_review(self) -> bool:
        return self.skill is None


class SessionPlan(BaseModel):
    """A pair's plan: the theme of each session, and the mentee's levels a changed theme starts
    from."""

    model_config = ConfigDict(frozen=True)

    themes: tuple[SessionTheme, ...]
    levels: dict[str, int] = Field(default_factory=dict)

    def changed(self, number: int, skill: str | None) -> SessionTheme:
        """Session `number`'s theme once a partner chose `skill` for it (None: the review),
        practised from where the mentee stands."""
        level = 0 if skill is None else min(max(self.levels.get(skill, 0), 0), MAX_LEVEL)
        return SessionTheme(number=number, skill=skill, level=level)


def make_plan(
    sessions: int,
    skills: Sequence[str],
    levels: Mapping[str, int],
    targets: Mapping[str, int],
    priorities: Sequence[str] = (),
) -> SessionPlan:
    """The plan of `plan_themes`, with the mentee's levels of the programme's skills."""
    return SessionPlan(
        themes=plan_themes(sessions, skills, levels, targets, priorities),
        levels={s: levels[s] for s in skills if s in levels},
    )


def plan_themes(
    sessions: int,
    skills: Sequence[str],
    levels: Mapping[str, int],
    targets: Mapping[str, int],
    priorities: Sequence[str] = (),
) -> tuple[SessionTheme, ...]:
    """A theme for each of `sessions` sessions, from the mentee's self-assessment.

    `skills` are the programme's, in its order; levels, targets and priorities are the mentee's
    answers (a skill they left out counts as level 0 with no target)."""
    if sessions <= 0 or not skills:
        return ()
    themed = sessions - 1 if sessions >= REVIEW_FROM else sessions
    chosen = _skills_to_practise(skills, levels, targets, priorities)[:themed]
    counts = _shares(themed, [_weight(s, levels, targets, priorities) for s in chosen])
    per_skill = dict(zip(chosen, counts, strict=True))
    seen: dict[str, int] = {}
    plan: list[SessionTheme] = []
    for number, skill in enumerate(_alternating(chosen, counts), start=1):
        nth = seen[skill] = seen.get(skill, -1) + 1
        level = _level_at(skill, nth, per_skill[skill], levels, targets)
        plan.append(SessionTheme(number=number, skill=skill, level=level))
    if themed < sessions:
        plan.append(SessionTheme(number=sessions, skill=None))
    return tuple(plan)


def _skills_to_practise(
    skills: Sequence[str],
    levels: Mapping[str, int],
    targets: Mapping[str, int],
    priorities: Sequence[str],
) -> list[str]:
    """Priorities in the mentee's order, then the skills with the most way to go; every skill of
    the programme when the mentee wants to progress on none."""
    first = [s for s in dict.fromkeys(priorities) if s in skills]
    rest = [s for s in skills if s not in first and _gap(s, levels, targets) > 0]
    rest.sort(key=lambda s: -_gap(s, levels, targets))  # stable: the programme's order on ties
    return first + rest or list(skills)


def _gap(skill: str, levels: Mapping[str, int], targets: Mapping[str, int]) -> int:
    return max(targets.get(skill, 0) - levels.get(skill, 0), 0)


def _weight(
    skill: str, levels: Mapping[str, int], targets: Mapping[str, int], priorities: Sequence[str]
) -> int:
    weight = max(_gap(skill, levels, targets), 1)
    return weight * _PRIORITY_WEIGHT if skill in priorities else weight


def _shares(total: int, weights: Sequence[int]) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), each at least one."""
    if not weights:
        return []
    counts = [1] * len(weights)
    left = total - len(weights)
    if left <= 0:
        return counts
    whole = sum(weights)
    exact = [left * w / whole for w in weights]
    counts = [c + int(e) for c, e in zip(counts, exact, strict=True)]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - int(exact[i])), i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def _alternating(skills: Sequence[str], counts: Sequence[int]) -> list[str]:
    """Each skill in turn while it has sessions left: A B C A B A rather than A A A B B C."""
    left = list(counts)
    order: list[str] = []
    while any(left):
        for i, skill in enumerate(skills):
            if left[i]:
                order.append(skill)
                left[i] -= 1
    return order


def _level_at(
    skill: str, nth: int, count: int, levels: Mapping[str, int], targets: Mapping[str, int]
) -> int:
    """The level the `nth` session (from 0) of `count` on `skill` starts from: the mentee's own,
    rising evenly towards their target."""
    start = min(levels.get(skill, 0), MAX_LEVEL)
    rise = _gap(skill, levels, targets) * nth // count
    return min(start + rise, MAX_LEVEL)
