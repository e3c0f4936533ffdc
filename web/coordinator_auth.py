"""The coordinator's login: a password kept only as a scrypt hash, and a signed session cookie.

The dashboard shows every participant's progress, so no task link opens it: only this password
(set as `TANDEM_COORDINATOR_PASSWORD_HASH`, made by `tandem coordinator hash-password`). The
session is a cookie holding its expiry and an HMAC over it; nothing is stored server-side.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence

COOKIE_NAME = "tandem_coordinator"
SESSION_SECONDS = 8 * 3600  # a working day
_CONTEXT = b"tandem-coordinator-session\x00"  # a session MAC never verifies as anything else
_N, _R, _P = 2**14, 8, 1


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt:N:r:p:salt:hash`: what the settings hold instead of the password.

    Colons, not the usual dollar signs: the hash goes into .env files and shells unquoted.
    """
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt:{_N}:{_R}:{_P}:{_b64(salt)}:{_b64(digest)}"


def check_password(password: str, stored: str) -> bool:
    """Whether `password` matches `stored` (constant time); a malformed hash matches nothing."""
    try:
        scheme, n, r, p, salt, digest = stored.split(":")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(
            password.encode(), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, _unb64(digest))


def is_password_hash(value: str) -> bool:
    parts = value.split(":")
    return len(parts) == 6 and parts[0] == "scrypt" and all(parts[1:])


def new_session(secret: bytes, now: float | None = None) -> str:
    expires = int((now or time.time()) + SESSION_SECONDS)
    nonce = secrets.token_urlsafe(12)
    payload = f"{expires}.{nonce}"
    return f"{payload}.{_mac(secret, payload)}"


def valid_session(
    secret: bytes, cookie: str | None, now: float | None = None, previous: Sequence[bytes] = ()
) -> bool:
    """A session this deployment signed, under its secret or a `previous` one, not yet expired."""
    if not cookie or cookie.count(".") != 2:
        return False
    expires, nonce, mac = cookie.split(".")
    if not expires.isdigit():
        return False
    payload = f"{expires}.{nonce}"
    if not any(hmac.compare_digest(_mac(key, payload), mac) for key in (secret, *previous)):
        return False
    return int(expires) > (now or time.time())


def _mac(secret: bytes, payload: str) -> str:
    return hmac.new(secret, _CONTEXT + payload.encode(), hashlib.sha256).hexdigest()
