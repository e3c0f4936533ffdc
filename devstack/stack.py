"""Where each service is: the configured one, or the embedded default (DESIGN §7)."""

from __future__ import annotations

from dataclasses import dataclass

from devstack.postgres import start_postgres
from settings import Settings

DEV_TEMPORAL = "127.0.0.1:7233"
DEV_SMTP = "smtp://127.0.0.1:1025"


@dataclass(frozen=True)
class Services:
    temporal_address: str
    database_url: str
    smtp_url: str


async def resolve_services(settings: Settings) -> Services:
    database_url = settings.database_url
    if database_url is None:
        database_url, _ = start_postgres(settings.home / "pg", persistent=True)
    return Services(
        temporal_address=settings.temporal_address or DEV_TEMPORAL,
        database_url=database_url,
        smtp_url=settings.smtp_url or DEV_SMTP,
    )
