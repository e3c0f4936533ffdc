"""Every (mentee, mentor) pair at once: the score matrix and the hard constraints each pair breaks.

The numbers are exactly those of `domain.scoring` and `domain.constraints` (a property test holds
them together), computed as whole-matrix numpy operations so that thousands of participants take
seconds, not hours. Workflows never import this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from domain.answers import MeetingFormat
from domain.constraints import Constraint, line_above
from domain.matching import MatchingProblem, Profile
from domain.scoring import skill_weight

Matrix = npt.NDArray[np.float64]
Mask = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Compatibility:
    """Rows are mentees, columns mentors, both sorted by id."""

    mentees: tuple[Profile, ...]
    mentors: tuple[Profile, ...]
    score: Matrix
    broken: dict[Constraint, Mask]

    @property
    def feasible(self) -> Mask:
        allowed = np.ones(self.score.shape, dtype=bool)
        for mask in self.broken.values():
            allowed &= ~mask
        return allowed


def compatibility(problem: MatchingProblem) -> Compatibility:
    mentees = tuple(sorted(problem.mentees, key=lambda p: p.id))
    mentors = tuple(sorted(problem.mentors, key=lambda p: p.id))
    w = problem.weights
    score = _skills(mentees, mentors) * w.skills
    score += _shared_count(mentees, mentors, lambda p: p.exchange) * w.exchange
    score += _shared_count(mentees, mentors, lambda p: p.availability) * w.availability
    score += _formats_fit(mentees, mentors) * w.format
    score += _same_code(mentees, mentors, lambda p: p.languages[0] if p.languages else None) * (
        w.language
    )
    score += _cross_department(mentees, mentors) * w.department
    return Compatibility(
        mentees=mentees,
        mentors=mentors,
        score=score,
        broken={
            Constraint.BANNED: _banned(mentees, mentors, problem.banned),
            Constraint.GRADE: _grade(mentees, mentors),
            Constraint.REPORTING_LINE: _reporting_line(mentees, mentors),
            Constraint.LANGUAGE: _shared_count(mentees, mentors, lambda p: p.languages) == 0,
        },
    )


# -- factors -------------------------------------------------------------------------------------


def _skills(mentees: Sequence[Profile], mentors: Sequence[Profile]) -> Matrix:
    skills = sorted({s for p in mentees for s in p.levels})
    index = {s: k for k, s in enumerate(skills)}
    current = np.zeros((len(mentees), len(skills)))
    gap = np.zeros_like(current)
    weight = np.zeros_like(current)
    for i, mentee in enumerate(mentees):
        for skill, level in mentee.levels.items():
            k = index[skill]
            current[i, k] = level
            gap[i, k] = max(0, mentee.targets.get(skill, level) - level)
            weight[i, k] = skill_weight(mentee, skill)
    expertise = np.zeros((len(mentors), len(skills)))
    for j, mentor in enumerate(mentors):
        for skill, level in mentor.levels.items():
            if skill in index:
                expertise[j, index[skill]] = level
    total = np.zeros((len(mentees), len(mentors)))
    for k in range(len(skills)):
        wanted = gap[:, k] > 0
        if not wanted.any():
            continue
        above = np.maximum(0.0, expertise[None, :, k] - current[:, k, None])
        total += weight[:, k, None] * np.minimum(gap[:, k, None], above)
    return total


def _one_hot(
    people: Sequence[Profile], values: Callable[[Profile], Sequence[str]], vocab: dict[str, int]
) -> Matrix:
    table = np.zeros((len(people), len(vocab)))
    for row, person in enumerate(people):
        for value in set(values(person)):
            table[row, vocab[value]] = 1.0
    return table


def _shared_count(
    mentees: Sequence[Profile],
    mentors: Sequence[Profile],
    values: Callable[[Profile], Sequence[str]],
) -> Matrix:
    """How many values each mentee and mentor have in common."""
    vocab = {
        v: k for k, v in enumerate(sorted({v for p in (*mentees, *mentors) for v in values(p)}))
    }
    if not vocab:
        return np.zeros((len(mentees), len(mentors)))
    return _one_hot(mentees, values, vocab) @ _one_hot(mentors, values, vocab).T


def _codes(
    people: Sequence[Profile], value: Callable[[Profile], str | None], vocab: dict[str, int]
) -> npt.NDArray[np.int64]:
    """Each person's value as a number; -1 for none."""
    return np.array(
        [vocab.setdefault(v, len(vocab)) if (v := value(p)) else -1 for p in people],
        dtype=np.int64,
    )


def _same_code(
    mentees: Sequence[Profile], mentors: Sequence[Profile], value: Callable[[Profile], str | None]
) -> Mask:
    vocab: dict[str, int] = {}
    e, m = _codes(mentees, value, vocab), _codes(mentors, value, vocab)
    known = np.greater_equal(e, 0)[:, None]
    return np.logical_and(np.equal(e[:, None], m[None, :]), known)


def _cross_department(mentees: Sequence[Profile], mentors: Sequence[Profile]) -> Mask:
    vocab: dict[str, int] = {}
    e = _codes(mentees, lambda p: p.department, vocab)
    m = _codes(mentors, lambda p: p.department, vocab)
    known = np.logical_and(np.greater_equal(e, 0)[:, None], np.greater_equal(m, 0)[None, :])
    return np.logical_and(np.not_equal(e[:, None], m[None, :]), known)


def _formats_fit(mentees: Sequence[Profile], mentors: Sequence[Profile]) -> Mask:
    vocab = {MeetingFormat.HYBRID.value: 0}
    e = _codes(mentees, lambda p: p.format.value, vocab)
    m = _codes(mentors, lambda p: p.format.value, vocab)
    either_hybrid = np.logical_or(np.equal(e, 0)[:, None], np.equal(m, 0)[None, :])
    return np.logical_or(np.equal(e[:, None], m[None, :]), either_hybrid)


# -- hard constraints ----------------------------------------------------------------------------


def _banned(
    mentees: Sequence[Profile], mentors: Sequence[Profile], banned: frozenset[tuple[str, str]]
) -> Mask:
    row = {p.id: i for i, p in enumerate(mentees)}
    col = {p.id: j for j, p in enumerate(mentors)}
    mask = np.zeros((len(mentees), len(mentors)), dtype=bool)
    for mentor_id, mentee_id in banned:
        if mentee_id in row and mentor_id in col:
            mask[row[mentee_id], col[mentor_id]] = True
    return mask


def _grade(mentees: Sequence[Profile], mentors: Sequence[Profile]) -> Mask:
    # NaN for an unknown grade: every comparison with it is False, so nothing is broken.
    e = np.array([np.nan if p.grade is None else p.grade for p in mentees], dtype=float)
    m = np.array([np.nan if p.grade is None else p.grade for p in mentors], dtype=float)
    return m[None, :] >= e[:, None]


def _reporting_line(mentees: Sequence[Profile], mentors: Sequence[Profile]) -> Mask:
    manager_of = {p.id: p.manager_id for p in (*mentees, *mentors)}
    row = {p.id: i for i, p in enumerate(mentees)}
    col = {p.id: j for j, p in enumerate(mentors)}
    mask = np.zeros((len(mentees), len(mentors)), dtype=bool)
    for i, mentee in enumerate(mentees):
        for boss in line_above(mentee, manager_of):
            if boss in col:
                mask[i, col[boss]] = True
    for j, mentor in enumerate(mentors):
        for boss in line_above(mentor, manager_of):
            if boss in row:
                mask[row[boss], j] = True
    return mask
