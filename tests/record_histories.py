"""Record the histories that `test_replay.py` replays: run after a deliberate workflow change.

    .venv/bin/python -m tests.record_histories [SUFFIX]

Histories recorded before a change stay: they prove runs started then still replay. New ones get
`SUFFIX` in their names (`pair-0001-SUFFIX.json`).

A change that alters what existing histories did must go behind `workflow.patched(...)`; the replay
test fails with a non-determinism error otherwise (DESIGN §4).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import date
from pathlib import Path

from control.simulate import simulate
from domain.simulation import Knobs, synthetic_programme
from logging_setup import configure_logging

HERE = Path(__file__).parent / "histories"


async def main(suffix: str) -> None:
    configure_logging("WARNING")
    spec = synthetic_programme(6, 11, date(2027, 1, 11))
    # One run with every kind of event: a no-show, a late answer, a drop-out.
    knobs = Knobs(no_show_rate=0.2, late_rate=0.3, dropout_rate=0.2, no_go_rate=0.2)
    with tempfile.TemporaryDirectory() as tmp:
        report = await simulate(spec, 11, knobs, keep_histories=Path(tmp))
        _keep(Path(tmp), suffix)
    print(report.model_dump_json(indent=1))


def _keep(recorded: Path, suffix: str) -> None:
    for path in recorded.glob("*.json"):
        name = f"{path.stem}-{suffix}.json" if suffix else path.name
        (HERE / name).write_text(path.read_text())
        print(f"recorded tests/histories/{name}", file=sys.stderr)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else ""))
