"""How the time-skipping test server's cost grows with the work it has already done.

The same batch of workflows (each: 20 rounds of a timer then an activity) runs several times in a
row on one server. Were the server's cost per operation constant, every batch would cost the
same; it does not, which is why a 1,000-person simulation costs the server far more than ten
times a 100-person one (see the simulation section of BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.worker import Worker

from bench.report import replace_section
from devstack.temporal import start_time_skipping

ROUNDS = 20


@activity.defn
async def touch(n: int) -> int:
    return n


@workflow.defn(sandboxed=False)
class Rounds:
    @workflow.run
    async def run(self, rounds: int) -> int:
        # Different sleeps per workflow, as a cohort's deadlines differ.
        offset = sum(map(ord, workflow.info().workflow_id)) % 7
        for n in range(rounds):
            await workflow.sleep(timedelta(hours=1 + offset))
            await workflow.execute_activity(
                touch,
                n,
                start_to_close_timeout=timedelta(minutes=5),
                # `touch` cannot fail but by a bug of this benchmark: a run never hangs on one.
                retry_policy=RetryPolicy(maximum_attempts=3),
            )
        return rounds


@dataclass(frozen=True)
class Batch:
    number: int
    workflows: int
    server_cpu_seconds: float
    wall_seconds: float


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _server_pid() -> int:
    # The newest test-server process is the one this benchmark just started.
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith("temporal-test"):
                    pids.append(int(entry.name))
            except OSError:
                continue
    if not pids:
        raise RuntimeError("no temporal-test-server process found")
    return max(pids, key=lambda pid: (Path("/proc") / str(pid)).stat().st_mtime)


async def run(batches: int, workflows: int) -> list[Batch]:
    env = await start_time_skipping()
    pid = _server_pid()
    results = []
    try:
        async with Worker(env.client, task_queue="bench", workflows=[Rounds], activities=[touch]):
            for number in range(1, batches + 1):
                cpu, wall = _cpu_seconds(pid), time.perf_counter()
                handles = [
                    await env.client.start_workflow(
                        Rounds.run, ROUNDS, id=f"b{number}-{k}", task_queue="bench"
                    )
                    for k in range(workflows)
                ]
                for handle in handles:
                    await handle.result()
                results.append(
                    Batch(
                        number,
                        workflows,
                        round(_cpu_seconds(pid) - cpu, 1),
                        round(time.perf_counter() - wall, 1),
                    )
                )
                print(results[-1], flush=True)
    finally:
        await env.shutdown()
    return results


def table(results: list[Batch]) -> str:
    first = results[0].server_cpu_seconds or 0.1
    lines = [
        "| batch | workflows × rounds | test-server CPU (s) | vs first batch | wall (s) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for b in results:
        lines.append(
            f"| {b.number} | {b.workflows} × {ROUNDS} | {b.server_cpu_seconds} | "
            f"{b.server_cpu_seconds / first:.1f}× | {b.wall_seconds} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--workflows", type=int, default=100)
    parser.add_argument("--write", type=Path, default=Path("BENCHMARKS.md"))
    args = parser.parse_args()
    body = table(asyncio.run(run(args.batches, args.workflows)))
    print(body)
    section = (
        f"## The time-skipping test server's cost grows with its past work "
        f"(x86_64, Python {platform.python_version()})\n\n"
        "The same batch of workflows, run again and again on one test server "
        "(`python -m bench.time_skipping`). Every batch does the same work.\n\n" + body + "\n"
    )
    replace_section(args.write, "time-skipping", section)


if __name__ == "__main__":
    main()
