"""Temporal's codec-server protocol, so engineers read runs in the Temporal UI and CLI.

Typed texts travel through Temporal sealed (credentials/sealing.py): `/codec/decode` answers
each payload with its sealed texts opened, or `[erased]` where the key is gone. `/codec/encode`
returns payloads as they are: what a user sends from the UI is plain data, and only the edges
that know who typed a text seal it.

Who may read: an engineer presenting `Authorization: Bearer <TANDEM_CODEC_TOKEN>` (the
`temporal` CLI's `--codec-auth`), or an admin coordinator's session, which the UI sends when it
is told to include credentials (`/coordinator/codec`, the path the session cookie is sent to).
The Temporal UI's origin alone may call it from a browser (CORS).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import structlog
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from credentials.keyring import Keyring
from domain.accounts import Account, Role
from domain.sealed_text import sealed_in

log = structlog.get_logger(__name__)

PATHS = ("/codec", "/coordinator/codec")
TOKEN_ACTOR = "codec-token"  # who the audit trail names for a reading with TANDEM_CODEC_TOKEN
_JSON_ENCODINGS = {b"json/plain", b"json/protobuf"}
_ALLOWED_HEADERS = "Content-Type, X-Namespace, Authorization"


@dataclass(frozen=True)
class CodecSettings:
    token: str | None = None  # TANDEM_CODEC_TOKEN
    ui_url: str = "http://127.0.0.1:8233"  # TANDEM_TEMPORAL_UI_URL: its origin may call


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def add_codec_server(
    app: FastAPI,
    keyring: Keyring,
    settings: CodecSettings,
    coordinator: Callable[[Request], Awaitable[Account | None]] | None,
    audit_reading: Callable[[str, int], Awaitable[None]] | None = None,
) -> None:
    """The codec routes on `app`; `audit_reading(actor, texts)` records each decode that opened
    a sealed text (as the dashboard records each concern read)."""
    allowed_origin = _origin(settings.ui_url)

    def cors(request: Request) -> dict[str, str]:
        if request.headers.get("origin") != allowed_origin:
            return {}
        return {
            "Access-Control-Allow-Origin": allowed_origin,
            "Access-Control-Allow-Credentials": "true",
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": _ALLOWED_HEADERS,
            "Access-Control-Max-Age": "600",
            "Vary": "Origin",
        }

    async def reader(request: Request) -> str | None:
        """Who reads (the audit trail's actor), or None when nobody may."""
        given = request.headers.get("authorization", "").removeprefix("Bearer ").encode()
        if settings.token and hmac.compare_digest(given, settings.token.encode()):
            return TOKEN_ACTOR
        # Not the engineers' token (a UI may send a header of its own): a session may still be.
        if coordinator is not None and request.url.path.startswith("/coordinator/"):
            account = await coordinator(request)
            if account is not None and account.role is Role.ADMIN:
                return account.email
        return None

    async def preflight(request: Request) -> Response:
        return Response(status_code=204, headers={**cors(request), "Cache-Control": "no-store"})

    async def decode(request: Request) -> Response:
        return await answer(request, opened=True)

    async def encode(request: Request) -> Response:
        return await answer(request, opened=False)

    async def answer(request: Request, *, opened: bool) -> Response:
        headers = {**cors(request), "Cache-Control": "no-store"}
        who = await reader(request)
        if who is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401, headers=headers)
        try:
            payloads = _payloads(await request.body())
        except ValueError:
            return JSONResponse({"error": "malformed payloads"}, status_code=400, headers=headers)
        texts = 0
        if opened:
            texts = sum(len(list(sealed_in(_json_of(p)))) for p in payloads)
            payloads = [await _opened(keyring, p) for p in payloads]
            if texts and audit_reading is not None:
                await audit_reading(who, texts)
        log.info(
            "codec.request",
            action="decode" if opened else "encode",
            payloads=len(payloads),
            texts=texts,
            reader="engineer" if who == TOKEN_ACTOR else "coordinator",
            namespace=request.headers.get("x-namespace"),
        )
        return JSONResponse({"payloads": payloads}, headers=headers)

    for prefix in PATHS:
        for name, handler in (("decode", decode), ("encode", encode)):
            app.add_api_route(
                f"{prefix}/{name}", handler, methods=["POST"], include_in_schema=False
            )
            app.add_api_route(
                f"{prefix}/{name}", preflight, methods=["OPTIONS"], include_in_schema=False
            )


def _payloads(body: bytes) -> list[dict[str, Any]]:
    try:
        document = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError("not JSON") from error
    payloads = document.get("payloads") if isinstance(document, dict) else None
    if not isinstance(payloads, list) or not all(isinstance(p, dict) for p in payloads):
        raise ValueError("no payloads")
    return payloads


def _json_of(payload: dict[str, Any]) -> Any:
    """The payload's JSON value, or None when it is not JSON."""
    metadata = payload.get("metadata")
    try:
        encoding = base64.b64decode((metadata or {}).get("encoding", ""))
        if encoding not in _JSON_ENCODINGS:
            return None
        return json.loads(base64.b64decode(payload.get("data", "")))
    except (binascii.Error, ValueError, TypeError, AttributeError):
        return None


async def _opened(keyring: Keyring, payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with its sealed texts opened; anything else is returned untouched."""
    value = _json_of(payload)
    if not any(True for _ in sealed_in(value)):
        return payload
    value = await keyring.open_tree(value)
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
    return {**payload, "data": base64.b64encode(data).decode()}
