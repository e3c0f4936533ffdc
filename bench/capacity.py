"""How many live pairs one worker process carries: 1,000, 5,000 and 10,000 in their session phase.

Goals (2-core machine; dev server, PostgreSQL, `tandem web` and the worker on it): 10,000 live
pairs on one worker, its resident memory at most 1.5 GiB, an answer's submission p99 at most
150 ms at 20 submissions/s with all of them open.

One worker process (`python -m worker`, role all, its memory read from /proc) serves every pair.
Pairs are added in steps up to each size (bench/live_pairs.py) and stay open; at each size the
mentors of pairs drawn across all of them confirm their mentee's goals through the task page at
20/s (open loop, each latency counted from the moment its POST was due), and the worker's
resident memory, its workflow cache and every process's CPU are read.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bench.live_pairs import PairDriver, couples, start_pairs
from bench.processes import Usage, children, loadavg, postmaster, usage, with_argument
from bench.report import JsonOut, replace_section
from bench.web import open_loop
from devstack.ports import free_port
from devstack.postgres import start_postgres
from devstack.smtp_sink import SmtpSinkProcess
from devstack.temporal import start_dev_server
from devstack.worker_process import WorkerProcess
from domain.simulation import synthetic_programme
from domain.tokens import sign_task_token
from logging_setup import configure_logging
from runtime.sandbox import stale_bytecode
from settings import Settings
from store.db import create_pool, migrate
from store.participants import ParticipantStore
from store.programmes import ProgrammeStore
from store.tasks import TaskRecord, TaskStore

ROOT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-secret"
SIZES, QUICK_SIZES = (1_000, 5_000, 10_000), (200, 1_000)
GOAL_PAIRS, GOAL_RSS_BYTES, GOAL_P99_MS, ANSWER_RATE = 10_000, 1.5 * 2**30, 150.0, 20.0
MIB = 2**20
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_GAUGE = re.compile(
    r"^(temporal_sticky_cache_size|temporal_sticky_cache_total_forced_eviction)"
    r"(?:\{[^}]*\})? ([0-9.e+]+)$",
    re.M,
)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class Processes:
    """The pids whose CPU and memory the benchmark reads."""

    worker: int
    temporal: int
    postgres_dir: Path
    web: int
    smtp: int

    def snapshot(self) -> dict[str, Usage]:
        return {
            "worker": usage([self.worker]),
            "temporal": usage([self.temporal]),
            "postgres": usage(children(postmaster(self.postgres_dir))),
            "web": usage([self.web]),
            "smtp sink": usage([self.smtp]),
            "load generator": Usage(round(sum(os.times()[:2]), 1), 0),
        }


def cpu_between(before: dict[str, Usage], after: dict[str, Usage]) -> dict[str, float]:
    return {k: round(after[k].cpu_seconds - before[k].cpu_seconds, 1) for k in before}


@dataclass
class Step:
    """One size: how the pairs got there, and what an answer costs with all of them open."""

    pairs: int
    added: int
    start_seconds: float
    start_per_second: float
    in_sessions: int  # the pairs the server lists in their session phase
    worker_rss_mib: float
    worker_rss_after_answers_mib: float
    cached_workflows: int | None
    forced_evictions: int | None
    answers: int
    answer_errors: int
    answer_rate_reached: float
    answer_p50_ms: float
    answer_p99_ms: float
    answer_max_ms: float
    start_cpu_seconds: dict[str, float] = field(default_factory=dict)
    answer_cpu_seconds: dict[str, float] = field(default_factory=dict)
    loadavg_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    loadavg_after: tuple[float, float, float] = (0.0, 0.0, 0.0)


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def worker_gauges(metrics_url: str) -> tuple[int | None, int | None]:
    """The worker's workflow cache size and forced evictions, from its Prometheus metrics."""
    try:
        async with httpx.AsyncClient(timeout=5) as http:
            text = (await http.get(metrics_url)).text
    except httpx.HTTPError:
        return None, None
    found = {name: int(float(value)) for name, value in _GAUGE.findall(text)}
    return (
        found.get("temporal_sticky_cache_size"),
        found.get("temporal_sticky_cache_total_forced_eviction"),
    )


async def count_in_sessions(driver_client: Any, programme_id: str, expected: int) -> int:
    """The pairs visibility lists in their session phase (it lags the workflows by a moment)."""
    query = f'TandemProgrammeId="{programme_id}" AND TandemPhase="sessions"'
    count = 0
    for _ in range(60):
        count = (await driver_client.count_workflows(query)).count
        if count >= expected:
            break
        await asyncio.sleep(0.5)
    return int(count)


