"""The single sign-on client's credentials at the OpenID provider, as configured (settings.py)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
