"""Local ports: a free one for a private server, or a clear error when a chosen one is taken."""

from __future__ import annotations

import socket


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def ensure_free(host: str, port: int, what: str) -> None:
    """Raise OSError naming `what` (e.g. the option that sets it) when `port` is already taken.

    Servers started later would otherwise fail deep inside (uvicorn exits the process), with a
    traceback instead of a sentence.
    """
    with socket.socket() as s:
        # As the servers bind: a port whose last connections linger in TIME_WAIT (a demo just
        # stopped) is free for them, and must be for this check too; one listened on is not.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            raise OSError(
                f"port {port} on {host} is already in use ({what}): stop what uses it, "
                "or choose another port"
            ) from None
