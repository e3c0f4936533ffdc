"""Single sign-on for coordinators: an OpenID Connect relying party (Authlib), code flow with PKCE.

`add_sso_routes` adds `GET {prefix}/sso` (off to the provider) and `GET {prefix}/sso/callback`
(back from it). The callback checks the state against the signed pending-login cookie
(web/sso_pending.py), exchanges the code at the token endpoint, verifies the ID token against the
provider's keys (signature, iss, aud, exp, iat, nonce) and hands the verified identity to
`on_verified`, which finds the account and opens the session. Every failure is an `SsoRefusal`
rendered as a page in the reader's language; no code, token or secret is ever logged.
"""

from __future__ import annotations

import asyncio
import hmac
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx2
import structlog
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from authlib.oidc.core import CodeIDToken
from authlib.oidc.discovery import OpenIDProviderMetadata, get_well_known_url
from fastapi import FastAPI
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from credentials.oidc import OidcSettings
from domain.accounts import email_problem, normalise_email
from web import sso_pending
from web.i18n import Translator, languages_of
from web.rendering import PAGE_HEADERS, render_page

log = structlog.get_logger(__name__)

SCOPE = "openid email profile"
# Signatures by the provider's published public keys only: an HMAC "signature" keyed with the
# client secret, or none at all, would let anyone holding that secret (or no one) mint identities.
_ASYMMETRIC_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)
_CLOCK_LEEWAY_SECONDS = 60
_METADATA_SECONDS = 3600  # how long discovery and keys are trusted before being fetched again
_TIMEOUT = httpx2.Timeout(10.0)
_ERROR_CODE = re.compile(r"[a-z_]{1,64}")


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who the provider vouches for: `email` lower-cased and verified by the provider."""

    email: str
    sub: str
    name: str | None
    issuer: str


class SsoRefusal(StrEnum):
    """Why a single sign-on did not sign anyone in: the key of the page that says so."""

    STATE_MISMATCH = "state_mismatch"  # no sign-in in progress in this browser matches the answer
    EXPIRED = "expired"  # started more than ten minutes ago
    ACCESS_DENIED = "access_denied"  # the person, or the provider, declined
    PROVIDER_ERROR = "provider_error"  # the provider answered with an error or nonsense
    PROVIDER_UNREACHABLE = "provider_unreachable"
    INVALID_TOKEN = "invalid_token"  # the ID token failed verification
    UNVERIFIED_EMAIL = "unverified_email"  # no e-mail address, or one the provider has not verified
    UNKNOWN_ACCOUNT = "unknown_account"  # decided by the caller: no account has that address

    @property
    def status(self) -> int:
        return _STATUS[self]


_STATUS = {
    SsoRefusal.STATE_MISMATCH: 400,
    SsoRefusal.EXPIRED: 400,
    SsoRefusal.ACCESS_DENIED: 403,
    SsoRefusal.PROVIDER_ERROR: 502,
    SsoRefusal.PROVIDER_UNREACHABLE: 503,
    SsoRefusal.INVALID_TOKEN: 502,
    SsoRefusal.UNVERIFIED_EMAIL: 403,
    SsoRefusal.UNKNOWN_ACCOUNT: 403,
}


class SsoRefused(Exception):
    """A sign-in refused; `detail` is for the log (an error code, a claim name), never a secret."""

    def __init__(self, refusal: SsoRefusal, detail: str = "", status: int | None = None) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
        self.detail = detail
        self.status = status or refusal.status


class RelyingParty:
    """Tandem as an OpenID Connect client of one provider (discovery and keys cached)."""

    def __init__(self, settings: OidcSettings, redirect_uri: str) -> None:
        self.settings = settings
        self.redirect_uri = redirect_uri
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._keys: KeySet | None = None
        self._keys_at = 0.0
        self._lock = asyncio.Lock()

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document, validated, fetched at most once an hour."""
        async with self._lock:
            if self._metadata is None or time.monotonic() - self._metadata_at > _METADATA_SECONDS:
                self._metadata = await self._discover()
                self._metadata_at = time.monotonic()
                self._keys = None  # the keys may have moved with it
            return self._metadata

    async def authorization_url(self, pending: sso_pending.PendingLogin, locale: str) -> str:
        metadata = await self.metadata()
        async with self._client(metadata) as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"],
                state=pending.state,
                code_verifier=pending.code_verifier,
                nonce=pending.nonce,
                ui_locales=locale,  # the provider's pages in the reader's language, when it can
            )
        return str(url)

    async def complete(
        self, pending: sso_pending.PendingLogin, answer: Mapping[str, str]
    ) -> VerifiedIdentity:
        """The identity in the provider's `answer` (the callback's query), or SsoRefused.

        The caller has already checked the answer's state against `pending`.
        """
        metadata = await self.metadata()
        issuer = self.settings.issuer
        # RFC 9207: the answer names its issuer, so that one provider's answer cannot be passed
        # off as another's (mix-up attack).
        named = answer.get("iss")
        if (named is not None and named != issuer) or (
            named is None and metadata.get("authorization_response_iss_parameter_supported")
        ):
            raise SsoRefused(SsoRefusal.PROVIDER_ERROR, "issuer_mismatch", status=400)
        error = answer.get("error")
        if error is not None:
            detail = error if _ERROR_CODE.fullmatch(error) else "unreadable"
            if error == "access_denied":
                raise SsoRefused(SsoRefusal.ACCESS_DENIED, detail)
            raise SsoRefused(SsoRefusal.PROVIDER_ERROR, detail, status=400)
        code = answer.get("code")
        if not code:
            raise SsoRefused(SsoRefusal.PROVIDER_ERROR, "no_code", status=400)

        async with self._client(metadata) as client:
            token = await _exchange(client, metadata["token_endpoint"], code, pending)
            id_token = token.get("id_token")
            if not isinstance(id_token, str):
                raise SsoRefused(SsoRefusal.PROVIDER_ERROR, "no_id_token")
            claims = await self.verify_id_token(id_token, pending.nonce, token.get("access_token"))
            if "email" not in claims and metadata.get("userinfo_endpoint"):
                # Many providers keep the profile claims out of a code-flow ID token (as the
                # specification suggests): they are in the UserInfo answer, for the same subject.
                info = await _userinfo(client, metadata["userinfo_endpoint"])
                if info.get("sub") != claims["sub"]:
                    raise SsoRefused(SsoRefusal.INVALID_TOKEN, "userinfo_sub")
                claims = {**info, **claims}
        return identity_from_claims(claims, issuer)

    def _client(self, metadata: Mapping[str, Any]) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=self.settings.client_id,
            client_secret=self.settings.client_secret,
            token_endpoint_auth_method=_auth_method(metadata),
            scope=SCOPE,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            timeout=_TIMEOUT,
        )

    async def _discover(self) -> dict[str, Any]:
        url = get_well_known_url(self.settings.issuer, external=True)
        document = await _get_json(url, "discovery")
        try:
            OpenIDProviderMetadata(document).validate()
        except ValueError as error:
            raise SsoRefused(SsoRefusal.PROVIDER_ERROR, "discovery_invalid") from error
        # OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
        if document.get("issuer") != self.settings.issuer:
            raise SsoRefused(SsoRefusal.PROVIDER_ERROR, "discovery_issuer_mismatch")
        return document

    async def _key_set(self, metadata: Mapping[str, Any], *, fresh: bool) -> KeySet:
        if fresh or self._keys is None or time.monotonic() - self._keys_at > _METADATA_SECONDS:
            document = await _get_json(metadata["jwks_uri"], "jwks")
            try:
                self._keys = KeySet.import_key_set(document)  # type: ignore[arg-type]
            except (JoseError, ValueError, TypeError, KeyError) as error:
                raise SsoRefused(SsoRefusal.PROVIDER_ERROR, "jwks_invalid") from error
            self._keys_at = time.monotonic()
        return self._keys

    async def verify_id_token(
        self, id_token: str, nonce: str, access_token: str | None = None
    ) -> dict[str, Any]:
        """The claims of `id_token` once verified against the provider's keys and this sign-in
        (signature, iss, aud, azp, exp, iat, nonce, at_hash); SsoRefused otherwise."""
        metadata = await self.metadata()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [name for name in offered if name in _ASYMMETRIC_ALGORITHMS]
        if not algorithms:
            raise SsoRefused(SsoRefusal.PROVIDER_ERROR, "no_asymmetric_algorithm")
        try:
            try:
                decoded = jwt.decode(
                    id_token, await self._key_set(metadata, fresh=False), algorithms=algorithms
                )
            except InvalidKeyIdError:
                # Signed with a key newer than the ones kept: the provider rotated its keys.
                decoded = jwt.decode(
                    id_token, await self._key_set(metadata, fresh=True), algorithms=algorithms
                )
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                {
                    "iss": {"essential": True, "value": self.settings.issuer},
                    "aud": {"essential": True, "value": self.settings.client_id},
                    "sub": {"essential": True},
                    "exp": {"essential": True},
                    "iat": {"essential": True},
                    "nonce": {"essential": True},
                },
                {
                    "nonce": nonce,
                    "client_id": self.settings.client_id,
                    "access_token": access_token,
                },
            )
            claims.validate(leeway=_CLOCK_LEEWAY_SECONDS)
        except JoseError as error:
            raise SsoRefused(SsoRefusal.INVALID_TOKEN, _jose_detail(error)) from None
        except (ValueError, TypeError) as error:  # not even a JWT
            raise SsoRefused(SsoRefusal.INVALID_TOKEN, type(error).__name__) from None
        return dict(claims)


