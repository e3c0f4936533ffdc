"""The coordinator's dashboard in a real browser: sign-in, funnel, pair timeline, an action."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx

from contracts.programme import ProgrammePhase
from control.files import load_matching_problem
from credentials.passwords import hash_password
from domain.accounts import AuditAction, AuditDetail, AuditOutcome
from domain.answers import Concern
from domain.events import EventType
from domain.matcher import solve
from domain.matching import Factor, FactorCode, ProposedPair, Unmatched
from domain.programme import MatchingSettings, Role
from domain.sealed_text import is_sealed
from domain.tasks import TaskKind
from i18n.catalogues import source_messages
from store import audit
from store.projections import Projector
from tests.browser_helpers import needs_browser
from tests.dashboard_helpers import post_form, sign_in
from tests.lifecycle_helpers import Stack, eventually, opened, small_cohort
from tests.test_web_browser import serving
from web import csrf
from web.app import create_app
from web.dashboard import DashboardSettings
from web.i18n import LOCALES, Translator
from workflows.programme import ProgrammeWorkflow

ROOT = Path(__file__).resolve().parent.parent
SECRET = b"dashboard-tests"
PASSWORD = "correct horse battery staple"
SIGN_IN = "Connexion de la coordination"  # French: the dashboard's default language
SETTINGS = DashboardSettings(
    password_hash=hash_password(PASSWORD), temporal_ui_url="http://ui:8233"
)


def test_a_form_opened_before_the_secret_was_rotated_is_still_accepted() -> None:
    nonce = csrf.new_nonce()
    token = csrf.form_token(SECRET, "coordinator", nonce)
    assert csrf.is_valid(b"new secret", "coordinator", nonce, token, previous=(SECRET,))
    assert not csrf.is_valid(b"new secret", "coordinator", nonce, token)
    assert not csrf.is_valid(b"new secret", "elsewhere", nonce, token, previous=(SECRET,))


async def test_without_signing_in_nothing_is_shown(stack: Stack) -> None:
    app = create_app(client=stack.client, pool=stack.pool, secret=SECRET, dashboard=SETTINGS)
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        for path in ("/coordinator", "/coordinator/p/x", "/coordinator/p/x/pairs/0001"):
            response = await http.get(path)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/coordinator/login")
        http.cookies.set("tandem_coordinator", "x" * 43)  # a forged session
        assert (await http.get("/coordinator")).status_code == 303
        http.cookies.clear()
        # Without the form's CSRF token, even the right password does nothing.
        refused = await http.post("/coordinator/login", data={"password": PASSWORD})
        assert refused.status_code == 403 and "tandem_coordinator" not in refused.cookies
        # A sign-in never sends anyone off-site.
        login = await http.get("/coordinator/login?next=https://evil.example/")
        assert 'value="/coordinator"' in login.text


async def test_an_action_on_a_programme_that_runs_nowhere_is_a_page_not_a_traceback(
    stack: Stack,
) -> None:
    """Approving the matching of a programme no workflow runs: "not found", and the attempt is in
    the audit trail as not delivered; nothing else changes."""
    app = create_app(client=stack.client, pool=stack.pool, secret=SECRET, dashboard=SETTINGS)
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        assert (await sign_in(http, "admin", PASSWORD)).status_code == 303
        answer = await post_form(
            http, "/coordinator", "/coordinator/p/never-started/matching/approve", {}
        )
        assert answer.status_code == 404 and "Traceback" not in answer.text
    trail = await audit.read(stack.pool, "never-started")
    assert [(e.action, e.outcome, e.detail) for e in trail] == [
        (AuditAction.APPROVED_MATCHING, AuditOutcome.REFUSED, AuditDetail.NOT_DELIVERED.value)
    ]


@needs_browser
async def test_a_coordinator_signs_in_reviews_and_approves(stack: Stack, browser: Any) -> None:
    spec = small_cohort(6)
    run = await stack.launch(
        spec.model_copy(update={"matching": MatchingSettings(auto_approve=False)})
    )
    await run.until_phase(ProgrammePhase.REVIEW, max_days=10)
    projector = Projector(stack.pool)
    await projector.catch_up()

    app = create_app(client=stack.client, pool=stack.pool, secret=SECRET, dashboard=SETTINGS)
    async with serving(app) as base:
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(f"{base}/coordinator")
        assert await page.get_by_role("heading", level=1).inner_text() == SIGN_IN

        await page.get_by_label("Adresse e-mail du compte").fill("admin")
        await page.get_by_label("Mot de passe").fill("not the password")
        await page.get_by_role("button", name="Se connecter").click()
        assert await page.get_by_role("alert").inner_text() == "Adresse ou mot de passe incorrect."
        assert await page.get_by_label("Mot de passe").get_attribute("aria-invalid") == "true"

        await page.get_by_label("Mot de passe").fill(PASSWORD)
        await page.get_by_role("button", name="Se connecter").click()
        await page.get_by_role("link", name=spec.name).click()

        # The funnel: everyone enrolled and answered; the matching waits for its review.
        funnel = page.get_by_role("table").first
        assert "inscrits" in await funnel.inner_text()
        enrolled = funnel.get_by_role("row", name="inscrits")
        assert "6" in await enrolled.inner_text()
        assert await page.get_by_role("heading", name="Revue des binômes").count() == 1

        # Ban the first proposed pair: the matching is re-solved without it.
        await page.get_by_role("button", name=re.compile("^Exclure ")).first.click()
        notice = await page.get_by_role("status").inner_text()
        assert notice.startswith("C’est fait\u00a0: appariement recalculé"), notice
        view = await run.handle.query(ProgrammeWorkflow.matching)
        assert view.proposal is not None and len(view.banned) == 1
        # Swap the first two mentees' mentors (the form's default choice).
        first, second = view.proposal.pairs[0], view.proposal.pairs[1]
        onto_ban = {(second.mentor_id, first.mentee_id), (first.mentor_id, second.mentee_id)}
        await page.get_by_role("button", name="Échanger leurs mentors").click()
        notice = await page.get_by_role("status").inner_text()
        if onto_ban & set(view.banned):
            assert notice.startswith("Refusé\u00a0:") and "exclu" in notice
        else:
            assert notice.startswith("C’est fait\u00a0: appariement recalculé"), notice
            swapped = await run.handle.query(ProgrammeWorkflow.matching)
            assert swapped.proposal is not None
            mentor_of = {p.mentee_id: p.mentor_id for p in swapped.proposal.pairs}
            assert mentor_of[first.mentee_id] == second.mentor_id

        await page.get_by_role("button", name="Valider l’appariement").click()
        assert "Appariement validé" in await page.get_by_role("status").inner_text()
        await run.until_phase(ProgrammePhase.RUNNING, max_days=1)
        # Both partners accept the charter: their chemistry meeting is what is waited for.
        formed = len((await run.summary()).pairs)
        await run.accept_charters(pairs=formed)

        async def meetings_open() -> bool:
            return len(await run.open_tasks(TaskKind.CHEMISTRY)) == 2 * formed

        await eventually(meetings_open, "every pair's chemistry tasks")

        # Pairs appear once the read models catch up; each has its timeline.
        async def pairs_projected() -> bool:
            await projector.catch_up()
            return len((await run.summary()).pairs) > 0 and bool(
                await stack.pool.fetchval(
                    "SELECT count(*) FROM rm_pairs WHERE programme_id = $1", spec.id
                )
            )

        await eventually(pairs_projected, "pairs in the read models")
        await page.reload()
        await page.get_by_role("link", name="0001", exact=True).click()
        heading = await page.get_by_role("heading", level=1).inner_text()
        assert heading.startswith("Binôme 0001")
        timeline = await page.locator("ol.timeline").inner_text()
        assert "binôme formé" in timeline
        ui_link = page.get_by_role("link", name="son exécution dans l’interface Temporal")
        assert await ui_link.get_attribute("href") == (
            f"http://ui:8233/namespaces/default/workflows/pair%3A{spec.id}%3A0001"
        )

        # Ending a pair is refused before its chemistry meeting, with the reason shown.
        await page.get_by_label("Pourquoi (conservé au dossier").fill("A test of the form")
        await page.get_by_role("button", name="Mettre fin au binôme").click()
        notice = await page.get_by_role("status").inner_text()
        assert notice == "Refusé\u00a0: attendez les réponses à la première rencontre", notice
        # A notice is the dashboard's own: the same page with words someone put in a link says
        # nothing, and neither does the real notice under a forged signature.
        crafted = re.sub(r"notice=[^&]*", "notice=Compte+bloqu%C3%A9%2C+appelez+le+0800", page.url)
        await page.goto(crafted)
        assert await page.get_by_role("status").count() == 0
        assert "appelez" not in await page.content()
        await page.go_back()

        # Remind one partner of the chemistry answer: one e-mail, and not twice the same day.
        waiting = page.get_by_role("table").filter(has_text="après la première rencontre")
        assert await waiting.get_by_role("row").count() == 3  # a header and both partners
        remind = waiting.get_by_role("button", name=re.compile("^Relancer .* par e-mail")).first
        await remind.click()
        notice = await page.get_by_role("status").inner_text()
        assert notice.startswith("C’est fait\u00a0:"), notice
        assert notice.endswith("reçoit une relance par e-mail."), notice
        (nudge,) = await stack.wait_for_mails("task_nudge")
        assert nudge.recipients[0] in {p.email for p in spec.participants}
        await (
            page.get_by_role("table")
            .filter(has_text="après la première rencontre")
            .get_by_role("button", name=re.compile("^Relancer "))
            .first.click()
        )
        notice = await page.get_by_role("status").inner_text()
        assert (
            notice == "Refusé\u00a0: une relance pour cette tâche est partie il y a moins d’un jour"
        )

        # The same page in English, and the choice stays for the next pages.
        await page.get_by_role("link", name="English version").click()
        assert await page.get_by_role("heading", name="Timeline").count() == 1
        await page.get_by_role("link", name=f"← {spec.id}").click()
        assert await page.get_by_role("heading", name="Funnel").count() == 1
        await page.get_by_role("link", name="Version française").click()
        await page.get_by_role("link", name="0001", exact=True).click()

        # Re-pair: the pair is dissolved and the mentee offered a backup mentor.
        await page.get_by_label("Pourquoi changer de binôme").fill("Même service, en fait")
        await page.get_by_role("button", name="Proposer un autre mentor").click()
        notice = await page.get_by_role("status").inner_text()
        assert notice.startswith("C’est fait\u00a0: le binôme est dissous"), notice
        outcome = await run.pair(1).result()
        assert outcome.phase.value == "dissolved" and is_sealed(outcome.reason)
        assert await opened(stack.pool, outcome.reason) == "Même service, en fait"

        # The programme report, from the dashboard.
        await page.get_by_role("link", name=spec.id).click()
        await page.get_by_role("link", name="le rapport du programme").click()
        assert await page.get_by_role("heading", level=1).inner_text() == spec.name
        # Too early for charts: no final evaluation and no session yet, and the page says so.
        assert await page.get_by_text("n’a encore à la fois une auto-évaluation").count() == 1
        assert await page.get_by_text("Aucune séance n’est encore planifiée.").count() == 1

        await page.goto(f"{base}/coordinator")
        await page.get_by_role("button", name="Se déconnecter").click()
        await page.goto(f"{base}/coordinator")
        assert await page.get_by_role("heading", level=1).inner_text() == SIGN_IN
        await context.close()


def test_every_word_of_the_dashboard_exists_in_both_languages() -> None:
    assert set(source_messages("fr")) == set(source_messages("en"))
    for event_type in EventType:  # a timeline never shows a raw event name
        for locale in LOCALES:
            assert Translator(locale).has(f"dash.event.{event_type.value}"), (locale, event_type)


async def test_a_concern_reaches_the_coordinator_s_page_and_nowhere_else(stack: Stack) -> None:
    spec = small_cohort(2)
    run = await stack.launch(spec)
    (mentee,) = run.ids(Role.MENTEE)
    task = await run.task(TaskKind.CONCERN, mentee)
    text = "Mon mentor annule souvent <b>au dernier moment</b>"
    await run.send(task, Concern(task_id=task.task_id, participant_id=mentee, text=text))

    app = create_app(client=stack.client, pool=stack.pool, secret=SECRET, dashboard=SETTINGS)
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        page = f"/coordinator/p/{spec.id}"
        assert "annule souvent" not in (await http.get(page, follow_redirects=True)).text
        assert (await sign_in(http, "admin", PASSWORD)).status_code == 303

        async def listed() -> str | None:
            await Projector(stack.pool).catch_up()  # the programme row comes from the read models
            html = (await http.get(page)).text
            return html if "Signalements confidentiels" in html and "Lire" in html else None

        html = await eventually(listed, "the concern on the programme page")
        name = next(p.name for p in spec.participants if p.id == mentee)
        assert name in html
        assert "annule" not in html  # its words are read one at a time, each reading audited
        link = re.search(r'href="(/coordinator/p/[^"]+/concerns/\d+)"', html)
        assert link is not None
        opened = (await http.get(link[1])).text
        assert "annule souvent &lt;b&gt;au dernier moment&lt;/b&gt;" in opened  # shown, never run


def test_the_matcher_s_explanations_are_worded_from_their_codes() -> None:
    problem = load_matching_problem(ROOT / "examples" / "matching" / "problem.yaml")
    left_out = problem.mentees[0].id  # banned with every mentor: nobody is left to pair them
    banned = frozenset((m.id, left_out) for m in problem.mentors)
    proposal = solve(problem.model_copy(update={"banned": banned}))
    assert {f.code for p in proposal.pairs for f in p.factors} >= {"skills", "availability"}
    assert any(u.participant_id == left_out for u in proposal.unmatched)
    french, english = Translator("fr"), Translator("en")
    for pair in proposal.pairs:
        worded = french.pair_reasons(pair)
        assert len(worded) == len(pair.reasons)
        for sentence, words in zip(pair.reasons, worded, strict=True):
            assert words != sentence, sentence  # French words, not the matcher's English
        in_english = english.pair_reasons(pair)
        assert in_english != worded and not any("factor." in words for words in in_english)
    for u in proposal.unmatched:
        assert french.unmatched(u) not in (u.reason, english.unmatched(u))
    assert "exclusion" in french.unmatched(
        next(u for u in proposal.unmatched if u.participant_id == left_out)
    )


def test_a_proposal_recorded_with_sentences_only_shows_them_as_recorded() -> None:
    old = ProposedPair(mentor_id="a", mentee_id="b", score=2.0, reasons=("can teach python",))
    assert Translator("fr").pair_reasons(old) == ["can teach python"]
    recorded = Factor(code=FactorCode.SKILLS, points=2.0, text="can teach python")
    with_factors = old.model_copy(update={"factors": (recorded,)})
    assert Translator("fr").pair_reasons(with_factors) == ["can teach python"]
    left = Unmatched(participant_id="c", reason="no compatible mentor: grade (3)")
    assert Translator("fr").unmatched(left) == "no compatible mentor: grade (3)"
