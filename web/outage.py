"""Telling an outage of PostgreSQL or Temporal from a bug, and saying so once.

While the database restarts or Temporal is out of reach, every request fails the same way: the
reader gets a 503 with `Retry-After` (web/errors.py), and the log gets one warning per outage
window with a count, not a traceback per request.
"""

from __future__ import annotations

import time
from types import TracebackType

import asyncpg
import structlog
from temporalio.service import RPCError, RPCStatusCode

from credentials.keyring import KeyUnavailable

log = structlog.get_logger("web")

RETRY_AFTER_SECONDS = 30

# What PostgreSQL says while it shuts down, restarts or is full.
_SERVER_REFUSES = (
    asyncpg.PostgresConnectionError,  # 08xxx, among them the connection lost mid-query
    asyncpg.CannotConnectNowError,  # 57P03: starting up, shutting down, in recovery
    asyncpg.exceptions.AdminShutdownError,  # 57P01: connections terminated by a shutdown
    asyncpg.exceptions.CrashShutdownError,  # 57P02
    asyncpg.TooManyConnectionsError,  # 53300
)
# Raised by the client side, and only an outage when asyncpg raised it: the socket refused or
# missing, a connection attempt timed out, a connection or pool already closed. Anywhere else an
# OSError is a bug or a full disk, not the database.
_CLIENT_SIDE = (OSError, TimeoutError, asyncpg.InterfaceError)
_CLOSED_WORDS = ("closed", "closing")

_TEMPORAL_DOWN = (
    RPCStatusCode.UNAVAILABLE,
    RPCStatusCode.DEADLINE_EXCEEDED,
    RPCStatusCode.RESOURCE_EXHAUSTED,
)


def database_unavailable(error: BaseException) -> bool:
    if isinstance(error, _SERVER_REFUSES):
        return True
    if not isinstance(error, _CLIENT_SIDE) or not _raised_in_asyncpg(error.__traceback__):
        return False
    if isinstance(error, asyncpg.InterfaceError):
        return any(word in str(error) for word in _CLOSED_WORDS)
    return True


def temporal_unavailable(error: BaseException) -> bool:
    return isinstance(error, RPCError) and error.status in _TEMPORAL_DOWN


def unavailable_service(error: BaseException) -> str | None:
    """`database` or `temporal` when `error` is that service being out of reach, `data_keys` when
    a data key does not unwrap (the keyring logs which), else None."""
    if database_unavailable(error):
        return "database"
    if temporal_unavailable(error):
        return "temporal"
    if isinstance(error, KeyUnavailable):
        return "data_keys"
    return None


def _raised_in_asyncpg(tb: TracebackType | None) -> bool:
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith("asyncpg"):
            return True
        tb = tb.tb_next
    return False


class OutageLog:
    """One warning per service and window; the requests answered 503 meanwhile are counted in
    the next one, so an outage reads as a handful of lines, whatever the traffic."""

    def __init__(self, window_seconds: float = RETRY_AFTER_SECONDS) -> None:
        self._window = window_seconds
        self._last: dict[str, float] = {}
        self._since: dict[str, int] = {}

    def record(self, service: str, error: BaseException, **details: object) -> None:
        now = time.monotonic()
        last = self._last.get(service)
        if last is not None and now - last < self._window:
            self._since[service] = self._since.get(service, 0) + 1
            return
        self._last[service] = now
        log.warning(
            "web.service_unavailable",
            service=service,
            error=type(error).__name__,
            unlogged_since_last=self._since.pop(service, 0),
            **details,
        )
