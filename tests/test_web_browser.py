"""The self-assessment page in a real browser (Debian's chromium driven by Playwright).

The app runs under uvicorn on 127.0.0.1 in the test's own event loop, against the real stack; the
browser opens the link of a real e-mail, fills the form through its labels, as a person would.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp

from contracts.ids import assessment_workflow_id
from devstack.ports import free_port
from domain.programme import Locale, Role
from domain.tokens import verify_task_token
from tests.browser_helpers import needs_browser
from tests.lifecycle_helpers import Run, Stack, small_cohort
from web.app import create_app
from web.server import http_server

SECRET = b"lifecycle-tests"
_LINK = re.compile(r"http://127\.0\.0\.1:8000/t/([A-Za-z0-9_-]+)")
SKILLS = {
    "linkedin": "LinkedIn",
    "generative-ai": "IA générative",
    "data-visualisation": "Visualisation de données",
    "automation": "Automatisation des tâches",
    "cybersecurity": "Cybersécurité",
}

pytestmark = needs_browser


@asynccontextmanager
async def serving(app: ASGIApp, port: int | None = None) -> AsyncIterator[str]:
    """`app` under uvicorn on `port` (by default a free one), in this event loop (the pool and
    client live here)."""
    port = port or free_port()
    server = http_server(app, "127.0.0.1", port)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(500):
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        assert server.started, "uvicorn did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@asynccontextmanager
async def on_a_phone(stack: Stack, browser: Any, token: str) -> AsyncIterator[Any]:
    """The task page of `token`, opened in a 320 px wide browser window."""
    app = create_app(client=stack.client, pool=stack.pool, secret=SECRET)
    async with serving(app) as base:
        context = await browser.new_context(viewport={"width": 320, "height": 740})
        try:
            page = await context.new_page()
            await page.goto(f"{base}/t/{token}")
            yield page
        finally:
            await context.close()


async def launch(stack: Stack) -> Run:
    spec = small_cohort(2)
    people = tuple(p.model_copy(update={"locale": Locale.FR}) for p in spec.participants)
    return await stack.launch(spec.model_copy(update={"participants": people}))


async def mentee_link(stack: Stack, run: Run) -> tuple[str, str]:
    """(participant id, token) of the mentee's self-assessment, from the e-mail they got."""
    mentee = run.ids(Role.MENTEE)[0]
    mail = (await stack.wait_for_mails("self_assessment", run.email(mentee)))[0]
    task_id = str(mail.message["X-Tandem-Task"])
    for token in _LINK.findall(mail.text()):
        if str(verify_task_token(token, SECRET, datetime.now(UTC)).task_id) == task_id:
            return mentee, token
    raise AssertionError("no task link in the e-mail")


async def answered(stack: Stack, run: Run, participant_id: str) -> bool:
    handle = stack.client.get_workflow_handle(assessment_workflow_id(run.spec.id, participant_id))
    status: dict[str, Any] = await handle.query("status")
    return bool(status["answered"])


async def fill_levels(page: Any, current: str, target: str, skip: str | None = None) -> None:
    for skill, label in SKILLS.items():
        if skill == skip:
            continue
        group = page.get_by_role("group", name=label, exact=True)
        await group.get_by_label("Niveau actuel").select_option(current)
        await group.get_by_label("Niveau visé").select_option(target)


async def test_a_mentee_fills_the_self_assessment_in_a_browser(stack: Stack, browser: Any) -> None:
    run = await launch(stack)
    mentee, token = await mentee_link(stack, run)
    async with on_a_phone(stack, browser, token) as page:
        assert await page.get_by_role("heading", level=1).inner_text() == "Auto-évaluation"
        # Readable at 320 px without scrolling sideways (WCAG 1.4.10).
        assert await page.evaluate("document.documentElement.scrollWidth") <= 320

        await fill_levels(page, "1", "3")
        priorities = page.get_by_role("group", name="Vos 3 compétences prioritaires au plus")
        await priorities.get_by_label("LinkedIn").check()
        await priorities.get_by_label("IA générative").check()
        await page.get_by_label("Lundi matin").check()
        await page.get_by_label("Jeudi après-midi").check()
        await page.get_by_label("À distance").check()
        await page.get_by_label("Anglais").check()
        await page.get_by_label("Leadership").check()
        await page.get_by_label("Autre thème").fill("Conduite du changement")
        await page.get_by_role("button", name="Envoyer").click()

        await page.get_by_role("heading", name="Merci, votre réponse est enregistrée").wait_for()
        assert "Les binômes seront formés" in await page.inner_text("main")
    assert await answered(stack, run, mentee)


