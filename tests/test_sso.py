"""Single sign-on without a browser: the pending-login cookie, `next`, the settings, the ID token.

The ID token checks run against the real provider's keys (tests/oidc_peer.py): tokens forged here
must be refused by the same code that accepts the provider's own in tests/test_sso_browser.py.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import time
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from pydantic import ValidationError

from credentials.oidc import OidcSettings
from devstack.ports import free_port
from i18n.catalogues import source_messages
from settings import Settings, setting_errors
from tests.oidc_peer import PREFIX, OidcPeer
from tests.test_cli import tandem
from tests.test_sso_browser import SECRET as APP_SECRET
from tests.test_sso_browser import coordinators_app
from tests.test_web_browser import serving
from web import csrf, oidc, sso_pending
from web.i18n import LOCALES, Translator
from web.oidc import (
    RelyingParty,
    SsoRefusal,
    SsoRefused,
    identity_from_claims,
    safe_next,
)

SECRET = b"the-deployment-secret"
NOW = 1_900_000_000.0


def pending(**changes: Any) -> sso_pending.PendingLogin:
    made = sso_pending.PendingLogin.new(f"{PREFIX}/p/demo", "en", now=NOW)
    return dataclasses.replace(made, **changes)


# --- the pending-login cookie -------------------------------------------------------------------


def test_a_pending_login_comes_back_as_it_was_sealed() -> None:
    sealed = pending()
    assert sso_pending.unseal(SECRET, sso_pending.seal(SECRET, sealed), now=NOW + 5) == sealed
    assert len(sealed.code_verifier) >= 43  # RFC 7636's minimum
    assert len({sealed.state, sealed.nonce, sealed.code_verifier}) == 3


def test_every_altered_character_makes_the_cookie_forged() -> None:
    value = sso_pending.seal(SECRET, pending())
    for index, char in enumerate(value):
        if char == ".":
            continue
        altered = value[:index] + ("A" if char != "A" else "B") + value[index + 1 :]
        assert sso_pending.unseal(SECRET, altered, now=NOW) is sso_pending.Unusable.FORGED, index


def test_the_signature_is_read_as_written_not_as_decoded() -> None:
    """A last base64 character differing only in its unused bits decodes to the same bytes."""
    value = sso_pending.seal(SECRET, pending())
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # 32 bytes are 43 characters, the last one carrying 4 bits and 2 unused ones, left at 0.
    other_spelling = value[:-1] + alphabet[alphabet.index(value[-1]) | 1]
    assert base64.urlsafe_b64decode(other_spelling.split(".")[2] + "=") == (
        base64.urlsafe_b64decode(value.split(".")[2] + "=")
    )
    assert sso_pending.unseal(SECRET, other_spelling, now=NOW) is sso_pending.Unusable.FORGED


def test_a_cookie_rewritten_by_its_holder_is_forged() -> None:
    """The browser can read its cookie's payload; what it cannot do is change it unnoticed."""
    version, payload, mac = sso_pending.seal(SECRET, pending()).split(".")
    fields = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    fields["x"] = "https://evil.example"
    rewritten = base64.urlsafe_b64encode(json.dumps(fields).encode()).decode().rstrip("=")
    forged = f"{version}.{rewritten}.{mac}"
    assert sso_pending.unseal(SECRET, forged, now=NOW) is sso_pending.Unusable.FORGED


def test_only_this_deployments_secrets_open_the_cookie() -> None:
    value = sso_pending.seal(b"the-secret-before", pending())
    assert sso_pending.unseal(SECRET, value, now=NOW) is sso_pending.Unusable.FORGED
    # While TANDEM_SECRET is being rotated, a sign-in started under the old one still finishes.
    opened = sso_pending.unseal(SECRET, value, now=NOW, previous=(b"the-secret-before",))
    assert isinstance(opened, sso_pending.PendingLogin)


