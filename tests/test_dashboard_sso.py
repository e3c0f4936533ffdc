"""The dashboard's single sign-on, end to end in chromium against a real OpenID provider: a
coordinator's account is found by the verified e-mail, an address without an account is refused,
and with password sign-in off only the provider opens the dashboard."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
import httpx
from temporalio.testing import WorkflowEnvironment

from domain.accounts import AuditAction, Role
from store import audit
from store.accounts import AccountStore
from tests.browser_helpers import needs_browser
from tests.oidc_peer import OidcPeer, sign_in_at
from tests.test_web_browser import serving
from web import csrf
from web.app import create_app
from web.dashboard import DashboardSettings

SECRET = b"dashboard-sso-tests"


@needs_browser
async def test_a_coordinator_signs_in_by_single_sign_on_only(
    env: WorkflowEnvironment, pool: asyncpg.Pool, browser: Any, oidc_provider: OidcPeer
) -> None:
    assert await AccountStore(pool).add("ada@example.org", Role.COORDINATOR, None)
    settings = DashboardSettings(
        password_login=False,
        oidc=oidc_provider.settings,
        public_base_url=oidc_provider.app_base_url,
    )
    app = create_app(client=env.client, pool=pool, secret=SECRET, dashboard=settings)
    async with serving(app, oidc_provider.app_port) as base:
        # No password form, and a password posted anyway is refused.
        async with httpx.AsyncClient(base_url=base) as http:
            login = await http.get("/coordinator/login")
            assert 'type="password"' not in login.text
            # The token the form would carry, were it shown: this post is refused all the same.
            token = csrf.form_token(SECRET, "coordinator-login", http.cookies[csrf.COOKIE_NAME])
            posted = await http.post(
                "/coordinator/login",
                data={"csrf_token": token, "email": "ada@example.org", "password": "x" * 12},
            )
            assert posted.status_code == 403 and "tandem_coordinator" not in posted.cookies

        context = await browser.new_context()
        context.set_default_timeout(10_000)
        page = await context.new_page()
        try:
            await page.goto(f"{base}/coordinator")
            await page.get_by_role("link", name=re.compile("authentification unique")).click()
            await sign_in_at(page, "Ada@Example.org")
            await page.get_by_role("heading", name="Programmes").wait_for()
            assert page.url == f"{base}/coordinator"
            assert "Connecté·e\u00a0: ada@example.org (coordination)" in await page.inner_text(
                "nav"
            )

            await page.get_by_role("button", name="Se déconnecter").click()
            await page.get_by_role("link", name=re.compile("authentification unique")).wait_for()
        finally:
            await context.close()
        # Someone else at the same provider (another browser) has no account here.
        context = await browser.new_context()
        context.set_default_timeout(10_000)
        page = await context.new_page()
        try:
            await page.goto(f"{base}/coordinator")
            await page.get_by_role("link", name=re.compile("authentification unique")).click()
            await sign_in_at(page, "stranger@example.org")
            await page.get_by_role(
                "heading", name="Aucun compte de coordination pour cette adresse"
            ).wait_for()
            await page.goto(f"{base}/coordinator")
            assert "/coordinator/login" in page.url
        finally:
            await context.close()
    trail = [(e.actor, e.action) for e in await audit.read(pool, None)]
    assert ("ada@example.org", AuditAction.SIGNED_IN) in trail
    assert ("ada@example.org", AuditAction.SIGNED_OUT) in trail
    assert all(actor != "stranger@example.org" for actor, _ in trail)
