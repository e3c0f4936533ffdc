"""A single sign-on in progress, kept in the browser as a signed cookie until the provider answers.

Between the redirect to the OpenID provider and its return, the relying party must remember the
`state` it sent (against login CSRF), the `nonce` the ID token must carry (against replayed
tokens), the PKCE `code_verifier` (against a stolen code) and where to go afterwards. They travel
in a short-lived cookie, HMAC-signed with the deployment's secret: nothing is stored server-side,
and any web process of the deployment can finish a sign-in another one started. The verifier is
no secret from the browser that carries it: PKCE protects the code on its way, not from its owner.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

COOKIE_NAME = "tandem_sso"
LIFETIME_SECONDS = 10 * 60  # time enough to type a password at the provider, not to keep a code
# Domain separation: a MAC made here never verifies as a CSRF token, a session or a task link.
_CONTEXT = b"tandem-sso-pending\x00"
_VERSION = "v1"
_CLOCK_SKEW_SECONDS = 60
_MAX_COOKIE = 3000  # well under a browser's 4 KiB per cookie; anything longer is not ours


@dataclass(frozen=True)
class PendingLogin:
    state: str
    nonce: str
    code_verifier: str
    next_path: str
    # The reader's language when the sign-in started: a SameSite=Strict language cookie does not
    # come back with the provider's cross-site redirect.
    locale: str
    created: int  # Unix seconds

    @classmethod
    def new(cls, next_path: str, locale: str, now: float | None = None) -> PendingLogin:
        return cls(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            # RFC 7636: 43 to 128 characters; 64 random bytes give 86.
            code_verifier=secrets.token_urlsafe(64),
            next_path=next_path,
            locale=locale,
            created=int(time.time() if now is None else now),
        )


class Unusable(Enum):
    """Why a cookie opens to no pending login."""

    MISSING = "missing"
    FORGED = "forged"  # not signed by this deployment, or altered since
    EXPIRED = "expired"


def seal(secret: bytes, pending: PendingLogin) -> str:
    """The cookie's value: `v1.<payload>.<mac>`, both parts base64url."""
    payload = _b64(
        json.dumps(
            {
                "s": pending.state,
                "n": pending.nonce,
                "v": pending.code_verifier,
                "x": pending.next_path,
                "l": pending.locale,
                "t": pending.created,
            },
            separators=(",", ":"),
        ).encode()
    )
    return f"{_VERSION}.{payload}.{_b64(_mac(secret, payload))}"


def unseal(
    secret: bytes,
    value: str | None,
    now: float | None = None,
    previous: Sequence[bytes] = (),
) -> PendingLogin | Unusable:
    """The pending login in `value` if this deployment signed it (under its secret or a
    `previous` one) less than LIFETIME_SECONDS ago; otherwise why not."""
    if not value:
        return Unusable.MISSING
    parts = value.split(".")
    if len(value) > _MAX_COOKIE or len(parts) != 3 or parts[0] != _VERSION:
        return Unusable.FORGED
    _, payload, mac = parts
    # Compared as the text we would have written: decoding first would let a last base64
    # character differ in its unused bits and still pass.
    given = mac.encode("utf-8", "replace")
    if not any(
        hmac.compare_digest(_b64(_mac(key, payload)).encode(), given) for key in (secret, *previous)
    ):
        return Unusable.FORGED
    try:
        fields = json.loads(_unb64(payload))
        pending = PendingLogin(
            state=_text(fields["s"]),
            nonce=_text(fields["n"]),
            code_verifier=_text(fields["v"]),
            next_path=_text(fields["x"]),
            locale=_text(fields["l"]),
            created=int(fields["t"]),
        )
    except (binascii.Error, ValueError, KeyError, TypeError):
        # Signed by us yet unreadable: only a future format could do that. Start again.
        return Unusable.FORGED
    age = (time.time() if now is None else now) - pending.created
    # A little from the future is another web process's clock, a little ahead of this one's.
    if not -_CLOCK_SKEW_SECONDS <= age < LIFETIME_SECONDS:
        return Unusable.EXPIRED
    return pending


def _mac(secret: bytes, payload: str) -> bytes:
    return hmac.new(secret, _CONTEXT + payload.encode(), hashlib.sha256).digest()


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