async def _exchange(
    client: AsyncOAuth2Client, endpoint: str, code: str, pending: sso_pending.PendingLogin
) -> dict[str, Any]:
    try:
        token = await client.fetch_token(
            endpoint,
            grant_type="authorization_code",
            code=code,
            code_verifier=pending.code_verifier,
        )
    except OAuthError as error:
        detail = error.error if _ERROR_CODE.fullmatch(str(error.error)) else "token_error"
        raise SsoRefused(SsoRefusal.PROVIDER_ERROR, f"token:{detail}") from None
    except httpx2.HTTPStatusError as error:
        raise SsoRefused(
            SsoRefusal.PROVIDER_ERROR, f"token:http_{error.response.status_code}"
        ) from None
    except httpx2.HTTPError as error:
        raise SsoRefused(SsoRefusal.PROVIDER_UNREACHABLE, f"token:{type(error).__name__}") from None
    except ValueError:
        raise SsoRefused(SsoRefusal.PROVIDER_ERROR, "token:not_json") from None
    return dict(token)


async def _userinfo(client: AsyncOAuth2Client, endpoint: str) -> dict[str, Any]:
    try:
        response = await client.get(endpoint)
        response.raise_for_status()
        info = response.json()
    except httpx2.HTTPStatusError as error:
        raise SsoRefused(
            SsoRefusal.PROVIDER_ERROR, f"userinfo:http_{error.response.status_code}"
        ) from None
    except httpx2.HTTPError as error:
        raise SsoRefused(
            SsoRefusal.PROVIDER_UNREACHABLE, f"userinfo:{type(error).__name__}"
        ) from None
    except ValueError:  # a signed or encrypted UserInfo answer, which Tandem does not ask for
        raise SsoRefused(SsoRefusal.PROVIDER_ERROR, "userinfo:not_json") from None
    if not isinstance(info, dict):
        raise SsoRefused(SsoRefusal.PROVIDER_ERROR, "userinfo:not_object")
    return info


