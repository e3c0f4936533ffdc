"""Malformed input is a 4xx, never a 5xx: every route of the real app, under fire.

Hypothesis posts non-ASCII, NUL, megabyte-long, missing and stray values, as URL-encoded,
multipart or raw bodies, to each POST route the app has (read from `app.routes`, so a route
added later is covered too), its path parameters either real (a real task's link, the real
programme, its pair) or junk, with or without a valid CSRF cookie and form token and a signed-in
coordinator — so the form handling behind the CSRF check is reached too; and asks for each page
with junk in its path and query. The stack is real: a launched programme whose pair has been
formed, its e-mailed links, the dashboard signed into.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from starlette.routing import Route

from credentials.passwords import hash_password
from domain.events import EventType
from domain.programme import Role
from domain.tasks import TaskKind
from store.events import EventStore
from store.projections import Projector
from tests.lifecycle_helpers import Stack, eventually, opened, small_cohort
from tests.test_web_browser import serving
from web import csrf
from web.app import create_app
from web.coordinator_auth import COOKIE_NAME as SESSION_COOKIE
from web.dashboard import DashboardSettings

SECRET = b"lifecycle-tests"  # what the stack's mailer signs links with
PASSWORD = "correct horse battery staple"
_LINK = re.compile(r"http://127\.0\.0\.1:8000/t/([A-Za-z0-9_-]+)")
_NAME = re.compile(r'name="([^"]+)"')
_VALUE = re.compile(r'value="([^"]*)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ACTIONS = ("end", "re-pair", "approve", "ban", "force", "swap")  # as the dashboard's URLs say


@dataclass
class Target:
    base: str
    posts: list[str]  # every POST route's path template
    gets: list[str]  # every GET route's
    nonce: str  # the CSRF cookie the forms below were made for
    session: str  # a signed-in coordinator's cookie
    forms: dict[str, str]  # "task:{token}", "login", "dashboard" -> that form's CSRF token
    valid: dict[str, list[str]]  # path parameter -> real values for it
    names: list[str]  # every field name the pages have
    values: list[str]  # every value the pages offer
    concern: str  # the link of a participant's concern form


def _csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF token"
    return found[1]


@pytest.fixture
async def target(stack: Stack) -> AsyncIterator[Target]:
    run = await stack.launch(small_cohort(2))

    # The pair formed, its chemistry tasks still open: forms that reach the workflow.
    async def chemistry_open() -> bool:
        return len(await run.open_tasks(TaskKind.CHEMISTRY)) == 2

    await run.run_until(
        chemistry_open, "chemistry tasks", 30, skip=lambda t: t.kind is TaskKind.CHEMISTRY
    )
    chemistry = await run.task(TaskKind.CHEMISTRY, run.ids(Role.MENTEE)[0])
    await stack.wait_for_mails("chemistry", count=2)
    await Projector(stack.pool).catch_up()
    tokens = sorted({t for m in stack.mails() for t in _LINK.findall(m.text())})
    pair_id = chemistry.workflow_id.split(":")[-1]

    app = create_app(
        client=stack.client,
        pool=stack.pool,
        secret=SECRET,
        # Refused sign-ins answered at once: the pause before them would only slow the examples.
        dashboard=DashboardSettings(password_hash=hash_password(PASSWORD), refusal_delay=0),
    )
    routes = [r for r in app.routes if isinstance(r, Route)]
    posts = [r.path for r in routes if "POST" in (r.methods or ())]
    gets = [r.path for r in routes if "GET" in (r.methods or ())]
    nonce = csrf.new_nonce()
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        http.cookies.set(csrf.COOKIE_NAME, nonce)
        pages: list[str] = []
        forms: dict[str, str] = {}
        login = await http.get("/coordinator/login")
        forms["login"] = _csrf(login.text)
        signed_in = await http.post(
            "/coordinator/login",
            data={"csrf_token": forms["login"], "email": "admin", "password": PASSWORD},
        )
        assert signed_in.status_code == 303
        session = signed_in.cookies[SESSION_COOKIE]
        http.cookies.set(SESSION_COOKIE, session)
        programme = f"/coordinator/p/{run.spec.id}"
        for path in (programme, f"{programme}/pairs/{pair_id}"):
            page = await http.get(path)
            assert page.status_code == 200, path
            pages.append(page.text)
        forms["dashboard"] = _csrf(pages[0])
        pages.append(login.text)
        concern = ""
        for token in tokens:
            page = await http.get(f"/t/{token}")
            if "csrf_token" in page.text:
                forms[f"task:{token}"] = _csrf(page.text)
            if 'name="text"' in page.text:
                concern = token
            pages.append(page.text)
        valid = {
            "token": tokens,
            "programme_id": [run.spec.id],
            "pair_id": [pair_id],
            "task_id": [str(chemistry.task_id)],
            "action": list(_ACTIONS),
            # Log positions of concerns (none is raised here: the page's lookups still run).
            "position": ["1", "9223372036854775807"],
            "participant": run.ids(Role.MENTOR),  # withdrawn, perhaps, by an example
        }
        # A route added later with a new parameter: give it real values here too, not only junk.
        params = {n.split(":")[0] for r in routes for n in re.findall(r"\{([^}]+)\}", r.path)}
        assert params <= valid.keys(), params - valid.keys()
        yield Target(
            base=base,
            posts=posts,
            gets=gets,
            nonce=nonce,
            session=session,
            forms=forms,
            valid=valid,
            names=sorted({n for p in pages for n in _NAME.findall(p)} - {csrf.FIELD_NAME}),
            values=sorted({v for p in pages for v in _VALUE.findall(p)}),
            concern=concern,
        )


MEGABYTE = 1_000_000
_SPECIAL = st.sampled_from(
    ["", " ", "é", "\x00", "a\x00b", "\u202e", "☃", "𝔘", "'\"<>&;", "%", "%00", "\r\n", "-1"]
)
SMALL_JUNK = _SPECIAL | st.text(max_size=40)


def _huge(draw: Any) -> str:
    """A megabyte, drawn by name: a failure reports "megabyte of é", not the megabyte itself."""
    name = draw(st.sampled_from(["megabyte of a", "megabyte of é"]), label="huge value")
    return "a" * MEGABYTE if name.endswith("a") else "é" * (MEGABYTE // 6)  # é: 6 once encoded


JUNK_SEGMENTS = st.one_of(
    _SPECIAL.filter(bool),
    st.text(min_size=1, max_size=40),
    st.just("x" * 3000),
    st.just("é" * 500),
)


def _route_path(template: str, draw: Any, target: Target) -> str:
    def segment(found: re.Match[str]) -> str:
        real = st.sampled_from(target.valid[found[1].split(":")[0]])
        # Mostly real values, so that the requests get past the lookups to the forms.
        return quote(draw(st.one_of(real, real, real, JUNK_SEGMENTS)), safe="")

    return re.sub(r"\{([^}]+)\}", segment, template)


def _csrf_for(path: str, target: Target) -> str | None:
    if path.startswith("/t/"):
        return target.forms.get(f"task:{path.removeprefix('/t/')}")
    return target.forms["login" if path == "/coordinator/login" else "dashboard"]


def _fields(draw: Any, target: Target) -> dict[str, list[str]]:
    """Some of the pages' fields (the others missing), with their values or junk, and strays."""
    offered = st.sampled_from(target.values)
    values = st.lists(st.one_of(offered, offered, SMALL_JUNK), min_size=1, max_size=2)
    fields: dict[str, list[str]] = draw(
        st.fixed_dictionaries({}, optional={name: values for name in target.names}),
        label="fields",
    )
    fields |= draw(st.dictionaries(st.text(max_size=12), values, max_size=2), label="strays")
    # One field at most: a megabyte a field would make every example slow.
    if draw(st.integers(0, 4), label="huge") == 0:
        fields[draw(st.sampled_from(target.names))] = [_huge(draw)]
    return fields


