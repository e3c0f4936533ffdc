"""A worker's health and readiness over HTTP, for container healthchecks and orchestrators.

`/healthz` answers 200 while the process runs; `/readyz` answers 200 once the worker polls its
task queue, and 503 before (and while it shuts down). Plain asyncio: a worker needs no web
framework for two fixed answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

_RESPONSES = {
    200: b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n",
    503: b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
    b"Content-Length: 10\r\n\r\nnot ready\n",
    404: b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
}


async def serve_health(host: str, port: int, ready: Callable[[], bool]) -> asyncio.Server:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readline(), timeout=5)
            path = request.split(b" ")[1] if request.count(b" ") >= 2 else b""
            if path == b"/healthz":
                status = 200
            elif path == b"/readyz":
                status = 200 if ready() else 503
            else:
                status = 404
            writer.write(_RESPONSES[status])
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(answer, host, port)
