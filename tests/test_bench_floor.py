"""The lifecycle benchmark compares like with like: its floor does the Temporal work of the pair."""

from __future__ import annotations

from bench.temporal_floor import SESSIONS, compare

SAME = ("timers", "updates", "local_activities", "upserts", "signals", "activities")


async def test_the_floor_repeats_the_pairs_timers_updates_and_steps_over_the_same_days() -> None:
    result = await compare(pairs_per_batch=1, rounds=1)
    model, pair, floor = result.model, result.pairs[0], result.floors[0]
    # The pair ran its whole course: every session logged, both surveys answered by both.
    assert pair.refused == 0
    assert pair.updates == model.updates >= 2 + 1 + 1 + SESSIONS + 2 + 2
    assert pair.days > SESSIONS * 14
    assert {name: floor.counts.get(name, 0) for name in SAME} == {
        name: model.counts.get(name, 0) for name in SAME
    }
    assert floor.updates == model.updates
    assert abs(floor.days - model.days) <= 1
    assert result.tandem_s > 0 and result.floor_s > 0
