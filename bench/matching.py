"""Matching benchmark: time and peak memory of an optimal matching, and what optimal is worth.

Target: 2,000 mentors x 3,000 mentees (capacity up to 2) solved optimally in under 10 s on this
2-core machine. Each size is solved in a fresh process, so its peak memory is its own. The same
instances are also matched greedily (best pair first, as by hand) and at random, for comparison.
"""

from __future__ import annotations

import argparse
import multiprocessing
import platform
import random
import resource
import sys
import time
from dataclasses import dataclass
from multiprocessing import Queue
from pathlib import Path

from bench.report import replace_section
from domain.answers import MeetingFormat
from domain.matcher import greedy, random_assignment, solve
from domain.matching import MatchingProblem, MatchingProposal, Profile

TARGET_SECONDS = 10.0
TARGET_SIZE = (2000, 3000)
SKILLS = (
    "linkedin",
    "instagram",
    "tiktok",
    "generative-ai",
    "spreadsheets",
    "data-visualisation",
    "automation",
    "collaboration-tools",
    "video-calls",
    "seo",
    "e-commerce",
    "cybersecurity",
)
SLOTS = tuple(f"{d}-{h}" for d in ("mon", "tue", "wed", "thu", "fri") for h in ("am", "pm"))
TOPICS = ("strategy", "leadership", "negotiation", "finance", "public-speaking", "networking")
DEPARTMENTS = tuple(f"dept-{n}" for n in range(12))


def synthetic_problem(
    mentors: int, mentees: int, seed: int, max_capacity: int = 2
) -> MatchingProblem:
    """A cohort shaped like a large company's: juniors mentor seniors, some report to one."""
    rng = random.Random(seed)

    def common(prefix: str, n: int, grades: tuple[int, int]) -> dict[str, object]:
        return {
            "id": f"{prefix}{n:05d}",
            "grade": rng.randint(*grades) if rng.random() < 0.9 else None,
            "department": rng.choice(DEPARTMENTS),
            "languages": ("fr", "en") if rng.random() < 0.3 else (rng.choice(("fr", "fr", "en")),),
            "format": rng.choice(list(MeetingFormat)),
            "availability": tuple(rng.sample(SLOTS, rng.randint(2, 6))),
        }

    mentor_list = []
    for n in range(mentors):
        mentor_list.append(
            Profile(
                **common("m", n, (1, 5)),
                levels={s: rng.randint(1, 4) for s in rng.sample(SKILLS, rng.randint(3, 7))},
                capacity=rng.randint(1, max_capacity),
                exchange=tuple(rng.sample(TOPICS, rng.randint(1, 3))),
            )
        )
    mentee_list = []
    for n in range(mentees):
        levels = {s: rng.randint(0, 2) for s in rng.sample(SKILLS, rng.randint(3, 6))}
        mentee_list.append(
            Profile(
                **common("e", n, (4, 9)),
                # About one mentee in ten reports to a mentor (a junior's manager takes part).
                manager_id=f"m{rng.randrange(mentors):05d}" if rng.random() < 0.1 else None,
                levels=levels,
                targets={s: min(4, v + rng.randint(1, 3)) for s, v in levels.items()},
                priorities=tuple(rng.sample(sorted(levels), 3)),
                exchange=tuple(rng.sample(TOPICS, rng.randint(1, 3))),
            )
        )
    return MatchingProblem(mentors=tuple(mentor_list), mentees=tuple(mentee_list))


@dataclass(frozen=True)
class Measured:
    mentors: int
    mentees: int
    seconds: float
    peak_mib: int
    solve_mib: int
    # (pairs, total score) of the optimal, greedy and random assignments, in that order.
    results: tuple[tuple[int, float], ...]


def _measure(mentors: int, mentees: int, seed: int, queue: Queue[Measured]) -> None:
    problem = synthetic_problem(mentors, mentees, seed)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    optimal = solve(problem)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    baselines: list[MatchingProposal] = [greedy(problem), random_assignment(problem, seed)]
    queue.put(
        Measured(
            mentors=mentors,
            mentees=mentees,
            seconds=round(seconds, 2),
            peak_mib=round(peak / 1024),
            solve_mib=round((peak - before) / 1024),
            results=tuple((len(p.pairs), p.total_score) for p in (optimal, *baselines)),
        )
    )


def measure(mentors: int, mentees: int, seed: int) -> Measured:
    context = multiprocessing.get_context("spawn")
    queue: Queue[Measured] = context.Queue()
    process = context.Process(target=_measure, args=(mentors, mentees, seed, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def table(rows: list[Measured]) -> str:
    lines = [
        "| mentors × mentees | solve (s) | peak memory (MiB) | of which solving | "
        "pairs: optimal / greedy / random | total score: optimal / greedy / random | "
        "optimal vs greedy | target | verdict |",
        "|---|---:|---:|---:|---|---|---:|---|---|",
    ]
    for row in rows:
        (n_opt, s_opt), (n_gr, s_gr), (n_rand, s_rand) = row.results
        size = (row.mentors, row.mentees)
        target = f"< {TARGET_SECONDS:.0f} s" if size == TARGET_SIZE else "–"
        ok = size != TARGET_SIZE or row.seconds < TARGET_SECONDS
        lines.append(
            f"| {row.mentors:,} × {row.mentees:,} | {row.seconds} | {row.peak_mib} | "
            f"{row.solve_mib} | {n_opt} / {n_gr} / {n_rand} | "
            f"{s_opt:,.1f} / {s_gr:,.1f} / {s_rand:,.1f} | {100 * (s_opt / s_gr - 1):+.1f} % | "
            f"{target} | {'meets' if ok else 'misses'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["200x300", "1000x1500", "2000x3000"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write", type=Path, default=Path("BENCHMARKS.md"))
    args = parser.parse_args()
    rows = []
    for size in args.sizes:
        mentors, mentees = (int(n) for n in size.split("x"))
        print(f"matching {mentors} mentors with {mentees} mentees…", file=sys.stderr, flush=True)
        rows.append(measure(mentors, mentees, args.seed))
    body = table(rows)
    print(body)
    machine = f"{platform.machine()}, Python {platform.python_version()}"
    section = (
        f"## Matching — optimal assignment (seed {args.seed}, {machine})\n\n"
        "`bench/matching.py`: synthetic cohorts (12 skills, 12 departments, grades, one mentee "
        "in ten reporting to a mentor, mentors taking 1 or 2 mentees), default weights, "
        "favouring participation. *Solve* is the whole engine: score matrix, hard constraints, "
        "the optimal assignment, explanations and backups. Peak memory is the process's "
        "resident peak; *of which solving* is its growth during the solve. Greedy takes the "
        "best-scoring compatible pair first; random gives each mentee, in random order, a "
        "random compatible mentor with room.\n\n" + body + "\n"
    )
    replace_section(args.write, "matching", section)


if __name__ == "__main__":
    main()
