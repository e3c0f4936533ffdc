"""Single sign-on end to end: chromium, a real OpenID provider on loopback, web/oidc.py.

The provider is the npm package oidc-provider (tests/oidc_peer.py) on `localhost`, the relying
party a small app on `127.0.0.1`: two sites for the browser, as a real provider and Tandem are,
so SameSite rules apply as in production. The app's `on_verified` stands in for the dashboard's:
it knows two coordinators' addresses and shows "signed in as {email}".
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from credentials.oidc import OidcSettings
from tests.browser_helpers import needs_browser
from tests.oidc_peer import PREFIX, OidcPeer, running_provider, sign_in_at
from tests.test_web_browser import serving
from web import sso_pending
from web.i18n import LOCALES, Translator
from web.oidc import (
    SsoRefusal,
    VerifiedIdentity,
    add_sso_routes,
    refusal_page,
    same_site_redirect,
)

pytestmark = needs_browser

SECRET = b"sso-browser-tests"
COORDINATORS = {"ada.lovelace@example.org", "grace@example.org"}
SESSION = "test_session"
LANGUAGE = "test_lang"


def language(request: Request) -> Translator:
    """Like the dashboard's: `?lang=`, else a SameSite=Strict cookie, else French."""
    chosen = request.query_params.get("lang") or request.cookies.get(LANGUAGE)
    return Translator(chosen if chosen in LOCALES else "fr")


def coordinators_app(
    public_base_url: str, settings: OidcSettings, held: list[str] | None = None
) -> FastAPI:
    """The test's stand-in for the dashboard. With `held`, the provider's first answer is kept
    from the app (its URL appended there), for the test to replay, forge or answer later."""
    app = FastAPI()

    @app.middleware("http")
    async def hold_first_answer(request: Request, call_next: Any) -> Response:
        if held is not None and not held and request.url.path == f"{PREFIX}/sso/callback":
            held.append(str(request.url))
            return HTMLResponse("<p>held</p>")
        return await call_next(request)  # type: ignore[no-any-return]

    async def on_verified(
        request: Request, identity: VerifiedIdentity, next_path: str, t: Translator
    ) -> Response:
        if identity.email not in COORDINATORS:
            return refusal_page(
                t, SsoRefusal.UNKNOWN_ACCOUNT, login_path=f"{PREFIX}/login", email=identity.email
            )
        response = same_site_redirect(t, next_path)
        response.set_cookie(SESSION, identity.email, httponly=True, samesite="strict", path=PREFIX)
        return response

    add_sso_routes(
        app,
        prefix=PREFIX,
        settings=settings,
        secret=SECRET,
        public_base_url=public_base_url,
        on_verified=on_verified,
        translator=language,
    )

    @app.get(f"{PREFIX}/login")
    async def login(request: Request) -> Response:
        t = language(request)
        target = quote(request.query_params.get("next", PREFIX), safe="/")
        response = HTMLResponse(
            f'<html lang="{t.locale}"><h1>Connexion</h1>'
            f'<a href="{PREFIX}/sso?next={target}">{escape(t("dash.login.sso"))}</a></html>'
        )
        if request.query_params.get("lang") in LOCALES:
            response.set_cookie(
                LANGUAGE, request.query_params["lang"], samesite="strict", path=PREFIX
            )
        return response

    @app.get(PREFIX)
    @app.get(PREFIX + "/{rest:path}")
    async def signed_in_page(request: Request) -> Response:
        email = request.cookies.get(SESSION)
        if email is None:
            target = quote(request.url.path, safe="/")
            return RedirectResponse(f"{PREFIX}/login?next={target}", status_code=303)
        return HTMLResponse(f"<h1>signed in as {escape(email)}</h1>")

    return app


@dataclasses.dataclass
class Visit:
    page: Any
    context: Any
    base: str
    elsewhere: list[str]  # every request the browser tried to send off this machine

    async def text(self) -> str:
        return str(await self.page.inner_text("body"))

    async def heading(self) -> str:
        return str(await self.page.get_by_role("heading", level=1).inner_text())