def _body(draw: Any, fields: dict[str, list[str]]) -> dict[str, Any]:
    """httpx's arguments for the fields as a URL-encoded or multipart form, or a raw body."""
    body = draw(st.sampled_from(["urlencoded", "urlencoded", "multipart", "raw", "none"]))
    if body == "urlencoded":
        return {"data": fields}
    if body == "multipart":
        parts: list[tuple[str, Any]] = [(k, (None, v)) for k, vs in fields.items() for v in vs]
        if draw(st.booleans(), label="with a file"):
            parts.append(("upload", ("notes.txt", b"\x00\xff" * 10, "text/plain")))
        return {"files": parts} if parts else {}
    if body == "raw":
        kind = draw(
            st.sampled_from(
                [
                    "application/x-www-form-urlencoded",
                    "multipart/form-data",
                    "multipart/form-data; boundary=zz",
                    "application/json",
                ]
            )
        )
        return {"content": draw(st.binary(max_size=300)), "headers": {"Content-Type": kind}}
    return {}


# A cookie the app did not set (ASCII: see the report on non-ASCII session cookies).
# Non-ASCII cookies cannot be sent by httpx's cookie jar: tests/test_coordinator_accounts.py
# sends them as raw header bytes.
_FORGED = st.sampled_from(
    ["", "x", "1.2.3", "9" * 30 + ".a.b", "..", "0" * 64, "a" * 65, "x" * 200]
)


# Each example is a real request (some reach Temporal): shrinking a failure took minutes. The
# failing request is reported as drawn, its labels saying which route, fields and cookies.
WITHOUT_SHRINKING = (Phase.explicit, Phase.reuse, Phase.generate)


