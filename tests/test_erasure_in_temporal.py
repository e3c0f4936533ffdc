"""Erasing someone mid-programme shreds their words in Temporal too, and the pair goes on.

The worker is replaced after the erasure, so the new one replays every running workflow from a
history whose erased texts it can no longer open: the pairs still reach their final evaluation.
Engineers read the runs through the codec endpoint: the erased person's words read `[erased]`,
their partner's as typed.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import asyncpg
import httpx
from temporalio.api.enums.v1 import EventType as HistoryEventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from contracts.ids import pair_workflow_id
from contracts.programme import ProgrammePhase
from control.participants import SimulatedCohort, run_until
from devstack.smtp_sink import SmtpSink
from domain.programme import Role
from domain.sealed_text import ERASED, is_sealed
from runtime.workers import build_worker
from store.personal_data import erase, export
from tests.lifecycle_helpers import (
    DAY,
    EVERYONE_ANSWERS,
    SkippingClock,
    Stack,
    mail_settings,
    small_cohort,
)
from web.app import create_app
from web.codec_server import CodecSettings

TOKEN = "engineer-token"
MENTEE_GOAL = "Progresser sur"  # how the simulated mentees' goals begin (domain/simulation.py)
MENTOR_WORDS = "Vision stratégique et prise de parole"  # the simulated mentors' learned_back


def _codec_form(payload: Any) -> dict[str, Any]:
    return {
        "metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
        "data": base64.b64encode(payload.data).decode(),
    }


def _accepted_updates(history: WorkflowHistory) -> list[dict[str, Any]]:
    accepted = HistoryEventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    requests = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request
        for e in history.events
        if e.event_type == accepted
    ]
    return [_codec_form(p) for r in requests for p in r.input.args.payloads]


async def test_an_erased_mentee_reads_erased_in_temporal_and_the_pair_goes_on(
    env: WorkflowEnvironment, pool: asyncpg.Pool, smtp_sink: SmtpSink
) -> None:
    spec = small_cohort(4, seed=5, sessions=3)
    queue = "erasure-replay"
    mentee = next(p for p in spec.participants if p.role is Role.MENTEE)
    stack = Stack(env, pool, smtp_sink, queue)
    cohort = SimulatedCohort(env.client, pool, spec, 5, EVERYONE_ANSWERS, 86_400)

    # Without a cache this worker replays each workflow at each of its tasks, and keeps no sticky
    # queue the server would wait on once it stops.
    first = build_worker(env.client, pool, mail_settings(smtp_sink), queue, max_cached_workflows=0)
    async with first:
        run = await stack.launch(spec, seed=5)

        async def goals_set() -> bool:
            events = await pool.fetch("SELECT type FROM events WHERE type = 'GoalsConfirmed'")
            return len(events) >= 1

        await run_until(cohort, SkippingClock(env), goals_set, DAY, max_steps=80)
        pair = next(r for r in (await run.summary()).pairs if r.mentee_id == mentee.id)

        # Before: the export has their goals as they typed them; the events hold them sealed.
        before = await export(pool, mentee.email)
        assert before is not None
        goals = [e for e in before["events"] if e["type"] == "GoalsProposed"]
        assert goals and all(is_sealed(g["objective"]) for g in goals[0]["data"]["goals"])
        assert MENTEE_GOAL not in json.dumps(before["events"], default=str)

        erased = await erase(pool, mentee.email)
        assert erased is not None and erased.keys_shredded == 1

    # A new worker: no workflow in its cache, so each is replayed from its history.
    async with build_worker(env.client, pool, mail_settings(smtp_sink), queue):

        async def finished() -> bool:
            return (await run.summary()).phase is ProgrammePhase.COMPLETED

        await run_until(cohort, SkippingClock(env), finished, DAY, max_steps=200)
        summary = await run.summary()

    ended = next(r for r in summary.pairs if r.pair_id == pair.pair_id)
    assert ended.outcome is not None and ended.outcome.phase.value == "completed"
    assert summary.pairs_completed == summary.pairs_formed == 2
    assert await export(pool, mentee.email) is None  # nothing personal held any more

    handle = env.client.get_workflow_handle(pair_workflow_id(spec.id, pair.pair_id))
    history = await handle.fetch_history()
    failed = HistoryEventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
    assert not [e for e in history.events if e.event_type == failed], "replay never failed"
    payloads = _accepted_updates(history)
    raw = [base64.b64decode(p["data"]).decode() for p in payloads]
    assert not [r for r in raw if MENTEE_GOAL in r or MENTOR_WORDS in r], "nothing readable"

    app = create_app(
        client=env.client,
        pool=pool,
        secret=b"erasure",
        codec=CodecSettings(token=TOKEN),
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://tandem") as web:
        refused = await web.post("/codec/decode", json={"payloads": payloads})
        assert refused.status_code == 401
        wrong = await web.post(
            "/codec/decode", json={"payloads": payloads}, headers={"Authorization": "Bearer x"}
        )
        assert wrong.status_code == 401
        decoded = await web.post(
            "/codec/decode",
            json={"payloads": payloads},
            headers={"Authorization": f"Bearer {TOKEN}", "X-Namespace": "default"},
        )
        assert decoded.status_code == 200
        values = [json.loads(base64.b64decode(p["data"])) for p in decoded.json()["payloads"]]
        malformed = await web.post(
            "/codec/decode", content=b"{", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert malformed.status_code == 400

    proposals = [v for v in values if v.get("goals")]
    assert proposals and all(
        g["objective"] == ERASED and g["kpi"] == ERASED for v in proposals for g in v["goals"]
    )
    finals = [v for v in values if v.get("learned_back")]
    assert finals and {v["learned_back"] for v in finals} == {MENTOR_WORDS}
    # What steers the workflow stays as it was sent.
    assert {v["participant_id"] for v in proposals} == {mentee.id}
