"""A worker in a process of its own, for load: it gets a core the first worker does not use.

A simulation runs workflow code in its own process and activities (SQL, mail) here: the SDK runs
workflow activations and activities on one event loop, so one process uses at most one core.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from runtime.workers import WorkerRole

_ROOT = Path(__file__).resolve().parent.parent


class WorkerProcess:
    def __init__(
        self,
        *,
        temporal_address: str,
        database_url: str,
        smtp_url: str,
        task_queue: str,
        secret: str,
        public_base_url: str,
        role: WorkerRole,
        log_level: str = "WARNING",
        settings: Mapping[str, str] | None = None,
    ) -> None:
        self._env = {
            **os.environ,
            "TEMPORAL_ADDRESS": temporal_address,
            "DATABASE_URL": database_url,
            "SMTP_URL": smtp_url,
            "TANDEM_SECRET": secret,
            "PUBLIC_BASE_URL": public_base_url,
            "TANDEM_TASK_QUEUE": task_queue,
            "TANDEM_WORKER_ROLE": role,
            "TANDEM_LOG_LEVEL": log_level,
            # A rehearsal's or a test's worker: no purge schedule of its own.
            "TANDEM_RETENTION_SCHEDULE": "false",
            # Anything else the worker reads from its environment (TANDEM_MAX_CACHED_WORKFLOWS…).
            **(settings or {}),
        }
        self._process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> WorkerProcess:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "worker"], cwd=_ROOT, env=self._env, stdin=subprocess.DEVNULL
        )
        return self

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("the worker process is not started")
        return self._process.pid

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as a deployment or `docker stop` does; returns the exit status.

        The worker stops polling and lets its activities in flight finish (see `worker.serve`);
        past `timeout` it is killed.
        """
        if self._process is None:
            raise RuntimeError("the worker process is not started")
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        return self._process.returncode

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self.stop()
