"""Named coordinator accounts: roles on every route, throttled guessing, revocable sessions, the
audit trail and the `tandem coordinator` / `tandem audit` commands, over real HTTP on the real
stack."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from contracts.programme import ProgrammePhase
from credentials.passwords import check_password, hash_password
from domain.accounts import (
    Account,
    AuditAction,
    AuditOutcome,
    Permission,
    Role,
    address_scope,
    audit_stream,
    retry_after,
)
from domain.answers import Concern
from domain.programme import MatchingSettings
from domain.programme import Role as Side
from domain.tasks import TaskKind
from store import audit
from store.accounts import AccountStore
from store.projections import Projector
from tests.dashboard_helpers import form_token, post_form, sign_in
from tests.lifecycle_helpers import Stack, eventually, small_cohort
from tests.test_web_browser import serving
from web.app import create_app
from web.dashboard import DashboardSettings

ROOT = Path(__file__).resolve().parent.parent
SECRET = b"accounts-tests"
PASSWORD = "correct horse battery staple"
START = datetime(2027, 1, 11, 9, 0, tzinfo=UTC)


class Clock:
    """The web app's clock, moved by the test: sessions and throttling read it."""

    def __init__(self) -> None:
        self.at = START

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@asynccontextmanager
async def dashboard(
    client: object, pool: asyncpg.Pool, clock: Clock, bootstrap: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(
        client=client,  # type: ignore[arg-type]
        pool=pool,
        secret=SECRET,
        # Wrong passwords answered at once: these tests count refusals, not the pause before them.
        dashboard=DashboardSettings(password_hash=bootstrap, refusal_delay=0),
        now=clock,
    )
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        yield http


async def _add(pool: asyncpg.Pool, email: str, role: Role, *programmes: str) -> None:
    assert await AccountStore(pool).add(email, role, hash_password(PASSWORD), programmes)


def test_guessing_waits_longer_then_locks_for_the_window() -> None:
    failures: list[datetime] = []
    for _ in range(4):
        assert retry_after(failures, START) is None
        failures.append(START)
    assert retry_after(failures, START) == timedelta(seconds=1)  # the fifth attempt waits
    assert retry_after(failures, START + timedelta(seconds=1)) is None
    at = START
    while len(failures) < 10:
        at += timedelta(seconds=20)
        failures.append(at)
    locked = retry_after(failures, at)
    assert locked is not None and locked == START + timedelta(minutes=15) - at
    # The first four have left the window: six remain, and their backoff is long over.
    assert retry_after(failures, START + timedelta(minutes=15, seconds=1)) is None


def test_scopes_that_cannot_be_multiplied_or_confused() -> None:
    # One IPv6 /64 is one scope (its holder has all its addresses); IPv4 behind IPv6 is IPv4.
    assert address_scope("2001:db8::1") == address_scope("2001:db8::ffff:1")
    assert address_scope("2001:db8::1") != address_scope("2001:db8:0:1::1")
    assert address_scope("::ffff:10.0.0.1") == address_scope("10.0.0.1") == "address:10.0.0.1"
    # A programme may be called "accounts": its trail is not the accounts' trail.
    assert audit_stream("accounts") != audit_stream(None)


def test_each_role_has_its_permissions() -> None:
    admin = Account("a@example.com", Role.ADMIN)
    coordinator = Account("c@example.com", Role.COORDINATOR, frozenset({"p1"}))
    viewer = Account("v@example.com", Role.VIEWER, frozenset({"p1"}))
    assert admin.may(Permission.MANAGE_ACCOUNTS) and admin.may(Permission.ACT, "anything")
    assert coordinator.may(Permission.ACT, "p1") and coordinator.may(Permission.READ_CONCERNS, "p1")
    assert not coordinator.may(Permission.READ, "p2")
    assert not coordinator.may(Permission.MANAGE_ACCOUNTS)
    assert viewer.may(Permission.READ, "p1") and not viewer.may(Permission.ACT, "p1")
    assert not viewer.may(Permission.READ_CONCERNS, "p1")


def test_passwords_are_argon2_and_the_old_scrypt_hashes_still_verify() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert check_password(PASSWORD, stored) and not check_password("wrong", stored)
    assert not check_password(PASSWORD, None) and not check_password(PASSWORD, "$argon2id$junk")
    # The format `tandem coordinator hash-password` printed before accounts existed.
    salt = b"0123456789abcdef"
    digest = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)
    b64 = base64.urlsafe_b64encode
    old = f"scrypt:16384:8:1:{b64(salt).decode().rstrip('=')}:{b64(digest).decode().rstrip('=')}"
    assert check_password(PASSWORD, old) and not check_password("wrong", old)


