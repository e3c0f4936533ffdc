"""The participant pages behind e-mailed task links, on the real stack.

Links come from e-mails the SMTP sink received; answers go through the real app to the real
workflows (time-skipping Temporal, the worker, PostgreSQL), and every "nothing changed" is checked
on the workflow and the event store, not on the page.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog
from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter

from contracts.ids import assessment_workflow_id
from contracts.roster import CHANGE_EMAIL
from devstack.temporal import start_time_skipping
from domain.events import EventType, participant_stream, programme_stream
from domain.programme import Locale, Role
from domain.roster import ChangeEmail, OpenLink
from domain.sealed_text import is_sealed
from domain.skills import skill_labels
from domain.tasks import TaskKind, TaskSpec, TaskStatus
from domain.tokens import sign_task_token, verify_task_token
from guides.library import Onboarding, built_in
from i18n.formatting import long_date
from store.db import create_pool
from store.participants import ParticipantStore
from store.tasks import TaskRecord, TaskStore
from tests.lifecycle_helpers import Run, Stack, eventually, opened, small_cohort
from web.app import create_app

SECRET = b"lifecycle-tests"  # what `mail_settings` in lifecycle_helpers signs links with
BASE = "http://127.0.0.1:8000"
SKILLS = ("linkedin", "generative-ai", "data-visualisation", "automation", "cybersecurity")
_LINK = re.compile(r"http://127\.0\.0\.1:8000(/t/([A-Za-z0-9_-]+))")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_SUBMISSION = re.compile(r'name="submission" value="([0-9a-f]{32})"')


# ---- helpers ------------------------------------------------------------------------------------


@dataclass
class Participant:
    run: Run
    id: str
    path: str  # /t/{token}, from the e-mail
    task_id: uuid.UUID

    @property
    def token(self) -> str:
        return self.path.removeprefix("/t/")


async def launch(stack: Stack, english_mentee: bool = False) -> Run:
    """One mentee and one mentor, French-speaking unless the mentee is made English."""
    spec = small_cohort(2)

    def locale(role: Role) -> Locale:
        return Locale.EN if english_mentee and role is Role.MENTEE else Locale.FR

    people = tuple(p.model_copy(update={"locale": locale(p.role)}) for p in spec.participants)
    spec = spec.model_copy(update={"participants": people})
    assert tuple(s.id for s in spec.skills) == SKILLS
    return await stack.launch(spec)


async def participant(stack: Stack, run: Run, role: Role) -> Participant:
    """A participant of `role` and the self-assessment link their e-mail carries."""
    pid = run.ids(role)[0]
    mail = (await stack.wait_for_mails("self_assessment", run.email(pid)))[0]
    task_id = uuid.UUID(str(mail.message["X-Tandem-Task"]))
    for path, token in _LINK.findall(mail.text()):
        if verify_task_token(token, SECRET, datetime.now(UTC)).task_id == task_id:
            return Participant(run, pid, path, task_id)
    raise AssertionError("the self-assessment e-mail has no link to its task")


@pytest.fixture
async def web(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(client=stack.client, pool=stack.pool, secret=SECRET)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the form has no CSRF token"
    return found[1]


def submission_of(html: str) -> str:
    found = _SUBMISSION.search(html)
    assert found, "the form has no submission id"
    return found[1]


def mentee_answer(**overrides: Any) -> dict[str, Any]:
    form: dict[str, Any] = {f"levels-{s}": "1" for s in SKILLS}
    form |= {f"targets-{s}": "3" for s in SKILLS}
    form |= {
        "priorities": ["linkedin", "generative-ai"],
        "availability": ["mon-am", "thu-pm"],
        "format": "remote",
        "languages": ["fr", "en"],
        "exchange": ["leadership", "strategy"],
        "exchange_other": "",
    }
    return form | overrides


async def open_form(web: httpx.AsyncClient, who: Participant, query: str = "") -> str:
    page = await web.get(who.path + query)
    assert page.status_code == 200, page.text
    return page.text


async def submit(
    web: httpx.AsyncClient, who: Participant, form: dict[str, Any], query: str = ""
) -> httpx.Response:
    """Open the form (which sets the CSRF cookie), then post `form` with its CSRF token."""
    token = csrf_of(await open_form(web, who, query))
    return await web.post(who.path + query, data={**form, "csrf_token": token})


def assessment_handle(who: Participant) -> WorkflowHandle[Any, Any]:
    return who.run.stack.client.get_workflow_handle(assessment_workflow_id(who.run.spec.id, who.id))


async def assessment_status(who: Participant) -> dict[str, Any]:
    status: dict[str, Any] = await assessment_handle(who).query("status")
    return status


async def submitted_events(who: Participant) -> int:
    events = await who.run.events(participant_stream(who.id))
    return sum(e.type == EventType.SELF_ASSESSMENT_SUBMITTED for e in events)


async def task_row(who: Participant) -> TaskRecord:
    row = await TaskStore(who.run.stack.pool).get(who.task_id)
    assert row is not None
    return row


async def wait_until_done(who: Participant) -> TaskRecord:
    async def done() -> TaskRecord | None:
        row = await task_row(who)
        return row if row.status is TaskStatus.DONE else None

    found: TaskRecord = await eventually(done, "the task closed as done")
    return found


async def assert_unchanged(who: Participant) -> None:
    """Nothing reached the workflow: not answered, no event, the task still open.

    Called once the response is back, which ends the operation. The workflow takes an answer in
    the update itself, so its query already tells whether one was taken; only a taken answer is
    ever recorded as an event or closes the task.
    """
    assert (await assessment_status(who))["answered"] is False
    assert await submitted_events(who) == 0
    assert (await task_row(who)).status is TaskStatus.OPEN


class _Controls(HTMLParser):
    """Form controls, labels and fieldsets of a page, to check the accessibility rules."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_targets: set[str] = set()
        self.fieldsets: list[bool] = []  # one per open fieldset: has it a legend?
        self.grouped: list[str] = []  # ids of radios/checkboxes inside a fieldset with a legend
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "label" and a.get("for"):
            self.label_targets.add(str(a["for"]))
        elif tag == "fieldset":
            self.fieldsets.append(False)
        elif tag == "legend" and self.fieldsets:
            self.fieldsets[-1] = True
        elif tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a)
            if a.get("type") in ("radio", "checkbox") and self.fieldsets and self.fieldsets[-1]:
                self.grouped.append(str(a.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "fieldset" and self.fieldsets:
            self.fieldsets.pop()


def assert_accessible_form(html: str, lang: str) -> None:
    page = _Controls()
    page.feed(html)
    assert page.html_lang == lang
    assert page.controls, "no form control on the page"
    for control in page.controls:
        assert control.get("id") in page.label_targets, f"no <label> for {control}"
        if control.get("type") in ("radio", "checkbox"):
            assert control.get("id") in page.grouped, f"{control} is not in a fieldset+legend"
    assert 'name="viewport"' in html
    assert "<script" not in html


# ---- a participant answers --------------------------------------------------------------------


async def test_a_mentee_answers_the_self_assessment_through_the_page(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)

    form = await open_form(web, mentee)
    assert_accessible_form(form, "fr")
    assert "Auto-évaluation" in form and "Niveau actuel" in form and "Niveau visé" in form
    assert "IA générative" in form  # the programme's skills, by their French label
    assert 'value="hybrid" checked' in form  # the model's default format, shown

    answered = await submit(web, mentee, mentee_answer())
    assert answered.status_code == 200, answered.text
    assert "Merci, votre réponse est enregistrée" in answered.text
    assert "Les binômes seront formés" in answered.text  # the acknowledgement's next step

    assert (await assessment_status(mentee))["answered"] is True
    row = await wait_until_done(mentee)
    assert row.answer is not None
    assert row.answer["targets"]["linkedin"] == 3
    assert row.answer["priorities"] == ["linkedin", "generative-ai"]
    events = await run.events(participant_stream(mentee.id))
    submitted = [e for e in events if e.type == EventType.SELF_ASSESSMENT_SUBMITTED]
    assert len(submitted) == 1
    assert submitted[0].data["format"] == "remote"
    assert submitted[0].data["languages"] == ["fr", "en"]

    # The used link now shows the answer, read-only.
    again = await web.get(mentee.path)
    assert again.status_code == 200
    assert "Votre réponse" in again.text and "<form" not in again.text
    assert "LinkedIn\u00a0: 1 → 3" in again.text
    assert "Lundi matin" in again.text and "À distance" in again.text


async def test_a_mentor_answers_with_expertise_and_capacity(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentor = await participant(stack, run, Role.MENTOR)
    form = await open_form(web, mentor)
    assert "Niveau visé" not in form and "Combien de mentoré(e)s" in form
    answer = {f"levels-{s}": "4" for s in SKILLS} | {
        "capacity": "2",
        "format": "onsite",
        "languages": "fr",
        "exchange": "strategy",
    }
    answered = await submit(web, mentor, answer)
    assert answered.status_code == 200, answered.text
    row = await wait_until_done(mentor)
    assert row.answer is not None
    assert (row.answer["capacity"], row.answer["format"]) == (2, "onsite")
    assert row.answer["targets"] == {}


async def test_an_invalid_answer_shows_its_errors_keeps_the_input_and_changes_nothing(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    wrong = mentee_answer(
        **{"levels-automation": ""},  # forgotten
        priorities=["linkedin", "generative-ai", "automation", "cybersecurity"],  # 4 > 3
        languages=[],
        exchange_other="Réseau & <stratégie>",
    )
    page = await submit(web, mentee, wrong)

    assert page.status_code == 422
    html = page.text
    assert 'role="alert"' in html and 'id="error-summary"' in html
    assert 'href="#levels-automation"' in html and 'href="#priorities"' in html
    assert 'href="#languages"' in html
    assert "Automatisation des tâches – Niveau actuel\u00a0: Choisissez une réponse." in html
    assert "Choisissez au plus 3 réponses." in html
    assert "Choisissez au moins une langue." in html
    # The wrong field says so, and points at its message.
    assert re.search(
        r'<select id="levels-automation"[^>]*aria-describedby="levels-automation--error"'
        r'[^>]*aria-invalid="true"',
        html,
    )
    assert 'id="levels-automation--error"' in html
    # Everything typed is still there, escaped.
    assert re.search(r'<option value="3" selected>', html)
    assert 'value="Réseau &amp; &lt;stratégie&gt;"' in html
    assert 'id="availability--thu-pm" name="availability" value="thu-pm" checked' in html
    assert 'id="priorities--cybersecurity" name="priorities" value="cybersecurity" checked' in html
    await assert_unchanged(mentee)

    # Fixed, the same form goes through.
    fixed = await submit(web, mentee, mentee_answer())
    assert fixed.status_code == 200


async def test_a_refusal_from_the_workflow_is_shown_with_the_answers_kept(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    lower_target = mentee_answer(**{"levels-linkedin": "3", "targets-linkedin": "1"})
    page = await submit(web, mentee, lower_target)
    assert page.status_code == 409
    assert "un niveau visé ne peut pas être inférieur au niveau actuel" in page.text
    assert 'role="alert"' in page.text
    assert re.search(
        r'<select id="targets-linkedin"[^>]*>\s*<option value="">[^<]*</option>'
        r'(\s*<option value="\d"[^>]*>[^<]*</option>)*?'
        r'\s*<option value="1" selected>',
        page.text,
    )
    await assert_unchanged(mentee)


async def test_submitting_twice_is_one_effect(stack: Stack, web: httpx.AsyncClient) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    token = csrf_of(await open_form(web, mentee))
    form = {**mentee_answer(), "csrf_token": token}

    # A double click: two posts at once. Both see a confirmation.
    first, second = await asyncio.gather(
        web.post(mentee.path, data=form), web.post(mentee.path, data=form)
    )
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    await wait_until_done(mentee)

    # The back button and "send" again, once the answer is recorded: it says so, calmly.
    third = await web.post(mentee.path, data=form)
    assert third.status_code == 200
    assert "avait déjà été enregistrée" in third.text
    assert "LinkedIn\u00a0: 1 → 3" in third.text

    # The self-assessment's workflow ends once the answer is recorded: nothing is added later.
    await assessment_handle(mentee).result()
    assert await submitted_events(mentee) == 1
    assert (await assessment_status(mentee))["answered"] is True


# ---- links that grant nothing -----------------------------------------------------------------


async def test_forged_tampered_expired_and_foreign_links_change_nothing(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    mentor = await participant(stack, run, Role.MENTOR)
    mentee_form = await open_form(web, mentee)  # a real cookie and CSRF token, to be thorough
    form = {**mentee_answer(), "csrf_token": csrf_of(mentee_form)}
    token = mentee.token
    tampered = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    expired = sign_task_token(
        mentee.task_id, mentee.id, datetime.now(UTC) - timedelta(hours=1), SECRET
    )
    foreign = sign_task_token(
        mentee.task_id, mentor.id, datetime.now(UTC) + timedelta(days=3), SECRET
    )
    other_secret = sign_task_token(
        mentee.task_id, mentee.id, datetime.now(UTC) + timedelta(days=3), b"not-the-secret"
    )
    unknown_task = sign_task_token(
        uuid.uuid4(), mentee.id, datetime.now(UTC) + timedelta(days=3), SECRET
    )
    cases = {
        "forged": ("not-a-token-at-all", 404, "Ce lien n’est pas valide"),
        "tampered": (tampered, 404, "Ce lien n’est pas valide"),
        "other secret": (other_secret, 404, "Ce lien n’est pas valide"),
        "unknown task": (unknown_task, 404, "Ce lien n’est pas valide"),
        "expired": (expired, 410, "Ce lien a expiré"),
        "someone else's": (foreign, 403, "Ce lien ne vous permet pas"),
    }
    for case, (bad, status, title) in cases.items():
        for method in ("GET", "POST"):
            page = await web.request(method, f"/t/{bad}", data=form if method == "POST" else None)
            assert page.status_code == status, (case, method, page.text)
            assert title in page.text, (case, method)
            assert "<form" not in page.text, case
            assert "Traceback" not in page.text
            # Nothing about the task or its owner leaks from a refused link.
            assert run.spec.name not in page.text, case
            for p in run.spec.participants:
                assert p.name not in page.text and p.email not in page.text, case
    expired_page = await web.get(f"/t/{expired}")
    assert "coordination@example.com" in expired_page.text  # whom to ask, for the owner
    await assert_unchanged(mentee)


async def assert_refused_everywhere(
    web: httpx.AsyncClient, who: Participant, status: int, title: str, form: dict[str, Any]
) -> httpx.Response:
    """GET and POST of `who`'s link both answer the page titled `title`, with no form and nothing
    about the task or the people in it; returns the GET."""
    for method in ("GET", "POST"):
        page = await web.request(method, who.path, data=form if method == "POST" else None)
        assert page.status_code == status, (method, page.text)
        assert title in page.text, method
        assert "<form" not in page.text and "Traceback" not in page.text, method
        assert who.run.spec.name not in page.text, method
        for p in who.run.spec.participants:
            assert p.name not in page.text and p.email not in page.text, method
    return await web.get(who.path)


async def test_after_an_address_correction_old_links_are_refused_and_new_ones_work(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    form = {**mentee_answer(), "csrf_token": csrf_of(await open_form(web, mentee))}

    # As the coordinator's correction does: the address and generation in the store, then the
    # programme mails the open links again, to the new address.
    corrected = await ParticipantStore(stack.pool).change_email(mentee.id, "fixed@example.com")
    assert corrected is not None and corrected.link_generation == 1
    tasks = await TaskStore(stack.pool).list_open(run.spec.id)
    mine = tuple(
        OpenLink(task_id=t.task_id, kind=t.kind, due_at=t.due_at)
        for t in tasks
        if t.participant_id == mentee.id
    )
    command = ChangeEmail(
        command_id=f"email-{uuid.uuid4()}", participant_id=mentee.id, open_tasks=mine
    )
    await run.handle.execute_update(CHANGE_EMAIL, command, id=command.command_id)
    renewed = await stack.wait_for_mails("task_link_renewed", "fixed@example.com", count=len(mine))
    new_paths = [
        path
        for mail in renewed
        for path, token in _LINK.findall(mail.text())
        if verify_task_token(token, SECRET, datetime.now(UTC)).task_id == mentee.task_id
    ]
    assert new_paths, "no renewed link to the self-assessment"
    assert {verify_task_token(p[3:], SECRET, datetime.now(UTC)).generation for p in new_paths} == {
        1
    }

    # The link mailed to the old address: a page saying a newer one went to the current address.
    refused = await assert_refused_everywhere(web, mentee, 410, "Ce lien a été remplacé", form)
    assert "adresse électronique actuelle" in refused.text
    english = await web.get(mentee.path + "?lang=en")
    assert english.status_code == 410 and "This link was replaced" in english.text
    await assert_unchanged(mentee)

    # The renewed link opens the same task and takes the answer.
    renewed_mentee = Participant(run, mentee.id, new_paths[0], mentee.task_id)
    answered = await submit(web, renewed_mentee, mentee_answer())
    assert answered.status_code == 200, answered.text
    assert "Merci, votre réponse est enregistrée" in answered.text
    await wait_until_done(mentee)


async def test_the_link_of_a_participant_who_left_says_so_and_changes_nothing(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    form = {**mentee_answer(), "csrf_token": csrf_of(await open_form(web, mentee))}
    await ParticipantStore(stack.pool).mark_withdrawn(mentee.id, datetime.now(UTC))

    refused = await assert_refused_everywhere(
        web, mentee, 410, "Vous avez quitté ce programme", form
    )
    assert "coordination@example.com" in refused.text  # whom to ask, should it be a mistake
    english = await web.get(mentee.path + "?lang=en")
    assert english.status_code == 410 and "You have left this programme" in english.text
    await assert_unchanged(mentee)


async def test_a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    mentor = await participant(stack, run, Role.MENTOR)
    await open_form(web, mentee)  # the browser has the cookie
    mentor_token = csrf_of(await open_form(web, mentor))

    attempts = {
        "no token": mentee_answer(),
        "a made-up token": {**mentee_answer(), "csrf_token": "0" * 64},
        "another link's token": {**mentee_answer(), "csrf_token": mentor_token},
    }
    for case, data in attempts.items():
        page = await web.post(mentee.path, data=data)
        assert page.status_code == 403, case
        assert "Ce formulaire a expiré" in page.text, case
        assert 'value="remote" checked' in page.text, case  # the answers are kept

    # A token without its cookie (another site posting on the participant's behalf).
    token = csrf_of(await open_form(web, mentee))
    web.cookies.clear()
    page = await web.post(mentee.path, data={**mentee_answer(), "csrf_token": token})
    assert page.status_code == 403
    await assert_unchanged(mentee)

    # The re-rendered form carries a fresh, working token.
    retry = await web.post(mentee.path, data={**mentee_answer(), "csrf_token": csrf_of(page.text)})
    assert retry.status_code == 200


async def test_links_and_forms_from_before_a_secret_rotation_keep_working(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)  # its link signed under SECRET
    token = csrf_of(await open_form(web, mentee))  # and its form opened before the rotation

    async def post_after_rotation(previous: tuple[bytes, ...]) -> httpx.Response:
        app = create_app(
            client=stack.client, pool=stack.pool, secret=b"rotated", previous_secrets=previous
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url=BASE, cookies=web.cookies
        ) as rotated:
            return await rotated.post(mentee.path, data={**mentee_answer(), "csrf_token": token})

    # TANDEM_SECRET changed and the old one dropped: the e-mailed link is dead, nothing changes.
    refused = await post_after_rotation(previous=())
    assert refused.status_code == 404 and "Ce lien n’est pas valide" in refused.text
    await assert_unchanged(mentee)

    # With the old one as TANDEM_PREVIOUS_SECRET, the same link and the same form go through.
    accepted = await post_after_rotation(previous=(SECRET,))
    assert accepted.status_code == 200, accepted.text
    assert "Merci, votre réponse est enregistrée" in accepted.text

    async def recorded() -> bool:
        return await submitted_events(mentee) == 1

    await eventually(recorded, "the answer recorded as an event")


async def test_the_csrf_cookie_is_strict_and_http_only(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    page = await web.get(mentee.path)
    cookie = page.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/t/" in cookie
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in page.headers["content-security-policy"]


# ---- language and escaping --------------------------------------------------------------------


async def test_an_english_participant_gets_the_english_page(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack, english_mentee=True)
    mentee = await participant(stack, run, Role.MENTEE)
    html = await open_form(web, mentee)
    assert_accessible_form(html, "en")
    assert "Self-assessment" in html and "Current level" in html and "Generative AI" in html
    assert "Please complete by" in html and re.search(r"by \w+day \d+ \w+ 20\d\d", html)
    assert "Niveau actuel" not in html

    french = await open_form(web, mentee, "?lang=fr")
    assert '<html lang="fr">' in french and "Niveau actuel" in french

    wrong = await submit(web, mentee, mentee_answer(languages=[]))
    assert wrong.status_code == 422
    assert "Choose at least one language." in wrong.text
    done = await submit(web, mentee, mentee_answer())
    assert "Thank you, your answer is saved" in done.text


async def test_what_a_participant_typed_is_escaped_when_shown_read_only(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    typed = "<script>alert('x')</script> & <b>co</b>"
    answered = await submit(web, mentee, mentee_answer(exchange_other=typed))
    assert answered.status_code == 200
    row = await wait_until_done(mentee)
    assert row.answer is not None and row.answer["exchange"] == ["leadership", "strategy"]
    # Their own topic is a typed text: sealed where it is stored, and in the update.
    assert is_sealed(row.answer["exchange_other"])
    assert (await opened(stack.pool, row.answer))["exchange_other"] == typed

    page = await web.get(mentee.path)
    assert page.status_code == 200
    assert (
        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;" in page.text
    )
    assert "<script>" not in page.text and "<b>co" not in page.text


# ---- every form, and the pages around them ----------------------------------------------------


async def _issue(stack: Stack, run: Run, who: str, kind: TaskKind, **context: Any) -> str:
    """A task of `kind` for `who` (as a workflow would open it), and its link's path."""
    task = TaskSpec(
        task_id=uuid.uuid4(),
        programme_id=run.spec.id,
        participant_id=who,
        kind=kind,
        workflow_id=f"pair:{run.spec.id}:web-test",  # no such workflow is running
        update_name=kind.value,
        due_at=datetime.now(UTC) + timedelta(days=7),
        context={"pair_id": "web-test", **context},
    )
    await TaskStore(stack.pool).open_many([task])
    token = sign_task_token(task.task_id, who, task.due_at, SECRET)
    return f"/t/{token}"


async def test_every_task_kind_has_an_accessible_form(stack: Stack, web: httpx.AsyncClient) -> None:
    run = await launch(stack)
    mentee, mentor = run.ids(Role.MENTEE)[0], run.ids(Role.MENTOR)[0]
    expected = {
        (mentee, TaskKind.CHEMISTRY): "Souhaitez-vous continuer avec ce binôme\u202f?",
        (mentee, TaskKind.GOALS_PROPOSE): "Indicateur mesurable",
        (mentor, TaskKind.GOALS_CONFIRM): "Confirmez-vous ces objectifs\u202f?",
        (mentor, TaskKind.SESSION_LOG): "Comment s’est passée la séance n° 4\u202f?",
        (mentee, TaskKind.MIDPOINT_SURVEY): "Souhaitez-vous poursuivre le mentorat\u202f?",
        (mentee, TaskKind.FINAL_EVALUATION): "Niveau aujourd’hui",
        (mentor, TaskKind.FINAL_EVALUATION): "Qu’avez-vous appris de votre mentoré(e)",
        (mentee, TaskKind.PAIR_MANAGE): "Mettre fin au binôme",
        (mentor, TaskKind.CONCERN): "uniquement à la coordination",
    }
    for (who, kind), text in expected.items():
        path = await _issue(stack, run, who, kind, session_number=4)
        page = await web.get(path)
        assert page.status_code == 200, (kind, page.text)
        assert text in page.text, kind
        assert_accessible_form(page.text, "fr")
    review = await web.get(await _issue(stack, run, mentor, TaskKind.MATCHING_REVIEW))
    assert review.status_code == 404  # the coordinator's task has no participant page


async def test_pair_management_checks_each_action_on_its_own(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    path = await _issue(stack, run, run.ids(Role.MENTEE)[0], TaskKind.PAIR_MANAGE)
    page = await _post(web, path, {"action": "reschedule", "reschedule-new_date": "soon"})
    assert page.status_code == 422
    assert 'href="#reschedule-session_number"' in page.text
    assert 'href="#reschedule-new_date"' in page.text
    assert "Saisissez une date valide" in page.text
    assert 'aria-invalid="true"' in page.text
    assert page.text.count('aria-invalid="true"') == 2  # the other two forms are untouched


async def test_when_temporal_cannot_take_the_answer_the_page_asks_to_try_again(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    # A client whose Temporal server has gone away.
    gone = await start_time_skipping()
    address = gone.client.service_client.config.target_host
    stranded = await Client.connect(address, data_converter=pydantic_data_converter)
    await gone.shutdown()
    app = create_app(client=stranded, pool=stack.pool, secret=SECRET)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as down:
        page = await submit(down, mentee, mentee_answer(exchange_other="my-private-words"))
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "Réessayez dans un instant" in page.text
    assert "<form" not in page.text and "my-private-words" not in page.text
    assert "tcp" not in page.text and "Traceback" not in page.text
    await assert_unchanged(mentee)


async def test_an_answer_to_a_workflow_that_is_gone_says_the_request_is_closed(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    """Not "try again in a moment": no retry would ever reach a terminated workflow."""
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    handle = stack.client.get_workflow_handle(assessment_workflow_id(run.spec.id, mentee.id))
    await handle.terminate("operator")
    with structlog.testing.capture_logs() as logs:
        page = await submit(web, mentee, mentee_answer())
    assert page.status_code == 410
    assert "Cette demande est close" in page.text and "coordination@example.com" in page.text
    assert "Retry-After" not in page.headers
    outcomes = [e["outcome"] for e in logs if e.get("event") == "web.task"]
    assert outcomes == ["form_shown", "workflow_gone"]


async def test_unknown_pages_and_the_health_check(web: httpx.AsyncClient) -> None:
    assert (await web.get("/healthz")).text == "ok"
    assert (await web.get("/favicon.ico")).status_code == 204
    missing = await web.get("/nowhere?lang=en")
    assert missing.status_code == 404 and "Page not found" in missing.text
    assert (await web.get("/outbox")).status_code == 404  # no outbox unless one is given
    css = await web.get("/static/tandem.css")
    assert css.status_code == 200 and "focus-visible" in css.text


async def test_the_outbox_lists_the_demo_mails_with_their_links(
    stack: Stack, tmp_path: Path
) -> None:
    run = await launch(stack)
    await participant(stack, run, Role.MENTEE)
    mails = stack.mails("self_assessment")
    for n, mail in enumerate(mails, start=1):
        (tmp_path / f"{n:07d}.eml").write_bytes(mail.message.as_bytes())
    (tmp_path / "notes.txt").write_text("not a message")
    app = create_app(client=stack.client, pool=stack.pool, secret=SECRET, outbox_dir=tmp_path)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as web:
        listing = await web.get("/outbox")
        assert listing.status_code == 200
        for mail in mails:
            assert _LINK.search(mail.text())[0] in listing.text  # type: ignore[index]
            assert str(mail.message["To"]).split("<")[-1].rstrip(">") in listing.text
        assert "notes.txt" not in listing.text
        one = await web.get("/outbox/0000001.eml")
        assert one.status_code == 200
        # In French, as the e-mail, its links named by the task they open.
        assert '<html lang="fr">' in one.text and ">Auto-évaluation</a>" in one.text
        assert ">Signaler une difficulté en toute confidentialité</a>" in one.text
        assert "<iframe" in one.text and 'sandbox="' in one.text and "srcdoc=" in one.text
        assert "&lt;html" in one.text or "&lt;!DOCTYPE" in one.text  # the HTML, escaped
        for bad in ("../secret.eml", "notes.txt", "0009999.eml", "..%2Fx.eml"):
            assert (await web.get(f"/outbox/{bad}")).status_code == 404, bad


# ---- the confidential concern link --------------------------------------------------------------


async def test_a_concern_reaches_the_coordinator_once_per_form(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentor = await participant(stack, run, Role.MENTOR)
    mail = stack.mails("self_assessment", run.email(mentor.id))[0]
    concern_paths = [p for p, _ in _LINK.findall(mail.text()) if p != mentor.path]
    assert len(concern_paths) == 1, "every e-mail carries the concern link"
    path = concern_paths[0]

    async def concerns() -> list[str]:
        events = await run.events(programme_stream(run.spec.id))
        stored = [e.data["text"] for e in events if e.type == EventType.CONCERN_RAISED]
        assert all(is_sealed(text) for text in stored), "a concern is stored sealed"
        return await opened(stack.pool, stored)

    form = await web.get(path)
    assert form.status_code == 200 and "uniquement à la coordination" in form.text
    data = {
        "csrf_token": csrf_of(form.text),
        "submission": submission_of(form.text),
        "text": "Mon binôme annule souvent.",
    }
    first, second = await asyncio.gather(web.post(path, data=data), web.post(path, data=data))
    assert (first.status_code, second.status_code) == (200, 200)
    assert "La coordination vous contactera" in first.text
    assert await eventually(concerns, "the concern recorded") == ["Mon binôme annule souvent."]

    # The link stays open for later concerns: a new form is a new concern.
    later = await web.get(path)
    data2 = {
        "csrf_token": csrf_of(later.text),
        "submission": submission_of(later.text),
        "text": "Toujours des annulations.",
    }
    assert data2["submission"] != data["submission"]
    assert (await web.post(path, data=data2)).status_code == 200

    async def two() -> list[str] | None:
        found = await concerns()
        return found if len(found) == 2 else None

    assert await eventually(two, "the second concern") == [
        "Mon binôme annule souvent.",
        "Toujours des annulations.",
    ]
    assert (await run.summary()).concerns == 2


def _concern_path(stack: Stack, run: Run, who: Participant) -> str:
    mail = stack.mails("self_assessment", run.email(who.id))[0]
    (path,) = [p for p, _ in _LINK.findall(mail.text()) if p != who.path]
    return str(path)


async def _end_the_programme(run: Run) -> None:
    """The quickest real end: the pair's mentee says no-go, no other mentor is left for them."""

    async def chemistry_open() -> bool:
        return len(await run.open_tasks(TaskKind.CHEMISTRY)) == 2

    def chemistry(task: TaskRecord) -> bool:
        return task.kind is TaskKind.CHEMISTRY

    await run.run_until(chemistry_open, "the pair's chemistry", 20, skip=chemistry)
    mentee = run.ids(Role.MENTEE)[0]
    await run.answer(await run.task(TaskKind.CHEMISTRY, mentee), go=False, reason="Agenda")
    assert (await run.handle.result()).phase.value == "completed"


async def test_a_concern_link_after_its_programme_ended_says_so_and_loses_nothing(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentor = await participant(stack, run, Role.MENTOR)
    path = _concern_path(stack, run, mentor)
    opened = await web.get(path)  # a tab left open while the programme ends
    assert opened.status_code == 200
    await _end_the_programme(run)
    assert {t.kind for t in await run.open_tasks()} == {TaskKind.CONCERN}  # still open links

    # Opening the link says it before anything is typed.
    with structlog.testing.capture_logs() as logs:
        page = await web.get(path)
    assert page.status_code == 410
    assert "Ce programme est terminé" in page.text and "coordination@example.com" in page.text
    assert "<form" not in page.text and 'lang="fr"' in page.text
    assert [e["outcome"] for e in logs if e.get("event") == "web.task"] == ["programme_ended"]
    english = await web.get(f"{path}?lang=en")
    assert english.status_code == 410 and "This programme has ended" in english.text

    # The form opened before: not sent, said so, and the text given back to copy.
    data = {
        "csrf_token": csrf_of(opened.text),
        "submission": submission_of(opened.text),
        "text": "Mon binôme <b>annule</b> souvent.",
    }
    sent = await web.post(path, data=data)
    assert sent.status_code == 410
    assert "Votre message n’a pas été envoyé" in sent.text
    assert "coordination@example.com" in sent.text
    assert "Mon binôme &lt;b&gt;annule&lt;/b&gt; souvent." in sent.text
    assert "Réessayez" not in sent.text
    events = await run.events(programme_stream(run.spec.id))
    assert not any(e.type == EventType.CONCERN_RAISED for e in events)


async def test_a_concern_whose_programme_workflow_is_gone_is_given_back_unsent(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    """The programme's workflow terminated by an operator, before it recorded its end."""
    run = await launch(stack)
    mentor = await participant(stack, run, Role.MENTOR)
    path = _concern_path(stack, run, mentor)
    form = await web.get(path)
    assert form.status_code == 200
    await run.handle.terminate("operator")
    data = {
        "csrf_token": csrf_of(form.text),
        "submission": submission_of(form.text),
        "text": "Toujours des annulations.",
    }
    with structlog.testing.capture_logs() as logs:
        sent = await web.post(f"{path}?lang=en", data=data)
    assert sent.status_code == 410, sent.text
    assert "Your message was not sent" in sent.text and "Toujours des annulations." in sent.text
    assert "coordination@example.com" in sent.text
    outcomes = [e["outcome"] for e in logs if e.get("event") == "web.task"]
    assert outcomes == ["programme_ended_unsent"]


# ---- what the logs say, and what an unexpected failure shows ------------------------------------


async def test_logs_name_the_task_and_outcome_never_the_token_or_the_answer(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    with structlog.testing.capture_logs() as logs:
        await submit(web, mentee, mentee_answer(exchange_other="my-private-words", languages=[]))
        await submit(web, mentee, mentee_answer(exchange_other="my-private-words"))
        await web.get(f"/t/{mentee.token}x")
    web_lines = [e for e in logs if e.get("event") == "web.task"]
    outcomes = [e["outcome"] for e in web_lines]
    assert outcomes == ["form_shown", "invalid", "form_shown", "answered", "refused_invalid"]
    assert all(e["task_id"] == str(mentee.task_id) for e in web_lines[:4])
    assert {e["kind"] for e in web_lines[:4]} == {"self_assessment"}
    person = next(p for p in run.spec.participants if p.id == mentee.id)
    everything = repr(logs)
    for secret in (mentee.token, "my-private-words", person.name, person.email):
        assert secret not in everything


async def test_an_unexpected_failure_shows_a_generic_page(
    stack: Stack, empty_database: str
) -> None:
    run = await launch(stack)
    mentee = await participant(stack, run, Role.MENTEE)
    # A bug, not an outage (tests/test_web_outage.py): a database that was never migrated.
    broken = await create_pool(empty_database)
    app = create_app(client=stack.client, pool=broken, secret=SECRET)
    try:
        with structlog.testing.capture_logs() as logs:
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url=BASE
            ) as client:
                page = await client.get(mentee.path + "?lang=en")
    finally:
        await broken.close()
    assert page.status_code == 500
    assert "Something went wrong" in page.text
    assert "Traceback" not in page.text and "tasks" not in page.text
    failure = next(e for e in logs if e.get("event") == "web.unhandled_error")
    assert failure["path"] == "/t/{token}" and mentee.token not in repr(logs)


# ---- a pair's pages, against a running pair workflow --------------------------------------------


async def _link_in_mail(stack: Stack, template: str, email: str) -> str:
    mail = (await stack.wait_for_mails(template, email))[0]
    task_id = uuid.UUID(str(mail.message["X-Tandem-Task"]))
    for path, token in _LINK.findall(mail.text()):
        if verify_task_token(token, SECRET, datetime.now(UTC)).task_id == task_id:
            return str(path)
    raise AssertionError(f"no task link in the {template} e-mail")


async def _post(web: httpx.AsyncClient, path: str, form: dict[str, Any]) -> httpx.Response:
    """Open the page and send `form` from it, as a browser would (its hidden fields included)."""
    page = (await web.get(path)).text
    hidden = {"submission": submission_of(page)} if _SUBMISSION.search(page) else {}
    return await web.post(path, data={**hidden, **form, "csrf_token": csrf_of(page)})


async def test_a_pair_agrees_and_pauses_through_the_pages(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentor, mentee = run.ids(Role.MENTOR)[0], run.ids(Role.MENTEE)[0]

    async def chemistry_open() -> bool:
        return len(await run.open_tasks(TaskKind.CHEMISTRY)) == 2

    async def onboarding_open() -> bool:
        return len(await run.open_tasks(TaskKind.ONBOARDING)) == 2

    def chemistry(task: TaskRecord) -> bool:
        return task.kind in (TaskKind.CHEMISTRY, TaskKind.ONBOARDING)

    await run.run_until(onboarding_open, "onboarding tasks", 20, skip=chemistry)
    stream = await run.pair_stream(1)

    # Onboarding: each reads the charter and their role's guide, and ticks the box to accept.
    charter = built_in().onboarding(Onboarding.CHARTER, "fr")
    for person, role in ((mentor, Onboarding.MENTOR), (mentee, Onboarding.MENTEE)):
        guide = built_in().onboarding(role, "fr")
        assert charter is not None and guide is not None
        path = await _link_in_mail(stack, "onboarding", run.email(person))
        page = (await web.get(path)).text
        assert f"<h2>{charter.title}</h2>" in page and f"<h2>{guide.title}</h2>" in page
        assert "<ol>" in page or "<ul>" in page  # the Markdown's lists, as HTML
        unticked = await _post(web, path, {})
        assert unticked.status_code == 422 and 'href="#accepted"' in unticked.text
        assert EventType.CHEMISTRY_ANSWERED not in await run.event_types(stream)
        accepted = await _post(web, path, {"accepted": "true"})
        assert accepted.status_code == 200, accepted.text
        assert "L’invitation à votre première rencontre suit" in accepted.text
    await run.run_until(chemistry_open, "chemistry tasks", 5, skip=chemistry)

    # Chemistry: a no-go needs a reason; then both say go.
    mentor_chemistry = await _link_in_mail(stack, "chemistry", run.email(mentor))
    mentee_chemistry = await _link_in_mail(stack, "chemistry", run.email(mentee))
    no_reason = await _post(web, mentor_chemistry, {"go": "false", "reason": "  "})
    assert no_reason.status_code == 422
    assert "Expliquez en quelques mots" in no_reason.text
    assert 'id="go--false" name="go" value="false" checked' in no_reason.text
    assert EventType.CHEMISTRY_ANSWERED not in await run.event_types(stream)
    # The form offers the pair's slots, the planned one chosen; the mentee picks another, and
    # the mentor's form then shows that one.
    mentee_page = (await web.get(mentee_chemistry)).text
    offered = re.findall(r'name="slot" value="([a-z]{3}-[ap]m)"', mentee_page)
    planned = re.search(r'name="slot" value="([a-z]{3}-[ap]m)" checked', mentee_page)
    assert offered and planned is not None and planned[1] == offered[0]
    assert "Votre créneau de séance" in mentee_page
    went = await _post(web, mentee_chemistry, {"go": "true", "slot": offered[-1]})
    assert went.status_code == 200 and "votre mentoré(e) proposera" in went.text
    mentor_page = (await web.get(mentor_chemistry)).text
    assert f'name="slot" value="{offered[-1]}" checked' in mentor_page
    went = await _post(web, mentor_chemistry, {"go": "true", "slot": offered[-1]})
    assert went.status_code == 200 and "votre mentoré(e) proposera" in went.text

    # Goals: the mentee proposes two (the first and third rows), the mentor sees them.
    goals_path = await _link_in_mail(stack, "goals_propose", run.email(mentee))
    proposed = await _post(
        web,
        goals_path,
        {
            "goals-0-objective": "Publier chaque semaine sur LinkedIn",
            "goals-0-kpi": "une publication par semaine",
            "goals-0-target_date": "2027-06-30",
            "goals-2-objective": "Automatiser mon reporting",
            "goals-2-kpi": "1 h gagnée par semaine",
            "goals-2-target_date": "",  # forgotten
        },
    )
    assert proposed.status_code == 422
    assert 'href="#goals-2-target_date"' in proposed.text
    assert 'value="Automatiser mon reporting"' in proposed.text
    fixed = await _post(
        web,
        goals_path,
        {
            "goals-0-objective": "Publier chaque semaine sur LinkedIn",
            "goals-0-kpi": "une publication par semaine",
            "goals-0-target_date": "2027-06-30",
            "goals-2-objective": "Automatiser mon reporting",
            "goals-2-kpi": "1 h gagnée par semaine",
            "goals-2-target_date": "2027-09-01",
        },
    )
    assert fixed.status_code == 200, fixed.text
    confirm_path = await _link_in_mail(stack, "goals_confirm", run.email(mentor))
    confirm_page = (await web.get(confirm_path)).text
    assert "Publier chaque semaine sur LinkedIn — une publication par semaine" in confirm_page
    assert "mercredi 30 juin 2027" in confirm_page and "Automatiser mon reporting" in confirm_page

    # Pair management (its link is signed here as the mailer signs links).
    manage = await run.task(TaskKind.PAIR_MANAGE, mentee)
    manage_path = "/t/" + sign_task_token(
        manage.task_id, mentee, manage.due_at + timedelta(days=3), SECRET
    )
    too_long = await _post(web, manage_path, {"action": "pause", "pause-days": "40"})
    assert too_long.status_code == 409
    assert "une pause dure au plus 28 jours" in too_long.text
    assert 'id="pause-days" name="pause-days" value="40"' in too_long.text
    form = (await web.get(manage_path)).text
    # The reschedule form offers the sessions still ahead, with the dates the pair has now.
    upcoming = (await run.pair_status(1)).upcoming_sessions
    assert upcoming and upcoming[0].number == 1
    first = f"Séance n° 1, prévue le {long_date(upcoming[0].at, 'fr')}"
    assert f'<option value="1">{first}</option>' in form
    # The plan of the sessions ahead, each with its theme; either partner changes one here.
    labels = skill_labels((), "fr")
    themes = (await run.pair_status(1)).themes
    planned_2 = labels[themes[1].skill] if themes[1].skill else "Bilan du programme"
    assert f"Séance n° 2, le {long_date(upcoming[1].at, 'fr')}\u00a0: {planned_2}" in form
    other = next(s.id for s in run.spec.skills if s.id != themes[1].skill)
    change = {
        "action": "change_theme",
        "change_theme-session_number": "2",
        "change_theme-skill": other,
        "submission": submission_of(form),
    }
    changed = await _post(web, manage_path, change)
    assert changed.status_code == 200, changed.text
    assert "La séance n° 2 a son nouveau thème" in changed.text
    assert (await run.pair_status(1)).themes[1].skill == other
    unchanged = await _post(
        web, manage_path, {k: v for k, v in change.items() if k != "submission"}
    )
    assert unchanged.status_code == 409 and "cette séance a déjà ce thème" in unchanged.text
    form = (await web.get(manage_path)).text
    assert f"Séance n° 2, le {long_date(upcoming[1].at, 'fr')}\u00a0: {labels[other]}" in form
    pause = {
        "action": "pause",
        "pause-days": "7",
        "pause-reason": "Congés",
        "submission": submission_of(form),
    }
    paused = await _post(web, manage_path, pause)
    assert paused.status_code == 200 and "Le binôme est en pause jusqu’au" in paused.text
    again = await _post(web, manage_path, pause)  # the same form sent twice: one effect
    assert again.status_code == 200 and "Le binôme est en pause jusqu’au" in again.text

    async def paused_once() -> bool:
        return (await run.event_types(stream)).count(EventType.PAIR_PAUSED) == 1

    # Both answers are back, so the workflow has applied whatever it was going to: the sessions
    # moved by one pause, not two; its one event then reaches the store.
    status = await run.pair_status(1)
    assert status.paused_until is not None
    assert status.upcoming_sessions[0].at - upcoming[0].at == timedelta(days=7)
    await eventually(paused_once, "the pause recorded")
    # A new form is a new request, which the workflow judges (rather than Temporal replaying the
    # first acknowledgement): a second pause is refused while paused.
    later = await _post(web, manage_path, {k: v for k, v in pause.items() if k != "submission"})
    assert later.status_code == 409 and "déjà en pause" in later.text
