"""Tandem against the library or solver a Python engineer would pick instead, in one sitting.

    python -m bench.peers [--quick] [--json]

- the event store against the `eventsourcing` library's PostgreSQL recorder (bench/peer_store.py),
  on the same embedded PostgreSQL, at 1 and 16 writers;
- the matcher against OR-Tools CP-SAT on the same instance (bench/peer_matching.py), run by the
  interpreter of `.tandem/cpsat` (`TANDEM_CPSAT_PYTHON` to name another) because OR-Tools pins a
  protobuf older than the one the Temporal SDK is locked at.

Each side runs in the same sitting, alternated, and each row reports a ratio: on this machine
absolute times vary up to 2x from run to run. Logs go to stderr; `--json` prints one object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import peer_matching, peer_store
from bench.report import replace_section
from devstack.postgres import start_postgres

CPSAT_PYTHON = Path(".tandem/cpsat/bin/python")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def event_store(quick: bool) -> dict[str, Any]:
    rounds, appends = (2, 40) if quick else (4, 200)
    with tempfile.TemporaryDirectory(prefix="tandem-peers-") as tmp:
        uri, server = start_postgres(Path(tmp) / "pg", persistent=False)
        try:
            result = await peer_store.compare(uri, (1, 16), rounds, appends)
        finally:
            server.cleanup()
    rows = {}
    for tandem, peer in result.rows:
        rows[str(tandem.writers)] = {
            "tandem_per_s": round(tandem.per_s, 1),
            "eventsourcing_per_s": round(peer.per_s, 1),
            "ratio": round(tandem.per_s / peer.per_s, 3),
            "tandem_p50_ms": round(tandem.percentile(50), 2),
            "tandem_p99_ms": round(tandem.percentile(99), 2),
            "eventsourcing_p50_ms": round(peer.percentile(50), 2),
            "eventsourcing_p99_ms": round(peer.percentile(99), 2),
            "events": tandem.events,
        }
    sixteen = rows["16"]
    return {
        "tandem_per_s": sixteen["tandem_per_s"],  # 16 writers
        "eventsourcing_per_s": sixteen["eventsourcing_per_s"],
        "writers": rows,
        "event_bytes": result.event_bytes,
        "both_refuse_a_stale_append": all(result.refusals),
    }


SIZES_QUICK = ((200, 300),)
# CP-SAT proves the optimum of the small instance in seconds; at full size it runs to its limit,
# so the small one is where the scores are compared and the large one where the times are.
SIZES_FULL = ((200, 300), (2_000, 3_000))


def matching_row(mentors: int, mentees: int, python: str) -> dict[str, Any]:
    limit = 60.0 if mentors <= 200 else 600.0
    row = peer_matching.compare(mentors, mentees, 7, python, limit, 2)
    return {
        "mentors": row.mentors,
        "mentees": row.mentees,
        "compatible_pairs": row.compatible_pairs,
        "tandem_score": row.tandem.score,
        "cpsat_score": row.cpsat.score,
        "score_ratio": round(row.score_ratio, 6),
        "tandem_s": round(row.tandem.seconds, 3),
        "cpsat_s": round(row.cpsat.seconds, 3),
        "cpsat_limit_s": limit,
        "speedup": round(row.speedup, 1),
        "cpsat_status": row.cpsat_status,
        "cpsat_gap": row.cpsat_gap,
        "ortools": row.version,
    }


def matching(quick: bool) -> dict[str, Any]:
    """Every size's row; the top-level figures are the largest instance's."""
    python = os.environ.get("TANDEM_CPSAT_PYTHON") or str(CPSAT_PYTHON)
    if not Path(python).exists():
        return {"skipped": f"no OR-Tools interpreter at {python} (make bench-peers installs it)"}
    rows = [matching_row(m, e, python) for m, e in (SIZES_QUICK if quick else SIZES_FULL)]
    return {**rows[-1], "rows": rows}


def _matching_verdict(row: dict[str, Any]) -> str:
    if row["cpsat_status"] != "OPTIMAL":
        # A score above CP-SAT's unproven best says nothing of the optimum: only speed is judged.
        return f"optimum not proved by CP-SAT in {row['cpsat_limit_s']:g} s; " + _verdict(
            row["speedup"] >= 10
        )
    return "same optimum; " + _verdict(row["score_ratio"] >= 0.999 and row["speedup"] >= 10)


def _verdict(met: bool) -> str:
    return "meets" if met else "misses"


def section(figures: dict[str, Any], quick: bool) -> str:
    """The `bench:peers` section of BENCHMARKS.md: a row per comparison, its ratio and goal."""
    store = figures["event_store"]
    lines = [
        f"## Against its peers — one sitting ({figures['machine']}"
        + (", --quick" if quick else "")
        + ")",
        "",
        "### Event store vs eventsourcing's PostgreSQL recorder",
        "",
        f"Same embedded PostgreSQL, one {store['event_bytes']}-byte event per append, each append "
        "checking its stream's version, rounds alternated (ABBA). Both refuse a stale append: "
        f"{'yes' if store['both_refuse_a_stale_append'] else 'NO'}. Goal: at least the "
        "recorder's rate, p99 not worse.",
        "",
        "| writers | events | Tandem /s | eventsourcing /s | ratio | Tandem p50 / p99 (ms) "
        "| eventsourcing p50 / p99 (ms) | verdict |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for writers, r in store["writers"].items():
        met = r["ratio"] >= 1 and r["tandem_p99_ms"] <= r["eventsourcing_p99_ms"]
        lines.append(
            f"| {writers} | {r['events']} | {r['tandem_per_s']:,.0f} | "
            f"{r['eventsourcing_per_s']:,.0f} | {r['ratio']:.2f} | "
            f"{r['tandem_p50_ms']} / {r['tandem_p99_ms']} | "
            f"{r['eventsourcing_p50_ms']} / {r['eventsourcing_p99_ms']} | {_verdict(met)} |"
        )
    m = figures["matching"]
    lines += ["", "### Matcher vs OR-Tools CP-SAT", ""]
    if "skipped" in m:
        lines.append(f"Not run: {m['skipped']}.")
    else:
        lines += [
            "Same instance (bans and forced pairs included), same hard constraints, the scores "
            "scaled to integers without rounding, the same objective (most mentees matched, then "
            "the best total). CP-SAT on 2 workers, given a time limit. Goal: the same optimum "
            "(score ratio at least 0.999) and at least 10x faster at 2,000 × 3,000.",
            "",
            "| mentors × mentees | compatible pairs | Tandem score | CP-SAT score | ratio "
            "| Tandem (s) | CP-SAT (s) | speed-up | CP-SAT status | verdict |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for r in m["rows"]:
            lines.append(
                f"| {r['mentors']:,} × {r['mentees']:,} | {r['compatible_pairs']:,} | "
                f"{r['tandem_score']} | {r['cpsat_score']} | {r['score_ratio']:.4g} | "
                f"{r['tandem_s']} | {r['cpsat_s']} | {r['speedup']}x | {r['cpsat_status']} "
                f"(OR-Tools {r['ortools']}) | {_matching_verdict(r)} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (minutes, not hours)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--write", type=Path, help="rewrite the bench:peers section of this file")
    args = parser.parse_args()
    log("event store vs eventsourcing…")
    figures: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "event_store": asyncio.run(event_store(args.quick)),
    }
    log("matcher vs CP-SAT…")
    figures["matching"] = matching(args.quick)
    if args.write is not None:
        replace_section(args.write, "peers", section(figures, args.quick))
    if args.json:
        print(json.dumps(figures))
    else:
        print(section(figures, args.quick))


if __name__ == "__main__":
    main()
