"""One settings object from the environment; unset means the embedded default, never a crash."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANDEM_", extra="ignore", populate_by_name=True)

    # Well-known names without the prefix, as operators expect them.
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    temporal_address: str | None = Field(None, validation_alias="TEMPORAL_ADDRESS")
    smtp_url: str | None = Field(None, validation_alias="SMTP_URL")
    public_base_url: str = Field("http://127.0.0.1:8000", validation_alias="PUBLIC_BASE_URL")
    secret: SecretStr = Field(
        SecretStr("dev-only-secret-change-me"), validation_alias="TANDEM_SECRET"
    )

    namespace: str = "default"
    task_queue: str = "tandem"
    # all | workflows | activities: a deployment may run workflow code and activities (mail, SQL)
    # in separate processes, so the two use separate cores.
    worker_role: Literal["all", "workflows", "activities"] = "all"
    mail_from: str = "Tandem <tandem@localhost>"
    home: Path = Path(".tandem")
    log_format: str = "console"  # console | json
    log_level: str = "INFO"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
