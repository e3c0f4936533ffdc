"""Where a participant's calendar feed lives: a webcal:// address calendar applications subscribe to
(the same path over https for those that take only web addresses)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

FEED_PATH = "/calendar/{token}.ics"


def calendar_feed_url(public_base_url: str, token: str) -> str:
    """`webcal://host/…/calendar/TOKEN.ics` for a deployment served at `public_base_url`."""
    parts = urlsplit(public_base_url.rstrip("/"))
    path = parts.path + FEED_PATH.format(token=token)
    return urlunsplit(("webcal", parts.netloc, path, "", ""))


def calendar_feed_web_url(public_base_url: str, token: str) -> str:
    """The same feed at its web address, for online calendars that add one "from a URL"."""
    return public_base_url.rstrip("/") + FEED_PATH.format(token=token)
