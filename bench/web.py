"""Task pages under load: opening a link, and submitting an answer through to the workflow.

Targets (loopback, 2 cores, web app + worker + Temporal dev server on this machine): opening a
task page p99 at most 25 ms at 100 requests/s; submitting (the update's round trip to the
workflow) p99 at most 150 ms at 20 submissions/s; opening a task page p99 at most 25 ms at 100
requests/s while 8 clients hammer the coordinator's login with wrong passwords.

Each hammering attempt reads the login form (its CSRF cookie and token), then posts a wrong
password for an account e-mail of its own, from a client address of its own (`X-Forwarded-For`,
which uvicorn trusts from loopback, taken from 198.18.0.0/15, the range set aside for
benchmarks): a login that throttles per account and per address then still checks every
password, and the row measures what those checks cost the pages, not cheap refusals.

The load is open-loop: requests leave on a fixed schedule whatever the answers' speed, and each
latency counts from the moment its request was due, so a slow server cannot hide its queue.
The web app (`tandem web`) and the worker run in their own processes, as in production.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import itertools
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from bench.report import replace_section
from control.launch import launch_programme
from credentials.passwords import hash_password
from devstack.ports import free_port
from devstack.postgres import start_postgres
from devstack.smtp_sink import SmtpSinkProcess
from devstack.temporal import start_dev_server
from devstack.worker_process import WorkerProcess
from domain.programme import Role
from domain.simulation import synthetic_programme
from domain.tasks import TaskKind
from domain.tokens import sign_task_token
from logging_setup import configure_logging
from store.db import create_pool, migrate
from store.tasks import TaskRecord, TaskStore

ROOT = Path(__file__).resolve().parent.parent
SECRET = "benchmark-secret"
PAGE_TARGET_MS, SUBMIT_TARGET_MS, PAGE_UNDER_LOGINS_TARGET_MS = 25.0, 150.0, 25.0
HAMMERING_CLIENTS = 8
PAGE, SUBMIT = "open a task page", "submit an answer"
PAGE_UNDER_LOGINS = f"open a task page while {HAMMERING_CLIENTS} clients hammer the login"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_BENCHMARK_ADDRESSES = ipaddress.ip_network("198.18.0.0/15")  # RFC 2544: for benchmarks
_MAX_LOGIN_ATTEMPTS = 100_000  # a bound of its own, whatever the page phase's length


@dataclass
class Latencies:
    name: str
    rate: float
    values_ms: list[float]
    errors: int
    wall_s: float

    def quantile(self, q: float) -> float:
        ordered = sorted(self.values_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    @property
    def achieved(self) -> float:
        return len(self.values_ms) / self.wall_s


async def open_loop(
    rate: float, count: int, request: Callable[[int], Awaitable[bool]]
) -> tuple[list[float], int, float]:
    """Send `count` requests at `rate` per second; (latencies from each due time, errors, wall)."""
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()

    async def one(i: int, due: float) -> None:
        nonlocal errors
        ok = await request(i)
        if ok:
            latencies.append((time.perf_counter() - due) * 1000)
        else:
            errors += 1

    tasks = []
    for i in range(count):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, due)))
    await asyncio.gather(*tasks)
    return latencies, errors, time.perf_counter() - start


def mentee_form(skills: list[str], csrf: str) -> dict[str, object]:
    form: dict[str, object] = {f"levels-{s}": "1" for s in skills}
    form |= {f"targets-{s}": "3" for s in skills}
    return form | {
        "priorities": skills[:2],
        "availability": ["mon-am", "thu-pm"],
        "format": "remote",
        "languages": ["fr"],
        "exchange": ["leadership"],
        "exchange_other": "",
        "csrf_token": csrf,
    }


def pages_of(http: httpx.AsyncClient, urls: list[str]) -> Callable[[int], Awaitable[bool]]:
    """Request `i` opens task page `i` (round the list): a form must come back."""

    async def page(i: int) -> bool:
        try:
            response = await http.get(urls[i % len(urls)])
        except httpx.TransportError:  # a time-out, or a connection dropped
            return False
        return response.status_code == 200 and "<form" in response.text

    return page


@dataclass
class LoginHammer:
    """Closed-loop clients posting wrong passwords to the coordinator's login until stopped."""

    base: str
    clients: int
    statuses: Counter[int]
    attempts: itertools.count[int]
    stop: asyncio.Event
    transport_errors: int = 0
    started: float = 0.0
    stopped: float = 0.0

    @classmethod
    def of(cls, base: str, clients: int) -> LoginHammer:
        return cls(base, clients, Counter(), itertools.count(), asyncio.Event())

    @property
    def sent(self) -> int:
        return sum(self.statuses.values())

    async def run(self) -> None:
        self.started = time.perf_counter()
        await asyncio.gather(*(self._client() for _ in range(self.clients)))
        self.stopped = time.perf_counter()

    async def _client(self) -> None:
        async with httpx.AsyncClient(base_url=self.base, timeout=60) as http:
            while not self.stop.is_set():
                attempt = next(self.attempts)
                if attempt >= _MAX_LOGIN_ATTEMPTS:
                    return
                address = _BENCHMARK_ADDRESSES[attempt % _BENCHMARK_ADDRESSES.num_addresses]
                headers = {"X-Forwarded-For": str(address)}
                try:
                    form = await http.get("/coordinator/login", headers=headers)
                    found = _CSRF.search(form.text)
                    if found is None:
                        self.statuses[form.status_code] += 1
                        continue
                    response = await http.post(
                        "/coordinator/login",
                        headers=headers,
                        data={
                            "email": f"hammer-{attempt}@example.com",
                            "password": "not-the-password",
                            "csrf_token": found[1],
                        },
                    )
                except httpx.TransportError:
                    # A server whose event loop is blocked may drop a keep-alive connection.
                    self.transport_errors += 1
                    continue
                self.statuses[response.status_code] += 1

    def summary(self) -> str:
        wall = max(self.stopped - self.started, 1e-9)
        by_status = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        return (
            f"{self.sent} login attempts answered to {self.clients} clients in {wall:.1f} s "
            f"({self.sent / wall:.1f}/s; by status: {by_status}; "
            f"{self.transport_errors} connections dropped)"
        )


