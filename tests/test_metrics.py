"""Prometheus metrics: the SDK's workflow and activity metrics, and the web app's own."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.testing import WorkflowEnvironment

from devstack.ports import free_port
from devstack.temporal import start_time_skipping
from tests.lifecycle_helpers import Stack, small_cohort
from tests.test_web_browser import mentee_link, serving
from web.app import create_app

SECRET = b"lifecycle-tests"
METRICS_PORT = free_port()


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
        metrics = await http.get("/metrics")
    assert metrics.status_code == 200
    text = metrics.text
    assert token not in text and "forged-token" not in text
    assert re.search(
        r'tandem_http_requests_total\{method="GET",route="/t/\{token\}",status="200"\} 1', text
    )
    assert re.search(
        r'tandem_http_requests_total\{method="GET",route="/t/\{token\}",status="404"\} 1', text
    )
    assert "tandem_http_request_seconds_bucket" in text
    assert "tandem_read_models_behind_events" in text
