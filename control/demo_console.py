"""What the demo's console shows: its addresses in one panel; the servers' lines go to log files.

Rich decides from the console itself whether to color: a pipe or a file gets plain text.
"""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from rich.panel import Panel
from rich.table import Table


@dataclass(frozen=True)
class DemoAddresses:
    web: str  # http://127.0.0.1:8000, without a trailing slash
    temporal_ui: str
    smtp: str
    password: str
    workflow_id: str


def addresses_panel(title: str, found: DemoAddresses) -> Panel:
    """One row per address, never wrapped: an address cut in two cannot be copied or clicked."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True, min_width=11)
    grid.add_column(no_wrap=True, overflow="fold")
    grid.add_row("Web app", f"{found.web}/")
    grid.add_row("Outbox", f"{found.web}/outbox")
    grid.add_row("Dashboard", f"{found.web}/coordinator")
    grid.add_row("Password", f"{found.password} (account admin)")
    grid.add_row("Temporal UI", f"{found.temporal_ui}/namespaces/default/workflows")
    grid.add_row("Workflow", found.workflow_id)
    grid.add_row("SMTP", found.smtp)
    return Panel(grid, title=title, title_align="left", expand=False)


class LogFollower:
    """With --verbose: the servers' log files copied to stderr as they grow (like `tail -f`)."""

    def __init__(self, paths: list[Path], every: float = 0.25) -> None:
        self._paths = paths
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-follower", daemon=True)

    def start(self) -> LogFollower:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        offsets = dict.fromkeys(self._paths, 0)
        while True:
            stopping = self._stop.wait(self._every)
            for path, offset in offsets.items():
                try:
                    with path.open("rb") as file:
                        file.seek(offset)
                        data = file.read()
                except OSError:  # not written yet
                    continue
                if data:
                    offsets[path] = offset + len(data)
                    sys.stderr.buffer.write(data)
                    sys.stderr.flush()
            if stopping:  # once more after the servers stopped: their last lines too
                return