def test_a_pending_login_lasts_ten_minutes() -> None:
    value = sso_pending.seal(SECRET, pending())
    last_moment = NOW + sso_pending.LIFETIME_SECONDS - 1
    assert isinstance(sso_pending.unseal(SECRET, value, now=last_moment), sso_pending.PendingLogin)
    too_late = NOW + sso_pending.LIFETIME_SECONDS
    assert sso_pending.unseal(SECRET, value, now=too_late) is sso_pending.Unusable.EXPIRED
    # From far in the future (a clock gone wrong) is no more usable than from long ago.
    assert sso_pending.unseal(SECRET, value, now=NOW - 3600) is sso_pending.Unusable.EXPIRED


@pytest.mark.parametrize(
    "value",
    [
        "",
        "v1",
        "v1..",
        "v1.e30.",
        "v2.e30.AAAA",
        "not a cookie at all",
        "v1.é.ü",
        "v1." + "A" * 5000 + ".AAAA",
    ],
)
def test_anything_else_in_the_cookie_is_refused_without_an_error(value: str) -> None:
    assert sso_pending.unseal(SECRET, value, now=NOW) in (
        sso_pending.Unusable.FORGED,
        sso_pending.Unusable.MISSING,
    )
    assert sso_pending.unseal(SECRET, None, now=NOW) is sso_pending.Unusable.MISSING


def test_no_other_signature_of_the_deployment_passes_for_a_pending_login() -> None:
    """A CSRF token made with the same secret is no pending login."""
    payload = sso_pending.seal(SECRET, pending()).split(".")[1]
    for mac in (csrf.form_token(SECRET, payload, "n" * 43),):
        mac_b64 = base64.urlsafe_b64encode(bytes.fromhex(mac)).decode().rstrip("=")
        value = f"v1.{payload}.{mac_b64}"
        assert sso_pending.unseal(SECRET, value, now=NOW) is sso_pending.Unusable.FORGED


# --- where a sign-in may lead -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (f"{PREFIX}/p/demo", f"{PREFIX}/p/demo"),
        (f"{PREFIX}/p/demo?notice=hello", f"{PREFIX}/p/demo?notice=hello"),
        (PREFIX, PREFIX),
        (None, PREFIX),
        ("", PREFIX),
        ("https://evil.example", PREFIX),
        ("//evil.example", PREFIX),
        (f"{PREFIX}//evil.example", PREFIX),
        ("/\\evil.example", PREFIX),
        (f"{PREFIX}\\..\\x", PREFIX),
        (f"{PREFIX}/../x", PREFIX),
        (f"{PREFIX}/%2e%2e/x", PREFIX),
        (f"{PREFIX}/./p", PREFIX),
        (f"{PREFIX}x/elsewhere", PREFIX),
        ("/t/some-task-token", PREFIX),
        (f"{PREFIX}/sso", PREFIX),
        (f"{PREFIX}/sso/callback?code=x", PREFIX),
        (f"{PREFIX}/p/a\r\nSet-Cookie: x=1", PREFIX),
        (f"{PREFIX}/" + "a" * 3000, PREFIX),
    ],
)
def test_next_is_a_path_under_the_prefix_or_the_prefix_itself(
    target: str | None, expected: str
) -> None:
    assert safe_next(PREFIX, target) == expected


# --- the verified identity ----------------------------------------------------------------------


