"""Signed task links: a token names one task of one participant and stops working after a date.

The token is the only credential a participant has (they act from an e-mail, with no account), so:
- it is signed with HMAC-SHA256 under the deployment secret and compared in constant time;
- it carries its own expiry, so an old e-mail stops granting access without any server state;
- it is URL-safe and short enough to survive mail clients that wrap long lines.

Layout, before base64url without padding:

    version (1) | task uuid (16) | expiry, epoch seconds, signed big-endian (8)
    | [version 2 only: link generation, unsigned big-endian (2)]
    | participant id (UTF-8, the rest) | HMAC-SHA256 truncated to 16 bytes

The link generation is the participant's count of address corrections when the link was signed:
a link mailed to a former address names an older generation, so the page can refuse it while the
links sent to the current address work. Version 1 tokens (mailed before generations existed) read
as generation 0, which every participant starts with.

A calendar feed token names a participant, not a task: their calendar application fetches it for
as long as the programme runs, so it carries no expiry, only the link generation (a corrected
address revokes the feeds given to the former one). It is signed under its own context, so a task
link never opens a feed nor the reverse:

    version (1) | link generation, unsigned big-endian (2) | participant id (UTF-8, the rest)
    | HMAC-SHA256 truncated to 16 bytes

This module is pure: the caller passes the clock (`now`) and the secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

_VERSION_1 = 1
_VERSION_2 = 2
# Domain separation: a MAC made for something else under the same secret never verifies here.
_CONTEXT = b"tandem-task-link\x00"
_FEED_CONTEXT = b"tandem-calendar-feed\x00"
_FEED_VERSION = 1
_MAC_BYTES = 16  # 128 bits: far beyond any online guessing.
_HEAD = struct.Struct(">B16sq")
_GENERATION = struct.Struct(">H")
MAX_GENERATION = 2**16 - 1
_MIN_BYTES = _HEAD.size + 1 + _MAC_BYTES  # a participant id has at least one byte
_ALPHABET = re.compile(r"[A-Za-z0-9_-]+")
# Nothing legitimate is longer; bounding the input keeps garbage cheap to reject.
_MAX_TOKEN_CHARS = 512


class TokenError(Exception):
    """Base of every refusal: callers that only need "yes or no" catch this."""


class TokenInvalid(TokenError):
    """Malformed, tampered with, or signed under another secret."""


class TokenExpired(TokenError):
    """Genuine, but past its expiry: the page can say "this link has expired" rather than "bad"."""

    def __init__(self, claims: TaskClaims) -> None:
        super().__init__(f"task link expired at {claims.expires_at.isoformat()}")
        self.claims = claims


@dataclass(frozen=True)
class TaskClaims:
    task_id: UUID
    participant_id: str
    expires_at: datetime  # UTC, whole seconds
    generation: int = 0  # the participant's link generation it was signed under


def sign_task_token(
    task_id: UUID,
    participant_id: str,
    expires_at: datetime,
    secret: bytes,
    generation: int = 0,
) -> str:
    """A URL-safe token letting `participant_id` act on `task_id` until `expires_at` (seconds),
    for as long as their link generation is `generation`."""
    _check_signing(participant_id, secret, generation)
    payload = (
        _HEAD.pack(_VERSION_2, task_id.bytes, _epoch(expires_at))
        + _GENERATION.pack(generation)
        + participant_id.encode()
    )
    return _b64encode(payload + _mac(payload, secret))


def verify_task_token(
    token: str, secret: bytes, now: datetime, *, previous: Sequence[bytes] = ()
) -> TaskClaims:
    """The claims of a genuine, unexpired token; otherwise `TokenInvalid` or `TokenExpired`.

    Any input string is answered with claims or a `TokenError`, never another exception: tokens
    come straight from URLs anyone can type. A token signed under a `previous` secret is still
    genuine, so that links already e-mailed keep working while the secret is rotated.
    """
    now_epoch = _epoch(now)  # a naive `now` is the caller's bug, not the token's: let it raise
    raw = _b64decode(token)
    if raw is None or len(raw) < _MIN_BYTES:
        raise TokenInvalid("malformed token")
    payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    # Check the signature before reading anything else, so a forged token learns nothing.
    if not any(hmac.compare_digest(mac, _mac(payload, key)) for key in (secret, *previous)):
        raise TokenInvalid("bad signature")
    version, task_bytes, expiry = _HEAD.unpack_from(payload)
    if version == _VERSION_1:
        generation, rest = 0, payload[_HEAD.size :]
    elif version == _VERSION_2 and len(payload) > _HEAD.size + _GENERATION.size:
        (generation,) = _GENERATION.unpack_from(payload, _HEAD.size)
        rest = payload[_HEAD.size + _GENERATION.size :]
    elif version == _VERSION_2:
        raise TokenInvalid("malformed token")
    else:
        raise TokenInvalid(f"unsupported token version {version}")
    try:
        participant_id = rest.decode()
        expires_at = datetime.fromtimestamp(expiry, UTC)
    except (UnicodeDecodeError, OverflowError, OSError, ValueError) as exc:
        raise TokenInvalid("malformed token") from exc
    claims = TaskClaims(UUID(bytes=task_bytes), participant_id, expires_at, generation)
    if now_epoch >= expiry:
        raise TokenExpired(claims)
    return claims


@dataclass(frozen=True)
class FeedClaims:
    participant_id: str
    generation: int = 0


def sign_feed_token(participant_id: str, secret: bytes, generation: int = 0) -> str:
    """A URL-safe token for `participant_id`'s calendar feed, under link generation `generation`."""
    _check_signing(participant_id, secret, generation)
    payload = bytes([_FEED_VERSION]) + _GENERATION.pack(generation) + participant_id.encode()
    return _b64encode(payload + _mac(payload, secret, _FEED_CONTEXT))


