"""What sealing typed texts costs: a 100-person rehearsal with and without it, in one sitting.

Target: at most 10 % slower. The runs alternate (without, with, without, with, …) so a machine
that warms up or slows down during the sitting weighs on both alike; the median of each is
compared. "Without" is a deployment that seals nothing (TANDEM_SEAL_TEXTS=false): the same
pages, workers and events, the texts in clear.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
from datetime import date
from pathlib import Path

from bench.report import replace_section
from control.simulate import simulate
from domain.simulation import synthetic_programme
from logging_setup import configure_logging

TARGET_OVERHEAD = 0.10


async def run(size: int, rounds: int, seed: int) -> dict[bool, list[float]]:
    walls: dict[bool, list[float]] = {False: [], True: []}
    for n in range(rounds):
        for seal in (False, True):
            spec = synthetic_programme(size, seed, date(2027, 1, 11))
            report = await simulate(spec, seed, seal_texts=seal)
            walls[seal].append(report.wall_seconds)
            label = "sealed" if seal else "plain"
            print(f"round {n + 1}: {label} {report.wall_seconds} s", file=sys.stderr, flush=True)
    return walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write", type=Path, default=Path("BENCHMARKS.md"))
    args = parser.parse_args()
    configure_logging("WARNING")
    walls = asyncio.run(run(args.size, args.rounds, args.seed))
    plain, sealed = statistics.median(walls[False]), statistics.median(walls[True])
    overhead = sealed / plain - 1
    spread = max((max(w) - min(w)) / statistics.median(w) for w in walls.values())
    verdict = "meets" if overhead <= TARGET_OVERHEAD else "misses"
    body = (
        "| texts | runs (s) | median (s) |\n|---|---|---:|\n"
        f"| plain | {', '.join(map(str, walls[False]))} | {plain:.2f} |\n"
        f"| sealed | {', '.join(map(str, walls[True]))} | {sealed:.2f} |\n\n"
        f"Sealing costs {overhead:+.1%} of wall time (target ≤ {TARGET_OVERHEAD:.0%}): {verdict}. "
        f"Runs of one kind spread over {spread:.0%} of their median: a difference below that "
        "is noise of this machine."
    )
    print(body)
    machine = f"{platform.machine()}, Python {platform.python_version()}"
    section = (
        f"## Sealing typed texts — {args.size}-person rehearsal with and without "
        f"(seed {args.seed}, {machine})\n\n"
        "`tandem simulate` as in the table above, alternating a deployment that seals nothing "
        "with one that seals every typed text (the simulated people type goals, no-go reasons, "
        "what mentors learned back; the e-mails quoting them open them).\n\n" + body + "\n"
    )
    replace_section(args.write, "sealing", section)


if __name__ == "__main__":
    main()
