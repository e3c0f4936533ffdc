"""An optimal assignment of mentees to mentors under the hard constraints.

Mentor slots are columns (each mentor's column repeated `capacity` times) and scipy's
`linear_sum_assignment` finds the assignment with the largest total weight. Infeasible pairs weigh
nothing and are dropped afterwards, which loses nothing: scores are never negative. Favouring
participation adds to every feasible pair a bonus larger than any total score, so one more pair
always beats any gain in quality, and among the largest matchings the best total wins.

Deterministic: people are sorted by id and the solver is deterministic for the same matrix.
Workflows never import this module: it runs in an activity.
"""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
from scipy.optimize import linear_sum_assignment

from domain.compatibility import Compatibility, Mask, compatibility
from domain.constraints import WORDS, Constraint
from domain.matching import (
    MatchingConflict,
    MatchingProblem,
    MatchingProposal,
    ProposedPair,
    Unmatched,
)
from domain.scoring import factors
from domain.unmatched import UnmatchedReason

TOP_REASONS = 3

# The words recorded next to each code, for people reading a history (nothing parses them).
NO_COMPATIBLE_MENTOR = "no compatible mentor"
ALL_AT_CAPACITY = "every compatible mentor is at capacity"
NO_COMPATIBLE_MENTEE = "no compatible mentee"
NO_MENTEE_LEFT = "no mentee left to pair with"


def solve(problem: MatchingProblem) -> MatchingProposal:
    """The best assignment for `problem`.

    Raises `MatchingConflict` when a forced pair cannot be honoured.
    """
    c = compatibility(problem)
    feasible = c.feasible
    forced = _forced(problem, c, feasible)
    free_rows = [i for i in range(len(c.mentees)) if i not in forced]
    load = Counter(forced.values())
    slots = [j for j, m in enumerate(c.mentors) for _ in range(m.slots - load[j])]
    assignment = dict(forced)
    if free_rows and slots:
        rows = np.array(free_rows)
        cols = np.array(slots)
        gain = c.score[np.ix_(rows, cols)]
        allowed = feasible[np.ix_(rows, cols)]
        if problem.favour_participation:
            bonus = (float(gain.max(initial=0.0)) + 1.0) * (min(len(rows), len(cols)) + 1)
            gain = gain + bonus
        weight = np.where(allowed, gain, 0.0)
        picked_rows, picked_cols = linear_sum_assignment(weight, maximize=True)
        for r, s in zip(picked_rows, picked_cols, strict=True):
            if allowed[r, s]:
                assignment[int(rows[r])] = int(cols[s])
    return _proposal(problem, c, feasible, assignment, set(forced))


def greedy(problem: MatchingProblem) -> MatchingProposal:
    """The usual hand-made matching: best-scoring feasible pair first. A baseline, not optimal."""
    c = compatibility(problem)
    feasible = c.feasible
    order = np.argsort(-np.where(feasible, c.score, -np.inf), axis=None, kind="stable")
    room = [m.slots for m in c.mentors]
    left = min(len(c.mentees), sum(room))
    assignment: dict[int, int] = {}
    n_m = len(c.mentors)
    for flat in order[: int(feasible.sum())]:
        i, j = divmod(int(flat), n_m)
        if i not in assignment and room[j]:
            assignment[i] = j
            room[j] -= 1
            left -= 1
            if not left:
                break
    return _proposal(problem, c, feasible, assignment, set())


def random_assignment(problem: MatchingProblem, seed: int = 0) -> MatchingProposal:
    """Each mentee in turn takes a random compatible mentor with room: another baseline."""
    c = compatibility(problem)
    feasible = c.feasible
    rng = random.Random(seed)
    room = [m.slots for m in c.mentors]
    assignment: dict[int, int] = {}
    rows = list(range(len(c.mentees)))
    rng.shuffle(rows)
    for i in rows:
        options = [int(j) for j in np.flatnonzero(feasible[i]) if room[j]]
        if options:
            j = rng.choice(options)
            assignment[i] = j
            room[j] -= 1
    return _proposal(problem, c, feasible, assignment, set())


def _forced(problem: MatchingProblem, c: Compatibility, feasible: Mask) -> dict[int, int]:
    row = {p.id: i for i, p in enumerate(c.mentees)}
    col = {p.id: j for j, p in enumerate(c.mentors)}
    chosen: dict[int, int] = {}
    problems: list[str] = []
    for mentor_id, mentee_id in problem.forced:
        if mentor_id not in col:
            problems.append(f"{mentor_id} is not a mentor of this matching")
        elif mentee_id not in row:
            problems.append(f"{mentee_id} is not a mentee of this matching")
        elif row[mentee_id] in chosen:
            problems.append(f"{mentee_id} is forced with two mentors")
        elif not feasible[row[mentee_id], col[mentor_id]]:
            broken = [k for k, mask in c.broken.items() if mask[row[mentee_id], col[mentor_id]]]
            problems.append(f"{mentor_id} and {mentee_id} cannot be paired: {WORDS[broken[0]]}")
        else:
            chosen[row[mentee_id]] = col[mentor_id]
    for j, taken in Counter(chosen.values()).items():
        mentor = c.mentors[j]
        if taken > mentor.slots:
            problems.append(f"{mentor.id} is forced with {taken} mentees but takes {mentor.slots}")
    if problems:
        raise MatchingConflict("; ".join(problems))
    return chosen