async def test_thirty_wrong_passwords_from_one_address_lock_it_out(
    env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    await _add(pool, "ana@example.com", Role.ADMIN)
    await _add(pool, "eve@example.com", Role.ADMIN)
    clock = Clock()
    async with dashboard(env.client, pool, clock) as http:
        statuses = []
        for attempt in range(30):
            answer = await sign_in(http, "ana@example.com", f"guess {attempt}", "10.0.0.1")
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                wait = int(answer.headers["Retry-After"])
                assert wait >= 1
                if wait < 60:  # a backoff, not yet the lockout: come back when told
                    clock.advance(seconds=wait)
        assert max(statuses) < 500
        assert 429 in statuses[:29]
        assert statuses.count(401) == 10  # ten guesses checked in the window, no more
        locked = await sign_in(http, "ana@example.com", PASSWORD, "10.0.0.1")
        assert locked.status_code == 429, "the right password is refused during the lockout"
        assert int(locked.headers["Retry-After"]) > 600
        assert "Même le bon mot de passe est refusé" in locked.text
        # Another address is not locked, but the account is: ten failures in the window.
        elsewhere = await sign_in(http, "ana@example.com", PASSWORD, "10.0.0.2")
        assert elsewhere.status_code == 429
        # Another admin sees the lockouts, and until when they hold.
        assert (await sign_in(http, "eve@example.com", PASSWORD, "10.0.0.9")).status_code == 303
        accounts = (await http.get("/coordinator/accounts")).text
        for scope in ("10.0.0.1", "ana@example.com"):
            row = re.search(f'<th scope="row">{scope}</th>(.*?)</tr>', accounts)
            assert row is not None and '<td class="n">10</td>' in row[1], scope
            assert "non bloqué" not in row[1]
        clock.advance(minutes=16)
        assert (await sign_in(http, "ana@example.com", PASSWORD, "10.0.0.1")).status_code == 303
    trail = await audit.read(pool, None)
    locked_entries = [e for e in trail if e.action is AuditAction.SIGN_IN_LOCKED]
    assert {(e.actor, e.detail, e.target) for e in locked_entries} == {
        ("anonymous", "account", "ana@example.com"),
        ("anonymous", "address", "10.0.0.1"),
    }


async def test_guesses_sent_all_at_once_meet_the_same_backoff(
    env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    await _add(pool, "di@example.com", Role.COORDINATOR)
    async with dashboard(env.client, pool, Clock()) as http:
        login = await http.get("/coordinator/login")
        token = form_token(login.text)

        async def guess(n: int) -> int:
            data = {"csrf_token": token, "email": "di@example.com", "password": f"guess {n}"}
            headers = {"X-Forwarded-For": f"10.2.0.{n}"}
            answer = await http.post("/coordinator/login", data=data, headers=headers)
            return answer.status_code

        statuses = await asyncio.gather(*(guess(n) for n in range(16)))
    # Counted before they are checked: four are, the other twelve wait their turn.
    assert sorted(statuses) == [401] * 4 + [429] * 12


async def test_signing_in_ends_the_session_already_in_the_browser(
    env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    await _add(pool, "first@example.com", Role.ADMIN)
    await _add(pool, "second@example.com", Role.VIEWER)
    async with dashboard(env.client, pool, Clock()) as http:
        await sign_in(http, "first@example.com", PASSWORD)
        first = http.cookies["tandem_coordinator"]
        await sign_in(http, "second@example.com", PASSWORD)  # on the same shared computer
        http.cookies.clear()
        http.cookies.set("tandem_coordinator", first, path="/coordinator")
        assert (await http.get("/coordinator")).status_code == 303


async def test_one_account_guessed_from_many_addresses_is_locked_too(
    env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    await _add(pool, "bo@example.com", Role.COORDINATOR)
    clock = Clock()
    async with dashboard(env.client, pool, clock) as http:
        for n in range(10):
            clock.advance(seconds=40)  # beyond every backoff (at most 32 s)
            answer = await sign_in(http, "bo@example.com", "wrong", f"10.1.0.{n}")
            assert answer.status_code == 401
        answer = await sign_in(http, "bo@example.com", PASSWORD, "10.1.0.200")
        assert answer.status_code == 429
        # An unknown account is refused like a wrong password: nothing tells them apart.
        unknown = await sign_in(http, "nobody@example.com", PASSWORD, "10.1.1.1")
        assert unknown.status_code == 401 and "Adresse ou mot de passe incorrect." in unknown.text


async def test_sessions_end_on_sign_out_idleness_the_day_s_end_and_password_change(
    env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    await _add(pool, "cy@example.com", Role.ADMIN)
    clock = Clock()
    async with dashboard(env.client, pool, clock) as http:

        async def signed_in() -> bool:
            return (await http.get("/coordinator")).status_code == 200

        assert (await sign_in(http, "cy@example.com", PASSWORD)).status_code == 303
        cookie = http.cookies["tandem_coordinator"]
        # Sign-out is a form with its CSRF token: a cross-site POST cannot end a session...
        assert (await http.post("/coordinator/logout")).status_code == 403
        assert await signed_in()
        # ...and once signed out, the old cookie opens nothing, even replayed.
        out = await post_form(http, "/coordinator", "/coordinator/logout", {})
        assert out.status_code == 303
        http.cookies.set("tandem_coordinator", cookie, path="/coordinator")
        assert not await signed_in()
        http.cookies.clear()

        await sign_in(http, "cy@example.com", PASSWORD)
        clock.advance(minutes=29)
        assert await signed_in()  # activity restarts the idle clock
        clock.advance(minutes=31)
        assert not await signed_in()

        await sign_in(http, "cy@example.com", PASSWORD)
        for _ in range(23):
            clock.advance(minutes=20)
            assert await signed_in()
        clock.advance(minutes=20)  # eight hours since the sign-in
        assert not await signed_in()

        await sign_in(http, "cy@example.com", PASSWORD)
        assert await signed_in()
        await AccountStore(pool).set_password("cy@example.com", hash_password("another password"))
        assert not await signed_in()
        assert (await sign_in(http, "cy@example.com", "another password")).status_code == 303
        assert await AccountStore(pool).remove("cy@example.com")
        assert not await signed_in()


async def test_the_bootstrap_admin_signs_in_until_its_setting_changes(
    env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    clock = Clock()
    first = hash_password(PASSWORD)
    async with dashboard(env.client, pool, clock, bootstrap=first) as http:
        assert (await sign_in(http, "admin", PASSWORD)).status_code == 303
        assert (await http.get("/coordinator/accounts")).status_code == 200
        cookie = http.cookies["tandem_coordinator"]
    # The same database, the setting changed (a new hash for a new password): sessions end.
    async with dashboard(env.client, pool, clock, bootstrap=hash_password("new pass 1234")) as http:
        http.cookies.set("tandem_coordinator", cookie, path="/coordinator")
        assert (await http.get("/coordinator")).status_code == 303
        assert (await sign_in(http, "admin", PASSWORD)).status_code == 401
    async with dashboard(env.client, pool, clock, bootstrap=None) as http:
        assert (await sign_in(http, "admin", PASSWORD)).status_code == 401
        assert "tandem coordinator add" not in (await http.get("/coordinator/login")).text


async def test_a_forged_session_cookie_of_any_bytes_is_a_sign_in_page(
    env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    async with dashboard(env.client, pool, Clock()) as http:
        for forged in ("1.a.é", "é" * 43, "\u202e" * 10, "x" * 5000, ""):
            cookie = f"tandem_coordinator={forged}".encode()
            for method, path in (("GET", "/coordinator"), ("POST", "/coordinator/logout")):
                answer = await http.request(method, path, headers=[(b"cookie", cookie)])
                assert answer.status_code in (303, 403), (forged[:8], method, answer.status_code)


async def test_with_no_account_the_sign_in_page_says_how_to_make_one(
    env: WorkflowEnvironment, pool: asyncpg.Pool
) -> None:
    async with dashboard(env.client, pool, Clock()) as http:
        page = await http.get("/coordinator/login")
        assert "tandem coordinator add EMAIL --role admin" in page.text


async def _two_programmes(stack: Stack) -> tuple[str, str]:
    """Two programmes in their matching review, with one concern raised in the first."""
    ids = []
    for named in (("named@example.com",), ()):
        spec = small_cohort(4).model_copy(
            update={"matching": MatchingSettings(auto_approve=False), "coordinators": named}
        )
        run = await stack.launch(spec)
        ids.append((run, spec.id))
    first, _ = ids[0]
    mentee = first.ids(Side.MENTEE)[0]
    task = await first.task(TaskKind.CONCERN, mentee)
    await first.send(task, Concern(task_id=task.task_id, participant_id=mentee, text="Secret"))
    for run, _ in ids:
        await run.until_phase(ProgrammePhase.REVIEW, max_days=10)

    async def projected() -> bool:
        await Projector(stack.pool).catch_up()
        rows = await stack.pool.fetch("SELECT concerns FROM rm_programmes ORDER BY programme_id")
        return len(rows) == 2 and sum(r["concerns"] for r in rows) == 1

    await eventually(projected, "both programmes and the concern in the read models")
    return ids[0][1], ids[1][1]


async def test_each_role_sees_and_does_only_what_it_may(stack: Stack) -> None:
    mine, other = await _two_programmes(stack)
    await _add(stack.pool, "admin@example.com", Role.ADMIN)
    await _add(stack.pool, "coord@example.com", Role.COORDINATOR, mine)
    await _add(stack.pool, "view@example.com", Role.VIEWER, mine)
    concern = await stack.pool.fetchval(
        "SELECT position FROM events WHERE type = 'ConcernRaised' AND stream_name = $1",
        f"programme-{mine}",
    )
    pages = {
        "index": "/coordinator",
        "programme": f"/coordinator/p/{mine}",
        "other": f"/coordinator/p/{other}",
        "other_pair": f"/coordinator/p/{other}/pairs/0001",
        "other_report": f"/coordinator/p/{other}/report",
        "report": f"/coordinator/p/{mine}/report",
        "concern": f"/coordinator/p/{mine}/concerns/{concern}",
        "audit": f"/coordinator/p/{mine}/audit",
        "accounts": "/coordinator/accounts",
    }
    expected = {  # role -> page -> status
        "admin@example.com": dict.fromkeys(pages, 200),
        "coord@example.com": {
            **dict.fromkeys(pages, 200),
            "other": 404,
            "other_pair": 404,
            "other_report": 404,
            "accounts": 403,
        },
        "view@example.com": {
            **dict.fromkeys(pages, 200),
            "other": 404,
            "other_pair": 404,
            "other_report": 404,
            "concern": 403,
            "audit": 403,
            "accounts": 403,
        },
    }
    expected["admin@example.com"]["other_pair"] = 404  # no pair yet: the review is not approved
    clock = Clock()
    for email, statuses in expected.items():
        async with dashboard(stack.client, stack.pool, clock) as http:
            assert (await sign_in(http, email, PASSWORD)).status_code == 303
            seen = {name: (await http.get(path)).status_code for name, path in pages.items()}
            assert seen == statuses, email
            index = (await http.get("/coordinator")).text
            assert (other in index) is (email == "admin@example.com")
            programme = (await http.get(pages["programme"])).text
            assert "Secret" not in programme  # a concern's words are never on the list
            if email == "view@example.com":
                assert "réservé à la coordination" in programme
                assert "Revue des binômes" not in programme  # no forms to act with
            # Acting: a ban in the other programme is not found; a viewer may not act at all.
            token = form_token(programme)
            for target in (mine, other):
                answer = await http.post(
                    f"/coordinator/p/{target}/matching/approve", data={"csrf_token": token}
                )
                if target == other and email != "admin@example.com":
                    assert answer.status_code == 404, (email, target)
                elif email == "view@example.com":
                    assert answer.status_code == 403, (email, target)
                else:
                    assert answer.status_code == 303, (email, target)
    # Every approval, every concern opened, every report read is in the trail, with its account.
    trail = await audit.read(stack.pool, mine)
    acts = {(e.actor, e.action, e.outcome) for e in trail}
    assert ("admin@example.com", AuditAction.OPENED_CONCERN, AuditOutcome.DONE) in acts
    assert ("coord@example.com", AuditAction.OPENED_CONCERN, AuditOutcome.DONE) in acts
    assert ("coord@example.com", AuditAction.EXPORTED_REPORT, AuditOutcome.DONE) in acts
    # Both reached the workflow (the second was told the matching is approved already).
    approvals = [
        e for e in trail if e.action is AuditAction.APPROVED_MATCHING and e.detail != "read_only"
    ]
    assert {e.actor for e in approvals} == {"admin@example.com", "coord@example.com"}
    viewer = {(e.action, e.outcome, e.detail) for e in trail if e.actor == "view@example.com"}
    assert viewer == {  # a viewer reads, may not act, and never opens a concern
        (AuditAction.EXPORTED_REPORT, AuditOutcome.DONE, None),
        (AuditAction.APPROVED_MATCHING, AuditOutcome.REFUSED, "read_only"),
    }
    assert all(e.actor != "coord@example.com" for e in await audit.read(stack.pool, other)), (
        "nothing the coordinator tried on another programme went through"
    )
    # An account that the programme file names under `coordinators:` needs no grant.
    await _add(stack.pool, "named@example.com", Role.COORDINATOR)
    async with dashboard(stack.client, stack.pool, clock) as http:
        await sign_in(http, "named@example.com", PASSWORD)
        index = (await http.get("/coordinator")).text
        assert mine in index and other not in index
        assert (await http.get(pages["concern"])).status_code == 200
        assert (await http.get(pages["other"])).status_code == 404
    # The trail's page shows it in the reader's language.
    async with dashboard(stack.client, stack.pool, clock) as http:
        await sign_in(http, "coord@example.com", PASSWORD)
        page = (await http.get(pages["audit"])).text
        assert "signalement lu" in page and "appariement validé" in page
        assert page.count("coord@example.com") >= 3


def tandem(
    database_url: str, tmp: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "starter", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        input=stdin,
        env={**os.environ, "DATABASE_URL": database_url, "TANDEM_HOME": str(tmp)},
        timeout=300,
    )


def test_the_command_line_manages_accounts_and_reads_the_trail(
    database_url: str, tmp_path: Path
) -> None:
    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return tandem(database_url, tmp_path, *args, stdin=stdin)

    added = run(
        "coordinator", "add", "Lea@Example.com", "--role", "coordinator",
        "--programme", "pilote-2027", "--json", stdin=PASSWORD + "\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout) == {
        "email": "lea@example.com", "role": "coordinator", "programmes": ["pilote-2027"],
    }  # fmt: skip
    assert PASSWORD not in added.stdout + added.stderr
    assert run("coordinator", "add", "lea@example.com", stdin=PASSWORD + "\n").returncode == 1
    short = run("coordinator", "add", "max@example.com", stdin="short\n")
    assert short.returncode == 1 and "12 characters" in short.stderr
    bad = run("coordinator", "add", "not-an-address", stdin=PASSWORD + "\n")
    assert bad.returncode == 1 and "not an e-mail address" in bad.stderr
    reserved = run("coordinator", "add", "admin", stdin=PASSWORD + "\n")
    assert reserved.returncode == 1 and "bootstrap account" in reserved.stderr
    for refused in (short, bad, reserved):
        assert "Traceback" not in refused.stderr
    admin_scoped = run("coordinator", "add", "a@example.com", "--role", "admin", "--programme", "x")
    assert admin_scoped.returncode == 1 and "every programme" in admin_scoped.stderr
    sso = run("coordinator", "add", "sso@example.com", "--role", "viewer", "--sso-only")
    assert sso.returncode == 0, sso.stderr

    listed = json.loads(run("coordinator", "list", "--json").stdout)["accounts"]
    assert [(a["email"], a["role"], a["programmes"], a["password"]) for a in listed] == [
        ("lea@example.com", "coordinator", ["pilote-2027"], True),
        ("sso@example.com", "viewer", [], False),
    ]
    assert run("coordinator", "set-password", "lea@example.com", stdin="a new long password\n")
    assert run("coordinator", "remove", "sso@example.com").returncode == 0
    missing = run("coordinator", "remove", "sso@example.com")
    assert missing.returncode == 1 and "no account" in missing.stderr

    trail = json.loads(run("audit", "--accounts", "--json").stdout)["entries"]
    assert [(e["action"], e["target"]) for e in trail] == [
        ("removed_account", "sso@example.com"),
        ("set_password", "lea@example.com"),
        ("added_account", "sso@example.com"),
        ("added_account", "lea@example.com"),
    ]
    assert all(re.fullmatch(r"cli:.+", e["actor"]) for e in trail)
    assert json.loads(run("audit", "pilote-2027", "--json").stdout)["entries"] == []
    assert run("audit").returncode == 1  # a programme, or --accounts
    assert "no action recorded" in run("audit", "pilote-2027").stdout


@pytest.mark.parametrize("role", ["boss", ""])
def test_an_unknown_role_is_refused(database_url: str, tmp_path: Path, role: str) -> None:
    result = tandem(database_url, tmp_path, "coordinator", "add", "x@example.com", "--role", role)
    assert result.returncode == 2 and "Traceback" not in result.stderr