@asynccontextmanager
async def visiting(
    browser: Any, peer: OidcPeer, held: list[str] | None = None
) -> AsyncIterator[Visit]:
    """The coordinators' app served where `peer` expects it, and a fresh browser to visit it."""
    app = coordinators_app(peer.app_base_url, peer.settings, held)
    async with serving(app, peer.app_port) as base:
        context = await browser.new_context()
        context.set_default_timeout(10_000)
        elsewhere: list[str] = []

        async def refuse(route: Any) -> None:
            elsewhere.append(route.request.url)
            await route.abort()

        await context.route(re.compile(r"^(?!https?://(127\.0\.0\.1|localhost)[:/])"), refuse)
        try:
            yield Visit(await context.new_page(), context, base, elsewhere)
        finally:
            await context.close()


async def sign_in_at_provider(visit: Visit, login: str) -> None:
    await sign_in_at(visit.page, login)


async def start_from_login_page(visit: Visit, target: str = PREFIX, lang: str = "") -> None:
    query = f"?lang={lang}" if lang else ""
    await visit.page.goto(f"{visit.base}{target}{query}")
    await visit.page.get_by_role("link", name=re.compile("single sign-on|authentification")).click()


def provider_answers(visit: Visit, peer: OidcPeer) -> list[str]:
    """The callback URLs the provider sends this browser to, as they are requested."""
    answers: list[str] = []

    def seen(request: Any) -> None:
        if request.url.startswith(peer.redirect_uri):
            answers.append(request.url)

    visit.page.on("request", seen)
    return answers


async def provider_answer(visit: Visit, held: list[str], login: str) -> str:
    """Sign in at the provider, its answer held from the app: the callback URL it sent."""
    await start_from_login_page(visit)
    await sign_in_at_provider(visit, login)
    await visit.page.get_by_text("held").wait_for()
    return held[0]


async def rewrite_pending_login(visit: Visit, **changes: Any) -> None:
    """Re-sign the pending-login cookie with `changes`, as only someone holding the secret could."""
    cookie = next(c for c in await visit.context.cookies() if c["name"] == sso_pending.COOKIE_NAME)
    pending = sso_pending.unseal(SECRET, cookie["value"])
    assert isinstance(pending, sso_pending.PendingLogin)
    value = sso_pending.seal(SECRET, dataclasses.replace(pending, **changes))
    await visit.context.add_cookies([{**cookie, "value": value}])


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return parts._replace(query=urlencode({**query, **changes})).geturl()


async def test_a_coordinator_signs_in_at_the_provider_and_lands_where_they_were_going(
    browser: Any, oidc_provider: OidcPeer, json_lines: io.StringIO
) -> None:
    async with visiting(browser, oidc_provider) as visit:
        answers = provider_answers(visit, oidc_provider)
        await start_from_login_page(visit, f"{PREFIX}/p/demo")
        assert visit.page.url.startswith(oidc_provider.issuer)  # at the provider's own pages
        await sign_in_at_provider(visit, "Ada.Lovelace@Example.org")

        await visit.page.get_by_role("heading", name=re.compile("signed in as")).wait_for()
        assert visit.page.url == f"{visit.base}{PREFIX}/p/demo"
        assert await visit.heading() == "signed in as ada.lovelace@example.org"
        cookies = {c["name"] for c in await visit.context.cookies()}
        assert sso_pending.COOKIE_NAME not in cookies  # one answer per sign-in
        assert visit.elsewhere == []

    events = [json.loads(line)["event"] for line in json_lines.getvalue().splitlines()]
    assert "sso.started" in events and "sso.verified" in events
    code = parse_qs(urlsplit(answers[0]).query)["code"][0]
    assert code not in json_lines.getvalue()
    assert "ada.lovelace" not in json_lines.getvalue().lower()