async def _get_json(url: str, what: str) -> dict[str, Any]:
    try:
        async with httpx2.AsyncClient(timeout=_TIMEOUT) as client:
            response = await client.get(url, headers={"Accept": "application/json"})
            response.raise_for_status()
            document = response.json()
    except httpx2.HTTPStatusError as error:
        raise SsoRefused(
            SsoRefusal.PROVIDER_ERROR, f"{what}:http_{error.response.status_code}"
        ) from None
    except httpx2.HTTPError as error:
        raise SsoRefused(
            SsoRefusal.PROVIDER_UNREACHABLE, f"{what}:{type(error).__name__}"
        ) from None
    except ValueError:
        raise SsoRefused(SsoRefusal.PROVIDER_ERROR, f"{what}:not_json") from None
    if not isinstance(document, dict):
        raise SsoRefused(SsoRefusal.PROVIDER_ERROR, f"{what}:not_object")
    return document


def _auth_method(metadata: Mapping[str, Any]) -> str:
    """client_secret_basic, the default (OpenID Connect Discovery), unless only _post is offered."""
    offered = metadata.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    if "client_secret_basic" not in offered and "client_secret_post" in offered:
        return "client_secret_post"
    return "client_secret_basic"


def identity_from_claims(claims: Mapping[str, Any], issuer: str) -> VerifiedIdentity:
    email = claims.get("email")
    # Only a boolean true: an address the provider merely relays (whoever typed it in) would let
    # anyone who can register at the provider sign in as any coordinator.
    if not isinstance(email, str) or "@" not in email or claims.get("email_verified") is not True:
        raise SsoRefused(SsoRefusal.UNVERIFIED_EMAIL, "email_verified")
    address = normalise_email(email)
    if email_problem(address) is not None or any(ord(c) < 0x20 for c in email):
        raise SsoRefused(SsoRefusal.UNVERIFIED_EMAIL, "email_malformed")
    name = claims.get("name")
    return VerifiedIdentity(
        email=address,
        sub=str(claims["sub"]),
        name=(name.strip() or None) if isinstance(name, str) else None,
        issuer=issuer,
    )


