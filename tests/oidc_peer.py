"""A real OpenID provider for the single sign-on tests: the npm package oidc-provider, on loopback.

tests/oidc/ holds its package.json, the committed package-lock.json and provider.mjs. They are
installed under the checkout's .tandem/oidc-provider/ (`make sso-peer`, or here when missing),
never into tests/. Each peer is a node process of its own, stopped when its test is done.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import httpx
import pytest

from credentials.oidc import OidcSettings
from devstack.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "oidc"
INSTALLED = ROOT / ".tandem" / "oidc-provider"
# The lock file as installed: a copy made only once `npm ci` succeeded.
_MARKER = INSTALLED / "installed-package-lock.json"
PREFIX = "/coordinator"
CLIENT_ID = "tandem-dashboard"
_START_SECONDS = 30


@dataclass(frozen=True)
class OidcPeer:
    """A running provider with one client whose redirect URI is on `app_port` under PREFIX.

    The relying party under test must serve on `app_base_url` (127.0.0.1) and its routes under
    PREFIX; the provider answers on `issuer` (by default on localhost: another site for the
    browser, as a real provider is).
    """

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    app_port: int
    prefix: str = PREFIX

    @property
    def app_base_url(self) -> str:
        return f"http://127.0.0.1:{self.app_port}"

    @property
    def redirect_uri(self) -> str:
        return f"{self.app_base_url}{self.prefix}/sso/callback"

    @property
    def settings(self) -> OidcSettings:
        return OidcSettings(
            issuer=self.issuer, client_id=self.client_id, client_secret=self.client_secret
        )


def _unavailable(reason: str) -> NoReturn:
    # CI sets TANDEM_REQUIRE_BROWSER=1: there the end-to-end tests must run, never skip.
    if os.environ.get("TANDEM_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


def ensure_installed() -> Path:
    """The directory holding provider.mjs and its node_modules, installed if needed."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        _unavailable("no node/npm: `apt-get install -y nodejs npm` to run the single sign-on tests")
    lock = (SOURCE / "package-lock.json").read_bytes()
    if not _MARKER.exists() or _MARKER.read_bytes() != lock:
        INSTALLED.mkdir(parents=True, exist_ok=True)
        _MARKER.unlink(missing_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(SOURCE / name, INSTALLED / name)
        done = subprocess.run(
            [npm, "ci", "--prefix", str(INSTALLED), "--no-audit", "--no-fund"],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            _unavailable(f"`npm ci` of tests/oidc failed: {done.stderr.strip()[-2000:]}")
        _MARKER.write_bytes(lock)
    # Node finds the package from the script's own folder, so the script lives beside it.
    shutil.copyfile(SOURCE / "provider.mjs", INSTALLED / "provider.mjs")
    return INSTALLED


@contextmanager
def running_provider(
    *,
    app_port: int | None = None,
    host: str = "localhost",
    claims_in_id_token: bool = False,
    auth_method: str = "client_secret_basic",
) -> Iterator[OidcPeer]:
    """A provider started for the block and stopped after it, once its discovery answers."""
    directory = ensure_installed()
    port = free_port()
    peer = OidcPeer(
        issuer=f"http://{host}:{port}",
        client_id=CLIENT_ID,
        client_secret=secrets.token_urlsafe(24),
        app_port=app_port or free_port(),
    )
    command = [
        "node",
        str(directory / "provider.mjs"),
        f"--port={port}",
        f"--host={host}",
        f"--client-id={peer.client_id}",
        f"--client-secret={peer.client_secret}",
        f"--redirect-uri={peer.redirect_uri}",
        f"--auth-method={auth_method}",
    ]
    if claims_in_id_token:
        command.append("--claims-in-id-token")
    with tempfile.TemporaryDirectory(prefix="tandem-oidc-") as scratch:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=scratch
        )
        output = _ProviderOutput(process)
        try:
            _wait_until_listening(peer.issuer, process, output)
            yield peer
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class _ProviderOutput:
    """The provider's output, drained on a thread (a full pipe would stall it), and the moment
    it says it listens."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.lines: list[str] = []
        self.listening = threading.Event()
        self._thread = threading.Thread(target=self._drain, args=(process,), daemon=True)
        self._thread.start()

    def _drain(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode(errors="replace")
            self.lines.append(line)
            if "listening on" in line:
                self.listening.set()
        self.listening.set()  # the provider ended: stop waiting, the caller checks why

    def text(self) -> str:
        return "".join(self.lines)[-3000:]


def _wait_until_listening(
    issuer: str, process: subprocess.Popen[bytes], output: _ProviderOutput
) -> None:
    """Until the provider prints that it listens (its own report of readiness), then one check
    that discovery answers."""
    url = f"{issuer}/.well-known/openid-configuration"
    if output.listening.wait(_START_SECONDS) and process.poll() is None:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
    pytest.fail(f"oidc-provider did not answer {url} (exit {process.poll()}):\n{output.text()}")


async def sign_in_at(page: Any, login: str) -> None:
    """What a person does on the provider's development pages: any login, any password."""
    await page.get_by_role("heading", name="Sign-in").wait_for()
    await page.get_by_placeholder("Enter any login").fill(login)
    await page.get_by_placeholder("and password").fill("whatever they type")
    await page.get_by_role("button", name="Sign-in").click()
    await page.get_by_role("heading", name="Authorize").wait_for()
    await page.get_by_role("button", name="Continue").click()
