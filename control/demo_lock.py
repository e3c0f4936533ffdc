"""One demo per TANDEM_HOME: a second one would wipe the first one's database, outbox and runs.

The lock is an `flock` on `demo.lock`, held by an open file for the demo's whole life: the kernel
releases it when the process ends however it ends (kill -9 included), so a stale lock never
blocks. The file also says where the demo that holds it answers, for the refusal to name it.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

LOCK_FILE = "demo.lock"


@dataclass(frozen=True)
class Holder:
    """What the running demo wrote in the lock file (empty while it has not written it yet)."""

    pid: int | None = None
    web: str | None = None
    servers: tuple[int, ...] = ()


class DemoRunning(Exception):
    """Another demo holds the lock of this TANDEM_HOME."""

    def __init__(self, home: Path, holder: Holder) -> None:
        super().__init__(f"a demo already runs with {home}")
        self.home = home
        self.holder = holder


class DemoLock:
    """`with DemoLock(home) as lock:` the demo of `home`, or DemoRunning if one runs already.

    Nothing under `home` may be removed before the lock is taken.
    """

    def __init__(self, home: Path) -> None:
        self.home = home
        self.path = home / LOCK_FILE
        self._fd: int | None = None
        # What a demo killed with kill -9 left behind, read when its lock is taken over.
        self.previous = Holder()

    def acquire(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        # Not inherited (PEP 446): a server the demo starts must not keep the lock after it.
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise DemoRunning(self.home, holder) from None
        self.previous = _read(fd)
        self._fd = fd
        self.record(Holder(pid=os.getpid()))

    def __enter__(self) -> DemoLock:
        self.acquire()
        return self

    def record(self, holder: Holder) -> None:
        """Say who holds the lock and where it answers, for a second demo's refusal."""
        if self._fd is None:
            raise RuntimeError("the demo lock is not held")
        text = json.dumps({"pid": holder.pid, "web": holder.web, "servers": list(holder.servers)})
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, text.encode(), 0)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.release()

    def release(self) -> None:
        if self._fd is not None:
            # The file stays: removing it would let a third demo lock a new file while a second
            # still waits on the old one.
            os.ftruncate(self._fd, 0)
            os.close(self._fd)
            self._fd = None


def _read(fd: int) -> Holder:
    try:
        found = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        return Holder()
    if not isinstance(found, dict):
        return Holder()
    pid, web, servers = found.get("pid"), found.get("web"), found.get("servers")
    return Holder(
        pid=pid if isinstance(pid, int) else None,
        web=web if isinstance(web, str) else None,
        servers=tuple(s for s in servers if isinstance(s, int))
        if isinstance(servers, list)
        else (),
    )
