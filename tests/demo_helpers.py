"""Demos started by tests in processes of their own: free ports, the command, waiting on them."""

from __future__ import annotations

import socket
import sys
import time
from collections.abc import Callable

# How often a condition a process reports is looked at again while a test waits for it.
POLL_SECONDS = 0.2


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free now (all held open together, so none is given twice)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def demo_command(
    web: int, temporal: int, ui: int, smtp: int, *extra: str, day_seconds: int = 2
) -> list[str]:
    """`tandem demo` on these ports, as the checkout's Python runs it."""
    return [
        sys.executable,
        "-m",
        "starter",
        "demo",
        "--day-seconds",
        str(day_seconds),
        "--web-port",
        str(web),
        "--temporal-port",
        str(temporal),
        "--ui-port",
        str(ui),
        "--smtp-port",
        str(smtp),
        *extra,
    ]


def wait_for(condition: Callable[[], bool], within: float, what: str) -> None:
    """Until `condition()` holds; fails after `within` seconds naming `what`."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {within:.0f} s for {what}")
        time.sleep(POLL_SECONDS)
