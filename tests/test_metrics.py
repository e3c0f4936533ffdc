"""Prometheus metrics: the SDK's workflow and activity metrics, and the web app's own."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.testing import WorkflowEnvironment

from devstack.ports import free_port
from devstack.temporal import start_time_skipping
from tests.lifecycle_helpers import Stack, eventually, small_cohort
from tests.test_web_browser import mentee_link, serving
from web.app import create_app
from web.metrics import metrics_app

SECRET = b"lifecycle-tests"
METRICS_PORT = free_port()
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """This module's server and worker share a runtime that serves Prometheus metrics."""
    runtime = Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=f"127.0.0.1:{METRICS_PORT}")
        )
    )
    env = await start_time_skipping(runtime=runtime)
    try:
        yield env
    finally:
        await env.shutdown()


async def test_the_sdk_reports_workflow_and_activity_metrics(stack: Stack) -> None:
    await stack.launch(small_cohort(4))
    await stack.wait_for_mails("self_assessment")
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"http://127.0.0.1:{METRICS_PORT}/metrics")).text
    for metric in (
        "temporal_workflow_task_execution_latency",
        "temporal_activity_execution_latency",
        "temporal_workflow_task_queue_poll_succeed",
    ):
        assert metric in text, metric
    assert 'activity_type="record_step"' in text


async def test_the_web_app_counts_requests_by_route_never_by_token(stack: Stack) -> None:
    run = await stack.launch(small_cohort(2))
    _, token = await mentee_link(stack, run)
    app = create_app(client=stack.client, pool=stack.pool, secret=SECRET)
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        assert (await http.get(f"/t/{token}")).status_code == 200
        assert (await http.get("/t/forged-token")).status_code == 404
        # Participants' app: no metrics, whatever the method.
        assert (await http.get("/metrics")).status_code == 404
        assert (await http.post("/metrics")).status_code in (404, 405)
    async with serving(metrics_app(app.state.metrics)) as base, httpx.AsyncClient() as http:
        metrics = await http.get(f"{base}/metrics")
        assert (await http.get(f"{base}/t/{token}")).status_code == 404  # metrics only
    assert metrics.status_code == 200
    text = metrics.text
    assert token not in text and "forged-token" not in text
    assert re.search(
        r'tandem_http_requests_total\{method="GET",route="/t/\{token\}",status="200"\} 1', text
    )
    assert re.search(
        r'tandem_http_requests_total\{method="GET",route="/t/\{token\}",status="404"\} 1', text
    )
    assert re.search(
        r'tandem_http_requests_total\{method="GET",route="other",status="404"\} 1', text
    )
    assert "tandem_http_request_seconds_bucket" in text
    assert "tandem_read_models_behind_events" in text


async def test_tandem_web_serves_its_metrics_on_their_own_port_behind_the_token(
    stack: Stack, database_url: str
) -> None:
    run = await stack.launch(small_cohort(2))
    _, token = await mentee_link(stack, run)
    port, metrics_port = free_port(), free_port()
    web = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "starter",
        "web",
        "--port",
        str(port),
        cwd=ROOT,
        env={
            **os.environ,
            "TEMPORAL_ADDRESS": stack.env.client.service_client.config.target_host,
            "DATABASE_URL": database_url,
            "SMTP_URL": "smtp://127.0.0.1:1",  # the web app sends no mail
            "TANDEM_SECRET": SECRET.decode(),
            "TANDEM_WEB_METRICS_PORT": str(metrics_port),
            "TANDEM_METRICS_TOKEN": "scrape-me",
            "TANDEM_LOG_FORMAT": "json",
        },
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    public, scraper = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}/metrics"
    bearer = {"Authorization": "Bearer scrape-me"}
    try:
        async with httpx.AsyncClient(timeout=10) as http:

            async def both_up() -> bool:
                try:
                    health = await http.get(f"{public}/healthz")
                    scraped = await http.get(scraper, headers=bearer)
                except httpx.TransportError:
                    assert web.returncode is None, "tandem web exited"
                    return False
                return health.status_code == scraped.status_code == 200

            await eventually(both_up, "tandem web and its metrics port", within=60)
            assert (await http.get(f"{public}/t/{token}")).status_code == 200
            assert (await http.get(f"{public}/t/{token}")).status_code == 200
            assert (await http.get(f"{public}/metrics")).status_code == 404
            assert (await http.get(f"{public}/metrics", headers=bearer)).status_code == 404

            refused = [
                await http.get(scraper),
                await http.get(scraper, headers={"Authorization": "Bearer scrape-me-not"}),
                await http.get(scraper, headers={"Authorization": "Bearer"}),
                await http.get(scraper, headers={"Authorization": "Basic c2NyYXBlLW1l"}),
                await http.get(scraper, headers={"Authorization": "scrape-me"}),
            ]
            assert [r.status_code for r in refused] == [401] * 5
            assert all("tandem_http_requests_total" not in r.text for r in refused)
            assert refused[0].headers["WWW-Authenticate"].startswith("Bearer")

            scraped = await http.get(scraper, headers=bearer)
            assert scraped.status_code == 200
            # The main app's own counters: its two task pages and its refused /metrics.
            assert re.search(
                r'tandem_http_requests_total\{method="GET",route="/t/\{token\}",status="200"\} 2',
                scraped.text,
            )
            assert re.search(
                r'tandem_http_requests_total\{method="GET",route="other",status="404"\} 2',
                scraped.text,
            )
            assert token not in scraped.text

            # SIGTERM stops both servers, and the process exits.
            web.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(web.wait(), 30) == 0
            for url in (f"{public}/healthz", scraper):
                with pytest.raises(httpx.ConnectError):
                    await http.get(url, headers=bearer)
    finally:
        if web.returncode is None:
            web.kill()
            await web.wait()
    assert web.stderr is not None
    errors = (await web.stderr.read()).decode()
    assert "Traceback" not in errors, errors