def test_the_identity_is_the_verified_address_in_lower_case() -> None:
    claims = {"sub": "u-1", "email": " Ada.Lovelace@Example.ORG ", "email_verified": True}
    identity = identity_from_claims({**claims, "name": "Ada"}, "https://id.example.org")
    assert identity.email == "ada.lovelace@example.org"
    assert (identity.sub, identity.name) == ("u-1", "Ada")
    assert identity_from_claims(claims, "https://id.example.org").name is None


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "u-1", "email": "ada@example.org"},
        {"sub": "u-1", "email": "ada@example.org", "email_verified": False},
        {"sub": "u-1", "email": "ada@example.org", "email_verified": "true"},
        {"sub": "u-1", "email": "ada@example.org", "email_verified": 1},
        {"sub": "u-1", "email_verified": True},
        {"sub": "u-1", "email": "not-an-address", "email_verified": True},
        {"sub": "u-1", "email": ["ada@example.org"], "email_verified": True},
    ],
)
def test_no_identity_without_an_address_the_provider_verified(claims: dict[str, Any]) -> None:
    with pytest.raises(SsoRefused) as refused:
        identity_from_claims(claims, "https://id.example.org")
    assert refused.value.refusal is SsoRefusal.UNVERIFIED_EMAIL


# --- settings -----------------------------------------------------------------------------------

_OIDC = {
    "TANDEM_OIDC_ISSUER": "https://id.example.org/realms/staff",
    "TANDEM_OIDC_CLIENT_ID": "tandem",
    "TANDEM_OIDC_CLIENT_SECRET": "s3cret",
}


def _settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name in (*_OIDC, "TANDEM_PASSWORD_LOGIN"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


def _errors(monkeypatch: pytest.MonkeyPatch, **env: str) -> list[str]:
    with pytest.raises(ValidationError) as error:
        _settings(monkeypatch, **env)
    return setting_errors(error.value)


def test_single_sign_on_is_configured_by_three_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _settings(monkeypatch, **_OIDC, TANDEM_PASSWORD_LOGIN="false")
    assert settings.oidc == OidcSettings("https://id.example.org/realms/staff", "tandem", "s3cret")
    assert "s3cret" not in repr(settings.oidc)
    assert settings.password_login is False
    unset = _settings(monkeypatch)
    assert unset.oidc is None and unset.password_login is True
    # Compose passes unset variables as "": that is not configured, and not an error.
    blank = _settings(monkeypatch, **dict.fromkeys(_OIDC, ""), TANDEM_PASSWORD_LOGIN="")
    assert blank.oidc is None and blank.password_login is True


def test_all_three_or_none(monkeypatch: pytest.MonkeyPatch) -> None:
    issuer_only = {"TANDEM_OIDC_ISSUER": _OIDC["TANDEM_OIDC_ISSUER"]}
    assert _errors(monkeypatch, **issuer_only) == [
        "TANDEM_OIDC_CLIENT_ID: must be set too (TANDEM_OIDC_ISSUER is set): "
        "single sign-on needs all three",
        "TANDEM_OIDC_CLIENT_SECRET: must be set too (TANDEM_OIDC_ISSUER is set): "
        "single sign-on needs all three",
    ]
    no_secret = {**_OIDC, "TANDEM_OIDC_CLIENT_SECRET": ""}
    assert _errors(monkeypatch, **no_secret) == [
        "TANDEM_OIDC_CLIENT_SECRET: must be set too "
        "(TANDEM_OIDC_ISSUER and TANDEM_OIDC_CLIENT_ID are set): single sign-on needs all three"
    ]


def test_password_login_can_be_switched_off_only_with_single_sign_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [error] = _errors(monkeypatch, TANDEM_PASSWORD_LOGIN="false")
    assert error.startswith("TANDEM_PASSWORD_LOGIN: may be false only when single sign-on is")


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("id.example.org", "must be the OpenID provider's issuer URL"),
        ("ftp://id.example.org", "must be the OpenID provider's issuer URL"),
        ("http://id.example.org", "must be an https URL (http only for a provider on loopback)"),
        ("https://id.example.org/?tenant=1", "must be the issuer URL without a query"),
    ],
)
def test_a_wrong_issuer_is_named(
    monkeypatch: pytest.MonkeyPatch, issuer: str, message: str
) -> None:
    [error] = _errors(monkeypatch, **{**_OIDC, "TANDEM_OIDC_ISSUER": issuer})
    assert error.startswith(f"TANDEM_OIDC_ISSUER: {message}")