def _cookies(draw: Any, target: Target) -> dict[str, str]:
    """Mostly the browser's own CSRF cookie and a signed-in coordinator; or forged, or none."""
    cookies: dict[str, str] = {}
    for name, real in ((csrf.COOKIE_NAME, target.nonce), (SESSION_COOKIE, target.session)):
        kind = draw(st.sampled_from(["real", "real", "forged", "none"]), label=name)
        if kind != "none":
            cookies[name] = real if kind == "real" else draw(_FORGED)
    return cookies


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=WITHOUT_SHRINKING,
)
@given(data=st.data())
async def test_no_post_is_answered_with_a_server_error(target: Target, data: Any) -> None:
    draw = data.draw
    template = draw(st.sampled_from(target.posts), label="route")
    path = _route_path(template, draw, target)
    fields = _fields(draw, target)
    # Mostly a genuine form from a signed-in coordinator: what gets past the checks.
    csrf_mode = draw(st.sampled_from(["valid", "valid", "valid", "junk", "missing"]), label="csrf")
    form_token = _csrf_for(path, target)
    if csrf_mode == "valid" and form_token is not None:
        fields[csrf.FIELD_NAME] = [form_token]
    elif csrf_mode == "junk":
        fields[csrf.FIELD_NAME] = [_huge(draw) if draw(st.booleans()) else draw(SMALL_JUNK)]
    cookies = _cookies(draw, target)

    request = _body(draw, fields)
    async with httpx.AsyncClient(base_url=target.base, cookies=cookies, timeout=60) as http:
        answer = await http.post(path, **request)
    assert answer.status_code < 500, (template, path[:200], answer.status_code)
    assert "Traceback" not in answer.text


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=WITHOUT_SHRINKING,
)
@given(data=st.data())
async def test_no_page_is_answered_with_a_server_error(target: Target, data: Any) -> None:
    draw = data.draw
    template = draw(st.sampled_from(target.gets), label="route")
    path = _route_path(template, draw, target)
    query = draw(
        st.dictionaries(
            st.sampled_from(["lang", "next", "notice", "back"]) | st.text(max_size=8),
            SMALL_JUNK,
            max_size=3,
        ),
        label="query",
    )
    async with httpx.AsyncClient(base_url=target.base, cookies=_cookies(draw, target)) as http:
        answer = await http.get(path, params=query)
    assert answer.status_code < 500, (template, path[:200], answer.status_code)
    assert "Traceback" not in answer.text


async def test_a_nul_in_what_was_typed_is_dropped_not_a_step_failing_forever(
    stack: Stack, target: Target
) -> None:
    """PostgreSQL stores no NUL: accepted as is, an answer holding one failed its step at every
    retry, its pair's workflow stuck. The page and the dashboard drop it; the rest is recorded."""
    [programme_id], [pair_id] = target.valid["programme_id"], target.valid["pair_id"]
    cookies = {csrf.COOKIE_NAME: target.nonce, SESSION_COOKIE: target.session}
    async with httpx.AsyncClient(base_url=target.base, cookies=cookies) as http:
        raised = await http.post(
            f"/t/{target.concern}",
            data={
                "csrf_token": target.forms[f"task:{target.concern}"],
                "submission": uuid.uuid4().hex,
                "text": "Mon binôme\x00 annule souvent.",
            },
        )
        assert raised.status_code == 200, raised.text
        dissolved = await http.post(
            f"/coordinator/p/{programme_id}/pairs/{pair_id}/re-pair",
            data={"csrf_token": target.forms["dashboard"], "reason": "Départ\x00 de l’entreprise"},
        )
        assert dissolved.status_code == 303

    async def recorded() -> dict[str, Any] | None:
        events = await EventStore(stack.pool).read_programme(programme_id)
        found = {e.type: e.data for e in events}
        wanted = (EventType.CONCERN_RAISED, EventType.PAIR_DISSOLVED)
        return found if all(w in found for w in wanted) else None

    found = await opened(
        stack.pool, await eventually(recorded, "the concern and the pair's dissolution recorded")
    )
    assert found[EventType.CONCERN_RAISED]["text"] == "Mon binôme annule souvent."
    assert "Départ de l’entreprise" in json.dumps(
        found[EventType.PAIR_DISSOLVED], ensure_ascii=False
    )


async def test_a_pair_or_programme_that_does_not_exist_is_not_found(target: Target) -> None:
    """Made-up ids, and ids holding a NUL (which PostgreSQL refuses as a query parameter)."""
    [programme_id] = target.valid["programme_id"]
    cookies = {csrf.COOKIE_NAME: target.nonce, SESSION_COOKIE: target.session}
    form = {"csrf_token": target.forms["dashboard"], "reason": "Départ de l’entreprise"}
    programme = f"/coordinator/p/{programme_id}"
    async with httpx.AsyncClient(base_url=target.base, cookies=cookies) as http:
        for method, path in (
            ("POST", f"{programme}/pairs/0099/end"),
            ("POST", f"{programme}/pairs/%00/re-pair"),
            ("POST", "/coordinator/p/no-such-programme/matching/approve"),
            ("GET", "/coordinator/p/%00"),
            ("GET", "/coordinator/p/a%00b/report"),
            ("GET", f"{programme}/pairs/%00"),
        ):
            answer = await http.request(method, path, data=form if method == "POST" else None)
            assert answer.status_code == 404, (path, answer.status_code)
            assert "Page introuvable" in answer.text