def verify_feed_token(token: str, secret: bytes, *, previous: Sequence[bytes] = ()) -> FeedClaims:
    """The claims of a genuine feed token; otherwise `TokenInvalid`, never another exception."""
    raw = _b64decode(token)
    if raw is None or len(raw) < 1 + _GENERATION.size + 1 + _MAC_BYTES:
        raise TokenInvalid("malformed token")
    payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    keys = (secret, *previous)
    if not any(hmac.compare_digest(mac, _mac(payload, key, _FEED_CONTEXT)) for key in keys):
        raise TokenInvalid("bad signature")
    if payload[0] != _FEED_VERSION:
        raise TokenInvalid(f"unsupported token version {payload[0]}")
    (generation,) = _GENERATION.unpack_from(payload, 1)
    try:
        participant_id = payload[1 + _GENERATION.size :].decode()
    except UnicodeDecodeError as exc:
        raise TokenInvalid("malformed token") from exc
    return FeedClaims(participant_id, generation)


def _check_signing(participant_id: str, secret: bytes, generation: int) -> None:
    if not participant_id:
        raise ValueError("participant_id must not be empty")
    if not secret:
        raise ValueError("secret must not be empty")
    if not 0 <= generation <= MAX_GENERATION:
        raise ValueError(f"generation must be between 0 and {MAX_GENERATION}")


def _mac(payload: bytes, secret: bytes, context: bytes = _CONTEXT) -> bytes:
    return hmac.new(secret, context + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetimes must be timezone-aware")
    return int(moment.timestamp())


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(token: str) -> bytes | None:
    """Strict base64url: `None` for anything but the canonical encoding of some bytes.

    The standard decoder skips stray characters and ignores trailing bits, which would let
    several strings stand for one token; re-encoding and comparing rules that out.
    """
    if not isinstance(token, str) or len(token) > _MAX_TOKEN_CHARS:
        return None
    if not _ALPHABET.fullmatch(token):
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if _b64encode(raw) == token else None