async def test_an_invalid_submission_shows_the_error_summary_and_keeps_the_values(
    stack: Stack, browser: Any
) -> None:
    run = await launch(stack)
    mentee, token = await mentee_link(stack, run)
    async with on_a_phone(stack, browser, token) as page:
        await fill_levels(page, "2", "4", skip="automation")  # one skill forgotten
        await page.get_by_label("Mardi matin").check()
        await page.get_by_label("Autre thème").fill("Mentorat & <réseau>")
        await page.get_by_role("button", name="Envoyer").click()

        summary = page.get_by_role("alert")
        await summary.wait_for()
        text = await summary.inner_text()
        assert "corrigez 2 points" in text
        assert "Automatisation des tâches – Niveau actuel\u00a0: Choisissez une réponse." in text
        # The summary has the focus (no script: autofocus), so a screen reader reads it first.
        assert await page.evaluate("document.activeElement.id") == "error-summary"
        # Its links lead to the fields, and the fields say they are wrong.
        forgotten = page.get_by_role("group", name=SKILLS["automation"], exact=True)
        current = forgotten.get_by_label("Niveau actuel")
        assert await current.get_attribute("aria-invalid") == "true"
        assert "Choisissez une réponse." in await forgotten.inner_text()

        # What was typed and chosen is still there.
        linkedin = page.get_by_role("group", name="LinkedIn", exact=True)
        assert await linkedin.get_by_label("Niveau actuel").input_value() == "2"
        assert await linkedin.get_by_label("Niveau visé").input_value() == "4"
        assert await page.get_by_label("Mardi matin").is_checked()
        assert await page.get_by_label("Autre thème").input_value() == "Mentorat & <réseau>"

        # Keyboard focus is visible: Tab reaches a control that shows an outline.
        await page.keyboard.press("Tab")
        outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
        assert outline != "none"
    assert not await answered(stack, run, mentee)


# ---- the demo's outbox ------------------------------------------------------------------------


async def test_the_outbox_opens_on_the_demo_participant_and_names_each_link(
    stack: Stack, browser: Any, tmp_path: Path
) -> None:
    run = await launch(stack)
    mentee, mentor = run.ids(Role.MENTEE)[0], run.ids(Role.MENTOR)[0]
    you, other = run.email(mentee), run.email(mentor)
    await stack.wait_for_mails("self_assessment", count=2)
    await stack.sleep(timedelta(days=3, hours=1))  # nobody answers: each is reminded once
    await stack.wait_for_mails("self_assessment_reminder", count=2)
    for n, mail in enumerate(stack.mails(), start=1):
        (tmp_path / f"{n:07d}.eml").write_bytes(mail.message.as_bytes())
    app = create_app(
        client=stack.client,
        pool=stack.pool,
        secret=SECRET,
        outbox_dir=tmp_path,
        outbox_recipient=you,
    )
    concern = "Signaler une difficulté en toute confidentialité"
    async with serving(app) as base:
        context = await browser.new_context()
        try:
            page = await context.new_page()
            await page.goto(f"{base}/outbox")
            # In French, as the e-mails, and on the e-mails of the one participant left to you.
            assert await page.get_attribute("html", "lang") == "fr"
            heading = page.get_by_role("heading", level=1)
            assert await heading.inner_text() == "Boîte d’envoi (démo)"
            recipient = page.get_by_label("Afficher les e-mails de")
            assert await recipient.input_value() == you
            mails = page.get_by_role("table").get_by_role("row")
            assert await mails.count() == 1 + 2  # the header, the request and its reminder
            table = await page.get_by_role("table").inner_text()
            assert other not in table and "Votre auto-évaluation" in table
            assert await page.get_by_role("link", name="Auto-évaluation", exact=True).count() == 2
            # The confidential link every e-mail carries, once, in the outbox's footer.
            assert await page.get_by_role("link", name=concern).count() == 1
            footer = page.get_by_role("region", name="Lien confidentiel")
            assert await footer.get_by_role("link", name=concern).count() == 1

            await recipient.select_option(label="Tous les destinataires")
            await page.get_by_role("button", name="Afficher").click()
            await page.get_by_role("heading", name="Tous les e-mails").wait_for()
            assert await mails.count() == 1 + 4
            table = await page.get_by_role("table").inner_text()
            assert you in table and other in table
            assert await page.get_by_role("link", name=concern).count() == 2  # one each

            await recipient.select_option(value=other)
            await page.get_by_role("button", name="Afficher").click()
            await page.get_by_role("heading", name=re.compile("E-mails reçus par")).wait_for()
            assert await mails.count() == 1 + 2
            assert you not in await page.get_by_role("table").inner_text()

            # The English version keeps the recipient chosen.
            await page.get_by_role("link", name="English version").click()
            await page.get_by_role("heading", name="Outbox (demo)").wait_for()
            assert await page.get_by_label("Show the e-mails of").input_value() == other
            assert await page.get_by_role("link", name="Self-assessment", exact=True).count() == 2
            assert (
                await page.get_by_role("link", name="Raise a concern confidentially").count() == 1
            )
        finally:
            await context.close()
