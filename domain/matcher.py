"""An optimal assignment of mentees to mentors under the hard constraints.

Maximises the total compatibility score (optionally matching as many mentees as possible first)
with scipy's Hungarian solver on mentor slots (each mentor's column repeated `capacity` times).
Workflows never import this module: it runs in an activity.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from domain.constraints import violation
from domain.matching import MatchingProblem, MatchingProposal, ProposedPair, Unmatched
from domain.scoring import explain, score

_INFEASIBLE = -1e9
_PARTICIPATION_BONUS = 1e4  # larger than any score: one more pair beats any gain in quality


def solve(problem: MatchingProblem) -> MatchingProposal:
    mentors = sorted(problem.mentors, key=lambda p: p.id)
    mentees = sorted(problem.mentees, key=lambda p: p.id)
    manager_of = {p.id: p.manager_id for p in (*mentors, *mentees)}
    forced = set(problem.forced)
    forced_mentee = {mentee for _, mentee in forced}

    n_e, n_m = len(mentees), len(mentors)
    scores = np.full((n_e, n_m), _INFEASIBLE)
    why_not: dict[str, set[str]] = {m.id: set() for m in mentees}
    for i, mentee in enumerate(mentees):
        for j, mentor in enumerate(mentors):
            if mentee.id in forced_mentee and (mentor.id, mentee.id) not in forced:
                continue
            broken = violation(mentor, mentee, manager_of, problem.banned)
            if broken is None or (mentor.id, mentee.id) in forced:
                scores[i, j] = score(mentor, mentee)
            else:
                why_not[mentee.id].add(broken)

    slots = [j for j, m in enumerate(mentors) for _ in range(max(1, min(3, m.capacity)))]
    pairs: list[ProposedPair] = []
    assigned_mentee: set[int] = set()
    load = [0] * n_m
    if n_e and slots:
        gain = scores[:, slots]
        feasible = gain > _INFEASIBLE / 2
        weight = np.where(
            feasible, gain + (_PARTICIPATION_BONUS if problem.favour_participation else 0), 0.0
        )
        rows, cols = linear_sum_assignment(weight, maximize=True)
        for i, c in zip(rows, cols, strict=True):
            if not feasible[i, c]:
                continue
            j = slots[c]
            mentor, mentee = mentors[j], mentees[i]
            assigned_mentee.add(i)
            load[j] += 1
            pairs.append(
                ProposedPair(
                    mentor_id=mentor.id,
                    mentee_id=mentee.id,
                    score=round(float(scores[i, j]), 3),
                    reasons=explain(mentor, mentee),
                )
            )

    unmatched: list[Unmatched] = []
    for i, mentee in enumerate(mentees):
        if i in assigned_mentee:
            continue
        if (scores[i] > _INFEASIBLE / 2).any():
            reason = "every compatible mentor is at capacity"
        elif why_not[mentee.id]:
            reason = "no compatible mentor: " + ", ".join(sorted(why_not[mentee.id]))
        else:
            reason = "no mentor available"
        unmatched.append(Unmatched(participant_id=mentee.id, reason=reason))
    for j, mentor in enumerate(mentors):
        if load[j] == 0:
            unmatched.append(
                Unmatched(participant_id=mentor.id, reason="no mentee left to pair with")
            )

    paired_with = {(p.mentor_id, p.mentee_id) for p in pairs}
    backups: dict[str, tuple[str, ...]] = {}
    for i, mentee in enumerate(mentees):
        ranked = sorted(
            (j for j in range(n_m) if scores[i, j] > _INFEASIBLE / 2),
            key=lambda j: (-scores[i, j], mentors[j].id),
        )
        backups[mentee.id] = tuple(
            mentors[j].id for j in ranked if (mentors[j].id, mentee.id) not in paired_with
        )[: problem.backups_per_mentee]

    return MatchingProposal(
        pairs=tuple(sorted(pairs, key=lambda p: p.mentee_id)),
        unmatched=tuple(unmatched),
        backups=backups,
        capacities={m.id: max(1, min(3, m.capacity)) for m in mentors},
        total_score=round(sum(p.score for p in pairs), 3),
    )
