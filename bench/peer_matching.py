"""Tandem's matcher against OR-Tools CP-SAT on the same instance.

The instance is `bench.matching.synthetic_problem` with coordinators' decisions added: some pairs
banned (each a mentee's best-scoring compatible mentor, so that the ban matters) and some forced.
CP-SAT is given exactly the problem `domain.matcher.solve` solves: the compatible pairs and their
scores from `domain.compatibility` (the same hard constraints: grade, reporting line, language,
bans), each mentor's capacity, the forced pairs, and the same objective (as many mentees matched
as possible, then the best total score), the scores scaled to integers without rounding.

CP-SAT runs in a process of its own, under the interpreter that has OR-Tools (see
bench/cpsat_solve.py for why), on a file holding the instance. Its time is its model's
construction and its search; the score matrix is handed to it, computed by Tandem. Tandem's time
is the whole of `solve`: the score matrix, the constraints, the assignment, its explanations and
the backups.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.matching import synthetic_problem
from domain.compatibility import Compatibility, compatibility
from domain.matcher import solve
from domain.matching import MatchingProblem

SCRIPT = Path(__file__).with_name("cpsat_solve.py")
SCALES = (1, 2, 4, 8, 10, 20, 40, 100, 1000, 10_000)  # tried in turn to make every score whole


@dataclass(frozen=True)
class Solved:
    pairs: int
    score: float
    seconds: float


@dataclass(frozen=True)
class MatchingRow:
    mentors: int
    mentees: int
    compatible_pairs: int
    banned: int
    forced: int
    tandem: Solved
    tandem_runs: tuple[float, ...]
    cpsat: Solved
    cpsat_status: str  # OPTIMAL: proved; FEASIBLE: the time limit came first
    cpsat_build_s: float
    cpsat_gap: float  # score CP-SAT could not rule out gaining (0 when proved optimal)
    time_limit_s: float
    version: str

    @property
    def score_ratio(self) -> float:
        return self.tandem.score / self.cpsat.score if self.cpsat.score else float("inf")

    @property
    def speedup(self) -> float:
        return self.cpsat.seconds / self.tandem.seconds


def with_decisions(problem: MatchingProblem, seed: int) -> MatchingProblem:
    """One mentee in ten loses their best compatible mentor to a ban; one in a hundred is forced
    with a compatible mentor who still has room."""
    c = compatibility(problem)
    feasible = c.feasible
    rng = random.Random(seed)
    rows = rng.sample(range(len(c.mentees)), len(c.mentees) // 10 + len(c.mentees) // 100)
    banned, forced = set(), []
    room = Counter({j: m.slots for j, m in enumerate(c.mentors)})
    for n, i in enumerate(rows):
        options = np.flatnonzero(feasible[i])
        if not len(options):
            continue
        if n < len(c.mentees) // 10:
            j = int(options[np.argmax(c.score[i, options])])
            banned.add((c.mentors[j].id, c.mentees[i].id))
        elif free := [int(j) for j in options if room[int(j)]]:
            j = rng.choice(free)
            room[j] -= 1
            forced.append((c.mentors[j].id, c.mentees[i].id))
    return problem.model_copy(update={"banned": frozenset(banned), "forced": tuple(forced)})


def integer_scale(score: np.ndarray) -> int:
    """The smallest factor that makes every score a whole number (default weights: 4)."""
    for scale in SCALES:
        scaled = score * scale
        if np.all(np.abs(scaled - np.round(scaled)) < 1e-9):
            return scale
    raise ValueError("scores are not multiples of 1/10,000: scaling them would round")


def write_instance(problem: MatchingProblem, c: Compatibility, path: Path) -> np.ndarray:
    """The instance file for bench/cpsat_solve.py; returns each pair's (mentee, mentor) index."""
    rows, cols = np.nonzero(c.feasible)
    scaled = np.round(c.score[rows, cols] * integer_scale(c.score)).astype(np.int64)
    slots = np.array([m.slots for m in c.mentors], dtype=np.int64)
    # Participation first, as `solve` favours it: a bonus per pair above any total score.
    largest = int(scaled.max(initial=0))
    bonus = (largest + 1) * (min(len(c.mentees), int(slots.sum())) + 1)
    row = {p.id: i for i, p in enumerate(c.mentees)}
    col = {p.id: j for j, p in enumerate(c.mentors)}
    forced = np.array([(row[e], col[m]) for m, e in problem.forced], dtype=np.int64)
    np.savez(
        path,
        rows=rows,
        cols=cols,
        weights=scaled + bonus,
        slots=slots,
        forced=forced.reshape(-1, 2),
    )
    return np.stack([rows, cols], axis=1)


