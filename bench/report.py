"""BENCHMARKS.md is shared by several benchmarks: each rewrites only its own marked section."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HEADER = "# Benchmarks\n\nProduced by `make bench` on this project's 2-core, 24 GiB machine.\n"


def replace_section(path: Path, name: str, body: str) -> None:
    """Put `body` between `<!-- bench:NAME -->` markers, keeping the rest of the file."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    text = path.read_text(encoding="utf-8") if path.exists() else HEADER
    block = f"{start}\n{body.rstrip()}\n{end}"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + block + after
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


class JsonOut:
    """The real standard output kept for one JSON object; everything else written to fd 1 (the
    servers' and the Temporal core's lines) goes to stderr meanwhile."""

    def __init__(self, enabled: bool) -> None:
        self._fd = os.dup(1) if enabled else None
        if self._fd is not None:
            sys.stdout.flush()
            os.dup2(2, 1)

    def print(self, figures: object) -> bool:
        """Print `figures` as JSON on the real stdout; False when JSON was not asked for."""
        if self._fd is None:
            return False
        with os.fdopen(self._fd, "w") as out:
            print(json.dumps(figures), file=out)
        self._fd = None
        return True
