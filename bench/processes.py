"""What the processes of a benchmark cost, read from /proc: CPU seconds and resident memory."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_PROC = Path("/proc")
_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Usage:
    cpu_seconds: float
    rss_bytes: int


def _stat_fields(pid: int) -> list[str]:
    # The command name may hold spaces and parentheses: the fields start after its last ")".
    return (_PROC / str(pid) / "stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()


def usage(pids: Iterable[int]) -> Usage:
    """The processes' CPU (user + system) and resident memory, summed; gone ones count nothing."""
    cpu, rss = 0.0, 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        cpu += (int(fields[11]) + int(fields[12])) / _TICKS
        rss += int(fields[21]) * _PAGE
    return Usage(round(cpu, 1), rss)


def children(parent: int) -> list[int]:
    """`parent` and its direct children (a PostgreSQL postmaster and its backends)."""
    found = [parent]
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat_fields(int(entry.name))[1]) == parent:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


def with_argument(executable: str, argument: str) -> int | None:
    """The newest process of `executable` whose command line holds `argument` (a server's port)."""
    matches = []
    for entry in _PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        named = argv and Path(argv[0].decode(errors="replace")).name == executable
        if named and argument.encode() in argv:
            matches.append(int(entry.name))
    return max(matches) if matches else None


def newest_named(prefix: str) -> int:
    """The newest process whose command name starts with `prefix` (a server just started)."""
    pids = []
    for entry in _PROC.iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip().startswith(prefix):
                    pids.append(int(entry.name))
            except OSError:
                continue
    if not pids:
        raise RuntimeError(f"no {prefix} process found")
    return max(pids, key=lambda pid: (_PROC / str(pid)).stat().st_mtime)


def postmaster(data_dir: Path) -> int:
    """The PostgreSQL server of `data_dir`: the first line of its postmaster.pid."""
    return int((data_dir / "postmaster.pid").read_text(encoding="ascii").split()[0])


def loadavg() -> tuple[float, float, float]:
    one, five, fifteen = (_PROC / "loadavg").read_text(encoding="ascii").split()[:3]
    return float(one), float(five), float(fifteen)
