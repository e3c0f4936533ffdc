"""Record the histories that `test_replay.py` replays: run after a deliberate workflow change.

    .venv/bin/python -m tests.record_histories

A change that alters what existing histories did must go behind `workflow.patched(...)`; the replay
test fails with a non-determinism error otherwise (DESIGN §4).
"""

from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

from control.simulate import simulate
from domain.simulation import Knobs, synthetic_programme
from logging_setup import configure_logging

HERE = Path(__file__).parent / "histories"


async def main() -> None:
    configure_logging("WARNING")
    spec = synthetic_programme(6, 11, date(2027, 1, 11))
    # One run with every kind of event: a no-show, a late answer, a drop-out.
    knobs = Knobs(no_show_rate=0.2, late_rate=0.3, dropout_rate=0.2, no_go_rate=0.2)
    report = await simulate(spec, 11, knobs, keep_histories=HERE)
    print(report.model_dump_json(indent=1))


if __name__ == "__main__":
    asyncio.run(main())
