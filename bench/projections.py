"""Projection and report benchmark: read models catching up on a large log, and one report.

Targets: at least 40,000 events/s; a 1,000-participant programme's report in under 5 s. The log
is synthetic but shaped like real programmes (every pair's lifecycle, twelve sessions each, on
the streams and metadata the workflows write); it is appended through the event store, then the
read models are rebuilt from zero and timed, then one programme's report.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.report import replace_section
from control.report import programme_report
from devstack.postgres import start_postgres
from domain.events import (
    EventType,
    NewEvent,
    pair_stream,
    participant_stream,
    programme_stream,
    task_stream,
)
from store.db import create_pool, migrate
from store.events import EventStore
from store.projections import Projector

TARGET_PER_SECOND = 40_000
REPORT_TARGET_SECONDS = 5.0
START = datetime(2027, 1, 11, 9, tzinfo=UTC)
SKILLS = ("linkedin", "generative-ai", "data-visualisation", "automation")


def synthetic_log(programmes: int, pairs: int, sessions: int = 12) -> list[list[NewEvent]]:
    """Appends (lists of events) as the workflows would make them, in a plausible order."""
    appends: list[list[NewEvent]] = []

    def event(
        workflow_id: str, stream: str, type_: EventType, when: datetime, **data: object
    ) -> NewEvent:
        return NewEvent(
            event_id=uuid.uuid4(),
            stream_name=stream,
            type=type_,
            data=dict(data),
            metadata={"workflow_id": workflow_id, "occurred_at": when.isoformat()},
        )

    for p in range(programmes):
        programme = f"bench-{p:03d}"
        wf = f"programme:{programme}"
        appends.append(
            [
                event(
                    wf,
                    programme_stream(programme),
                    EventType.PROGRAMME_LAUNCHED,
                    START,
                    name=f"Bench {p}",
                    starts_on=START.date().isoformat(),
                    sessions=sessions,
                    cadence_days=14,
                    skills=list(SKILLS),
                    participants=2 * pairs,
                ),
                event(
                    wf,
                    programme_stream(programme),
                    EventType.MATCHING_PROPOSED,
                    START,
                    pairs=[],  # no projection reads them: left out, as before
                    unmatched=[],
                    total_score=12.5 * pairs,
                ),
                event(
                    wf,
                    programme_stream(programme),
                    EventType.MATCHING_APPROVED,
                    START,
                    by="auto-approval",
                ),
            ]
        )
        for n in range(1, pairs + 1):
            for person, role in ((f"{programme}-m{n}", "mentor"), (f"{programme}-e{n}", "mentee")):
                awf = f"assessment:{programme}:{person}"
                appends.append(
                    [
                        event(
                            wf,
                            participant_stream(person),
                            EventType.PARTICIPANT_ENROLLED,
                            START,
                            programme_id=programme,
                            role=role,
                            locale="fr",
                        ),
                        event(
                            awf,
                            participant_stream(person),
                            EventType.SELF_ASSESSMENT_SUBMITTED,
                            START + timedelta(days=2),
                            levels={s: (n + k) % 3 for k, s in enumerate(SKILLS)},
                            targets={},
                            priorities=[],
                            capacity=1,
                            availability=["mon-am"],
                            format="hybrid",
                            languages=["fr"],
                            exchange=[],
                            role=role,
                        ),
                    ]
                )
            pair_id = f"{n:04d}"
            pwf, stream = f"pair:{programme}:{pair_id}", pair_stream(programme, pair_id)
            at = START + timedelta(days=7)
            appends.append(
                [
                    event(
                        pwf,
                        stream,
                        EventType.PAIR_FORMED,
                        at,
                        mentor_id=f"m{n}",
                        mentee_id=f"e{n}",
                        chemistry_due=(at + timedelta(days=7)).isoformat(),
                    ),
                    *(
                        event(
                            pwf,
                            stream,
                            EventType.CHEMISTRY_ANSWERED,
                            at,
                            participant_id=who,
                            go=True,
                            reason="",
                        )
                        for who in (f"m{n}", f"e{n}")
                    ),
                ]
            )
            appends.append(
                [
                    event(
                        pwf,
                        stream,
                        EventType.SESSION_SCHEDULED,
                        at,
                        session_number=k,
                        at=(at + timedelta(days=14 * k)).isoformat(),
                    )
                    for k in range(1, sessions + 1)
                ]
            )
            for k in range(1, sessions + 1):
                held = (n + k) % 9 != 0
                when = at + timedelta(days=14 * k)
                # The mentor's log task opens on the session's day and closes with the log.
                task = task_stream(uuid.uuid4())
                mentor = f"{programme}-m{n}"
                appends.append(
                    [
                        event(
                            pwf,
                            task,
                            EventType.TASK_OPENED,
                            when,
                            participant_id=mentor,
                            kind="session_log",
                            due_at=(when + timedelta(days=7)).isoformat(),
                        )
                    ]
                )
                appends.append(
                    [
                        event(
                            pwf,
                            stream,
                            EventType.SESSION_LOGGED,
                            when,
                            participant_id=mentor,
                            session_number=k,
                            held=held,
                            minutes=60 if held else None,
                            skills_covered=list(SKILLS[:2]) if held else [],
                            notes="",
                            progress_rating=4,
                        ),
                        event(pwf, task, EventType.TASK_CLOSED, when, status="done"),
                    ]
                )
            end = at + timedelta(days=180)
            appends.append(
                [
                    event(
                        pwf,
                        stream,
                        EventType.FINAL_EVALUATION_SUBMITTED,
                        end,
                        role=role,
                        participant_id=f"{programme}-{role[1] if role == 'mentee' else 'm'}{n}",
                        levels={s: (n + k) % 3 + 1 for k, s in enumerate(SKILLS)}
                        if role == "mentee"
                        else {},
                        kpi_attainment=[60 + n % 40] if role == "mentee" else [],
                        satisfaction=3 + n % 3,
                        nps=5 + n % 6,
                        learned_back="",
                    )
                    for role in ("mentee", "mentor")
                ]
            )
            held_count = sum((n + k) % 9 != 0 for k in range(1, sessions + 1))
            appends.append(
                [event(pwf, stream, EventType.PAIR_COMPLETED, end, sessions_held=held_count)]
            )
        appends.append(
            [
                event(
                    wf,
                    programme_stream(programme),
                    EventType.PROGRAMME_COMPLETED,
                    START + timedelta(days=200),
                    pairs_completed=pairs,
                    pairs_ended_early=0,
                    pairs_dissolved=0,
                )
            ]
        )
    return appends


async def measure(programmes: int, pairs: int) -> tuple[int, float, float]:
    """(events, seconds to rebuild the read models, seconds for one programme's report)."""
    with tempfile.TemporaryDirectory(prefix="tandem-bench-") as tmp:
        _, pg = start_postgres(Path(tmp) / "pg", persistent=False)
        pool = await create_pool(pg.get_uri(), max_size=4)
        try:
            await migrate(pool)
            store = EventStore(pool)
            for append in synthetic_log(programmes, pairs):
                await store.append(append)
            total = await store.count()
            started = time.perf_counter()
            applied = await Projector(pool).rebuild()
            seconds = time.perf_counter() - started
            assert applied == total
            started = time.perf_counter()
            report = await programme_report(pool, "bench-000")
            report_seconds = time.perf_counter() - started
            assert report.participants == 2 * pairs and report.pairs_completed == pairs
            return total, seconds, report_seconds
        finally:
            await pool.close()
            pg.cleanup()


def _verdict(ok: bool) -> str:
    return "meets" if ok else "misses"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--programmes", type=int, default=4)
    parser.add_argument("--pairs", type=int, default=500)
    parser.add_argument("--write", type=Path, default=Path("BENCHMARKS.md"))
    args = parser.parse_args()
    print("appending the log…", file=sys.stderr, flush=True)
    events, seconds, report_seconds = asyncio.run(measure(args.programmes, args.pairs))
    rate = events / seconds
    body = (
        "| what | size | time (s) | rate | target | verdict |\n"
        "|---|---|---:|---:|---|---|\n"
        f"| rebuild the read models from zero | {events:,} events ({args.programmes} "
        f"programmes × {args.pairs} pairs) | {seconds:.2f} | {rate:,.0f} events/s | "
        f"≥ {TARGET_PER_SECOND:,} events/s | {_verdict(rate >= TARGET_PER_SECOND)} |\n"
        f"| one programme's report | {2 * args.pairs:,} participants | {report_seconds:.2f} | – | "
        f"< {REPORT_TARGET_SECONDS:g} s | "
        f"{_verdict(report_seconds < REPORT_TARGET_SECONDS)} |"
    )
    print(body)
    machine = f"{platform.machine()}, Python {platform.python_version()}"
    replace_section(
        args.write,
        "projections",
        f"## Projections and the report ({machine})\n\n"
        "`bench/projections.py`: a synthetic log shaped like real programmes (enrolments and "
        "self-assessments, each pair formed, twelve sessions scheduled and logged, both final "
        "evaluations, completed), appended through the event store into embedded PostgreSQL. "
        "Then `Projector.rebuild()` folds it from zero into the programme, pair and session read "
        "models, in batches of 5,000 events a transaction. Then `tandem report`'s figures are "
        "computed for one programme from its events and tasks.\n\n" + body + "\n",
    )


if __name__ == "__main__":
    main()
