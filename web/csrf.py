"""CSRF protection for the task forms: a signed double-submit token.

A random nonce lives in a `SameSite=Strict; HttpOnly` cookie; the form carries
HMAC(secret, link token, nonce). Another site can make a browser POST to a task link, but it can
neither read the cookie nor compute the MAC, so its POST is refused. Binding the MAC to the link
token means a form token taken from one link is useless on another. No server state is needed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence

COOKIE_NAME = "tandem_csrf"
FIELD_NAME = "csrf_token"
# Domain separation: a MAC made here never verifies as a task-link token, and vice versa.
_CONTEXT = b"tandem-csrf\x00"
_NONCE = re.compile(r"[A-Za-z0-9_-]{32,64}")


def new_nonce() -> str:
    return secrets.token_urlsafe(32)


def usable_nonce(cookie_value: str | None) -> str | None:
    """The cookie's nonce when it looks like one we issued (anything else is replaced)."""
    if cookie_value and _NONCE.fullmatch(cookie_value):
        return cookie_value
    return None


def form_token(secret: bytes, link_token: str, nonce: str) -> str:
    message = _CONTEXT + link_token.encode() + b"\x00" + nonce.encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def is_valid(
    secret: bytes,
    link_token: str,
    cookie_value: str | None,
    submitted: str | None,
    previous: Sequence[bytes] = (),
) -> bool:
    """Whether a POST carries the form token matching its own cookie (constant-time compare).

    A form opened before the secret was rotated carries a token made under a `previous` one.
    """
    nonce = usable_nonce(cookie_value)
    if nonce is None or not submitted:
        return False
    # Bytes, not str: compare_digest refuses a str with non-ASCII characters (a TypeError, so a
    # 500 answered to anyone posting "é"). Any string encodes; a wrong one simply differs.
    given = submitted.encode("utf-8", "surrogatepass")
    return any(
        hmac.compare_digest(form_token(key, link_token, nonce).encode(), given)
        for key in (secret, *previous)
    )