async def test_an_address_the_provider_has_not_verified_is_refused_in_the_readers_language(
    browser: Any, oidc_provider: OidcPeer
) -> None:
    async with visiting(browser, oidc_provider) as visit:
        # English chosen on the sign-in page: a SameSite=Strict cookie, which the provider's
        # redirect back does not bring; the page must still speak English.
        await start_from_login_page(visit, f"{PREFIX}/login", lang="en")
        await sign_in_at_provider(visit, "unverified.ada@example.org")

        await visit.page.get_by_role("heading", name="E-mail address not verified").wait_for()
        assert "does not vouch that your e-mail address is yours" in await visit.text()
        await visit.page.goto(f"{visit.base}{PREFIX}")
        assert "/login" in visit.page.url  # nobody signed in


async def test_an_unknown_address_is_refused_with_the_address_the_provider_vouched_for(
    browser: Any, oidc_provider: OidcPeer
) -> None:
    async with visiting(browser, oidc_provider) as visit:
        await start_from_login_page(visit)
        await sign_in_at_provider(visit, "stranger@example.org")

        title = "Aucun compte de coordination pour cette adresse"
        await visit.page.get_by_role("heading", name=title).wait_for()
        text = await visit.text()
        assert "sous l’adresse stranger@example.org" in text
        back = visit.page.get_by_role("link", name="Revenir à la page de connexion")
        assert await back.get_attribute("href") == f"{PREFIX}/login"
        await visit.page.goto(f"{visit.base}{PREFIX}")
        assert "/login" in visit.page.url


async def test_a_forged_state_is_refused_and_nothing_in_the_logs_gives_the_code_away(
    browser: Any, oidc_provider: OidcPeer, json_lines: io.StringIO
) -> None:
    held: list[str] = []
    async with visiting(browser, oidc_provider, held) as visit:
        answer = await provider_answer(visit, held, "grace@example.org")
        response = await visit.page.goto(with_query(answer, state="forged-by-someone-else"))

        assert response.status == 400
        assert await visit.heading() == "Cette connexion n’a pas pu aboutir"
        # The pending sign-in is spent: the genuine answer no longer opens a session either.
        await visit.page.goto(answer)
        assert await visit.heading() == "Cette connexion n’a pas pu aboutir"
        await visit.page.goto(f"{visit.base}{PREFIX}")
        assert "/login" in visit.page.url

    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    refused = [line for line in lines if line["event"] == "sso.refused"]
    assert [line["reason"] for line in refused] == ["state_mismatch", "state_mismatch"]
    code = parse_qs(urlsplit(answer).query)["code"][0]
    assert code not in json_lines.getvalue()


async def test_a_replayed_callback_url_is_refused(browser: Any, oidc_provider: OidcPeer) -> None:
    async with visiting(browser, oidc_provider) as visit:
        answers = provider_answers(visit, oidc_provider)
        await start_from_login_page(visit)
        await sign_in_at_provider(visit, "grace@example.org")
        await visit.page.get_by_role("heading", name="signed in as grace@example.org").wait_for()

        # The same answer again, in the same browser: the sign-in it belonged to is over.
        response = await visit.page.goto(answers[0])
        assert response.status == 400
        assert await visit.heading() == "Cette connexion n’a pas pu aboutir"

    async with visiting(browser, oidc_provider) as other:  # and in someone else's browser
        response = await other.page.goto(answers[0])
        assert response.status == 400
        assert await other.heading() == "Cette connexion n’a pas pu aboutir"
        await other.page.goto(f"{other.base}{PREFIX}")
        assert "/login" in other.page.url