def _jose_detail(error: JoseError) -> str:
    claim = getattr(error, "claim", None)
    return f"{error.error}:{claim}" if claim else str(error.error)


def safe_next(prefix: str, target: str | None) -> str:
    """`target` when it is a path under `prefix` (never another site: no open redirect), else
    `prefix`. The sign-in routes themselves are no destination."""
    path = (target or "").split("?", 1)[0]
    if (
        not target
        or len(target) > 2000
        or not (target == prefix or target.startswith((f"{prefix}/", f"{prefix}?")))
        or target.startswith(f"{prefix}/sso")
        or "//" in target
        or "\\" in target
        or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target)
        # "/coordinator/../x" is "/x" once the browser has resolved it, "%2e%2e" as well
        or any(unquote(segment) in (".", "..") for segment in path.split("/"))
    ):
        return prefix
    return target


def refusal_page(
    t: Translator,
    refusal: SsoRefusal,
    *,
    login_path: str,
    status: int | None = None,
    email: str | None = None,
) -> Response:
    """The page saying why nobody was signed in, with the way back to the sign-in page.

    `email`: the address the provider vouched for, shown with UNKNOWN_ACCOUNT so that a person
    signed in at the provider under another address sees which one was used.
    """
    key = f"sso.refused.{refusal.value}"
    return render_page(
        "sso_refused.html",
        t,
        status or refusal.status,
        title=t(f"{key}.title"),
        body=t(f"{key}.body"),
        email=email,
        login_path=login_path,
    )


def same_site_redirect(t: Translator, target: str, status: int = 200) -> Response:
    """A page that sends the browser on to `target` (a path of this site) by itself.

    The callback is reached by a redirect from the provider, another site: a browser does not send
    SameSite=Strict cookies on any request of that redirect chain, not even a session cookie just
    set by the callback. A redirect to the dashboard would so arrive signed out. A page of this
    site that moves on by itself starts a new, same-site navigation, which carries them.
    """
    return render_page(
        "sso_continue.html",
        t,
        status,
        title=t("sso.continue.title"),
        target=target,
    )


