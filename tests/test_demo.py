"""`tandem demo` as a new user meets it: open the outbox, follow the self-assessment link of the
demo's own mentee, answer in a real browser, and see the workflow move.

The demo runs as a subprocess on free ports, with its state in a temporary folder.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.client import Client

from tests.browser_helpers import needs_browser
from tests.demo_helpers import demo_command, free_ports
from tests.test_web_browser import fill_levels

ROOT = Path(__file__).resolve().parent.parent
YOU = "sophie.lefebvre@example.com"  # the sample programme's first mentee
# A row of the panel of addresses: │ Outbox       http://127.0.0.1:8000/outbox │
_ADDRESS = re.compile(
    r"^│ (Outbox|Web app|Dashboard|Temporal UI) +(http://127\.0\.0\.1:\d+/\S*) +│$"
)

pytestmark = needs_browser


class Demo:
    def __init__(self, process: subprocess.Popen[str], temporal_port: int) -> None:
        self.process = process
        self.temporal_port = temporal_port
        self.addresses: dict[str, str] = {}
        self.lines: list[str] = []

    def read_addresses(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            match = _ADDRESS.match(line.strip())
            if match:
                self.addresses[match.group(1)] = match.group(2)
            if "One programme day lasts" in line:
                return
        raise AssertionError(f"the demo stopped before printing its addresses: {self.lines}")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    web, temporal, ui, smtp = free_ports(4)
    home = tmp_path_factory.mktemp("demo-home")
    process = subprocess.Popen(
        # A 60-second day: the self-assessment window (7 days) outlasts the test.
        demo_command(web, temporal, ui, smtp, day_seconds=60),
        cwd=ROOT,
        env={**os.environ, "TANDEM_HOME": str(home), "TANDEM_LOG_LEVEL": "WARNING"},
        stdout=subprocess.PIPE,
        text=True,
    )
    running = Demo(process, temporal)
    try:
        running.read_addresses()
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise


async def _eventually_text(url: str, needle: str, within: float = 60) -> str:
    async with httpx.AsyncClient() as http:
        for _ in range(int(within / 0.5)):
            page = await http.get(url)
            if page.status_code == 200 and needle in page.text:
                return page.text
            await asyncio.sleep(0.5)
    raise AssertionError(f"{needle!r} never appeared on {url}")


@pytest.fixture
async def temporal(demo: Demo) -> AsyncIterator[Client]:
    from client.connection import connect_client

    yield await connect_client(f"127.0.0.1:{demo.temporal_port}")


def test_the_demo_shows_its_addresses(demo: Demo) -> None:
    assert set(demo.addresses) == {"Outbox", "Web app", "Dashboard", "Temporal UI"}
    assert demo.addresses["Outbox"].endswith("/outbox")
    assert any(YOU in line for line in demo.lines)


async def test_the_temporal_ui_answers(demo: Demo) -> None:
    await _eventually_text(demo.addresses["Temporal UI"], "<", within=30)


async def test_a_new_user_answers_the_self_assessment_from_the_outbox(
    demo: Demo, browser: Any, temporal: Client
) -> None:
    outbox = demo.addresses["Outbox"]
    await _eventually_text(outbox, "Votre auto-évaluation")
    await _eventually_text(outbox, YOU)

    page = await (await browser.new_context()).new_page()
    await page.goto(demo.addresses["Web app"])  # the front page leads to the outbox
    # It opens on the e-mails of the one participant nobody simulates, each link named by its task.
    assert await page.get_by_label("Afficher les e-mails de").input_value() == YOU
    row = page.get_by_role("row").filter(has_text="Votre auto-évaluation")
    await row.get_by_role("link", name="Auto-évaluation", exact=True).first.click()
    assert await page.get_by_role("heading", level=1).inner_text() == "Auto-évaluation"

    await fill_levels(page, "0", "3")
    await page.get_by_label("Lundi matin").check()
    await page.get_by_role("button", name="Envoyer").click()
    await page.get_by_role("heading", name="Merci, votre réponse est enregistrée").wait_for()

    # The run moved: the participant's assessment workflow has the answer.
    from domain.programme import participant_id

    you = participant_id("pilote-2027", YOU)
    handle = temporal.get_workflow_handle(f"assessment:pilote-2027:{you}")
    status: dict[str, Any] = await handle.query("status")
    assert status["answered"] is True
