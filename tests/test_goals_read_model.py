"""Each pair's goals state in the read models: folded from the log, projected into PostgreSQL,
rebuilt identically, and shown on the coordinator's pair and programme pages after a decline."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from domain.events import EventType, NewEvent, pair_stream
from domain.pair_rules import GoalsState
from domain.programme import Role
from domain.read_models import LoggedEvent, ReadModels, fold
from domain.tasks import TaskKind
from store.db import migrate
from store.events import EventStore
from store.projections import Projector, dump
from tests.dashboard_helpers import sign_in
from tests.lifecycle_helpers import Stack, eventually
from tests.test_dashboard import PASSWORD, SECRET, SETTINGS
from tests.test_goals_workflow import _decline, _goals_to_confirm
from tests.test_web_browser import serving
from web.app import create_app

PROGRAMME = "goals-rm"
GOALS = [{"objective": "Prendre la parole", "kpi": "3 réunions", "target_date": "2026-06-01"}]
PROPOSED = (EventType.GOALS_PROPOSED, {"goals": GOALS})
SENT_BACK = (EventType.GOALS_DECLINED, {"comment": "Vague", "declines": 1, "sent_back": True})
LAST_DECLINE = (EventType.GOALS_DECLINED, {"comment": "Non", "declines": 2, "sent_back": False})
CONFIRMED = (EventType.GOALS_CONFIRMED, {"confirmed": True, "comment": ""})
OLD_DECLINE = (EventType.GOALS_CONFIRMED, {"confirmed": False, "comment": "Non"})
MISSING = (EventType.COORDINATOR_ALERTED, {"why": "goals_missing"})
DISPUTED_ALERT = (EventType.COORDINATOR_ALERTED, {"why": "goals_declined"})
AT_RISK = (EventType.COORDINATOR_ALERTED, {"why": "at_risk"})
FORMED = (
    EventType.PAIR_FORMED,
    {"mentor_id": "m", "mentee_id": "e", "chemistry_due": "2026-03-09T09:00:00+00:00"},
)

Step = tuple[EventType, dict[str, Any]]

# What each pair's log says of its goals, and the state the dashboard must show after it.
CASES: dict[str, tuple[list[Step], GoalsState]] = {
    "0001": ([FORMED], GoalsState.AWAITED),
    "0002": ([FORMED, PROPOSED], GoalsState.PROPOSED),
    "0003": ([FORMED, PROPOSED, SENT_BACK], GoalsState.DECLINED),
    "0004": ([FORMED, PROPOSED, SENT_BACK, PROPOSED], GoalsState.PROPOSED),
    "0005": (
        [FORMED, PROPOSED, SENT_BACK, PROPOSED, LAST_DECLINE, DISPUTED_ALERT],
        GoalsState.DISPUTED,
    ),
    "0006": ([FORMED, PROPOSED, SENT_BACK, PROPOSED, CONFIRMED], GoalsState.CONFIRMED),
    "0007": ([FORMED, MISSING], GoalsState.MISSING),
    "0008": ([FORMED, PROPOSED, SENT_BACK, MISSING], GoalsState.MISSING),
    "0009": ([FORMED, PROPOSED, OLD_DECLINE], GoalsState.DECLINED),  # before GoalsDeclined
    "0010": ([FORMED, PROPOSED, CONFIRMED, AT_RISK], GoalsState.CONFIRMED),
}
START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def _logged(pair_id: str, steps: list[Step]) -> list[LoggedEvent]:
    workflow_id = f"pair:{PROGRAMME}:{pair_id}"
    return [
        LoggedEvent.of(n, pair_stream(PROGRAMME, pair_id), t, d, workflow_id, START.isoformat())
        for n, (t, d) in enumerate(steps, start=1)
    ]


@pytest.mark.parametrize("pair_id", sorted(CASES))
def test_the_fold_follows_the_goals_through_every_state(pair_id: str) -> None:
    steps, expected = CASES[pair_id]
    models = ReadModels()
    fold(models, _logged(pair_id, steps))
    assert models.pairs[(PROGRAMME, pair_id)].goals_state == expected


def test_every_goals_state_has_a_case() -> None:
    assert {state for _, state in CASES.values()} == set(GoalsState)


def _appends() -> list[list[NewEvent]]:
    """One append an event, interleaving the pairs as concurrent workflows would."""
    logs = {
        pair_id: [
            NewEvent(
                event_id=uuid.uuid4(),
                stream_name=pair_stream(PROGRAMME, pair_id),
                type=t,
                data=d,
                metadata={
                    "workflow_id": f"pair:{PROGRAMME}:{pair_id}",
                    "occurred_at": (START + timedelta(days=n)).isoformat(),
                },
            )
            for n, (t, d) in enumerate(steps)
        ]
        for pair_id, (steps, _) in CASES.items()
    }
    longest = max(len(events) for events in logs.values())
    return [[events[n]] for n in range(longest) for events in logs.values() if n < len(events)]


async def test_the_projector_stores_each_pair_s_goals_state_and_rebuilds_it(
    pool: asyncpg.Pool,
) -> None:
    store = EventStore(pool)
    for append in _appends():
        await store.append(append)
    await Projector(pool, batch_size=4).catch_up()  # batches that split each pair's log
    incremental = await dump(pool)
    states = {r["pair_id"]: r["goals_state"] for r in incremental["rm_pairs"]}
    assert states == {pair_id: state.value for pair_id, (_, state) in CASES.items()}

    await Projector(pool, batch_size=1_000).rebuild()
    assert await dump(pool) == incremental


async def test_a_database_projected_before_the_goals_state_gets_it_from_the_log(
    pool: asyncpg.Pool,
) -> None:
    store = EventStore(pool)
    for append in _appends():
        await store.append(append)
    await Projector(pool).catch_up()
    projected = await dump(pool)
    # As a database was before migration 0008: read models up to date, without the column.
    await pool.execute("ALTER TABLE rm_pairs DROP COLUMN goals_state")
    await pool.execute("DELETE FROM schema_migrations WHERE name = '0008_pair_goals_state.sql'")

    assert await migrate(pool) == ["0008_pair_goals_state.sql"]
    await Projector(pool).catch_up()
    assert await dump(pool) == projected  # each pair's state, and no event counted twice


async def test_the_coordinator_sees_declined_goals_then_the_coordinator_s_turn(
    stack: Stack,
) -> None:
    run = await _goals_to_confirm(stack)
    (mentee,) = run.ids(Role.MENTEE)
    app = create_app(client=stack.client, pool=stack.pool, secret=SECRET, dashboard=SETTINGS)
    programme = f"/coordinator/p/{run.spec.id}"
    pair = f"{programme}/pairs/0001"
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        assert (await sign_in(http, "admin", PASSWORD)).status_code == 303

        async def shown(page: str, words: str) -> str | None:
            await Projector(stack.pool).catch_up()
            html = (await http.get(page)).text
            return html if words in html else None

        await eventually(lambda: shown(pair, "proposés, en attente du mentor"), "goals proposed")
        await _decline(run, "Trop vague")
        sent_back = "refusés, renvoyés pour révision"
        html = await eventually(lambda: shown(pair, sent_back), "declined on the pair page")
        assert "proposés, en attente du mentor" not in html
        await eventually(lambda: shown(programme, sent_back), "declined in the pairs table")

        await run.answer(await run.task(TaskKind.GOALS_PROPOSE, mentee))
        await _decline(run, "Toujours vague")
        disputed = "refusés une dernière fois, à arbitrer"
        html = await eventually(lambda: shown(pair, disputed), "the coordinator's turn")
        assert "alerte à la coordination — objectifs refusés une dernière fois" in html
        assert sent_back not in html
        await eventually(lambda: shown(programme, disputed), "disputed in the pairs table")