async def wait_for_tasks(store: TaskStore, programme_id: str, count: int) -> list[TaskRecord]:
    for _ in range(1200):
        tasks = [
            t for t in await store.list_open(programme_id) if t.kind is TaskKind.SELF_ASSESSMENT
        ]
        if len(tasks) >= count:
            return tasks
        await asyncio.sleep(0.25)
    raise RuntimeError(f"only {len(tasks)} of {count} self-assessment tasks were issued")


async def run(
    participants: int, page_seconds: int, submit_seconds: int, hammer_seconds: int
) -> tuple[list[Latencies], LoginHammer]:
    page_rate, submit_rate = 100.0, 20.0
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp, SmtpSinkProcess() as sink:
        _, pg = start_postgres(Path(tmp) / "pg", persistent=False)
        env = await start_dev_server(port=free_port(), ui_port=free_port())
        pool = await create_pool(pg.get_uri())
        web_port = free_port()
        base = f"http://127.0.0.1:{web_port}"
        web = None
        try:
            await migrate(pool)
            address = env.client.service_client.config.target_host
            worker = WorkerProcess(
                temporal_address=address,
                database_url=pg.get_uri(),
                smtp_url=sink.url,
                task_queue="bench",
                secret=SECRET,
                public_base_url=base,
                role="all",
            )
            web = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "starter",
                "web",
                "--port",
                str(web_port),
                cwd=ROOT,
                env={
                    **os.environ,
                    "TEMPORAL_ADDRESS": address,
                    "DATABASE_URL": pg.get_uri(),
                    "SMTP_URL": sink.url,
                    "TANDEM_SECRET": SECRET,
                    "TANDEM_LOG_FORMAT": "json",
                    # A password nobody sends: every hammering attempt is a wrong one.
                    "TANDEM_COORDINATOR_PASSWORD_HASH": hash_password(secrets.token_urlsafe()),
                },
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            with worker:
                spec = synthetic_programme(participants, 11, date.today() + timedelta(days=30))
                await launch_programme(env.client, pool, spec, "bench")
                mentees = sum(p.role is Role.MENTEE for p in spec.participants)
                print(f"waiting for {participants} self-assessment tasks…", file=sys.stderr)
                tasks = await wait_for_tasks(TaskStore(pool), spec.id, participants)
                skills = [s.id for s in spec.skills]
                expires = datetime.now(UTC) + timedelta(days=30)

                def link(task: TaskRecord) -> str:
                    token = sign_task_token(
                        task.task_id, task.participant_id, expires, SECRET.encode()
                    )
                    return f"{base}/t/{token}"

                links = [link(t) for t in tasks]
                mentee_links = [link(t) for t in tasks if t.context.get("role") == "mentee"]
                limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
                async with httpx.AsyncClient(limits=limits, timeout=30) as http:
                    for _ in range(100):  # the app is up, and warm
                        try:
                            if (await http.get(f"{base}/healthz")).status_code == 200:
                                break
                        except httpx.TransportError:
                            await asyncio.sleep(0.1)
                    for url in links[:50]:
                        await http.get(url)

                    count = int(page_rate * page_seconds)
                    print(f"opening {count} task pages at {page_rate:.0f}/s…", file=sys.stderr)
                    values, errors, wall = await open_loop(page_rate, count, pages_of(http, links))
                    pages = Latencies(PAGE, page_rate, values, errors, wall)

                # Each submission is a different person with their own browser (cookie jar):
                # their form is opened beforehand, as a person reads before answering.
                count = min(int(submit_rate * submit_seconds), len(mentee_links), mentees)
                browsers = [httpx.AsyncClient(limits=limits, timeout=30) for _ in range(count)]
                forms = []
                for client, url in zip(browsers, mentee_links, strict=False):
                    found = _CSRF.search((await client.get(url)).text)
                    assert found, "the self-assessment page has no form"
                    forms.append(mentee_form(skills, found[1]))

                refusals: dict[int, int] = {}

                async def submit(i: int) -> bool:
                    response = await browsers[i].post(mentee_links[i], data=forms[i])
                    ok = response.status_code == 200 and 'class="confirmation"' in response.text
                    if not ok:
                        refusals[response.status_code] = refusals.get(response.status_code, 0) + 1
                        if os.environ.get("BENCH_DEBUG"):
                            print(response.status_code, response.text[-1500:], file=sys.stderr)
                    return ok

                print(f"submitting {count} answers at {submit_rate:.0f}/s…", file=sys.stderr)
                values, errors, wall = await open_loop(submit_rate, count, submit)
                submits = Latencies(SUBMIT, submit_rate, values, errors, wall)
                if refusals:
                    print(f"refused submissions by status: {refusals}", file=sys.stderr)
                for client in browsers:
                    await client.aclose()

                # Last, so that its backlog cannot weigh on the rows above; on the links still
                # showing a form.
                submitted = set(mentee_links[:count])
                unanswered = [url for url in links if url not in submitted]
                hammer = LoginHammer.of(base, HAMMERING_CLIENTS)
                hammering = asyncio.create_task(hammer.run())
                for _ in range(600):  # every client is past its first attempt
                    if hammer.sent >= HAMMERING_CLIENTS or hammering.done():
                        break
                    await asyncio.sleep(0.05)
                count = int(page_rate * hammer_seconds)
                print(
                    f"opening {count} task pages at {page_rate:.0f}/s while "
                    f"{HAMMERING_CLIENTS} clients hammer the login…",
                    file=sys.stderr,
                )
                async with httpx.AsyncClient(limits=limits, timeout=30) as http:
                    try:
                        values, errors, wall = await open_loop(
                            page_rate, count, pages_of(http, unanswered)
                        )
                    finally:
                        hammer.stop.set()
                        await hammering
                under_logins = Latencies(PAGE_UNDER_LOGINS, page_rate, values, errors, wall)
                print(hammer.summary(), file=sys.stderr)
            return [pages, submits, under_logins], hammer
        finally:
            if web is not None:
                web.terminate()
                await asyncio.wait_for(web.wait(), 30)
            await pool.close()
            await env.shutdown()
            pg.cleanup()


