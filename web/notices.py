"""A dashboard action's outcome, carried across its redirect (POST, 303, GET) in the URL.

The page shows a notice as the dashboard's own words, so it is signed: a link anyone can craft
(`?notice=Your account is locked, call …`) must not make the dashboard say something it did not.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from urllib.parse import urlencode

# Domain separation: a MAC made here verifies as nothing else (CSRF tokens, task links).
_CONTEXT = b"tandem-notice\x00"


def _mac(secret: bytes, text: str) -> str:
    return hmac.new(secret, _CONTEXT + text.encode(), hashlib.sha256).hexdigest()


def notice_query(secret: bytes, text: str) -> str:
    """The query string (without `?`) that shows `text` on the page redirected to."""
    return urlencode({"notice": text, "notice_mac": _mac(secret, text)})


def shown_notice(
    secret: bytes, query: Mapping[str, str], previous_secrets: Sequence[bytes] = ()
) -> str:
    """The notice the query carries when this dashboard signed it; nothing otherwise."""
    text, mac = query.get("notice", ""), query.get("notice_mac", "")
    for key in (secret, *previous_secrets):
        if text and hmac.compare_digest(_mac(key, text), mac):
            return text
    return ""
