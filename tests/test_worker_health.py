"""A worker's health endpoints, as a container healthcheck or an orchestrator calls them."""

from __future__ import annotations

import httpx

from devstack.ports import free_port
from worker_health import serve_health


async def test_health_answers_always_and_readiness_once_polling() -> None:
    ready = False
    port = free_port()
    server = await serve_health("127.0.0.1", port, lambda: ready)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            assert (await http.get("/healthz")).status_code == 200
            assert (await http.get("/readyz")).status_code == 503
            ready = True
            response = await http.get("/readyz")
            assert (response.status_code, response.text) == (200, "ok\n")
            assert (await http.get("/metrics-or-anything")).status_code == 404
    finally:
        server.close()
        await server.wait_closed()
