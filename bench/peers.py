"""Tandem against the library or solver a Python engineer would pick instead, in one sitting.

    python -m bench.peers [--quick] [--json]

- the event store against the `eventsourcing` library's PostgreSQL recorder (bench/peer_store.py),
  on the same embedded PostgreSQL, at 1 and 16 writers;
- a pair's lifecycle against the bare-Temporal floor (bench/temporal_floor.py), on one
  time-skipping server;
- the matcher against OR-Tools CP-SAT on the same instance (bench/peer_matching.py), run by the
  interpreter of `.tandem/cpsat` (`TANDEM_CPSAT_PYTHON` to name another) because OR-Tools pins a
  protobuf older than the one the Temporal SDK is locked at.

Each side runs in the same sitting, alternated, and each row reports a ratio: on this machine
absolute times vary up to 2x from run to run. Logs go to stderr; `--json` prints one object.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench import peer_matching, peer_store, temporal_floor
from bench.report import JsonOut, replace_section
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


async def lifecycle(quick: bool) -> dict[str, Any]:
    pairs, rounds = (4, 2) if quick else (8, 4)
    result = await temporal_floor.compare(pairs, rounds)

    def side(batches: list[temporal_floor.Batch]) -> dict[str, Any]:
        n = len(batches)
        return {
            "wall_s": [b.wall_seconds for b in batches],
            "worker_cpu_s": round(sum(b.worker_cpu_seconds for b in batches) / n, 2),
            "server_cpu_s": round(sum(b.server_cpu_seconds for b in batches) / n, 2),
            "days": max(b.days for b in batches),
            "updates": sum(b.updates for b in batches) // n,
            "refused": sum(b.refused for b in batches),
            # Per workflow, from its history, averaged over the batches.
            "per_workflow": {
                k: round(sum(b.counts.get(k, 0) for b in batches) / n, 1) for k in batches[0].counts
            },
        }

    tandem, floor = side(result.pairs), side(result.floors)
    return {
        "tandem_s": result.tandem_s,
        "floor_s": result.floor_s,
        "ratio": round(result.tandem_s / result.floor_s, 3),
        "cpu_ratio": round(tandem["worker_cpu_s"] / floor["worker_cpu_s"], 3),
        "pairs_per_batch": pairs,
        "sessions": temporal_floor.SESSIONS,
        "tandem": tandem,
        "floor": floor,
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
    lines += _lifecycle_lines(figures["temporal_floor"])
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


_COUNTS = (
    ("timers", "timers"),
    ("updates", "updates"),
    ("local_activities", "local activities"),
    ("activities", "activities"),
    ("upserts", "upserts"),
    ("signals", "signals"),
    ("workflow_tasks", "workflow tasks"),
    ("events", "history events"),
    ("history_kib", "history (KiB)"),
)


def _lifecycle_lines(f: dict[str, Any]) -> list[str]:
    tandem, floor = f["tandem"], f["floor"]
    lines = [
        "",
        "### A pair's lifecycle vs the bare-Temporal floor",
        "",
        f"The real `PairWorkflow` ({f['sessions']} fortnightly sessions, everybody answering on "
        "time) with empty activities, against `Floor`: a workflow with empty bodies and the same "
        "timers, updates, local activities, upserts and signals, counted from the pair's "
        f"history, over the same {tandem['days']} programme days, its updates sent on the same "
        f"days. {f['pairs_per_batch']} workflows per batch, batches alternated (ABBA) on one "
        "time-skipping server and one worker (the same sandbox). Wall seconds from the first "
        "start to the last end; CPU of the worker's process (with the participants' driver) and "
        "of the server. Goal: at most 1.3x the floor.",
        "",
        "| | wall (s), each batch | mean (s) | worker CPU (s) | server CPU (s) | verdict |",
        "|---|---|---:|---:|---:|---|",
        f"| PairWorkflow | {', '.join(map(str, tandem['wall_s']))} | {f['tandem_s']} | "
        f"{tandem['worker_cpu_s']} | {tandem['server_cpu_s']} | {f['ratio']:.2f}x the floor "
        f"(CPU {f['cpu_ratio']:.2f}x): {_verdict(f['ratio'] <= 1.3)} |",
        f"| Floor | {', '.join(map(str, floor['wall_s']))} | {f['floor_s']} | "
        f"{floor['worker_cpu_s']} | {floor['server_cpu_s']} | |",
        "",
        "Per workflow, from the histories:",
        "",
        "| | " + " | ".join(label for _, label in _COUNTS) + " |",
        "|---|" + "---:|" * len(_COUNTS),
    ]
    for name, side in (("PairWorkflow", tandem), ("Floor", floor)):
        counts = side["per_workflow"]
        lines.append(
            f"| {name} | " + " | ".join(f"{counts.get(k, 0):g}" for k, _ in _COUNTS) + " |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller runs (minutes, not hours)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--write", type=Path, help="rewrite the bench:peers section of this file")
    args = parser.parse_args()
    out = JsonOut(args.json)
    log("event store vs eventsourcing…")
    figures: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "event_store": asyncio.run(event_store(args.quick)),
    }
    log("a pair's lifecycle vs the bare-Temporal floor…")
    figures["temporal_floor"] = asyncio.run(lifecycle(args.quick))
    log("matcher vs CP-SAT…")
    figures["matching"] = matching(args.quick)
    if args.write is not None:
        replace_section(args.write, "peers", section(figures, args.quick))
    if not out.print(figures):
        print(section(figures, args.quick))


if __name__ == "__main__":
    main()