def _proposal(
    problem: MatchingProblem,
    c: Compatibility,
    feasible: Mask,
    assignment: dict[int, int],
    forced: set[int],
) -> MatchingProposal:
    pairs = []
    for i, j in sorted(assignment.items(), key=lambda item: c.mentees[item[0]].id):
        mentor, mentee = c.mentors[j], c.mentees[i]
        found = factors(mentor, mentee, problem.weights)
        pairs.append(
            ProposedPair(
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                score=round(float(c.score[i, j]), 6),
                reasons=tuple(f.text for f in found[:TOP_REASONS]),
                factors=found,
                forced=i in forced,
            )
        )
    load = Counter(assignment.values())
    unmatched = [
        _why_mentee(c, feasible, i) for i in range(len(c.mentees)) if i not in assignment
    ] + [_why_mentor(c, feasible, j) for j in range(len(c.mentors)) if load[j] == 0]
    return MatchingProposal(
        pairs=tuple(pairs),
        unmatched=tuple(unmatched),
        backups=_backups(problem, c, feasible, assignment),
        capacities={m.id: m.slots for m in c.mentors},
        total_score=round(sum(float(c.score[i, j]) for i, j in assignment.items()), 6),
    )


def _ruled_out(c: Compatibility, index: int, axis: int) -> dict[str, int]:
    """How many people each constraint rules out, e.g. {"grade": 3, "language": 1}."""
    counts = {}
    for constraint in Constraint:
        mask = c.broken[constraint]
        n = int(mask[index].sum() if axis == 0 else mask[:, index].sum())
        if n:
            counts[constraint.value] = n
    return counts


def _counts_text(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} ({n})" for name, n in counts.items())


def _why_mentee(c: Compatibility, feasible: Mask, i: int) -> Unmatched:
    who = c.mentees[i].id
    options = int(feasible[i].sum())
    if options:
        return Unmatched(
            participant_id=who,
            reason=f"{ALL_AT_CAPACITY}: {options} compatible, all taken by mentees with fewer "
            "options",
            code=UnmatchedReason.MENTORS_AT_CAPACITY,
            compatible=options,
        )
    if not c.mentors:
        return Unmatched(
            participant_id=who,
            reason="no mentor available",
            code=UnmatchedReason.NO_MENTOR_AVAILABLE,
        )
    counts = _ruled_out(c, i, 0)
    return Unmatched(
        participant_id=who,
        reason=f"{NO_COMPATIBLE_MENTOR}: {_counts_text(counts)}",
        code=UnmatchedReason.NO_COMPATIBLE_MENTOR,
        ruled_out=counts,
    )


def _why_mentor(c: Compatibility, feasible: Mask, j: int) -> Unmatched:
    who = c.mentors[j].id
    options = int(feasible[:, j].sum())
    if options:
        return Unmatched(
            participant_id=who,
            reason=f"{NO_MENTEE_LEFT}: {options} compatible, all better matched elsewhere",
            code=UnmatchedReason.NO_MENTEE_LEFT,
            compatible=options,
        )
    if not c.mentees:
        return Unmatched(
            participant_id=who, reason=NO_MENTEE_LEFT, code=UnmatchedReason.NO_MENTEE_LEFT
        )
    counts = _ruled_out(c, j, 1)
    return Unmatched(
        participant_id=who,
        reason=f"{NO_COMPATIBLE_MENTEE}: {_counts_text(counts)}",
        code=UnmatchedReason.NO_COMPATIBLE_MENTEE,
        ruled_out=counts,
    )


def _backups(
    problem: MatchingProblem, c: Compatibility, feasible: Mask, assignment: dict[int, int]
) -> dict[str, tuple[str, ...]]:
    """For each mentee, the best compatible mentors other than their own, for a quick re-pairing."""
    n = problem.backups_per_mentee
    if n == 0 or not c.mentors:
        return {m.id: () for m in c.mentees}
    ranked = np.where(feasible, c.score, -np.inf)
    # Stable sort on the negated score: equal scores keep mentor-id order, so ties are stable.
    order = np.argsort(-ranked, axis=1, kind="stable")[:, : n + 1]
    backups: dict[str, tuple[str, ...]] = {}
    for i, mentee in enumerate(c.mentees):
        own = assignment.get(i)
        chosen = [int(j) for j in order[i] if feasible[i, j] and j != own][:n]
        backups[mentee.id] = tuple(c.mentors[j].id for j in chosen)
    return backups
