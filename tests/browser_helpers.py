"""Debian's chromium, driven by Playwright (never downloaded: `make install` installs it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# CI sets TANDEM_REQUIRE_BROWSER=1: there, a missing browser is a failure, not a skip.
needs_browser = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("TANDEM_REQUIRE_BROWSER"),
    reason="no /usr/bin/chromium: `apt-get install -y chromium` to run the browser tests",
)
