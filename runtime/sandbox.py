"""The workflow sandbox, sharing the pure modules between workflow runs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

_WORKFLOWS = Path(__file__).resolve().parent.parent / "workflows"


def workflow_runner() -> SandboxedWorkflowRunner:
    """Temporal's sandbox, sharing the pure modules instead of re-importing them for every run.

    A module re-imported per run is code compiled (without cached bytecode) and classes built
    again: for a pair's workflow that was most of the cost of starting or resuming it.
    """
    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(
            "domain",
            "contracts",
            "pydantic",
            "pydantic_core",
            "annotated_types",
            "typing_inspection",
        )
    )


def stale_bytecode(package: Path = _WORKFLOWS) -> list[str]:
    """The modules of `package` whose bytecode is missing or out of date.

    The sandbox imports the workflow modules afresh for every run it starts or replays, and with
    PYTHONDONTWRITEBYTECODE set (as in most images) Python never writes their bytecode: each run
    then compiles them from source, which doubled the CPU of replaying a pair (bench/capacity.py).
    """
    stale = []
    for source in sorted(package.glob("*.py")):
        cached = Path(importlib.util.cache_from_source(str(source)))
        if not _matches(cached, source):
            stale.append(source.name)
    return stale


def _matches(cached: Path, source: Path) -> bool:
    try:
        header = cached.read_bytes()[:16]
    except OSError:
        return False
    if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
        return False
    if int.from_bytes(header[4:8], "little") != 0:
        return True  # hash-based bytecode (--invalidation-mode checked-hash): Python checks it
    stat = source.stat()
    mtime = int.from_bytes(header[8:12], "little")
    size = int.from_bytes(header[12:16], "little")
    return mtime == int(stat.st_mtime) & 0xFFFFFFFF and size == stat.st_size & 0xFFFFFFFF
