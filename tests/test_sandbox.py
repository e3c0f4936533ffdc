"""The worker warns when the sandbox would compile the workflow modules for every run."""

from __future__ import annotations

import os
import py_compile
from pathlib import Path

from runtime.sandbox import stale_bytecode


def test_missing_or_outdated_bytecode_is_named_and_fresh_bytecode_is_not(tmp_path: Path) -> None:
    package = tmp_path / "flows"
    package.mkdir()
    (package / "pair.py").write_text("X = 1\n")
    (package / "shared.py").write_text("Y = 2\n")
    assert stale_bytecode(package) == ["pair.py", "shared.py"]

    for name in ("pair.py", "shared.py"):
        py_compile.compile(str(package / name), doraise=True)
    assert stale_bytecode(package) == []

    # An edit after the bytecode was written (a deployment that copied only the sources).
    edited = package / "pair.py"
    edited.write_text("X = 10\n")
    stat = edited.stat()
    os.utime(edited, (stat.st_atime, stat.st_mtime + 5))
    assert stale_bytecode(package) == ["pair.py"]