@pytest.mark.parametrize(
    "changes",
    [
        # RFC 9207: an answer naming another issuer is some other provider's (mix-up attack).
        {"iss": "https://evil.example"},
        {"error": "server_error"},
        {"code": ""},
    ],
)
async def test_an_answer_altered_on_its_way_back_is_refused(
    browser: Any, oidc_provider: OidcPeer, changes: dict[str, str]
) -> None:
    held: list[str] = []
    async with visiting(browser, oidc_provider, held) as visit:
        answer = await provider_answer(visit, held, "grace@example.org")
        response = await visit.page.goto(with_query(answer, **changes))

        assert response.status == 400
        assert await visit.heading() == "Le fournisseur d’identité a répondu par une erreur"
        await visit.page.goto(f"{visit.base}{PREFIX}")
        assert "/login" in visit.page.url


async def test_the_id_token_must_carry_this_sign_ins_nonce(
    browser: Any, oidc_provider: OidcPeer
) -> None:
    held: list[str] = []
    async with visiting(browser, oidc_provider, held) as visit:
        answer = await provider_answer(visit, held, "grace@example.org")
        await rewrite_pending_login(visit, nonce="another-sign-ins-nonce")
        response = await visit.page.goto(answer)

        assert response.status == 502
        assert await visit.heading() == "Votre identité n’a pas pu être vérifiée"


async def test_the_code_is_useless_without_this_sign_ins_pkce_verifier(
    browser: Any, oidc_provider: OidcPeer
) -> None:
    held: list[str] = []
    async with visiting(browser, oidc_provider, held) as visit:
        answer = await provider_answer(visit, held, "grace@example.org")
        await rewrite_pending_login(visit, code_verifier="x" * 64)
        response = await visit.page.goto(answer)

        # The provider refuses the exchange: the code was bound to the original verifier.
        assert response.status == 502
        assert await visit.heading() == "Le fournisseur d’identité a répondu par une erreur"


async def test_a_sign_in_left_more_than_ten_minutes_is_refused(
    browser: Any, oidc_provider: OidcPeer
) -> None:
    held: list[str] = []
    async with visiting(browser, oidc_provider, held) as visit:
        answer = await provider_answer(visit, held, "grace@example.org")
        started = int(time.time()) - sso_pending.LIFETIME_SECONDS - 1
        await rewrite_pending_login(visit, created=started)
        response = await visit.page.goto(answer)

        assert response.status == 400
        assert await visit.heading() == "Cette connexion a expiré"


@pytest.mark.parametrize(
    "target", ["https://evil.example/steal", "//evil.example/steal", f"{PREFIX}/../../evil"]
)
async def test_next_never_leads_off_the_prefix(
    browser: Any, oidc_provider: OidcPeer, target: str
) -> None:
    async with visiting(browser, oidc_provider) as visit:
        await visit.page.goto(f"{visit.base}{PREFIX}/sso?next={quote(target, safe='')}")
        await sign_in_at_provider(visit, "grace@example.org")

        await visit.page.get_by_role("heading", name="signed in as grace@example.org").wait_for()
        assert visit.page.url == f"{visit.base}{PREFIX}"
        assert visit.elsewhere == []


async def test_cancelling_at_the_provider_is_refused_clearly(
    browser: Any, oidc_provider: OidcPeer
) -> None:
    async with visiting(browser, oidc_provider) as visit:
        await start_from_login_page(visit, f"{PREFIX}/login", lang="en")
        await visit.page.get_by_role("link", name="[ Cancel ]").click()

        await visit.page.get_by_role("heading", name="The identity provider declined").wait_for()
        assert "cancelled or not allowed" in await visit.text()


async def test_claims_in_the_id_token_and_the_secret_in_the_token_request_body(
    browser: Any,
) -> None:
    """The other usual provider setup: e-mail in the ID token itself, client_secret_post."""
    with running_provider(claims_in_id_token=True, auth_method="client_secret_post") as peer:
        async with visiting(browser, peer) as visit:
            await start_from_login_page(visit)
            await sign_in_at_provider(visit, "grace@example.org")
            signed_in = visit.page.get_by_role("heading", name="signed in as grace@example.org")
            await signed_in.wait_for()
