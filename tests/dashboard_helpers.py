"""Signing in to the dashboard over real HTTP, as a browser would: the form, its CSRF token."""

from __future__ import annotations

import re

import httpx

_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "no CSRF token on the page"
    return found[1]


async def sign_in(
    http: httpx.AsyncClient, email: str, password: str, address: str | None = None
) -> httpx.Response:
    """Post the sign-in form; `address` poses as another client (X-Forwarded-For)."""
    headers = {"X-Forwarded-For": address} if address else {}
    login = await http.get("/coordinator/login", headers=headers)
    return await http.post(
        "/coordinator/login",
        data={"email": email, "password": password, "csrf_token": form_token(login.text)},
        headers=headers,
    )


async def post_form(
    http: httpx.AsyncClient, page: str, action: str, fields: dict[str, str]
) -> httpx.Response:
    """Post a form of a signed-in page with that page's CSRF token."""
    shown = await http.get(page)
    return await http.post(action, data={**fields, "csrf_token": form_token(shown.text)})