def test_a_provider_on_loopback_may_use_http(monkeypatch: pytest.MonkeyPatch) -> None:
    for issuer in ("http://127.0.0.1:4000", "http://localhost:4000", "http://[::1]:4000"):
        settings = _settings(monkeypatch, **{**_OIDC, "TANDEM_OIDC_ISSUER": issuer})
        assert settings.oidc is not None and settings.oidc.issuer == issuer


def test_the_command_line_names_the_missing_variable_and_masks_the_secret() -> None:
    refused = tandem("config", "--json", env={"TANDEM_OIDC_ISSUER": "https://id.example.org"})
    assert refused.returncode == 2
    assert "configuration error: TANDEM_OIDC_CLIENT_ID: must be set too" in refused.stderr
    assert "Traceback" not in refused.stderr
    shown = tandem("config", "--json", env=_OIDC)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["TANDEM_OIDC_CLIENT_SECRET"] == "********"
    assert "s3cret" not in shown.stdout


# --- words --------------------------------------------------------------------------------------


def test_every_refusal_has_its_page_in_both_languages() -> None:
    for refusal in SsoRefusal:
        for locale in LOCALES:
            t = Translator(locale)
            assert t.has(f"sso.refused.{refusal.value}.title"), (refusal, locale)
            assert t.has(f"sso.refused.{refusal.value}.body"), (refusal, locale)
    french, english = source_messages("fr"), source_messages("en")
    sso_keys = {key for key in french if key.startswith("sso.")}
    assert sso_keys == {key for key in english if key.startswith("sso.")}
    for key in sso_keys:  # French typography: a non-breaking space before : ; ? !
        for mark in ":;?!":
            assert f" {mark}" not in french[key], key


# --- against the real provider ------------------------------------------------------------------


def _claims(peer: OidcPeer, nonce: str) -> dict[str, Any]:
    now = int(time.time())
    return {
        "iss": peer.issuer,
        "aud": peer.client_id,
        "sub": "grace@example.org",
        "email": "grace@example.org",
        "email_verified": True,
        "iat": now,
        "exp": now + 300,
        "nonce": nonce,
    }


async def _refusal(peer: OidcPeer, token: str, nonce: str = "n-1") -> SsoRefusal:
    relying_party = RelyingParty(peer.settings, peer.redirect_uri)
    with pytest.raises(SsoRefused) as refused:
        await relying_party.verify_id_token(token, nonce)
    return refused.value.refusal


async def test_an_id_token_not_signed_by_the_provider_is_refused(oidc_provider: OidcPeer) -> None:
    async with httpx.AsyncClient() as http:
        keys = (await http.get(f"{oidc_provider.issuer}/jwks")).json()["keys"]
    impostor = RSAKey.generate_key(2048)
    claims = _claims(oidc_provider, "n-1")
    # The provider's key id, someone else's key.
    same_kid = jwt.encode({"alg": "RS256", "kid": keys[0]["kid"]}, claims, impostor)
    assert await _refusal(oidc_provider, same_kid) is SsoRefusal.INVALID_TOKEN
    # A key id the provider does not publish, even once its keys are fetched again.
    unknown_kid = jwt.encode({"alg": "RS256", "kid": "rotated"}, claims, impostor)
    assert await _refusal(oidc_provider, unknown_kid) is SsoRefusal.INVALID_TOKEN
    # "Signed" with the client secret, which the relying party also knows.
    secret_key = OctKey.import_key(oidc_provider.client_secret.encode())
    symmetric = jwt.encode({"alg": "HS256"}, claims, secret_key, algorithms=["HS256"])
    assert await _refusal(oidc_provider, symmetric) is SsoRefusal.INVALID_TOKEN
    # Not signed at all.
    header = base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("=")
    body = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    assert await _refusal(oidc_provider, f"{header}.{body}.") is SsoRefusal.INVALID_TOKEN
    assert await _refusal(oidc_provider, "not a token") is SsoRefusal.INVALID_TOKEN


