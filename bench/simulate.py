"""Simulation benchmark: wall time and history sizes of whole programmes (results in BENCHMARKS.md).

Targets: 100 participants (12 sessions) in under 30 s on 2 cores; 1,000 in under 10x that; no
workflow history above 2,000 events. Each size runs in a fresh process-free stack of its own.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import sys
from datetime import date
from pathlib import Path

from bench.report import replace_section
from control.simulate import SimulationReport, simulate
from domain.simulation import synthetic_programme
from logging_setup import configure_logging

TARGETS = {100: 30.0, 1000: 300.0}
HISTORY_LIMIT = 2_000


async def run(sizes: list[int], seed: int) -> list[SimulationReport]:
    reports = []
    for size in sizes:
        print(f"simulating {size} participants…", file=sys.stderr, flush=True)
        spec = synthetic_programme(size, seed, date(2027, 1, 11))
        reports.append(await simulate(spec, seed))
        print(json.dumps(reports[-1].model_dump()), file=sys.stderr, flush=True)
    return reports


def table(reports: list[SimulationReport]) -> str:
    lines = [
        "| participants | pairs formed | completed | sessions held / planned | e-mails | events "
        "| largest history | wall (s) | target (s) | verdict |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in reports:
        target = TARGETS.get(r.participants)
        ok = r.max_history_events <= HISTORY_LIMIT and (target is None or r.wall_seconds < target)
        lines.append(
            f"| {r.participants} | {r.pairs_formed} | {r.pairs_completed} | "
            f"{r.sessions_held} / {r.sessions_planned} | {r.emails_sent} | {r.events_stored} | "
            f"{r.max_history_events} | {r.wall_seconds} | {target or '–'} | "
            f"{'meets' if ok else 'misses'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--write", type=Path, default=Path("BENCHMARKS.md"))
    args = parser.parse_args()
    configure_logging("WARNING")
    reports = asyncio.run(run(args.sizes, args.seed))
    body = table(reports)
    print(body)
    machine = f"{platform.machine()}, Python {platform.python_version()}"
    section = (
        f"## `tandem simulate` — whole programmes (seed {args.seed}, {machine})\n\n"
        "Time-skipping Temporal test server, embedded PostgreSQL, an SMTP peer in its own "
        "process and two worker processes, all on this machine (2 cores). Default behaviour knobs "
        "(no-shows 6 %, no-go 5 %, silent 3 %, late 10 %, drop-outs 2 %).\n\n" + body + "\n"
    )
    replace_section(args.write, "simulate", section)


if __name__ == "__main__":
    main()