def check_assignment(
    problem: MatchingProblem, c: Compatibility, pairs: list[tuple[int, int]]
) -> None:
    """CP-SAT's answer breaks no rule `solve` keeps: one mentor each, capacities, forced pairs."""
    mentees = Counter(i for i, _ in pairs)
    assert all(n == 1 for n in mentees.values()), "a mentee has two mentors"
    load = Counter(j for _, j in pairs)
    assert all(load[j] <= c.mentors[j].slots for j in load), "a mentor is over capacity"
    assert all(c.feasible[i, j] for i, j in pairs), "an incompatible pair"
    ids = {(c.mentors[j].id, c.mentees[i].id) for i, j in pairs}
    assert set(problem.forced) <= ids, "a forced pair is missing"


def run_cpsat(
    python: str, problem: MatchingProblem, c: Compatibility, seconds: float, workers: int
) -> tuple[Solved, dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="tandem-cpsat-") as tmp:
        path = Path(tmp) / "instance.npz"
        index = write_instance(problem, c, path)
        done = subprocess.run(
            [python, str(SCRIPT), str(path), str(seconds), str(workers)],
            check=True,
            capture_output=True,
            text=True,
        )
    answer = json.loads(done.stdout)
    pairs = [(int(index[k, 0]), int(index[k, 1])) for k in answer["picked"]]
    check_assignment(problem, c, pairs)
    total = round(sum(float(c.score[i, j]) for i, j in pairs), 6)
    seconds_spent = float(answer["build_s"]) + float(answer["solve_s"])
    return Solved(len(pairs), total, seconds_spent), answer


def run_tandem(problem: MatchingProblem) -> Solved:
    started = time.perf_counter()
    proposal = solve(problem)
    seconds = time.perf_counter() - started
    return Solved(len(proposal.pairs), proposal.total_score, seconds)


def compare(
    mentors: int, mentees: int, seed: int, python: str, seconds: float, workers: int
) -> MatchingRow:
    problem = with_decisions(synthetic_problem(mentors, mentees, seed), seed)
    c = compatibility(problem)
    # Tandem before and after CP-SAT: a slower phase of the machine falls on both sides.
    before = run_tandem(problem)
    print(f"  tandem {before.seconds:.2f} s; CP-SAT (limit {seconds:g} s)…", file=sys.stderr)
    cpsat, answer = run_cpsat(python, problem, c, seconds, workers)
    after = run_tandem(problem)
    assert (before.pairs, before.score) == (after.pairs, after.score)
    mean = (before.seconds + after.seconds) / 2
    # Objective and bound count the participation bonus of each pair, in scaled points: their
    # difference, scaled back, is what CP-SAT could not rule out gaining.
    gap = (float(answer["bound"]) - float(answer["objective"] or 0)) / integer_scale(c.score)
    return MatchingRow(
        mentors=mentors,
        mentees=mentees,
        compatible_pairs=int(c.feasible.sum()),
        banned=len(problem.banned),
        forced=len(problem.forced),
        tandem=Solved(before.pairs, before.score, mean),
        tandem_runs=(before.seconds, after.seconds),
        cpsat=cpsat,
        cpsat_status=str(answer["status"]),
        cpsat_build_s=float(answer["build_s"]),
        cpsat_gap=round(gap, 6),
        time_limit_s=seconds,
        version=str(answer["version"]),
    )