async def answer_goals(
    base: str, tasks: list[TaskRecord], seconds: float
) -> tuple[list[float], int, float]:
    """Mentors confirm goals through their task pages at ANSWER_RATE; each form opened before."""
    count = min(int(ANSWER_RATE * seconds), len(tasks))
    expires = datetime.now(UTC) + timedelta(days=30)
    chosen = tasks[:count]
    urls = [
        f"{base}/t/{sign_task_token(t.task_id, t.participant_id, expires, SECRET.encode())}"
        for t in chosen
    ]
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    # Each answer is a different person with their own browser (cookie jar), form already read.
    browsers = [httpx.AsyncClient(limits=limits, timeout=30) for _ in chosen]
    forms = []
    try:
        for browser, url in zip(browsers, urls, strict=True):
            found = _CSRF.search((await browser.get(url)).text)
            if found is None:
                raise RuntimeError("the goals-confirmation page has no form")
            forms.append({"confirmed": "true", "comment": "", "csrf_token": found[1]})
        refused: dict[int, int] = {}

        async def submit(i: int) -> bool:
            try:
                response = await browsers[i].post(urls[i], data=forms[i])
            except httpx.TransportError:
                return False
            ok = response.status_code == 200 and 'class="confirmation"' in response.text
            if not ok:
                refused[response.status_code] = refused.get(response.status_code, 0) + 1
            return ok

        values, errors, wall = await open_loop(ANSWER_RATE, count, submit)
        if refused:
            log(f"refused answers by status: {refused}")
        return values, errors, wall
    finally:
        for browser in browsers:
            await browser.aclose()