def table(results: list[Latencies]) -> str:
    targets = {
        PAGE: PAGE_TARGET_MS,
        SUBMIT: SUBMIT_TARGET_MS,
        PAGE_UNDER_LOGINS: PAGE_UNDER_LOGINS_TARGET_MS,
    }
    lines = [
        "| what | rate asked | rate reached | requests | errors | p50 (ms) | p99 (ms) "
        "| max (ms) | p99 target (ms) | verdict |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        target = targets[r.name]
        if not r.values_ms:
            lines.append(
                f"| {r.name} | {r.rate:.0f}/s | – | {r.errors} | {r.errors} | – | – | – "
                f"| {target:.0f} | misses |"
            )
            continue
        p99 = r.quantile(0.99)
        ok = p99 <= target and r.errors == 0
        lines.append(
            f"| {r.name} | {r.rate:.0f}/s | {r.achieved:.1f}/s | {len(r.values_ms) + r.errors} "
            f"| {r.errors} | {statistics.median(r.values_ms):.1f} | {p99:.1f} "
            f"| {max(r.values_ms):.1f} | {target:.0f} | {'meets' if ok else 'misses'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--participants", type=int, default=800)
    parser.add_argument("--page-seconds", type=int, default=30)
    parser.add_argument("--submit-seconds", type=int, default=15)
    parser.add_argument("--hammer-seconds", type=int, default=15)
    parser.add_argument("--write", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    configure_logging("WARNING")
    results, hammer = asyncio.run(
        run(args.participants, args.page_seconds, args.submit_seconds, args.hammer_seconds)
    )
    body = table(results)
    print(body)
    print(hammer.summary())
    machine = f"{platform.machine()}, Python {platform.python_version()}"
    replace_section(
        args.write,
        "web",
        f"## Task pages under load ({machine})\n\n"
        "`bench/web.py`: `tandem web`, a worker and the Temporal dev server, each in its own "
        f"process, with PostgreSQL, on loopback; {args.participants} participants' "
        "self-assessment links. Open-loop load: each latency counts from the moment its request "
        "was due. A submission is the POST of a filled form (its page was opened before), "
        "through the workflow update and back to the confirmation page. While the login is "
        f"hammered, {HAMMERING_CLIENTS} closed-loop clients each read the login form (CSRF "
        "cookie and token) and post a wrong password, every attempt for an account e-mail and "
        "from a client address (`X-Forwarded-For`, 198.18.0.0/15) of its own, so that per-account "
        "and per-address throttling never turns them into cheap refusals.\n\n"
        + body
        + f"\n\nDuring the hammered run: {hammer.summary()}.\n",
    )


if __name__ == "__main__":
    main()