def add_sso_routes(
    app: FastAPI,
    *,
    prefix: str,
    settings: OidcSettings,
    secret: bytes,
    public_base_url: str,
    on_verified: Callable[[Request, VerifiedIdentity, str, Translator], Awaitable[Response]],
    translator: Callable[[Request], Translator],
    previous_secrets: Sequence[bytes] = (),
    login_path: str | None = None,
) -> RelyingParty:
    """`GET {prefix}/sso?next=` and `GET {prefix}/sso/callback`, for one OpenID provider.

    `on_verified(request, identity, next_path, t)` answers a verified sign-in: it finds the account
    by `identity.email`, refuses an unknown one (`refusal_page(t, UNKNOWN_ACCOUNT, ...)`) and
    opens the session. `next_path` is safe to redirect to (see `safe_next`); a session cookie
    that is SameSite=Strict needs `same_site_redirect`. `t` speaks the language the reader had
    when the sign-in started (`translator(request)` then). The pending-login cookie is cleared
    whatever it answers. `login_path` (default `{prefix}/login`) is where refusal pages lead.
    """
    base = public_base_url.rstrip("/")
    relying_party = RelyingParty(settings, f"{base}{prefix}/sso/callback")
    cookie_path = f"{prefix}/sso"
    secure = base.startswith("https://")
    back_to = login_path or f"{prefix}/login"
    provider_host = urlsplit(settings.issuer).netloc

    def refused(t: Translator, failure: SsoRefused) -> Response:
        log.warning("sso.refused", reason=failure.refusal.value, detail=failure.detail)
        return forget(refusal_page(t, failure.refusal, login_path=back_to, status=failure.status))

    def forget(response: Response) -> Response:
        # One answer per sign-in: a replayed callback URL finds no pending login.
        response.delete_cookie(
            sso_pending.COOKIE_NAME, path=cookie_path, secure=secure, httponly=True, samesite="lax"
        )
        return response

    @app.get(f"{prefix}/sso", include_in_schema=False)
    async def sso_start(request: Request) -> Response:
        t = translator(request)
        next_path = safe_next(prefix, request.query_params.get("next"))
        pending = sso_pending.PendingLogin.new(next_path, t.locale)
        try:
            url = await relying_party.authorization_url(pending, t.locale)
        except SsoRefused as failure:
            return refused(t, failure)
        response = RedirectResponse(url, status_code=303, headers=_REDIRECT_HEADERS)
        response.set_cookie(
            sso_pending.COOKIE_NAME,
            sso_pending.seal(secret, pending),
            max_age=sso_pending.LIFETIME_SECONDS,
            path=cookie_path,
            secure=secure,
            httponly=True,
            # Lax, not Strict: the provider sends the browser back here from another site, and
            # only a Lax cookie travels on that top-level navigation.
            samesite="lax",
        )
        log.info("sso.started", provider=provider_host)
        return response

    @app.get(f"{prefix}/sso/callback", include_in_schema=False)
    async def sso_callback(request: Request) -> Response:
        opened = sso_pending.unseal(
            secret, request.cookies.get(sso_pending.COOKIE_NAME), previous=previous_secrets
        )
        if isinstance(opened, sso_pending.Unusable):
            refusal = (
                SsoRefusal.EXPIRED
                if opened is sso_pending.Unusable.EXPIRED
                else SsoRefusal.STATE_MISMATCH
            )
            return refused(translator(request), SsoRefused(refusal, f"cookie_{opened.value}"))
        t = languages_of(request.app).translator(opened.locale)
        answered = request.query_params.get("state", "")
        if not hmac.compare_digest(answered.encode(), opened.state.encode()):
            return refused(t, SsoRefused(SsoRefusal.STATE_MISMATCH, "state"))
        try:
            identity = await relying_party.complete(opened, request.query_params)
        except SsoRefused as failure:
            return refused(t, failure)
        log.info("sso.verified", provider=provider_host)
        return forget(await on_verified(request, identity, opened.next_path, t))

    return relying_party


_REDIRECT_HEADERS = {
    "Cache-Control": PAGE_HEADERS["Cache-Control"],
    "Referrer-Policy": PAGE_HEADERS["Referrer-Policy"],
}
