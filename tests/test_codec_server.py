"""The codec endpoint as the Temporal UI and the `temporal` CLI call it: who may read, from which
origin, and what a payload looks like once decoded."""

from __future__ import annotations

import base64
import json
from typing import Any

import asyncpg
import httpx
from temporalio.testing import WorkflowEnvironment

from credentials.passwords import hash_password
from domain.accounts import AuditAction, Role
from domain.sealed_text import ERASED, participant_key
from runtime.keys import development_keyring
from store import audit, data_keys
from store.accounts import AccountStore
from tests.dashboard_helpers import sign_in
from tests.test_web_browser import serving
from web.app import create_app
from web.codec_server import CodecSettings
from web.dashboard import DashboardSettings

UI = "http://ui.example.org:8080"
PASSWORD = "a long enough password"
TOKEN = "codec-token-for-engineers"


def _payload(value: object, encoding: bytes = b"json/plain") -> dict[str, object]:
    return {
        "metadata": {"encoding": base64.b64encode(encoding).decode()},
        "data": base64.b64encode(json.dumps(value).encode()).decode(),
    }


def _value(payload: dict[str, str]) -> Any:
    return json.loads(base64.b64decode(payload["data"]))


async def test_admins_and_engineers_read_sealed_texts_and_nobody_else(
    env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    keyring = development_keyring(pool)
    kept = await keyring.seal(participant_key("p-kept"), "Mieux déléguer")
    gone = await keyring.seal(participant_key("p-gone"), "Parler en public")
    await data_keys.shred(pool, [participant_key("p-gone")])
    update = {"participant_id": "p-kept", "notes": kept, "progress_rating": 4}
    # A text that only looks sealed (a damaged copy, or typed so): read as erased, not an error.
    damaged = {"comment": "sealed:v1:x", "kpi": "sealed:v1:participant/p-kept:%%%"}
    body = {
        "payloads": [
            _payload(update),
            _payload({"reason": gone}),
            _payload("x", b"binary/x"),
            _payload(damaged),
        ]
    }
    for email, role in (("admin@example.com", Role.ADMIN), ("rh@example.com", Role.COORDINATOR)):
        assert await AccountStore(pool).add(email, role, hash_password(PASSWORD), ("prog",))
    app = create_app(
        client=env.client,
        pool=pool,
        secret=b"codec",
        dashboard=DashboardSettings(refusal_delay=0),
        # A keyring of its own, as the web service has: the one that sealed holds its keys a while.
        keyring=development_keyring(pool),
        codec=CodecSettings(token=TOKEN, ui_url=UI + "/namespaces/default"),
    )
    async with serving(app) as base:
        async with httpx.AsyncClient(base_url=base) as anyone:
            # The UI's preflight: its origin alone is let in, with credentials.
            preflight = await anyone.options(
                "/coordinator/codec/decode",
                headers={"Origin": UI, "Access-Control-Request-Method": "POST"},
            )
            assert preflight.status_code == 204
            assert preflight.headers["access-control-allow-origin"] == UI
            assert preflight.headers["access-control-allow-credentials"] == "true"
            assert "X-Namespace" in preflight.headers["access-control-allow-headers"]
            other = await anyone.options(
                "/codec/decode", headers={"Origin": "https://evil.example.com"}
            )
            assert "access-control-allow-origin" not in other.headers
            # Nobody signed in, and no token: nothing decoded.
            for path in ("/codec/decode", "/coordinator/codec/decode"):
                refused = await anyone.post(path, json=body, headers={"Origin": UI})
                assert refused.status_code == 401 and "Mieux" not in refused.text

        async with httpx.AsyncClient(base_url=base) as coordinator:
            await sign_in(coordinator, "rh@example.com", PASSWORD)
            answer = await coordinator.post("/coordinator/codec/decode", json=body)
            assert answer.status_code == 401, "a programme's coordinator reads its pages only"

        async with httpx.AsyncClient(base_url=base) as admin:
            await sign_in(admin, "admin@example.com", PASSWORD)
            answer = await admin.post(
                "/coordinator/codec/decode", json=body, headers={"Origin": UI}
            )
            assert answer.status_code == 200
            assert answer.headers["access-control-allow-origin"] == UI
            decoded = answer.json()["payloads"]
            assert _value(decoded[0]) == {**update, "notes": "Mieux déléguer"}
            assert _value(decoded[1]) == {"reason": ERASED}
            assert decoded[2] == body["payloads"][2]  # not JSON: handed back as it came
            assert _value(decoded[3]) == {"comment": ERASED, "kpi": ERASED}
            # A header that is not the engineers' token leaves the session to speak.
            foreign = {"Authorization": "Bearer something-else"}
            answer = await admin.post("/coordinator/codec/decode", json=body, headers=foreign)
            assert answer.status_code == 200
            # Encode hands payloads back as they are: only the edges know whose words they are.
            encoded = await admin.post("/coordinator/codec/encode", json=body)
            assert encoded.json() == body

        async with httpx.AsyncClient(base_url=base) as cli:
            auth = {"Authorization": f"Bearer {TOKEN}"}
            answer = await cli.post("/codec/decode", json=body, headers=auth)
            assert _value(answer.json()["payloads"][0])["notes"] == "Mieux déléguer"
            wrong = {"Authorization": "Bearer not-the-token"}
            refused = await cli.post("/codec/decode", json=body, headers=wrong)
            assert refused.status_code == 401 and "Mieux" not in refused.text
            bad = await cli.post("/codec/decode", content=b'{"payloads": 3}', headers=auth)
            assert bad.status_code == 400 and "Traceback" not in bad.text

    # Each reading that opened texts is in the audit trail, as a concern read is.
    readings = [
        (e.actor, e.target)
        for e in await audit.read(pool, None)
        if e.action is AuditAction.DECODED_PAYLOADS
    ]
    assert sorted(readings) == [
        ("admin@example.com", "4 texts"),
        ("admin@example.com", "4 texts"),
        ("codec-token", "4 texts"),
    ]