async def test_an_unreachable_provider_is_a_clear_page() -> None:
    closed = free_port()  # nothing listens there
    settings = OidcSettings(f"http://127.0.0.1:{closed}", "tandem-dashboard", "secret")
    port = free_port()
    app = coordinators_app(f"http://127.0.0.1:{port}", settings)
    async with serving(app, port) as base, httpx.AsyncClient(base_url=base) as http:
        response = await http.get(f"{PREFIX}/sso", params={"lang": "en"})
    assert response.status_code == 503
    assert "The identity provider does not answer" in response.text
    assert sso_pending.COOKIE_NAME not in response.cookies


async def test_a_provider_answering_for_another_issuer_is_refused(oidc_provider: OidcPeer) -> None:
    # The discovery document names the issuer it belongs to: here localhost, not 127.0.0.1.
    impostor = oidc_provider.issuer.replace("localhost", "127.0.0.1")
    settings = dataclasses.replace(oidc_provider.settings, issuer=impostor)
    app = coordinators_app(oidc_provider.app_base_url, settings)
    async with (
        serving(app, oidc_provider.app_port) as base,
        httpx.AsyncClient(base_url=base) as http,
    ):
        response = await http.get(f"{PREFIX}/sso")
    assert response.status_code == 502
    assert "Le fournisseur d’identité a répondu par une erreur" in response.text


async def test_the_authorization_request_asks_for_code_pkce_and_a_nonce(
    oidc_provider: OidcPeer,
) -> None:
    app = coordinators_app(oidc_provider.app_base_url, oidc_provider.settings)
    async with (
        serving(app, oidc_provider.app_port) as base,
        httpx.AsyncClient(base_url=base) as http,
    ):
        response = await http.get(f"{PREFIX}/sso", params={"next": f"{PREFIX}/p/x"})
    assert response.status_code == 303
    location = httpx.URL(response.headers["location"])
    assert str(location).startswith(f"{oidc_provider.issuer}/auth?")
    query = dict(location.params)
    assert query["response_type"] == "code" and query["scope"] == "openid email profile"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["redirect_uri"] == oidc_provider.redirect_uri
    opened = sso_pending.unseal(APP_SECRET, response.cookies[sso_pending.COOKIE_NAME])
    assert isinstance(opened, sso_pending.PendingLogin)
    assert (query["state"], query["nonce"]) == (opened.state, opened.nonce)
    challenge = hashlib.sha256(opened.code_verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(challenge).decode().rstrip("=")
    assert opened.next_path == f"{PREFIX}/p/x"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and f"path={PREFIX}/sso" in cookie
    assert "max-age=600" in cookie


async def test_the_pending_login_cookie_is_secure_when_tandem_is_served_over_https(
    oidc_provider: OidcPeer,
) -> None:
    app = coordinators_app("https://tandem.example.org", oidc_provider.settings)
    async with (
        serving(app, oidc_provider.app_port) as base,
        httpx.AsyncClient(base_url=base) as http,
    ):
        response = await http.get(f"{PREFIX}/sso")
    assert response.status_code == 303
    assert "secure" in response.headers["set-cookie"].lower()
    location = httpx.URL(response.headers["location"])
    assert location.params["redirect_uri"] == "https://tandem.example.org/coordinator/sso/callback"


@pytest.mark.parametrize("email", ["ada\x00@example.org", "ada@example.org\n", "not-an-address@x"])
def test_a_malformed_address_from_the_provider_is_refused(email: str) -> None:
    claims = {"email": email, "email_verified": True, "sub": "s"}
    with pytest.raises(oidc.SsoRefused) as refused:
        oidc.identity_from_claims(claims, "https://sso.example.org")
    assert refused.value.refusal is oidc.SsoRefusal.UNVERIFIED_EMAIL
