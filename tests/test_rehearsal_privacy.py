"""A 40-person rehearsal's workflow histories, read as anyone with access to Temporal reads them:
no participant's name or e-mail, and no text anyone typed, is readable in any payload; every
history replays against today's workflows.

The rehearsal runs as a coordinator runs it (`tandem simulate --histories DIR`), and only the
files it leaves are read, each as `temporal workflow show --output json` prints a history.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from domain.sealed_text import is_sealed, sealed_in
from domain.simulation import synthetic_programme
from runtime.sandbox import workflow_runner
from runtime.workers import WORKFLOWS

ROOT = Path(__file__).resolve().parent.parent
PEOPLE, SEED = 40, 5
# Everything the simulated people type (domain/simulation.py), as it would read in clear.
TYPED = (
    "Progresser sur",
    "une publication par semaine",
    "Vision stratégique",
    "Pas d'affinité",
    "Plus assez de disponibilité",
)


def _payloads(node: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(where, decoded text) of every payload anywhere in a history's JSON: inputs, results,
    update arguments, markers, headers, memo."""
    if isinstance(node, dict):
        if "data" in node and isinstance(node.get("metadata"), dict):
            yield path, base64.b64decode(node["data"]).decode("utf-8", "replace")
        for key, value in node.items():
            yield from _payloads(value, f"{path}.{key}")
    elif isinstance(node, list):
        for item in node:
            yield from _payloads(item, path)


def _tandem(*args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "starter", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
        timeout=timeout,
    )


async def test_a_rehearsal_leaves_nothing_personal_readable_in_temporal(tmp_path: Path) -> None:
    folder = tmp_path / "histories"
    people, seed = str(PEOPLE), str(SEED)
    result = _tandem(
        "simulate", "--participants", people, "--seed", seed, "--histories", str(folder), "--json"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    files = sorted(folder.glob("*.json"))
    # The programme's runs, one assessment a participant, one history a pair formed.
    assert report["histories_written"] == len(files)
    programme_runs = [f for f in files if f.name.startswith("programme:")]
    assert len(programme_runs) == report["programme_runs"]
    assert len([f for f in files if f.name.startswith("assessment:")]) == PEOPLE
    assert len([f for f in files if f.name.startswith("pair:")]) == report["pairs_formed"]

    spec = synthetic_programme(PEOPLE, SEED, date(2027, 1, 11))
    personal = [p.email for p in spec.participants] + [p.name for p in spec.participants]
    readable: list[str] = []
    sealed_updates = 0
    for path in files:
        history = json.loads(path.read_text(encoding="utf-8"))
        assert history["events"][0]["eventType"] == "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED"
        for where, text in _payloads(history):
            readable += [f"{path.name}{where}: {w}" for w in (*personal, *TYPED) if w in text]
            if "workflowExecutionUpdateAcceptedEventAttributes" in where and "sealed:v1:" in text:
                sealed_updates += 1
    assert not readable, readable[:5]
    assert sealed_updates > report["pairs_formed"], "the updates carried typed texts, sealed"

    replayer = Replayer(
        workflows=list(WORKFLOWS),
        data_converter=pydantic_data_converter,
        workflow_runner=workflow_runner(),
    )
    for path in files:
        workflow_id = path.stem.split("--", 1)[0]
        history = WorkflowHistory.from_json(workflow_id, path.read_text(encoding="utf-8"))
        replayed = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        assert replayed.replay_failure is None, f"{path.name}: {replayed.replay_failure}"


def test_histories_refuses_a_file_where_a_folder_is_wanted(tmp_path: Path) -> None:
    taken = tmp_path / "histories"
    taken.write_text("not a folder", encoding="utf-8")
    result = _tandem("simulate", "--participants", "4", "--histories", str(taken), timeout=120)
    assert result.returncode != 0
    assert "--histories" in result.stderr and "Traceback" not in result.stderr
    assert taken.read_text(encoding="utf-8") == "not a folder"


def test_sealed_texts_are_found_wherever_they_are_nested() -> None:
    tree = {"a": ["x", {"b": "sealed:v1:participant/p1:AAAA"}], "c": ("sealed:v1:programme/x:BB",)}
    assert sorted(sealed_in(tree)) == ["sealed:v1:participant/p1:AAAA", "sealed:v1:programme/x:BB"]
    assert not is_sealed("sealed:v2:anything")