@contextmanager
def web_process(
    port: int, temporal: str, database: str, smtp: str
) -> Iterator[subprocess.Popen[bytes]]:
    web = subprocess.Popen(
        [sys.executable, "-m", "starter", "web", "--port", str(port)],
        cwd=ROOT,
        env={
            **os.environ,
            "TEMPORAL_ADDRESS": temporal,
            "DATABASE_URL": database,
            "SMTP_URL": smtp,
            "TANDEM_SECRET": SECRET,
            "TANDEM_LOG_FORMAT": "json",
        },
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield web
    finally:
        web.terminate()
        try:
            web.wait(30)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()


async def wait_healthy(base: str) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        for _ in range(300):
            try:
                if (await http.get(f"{base}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"`tandem web` did not answer at {base}")


async def run(
    sizes: tuple[int, ...], answer_seconds: float, in_flight: int, worker_settings: dict[str, str]
) -> list[Step]:
    steps: list[Step] = []
    with tempfile.TemporaryDirectory(prefix="tandem-capacity-") as tmp, SmtpSinkProcess() as sink:
        pg_dir = Path(tmp) / "pg"
        _, pg = start_postgres(pg_dir, persistent=False)
        temporal_port = free_port()
        env = await start_dev_server(port=temporal_port, ui_port=free_port())
        pool = await create_pool(pg.get_uri())
        web_port, metrics_port = free_port(), free_port()
        base = f"http://127.0.0.1:{web_port}"
        address = env.client.service_client.config.target_host
        try:
            await migrate(pool)
            spec = synthetic_programme(2 * max(sizes), 18, date.today() + timedelta(days=7))
            await ProgrammeStore(pool).upsert(spec)
            await ParticipantStore(pool).upsert_many(spec.id, spec.participants)
            worker = WorkerProcess(
                temporal_address=address,
                database_url=pg.get_uri(),
                smtp_url=sink.url,
                task_queue="capacity",
                secret=SECRET,
                public_base_url=base,
                role="all",
                settings={"TANDEM_METRICS_PORT": str(metrics_port), **worker_settings},
            )
            with worker, web_process(web_port, address, pg.get_uri(), sink.url) as web:
                await wait_healthy(base)
                server = with_argument("temporal", str(temporal_port))
                if server is None:
                    raise RuntimeError("the dev server's process is not found")
                procs = Processes(worker.pid, server, pg_dir, web.pid, sink.pid)
                driver = PairDriver(env.client, TaskStore(pool), spec, "capacity")
                everyone = couples(spec)
                unanswered: list[TaskRecord] = []
                shuffle = random.Random(18)
                with Progress(
                    TextColumn("{task.description}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    TimeElapsedColumn(),
                    console=Console(stderr=True),
                    transient=False,
                    redirect_stdout=False,
                ) as progress:
                    for size in sizes:
                        have = steps[-1].pairs if steps else 0
                        batch = everyone[have:size]
                        bar = progress.add_task(f"pairs to {size:,}", total=len(batch))
                        load_before, before = loadavg(), procs.snapshot()
                        started = await start_pairs(
                            driver, batch, in_flight, lambda b=bar: progress.advance(b)
                        )
                        unanswered.extend(started.confirm_tasks)
                        shuffle.shuffle(unanswered)
                        after_start = procs.snapshot()
                        in_sessions = await count_in_sessions(env.client, spec.id, size)
                        cached, evicted = await worker_gauges(
                            f"http://127.0.0.1:{metrics_port}/metrics"
                        )
                        progress.console.print(
                            f"{size:,} pairs: {started.per_second:.1f}/s, worker "
                            f"{after_start['worker'].rss_bytes / MIB:.0f} MiB, cache {cached}",
                            style="dim",
                        )
                        # Drawn across all the pairs, not only the newest (still cached) ones.
                        count = int(ANSWER_RATE * answer_seconds)
                        chosen, unanswered = unanswered[:count], unanswered[count:]
                        values, errors, wall = await answer_goals(base, chosen, answer_seconds)
                        after = procs.snapshot()
                        steps.append(
                            Step(
                                pairs=size,
                                added=len(batch),
                                start_seconds=round(started.wall_seconds, 1),
                                start_per_second=round(started.per_second, 1),
                                in_sessions=in_sessions,
                                worker_rss_mib=round(after_start["worker"].rss_bytes / MIB, 1),
                                worker_rss_after_answers_mib=round(
                                    after["worker"].rss_bytes / MIB, 1
                                ),
                                cached_workflows=cached,
                                forced_evictions=evicted,
                                answers=len(values) + errors,
                                answer_errors=errors,
                                answer_rate_reached=round(len(values) / wall, 1),
                                answer_p50_ms=round(statistics.median(values), 1)
                                if values
                                else 0.0,
                                answer_p99_ms=round(quantile(values, 0.99), 1) if values else 0.0,
                                answer_max_ms=round(max(values), 1) if values else 0.0,
                                start_cpu_seconds=cpu_between(before, after_start),
                                answer_cpu_seconds=cpu_between(after_start, after),
                                loadavg_before=load_before,
                                loadavg_after=loadavg(),
                            )
                        )
                        progress.console.print(
                            f"{size:,} pairs: answer p99 {steps[-1].answer_p99_ms} ms "
                            f"({errors} errors)",
                            style="dim",
                        )
        finally:
            await pool.close()
            await env.shutdown()
            pg.cleanup()
    return steps


def growth_per_thousand(steps: list[Step]) -> float | None:
    if len(steps) < 2 or steps[-1].pairs == steps[0].pairs:
        return None
    first, last = steps[0], steps[-1]
    return round(
        (last.worker_rss_mib - first.worker_rss_mib) / ((last.pairs - first.pairs) / 1000), 1
    )


def verdicts(steps: list[Step]) -> dict[str, bool | None]:
    at_goal = [s for s in steps if s.pairs >= GOAL_PAIRS]
    if not at_goal:
        return {"pairs": False, "rss": None, "p99": None}
    s = at_goal[-1]
    rss = max(s.worker_rss_mib, s.worker_rss_after_answers_mib) * MIB
    return {
        "pairs": s.in_sessions >= GOAL_PAIRS,
        "rss": rss <= GOAL_RSS_BYTES,
        "p99": s.answer_p99_ms <= GOAL_P99_MS and s.answer_errors == 0,
    }


def worker_settings_in_use(overrides: dict[str, str]) -> dict[str, int]:
    defaults = Settings()
    names = (
        "max_cached_workflows",
        "max_concurrent_workflow_tasks",
        "max_concurrent_activities",
        "max_concurrent_local_activities",
    )
    return {n: int(overrides.get(f"TANDEM_{n.upper()}", getattr(defaults, n))) for n in names}


def _cpu(cpu: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.0f}" for k, v in cpu.items() if k != "smtp sink")


def table(steps: list[Step]) -> str:
    lines = [
        "| live pairs | start rate (pairs/s) | in session phase | worker RSS (MiB) | "
        "after answers (MiB) | cached workflows | answers | errors | p50 (ms) | p99 (ms) | "
        "max (ms) | load avg before → after |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for s in steps:
        lines.append(
            f"| {s.pairs:,} | {s.start_per_second} | {s.in_sessions:,} | {s.worker_rss_mib:.0f} | "
            f"{s.worker_rss_after_answers_mib:.0f} | {s.cached_workflows} | {s.answers} | "
            f"{s.answer_errors} | {s.answer_p50_ms} | {s.answer_p99_ms} | {s.answer_max_ms} | "
            f"{s.loadavg_before[0]:.2f} → {s.loadavg_after[0]:.2f} |"
        )
    lines += [
        "",
        "CPU seconds by process (start phase; answer phase):",
        "",
    ]
    for s in steps:
        lines.append(
            f"- to {s.pairs:,} pairs (+{s.added:,} in {s.start_seconds} s): "
            f"{_cpu(s.start_cpu_seconds)}; answers: {_cpu(s.answer_cpu_seconds)}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}")
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument("--sizes", type=lambda v: tuple(int(x) for x in v.split(",")))
    parser.add_argument("--answer-seconds", type=float, default=None)
    parser.add_argument("--in-flight", type=int, default=48, help="pairs being started at once")
    parser.add_argument(
        "--worker",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a worker setting, e.g. TANDEM_MAX_CACHED_WORKFLOWS=12000",
    )
    parser.add_argument(
        "--write", type=Path, default=None, help="BENCHMARKS.md (full runs write it by default)"
    )
    args = parser.parse_args()
    if sys.dont_write_bytecode and (stale := stale_bytecode()):
        # The worker would compile them for every pair it replays: twice the CPU of production.
        parser.exit(2, f"error: no up-to-date bytecode for {', '.join(stale)}: run make bytecode\n")
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    answer_seconds = args.answer_seconds or (10.0 if args.quick else 30.0)
    overrides = dict(item.split("=", 1) for item in args.worker)
    # The servers and the worker write their lines to the stdout they inherit: with --json
    # that is stderr, and the object goes to the real stdout alone.
    out = JsonOut(args.json)
    configure_logging("WARNING")
    began = time.perf_counter()
    steps = asyncio.run(run(sizes, answer_seconds, args.in_flight, overrides))
    settings = worker_settings_in_use(overrides)
    result: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
        "worker_settings": settings,
        "sizes": [asdict(s) for s in steps],
        "rss_growth_mib_per_1k_pairs": growth_per_thousand(steps),
        "goals": verdicts(steps),
        "wall_seconds": round(time.perf_counter() - began, 1),
    }
    body = table(steps)
    if not out.print(result):
        print(body)
        print(f"worker RSS growth: {result['rss_growth_mib_per_1k_pairs']} MiB per 1,000 pairs")
        print(f"goals: {result['goals']}")
    target = args.write or (None if args.quick or args.sizes else ROOT / "BENCHMARKS.md")
    if target is not None:
        replace_section(target, "capacity", section(result, body, answer_seconds))


def section(result: dict[str, Any], body: str, answer_seconds: float) -> str:
    goals = result["goals"]

    def verdict(ok: bool | None) -> str:
        return "not reached" if ok is None else ("meets" if ok else "misses")

    settings = ", ".join(f"`{k}={v}`" for k, v in result["worker_settings"].items())
    return (
        f"## Live pairs on one worker ({result['machine']})\n\n"
        "`python -m bench.capacity`: the real `PairWorkflow`s on the Temporal dev server, one "
        "worker process (role all) for all of them, PostgreSQL, `tandem web` and an SMTP sink, "
        "on this machine. Pairs are started as their programme starts them and brought to "
        "their session phase by their participants' answers (chemistry go, goals proposed); "
        "the start rate counts to the session phase, with the mentor's goals-confirmation task "
        f"issued. At each size, for {answer_seconds:.0f} s, mentors of pairs drawn across all "
        f"of them confirm goals through their task page at {ANSWER_RATE:.0f}/s (the POST of "
        "the filled form through the workflow update to the confirmation page; open loop). "
        f"Worker settings: {settings}.\n\n" + body + "\n\n"
        f"Worker RSS growth: {result['rss_growth_mib_per_1k_pairs']} MiB per 1,000 pairs. "
        f"Goals at {GOAL_PAIRS:,} pairs: live pairs {verdict(goals['pairs'])}, worker RSS "
        f"≤ 1.5 GiB {verdict(goals['rss'])}, answer p99 ≤ {GOAL_P99_MS:.0f} ms "
        f"{verdict(goals['p99'])}.\n"
    )


if __name__ == "__main__":
    main()
