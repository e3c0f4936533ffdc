"""One settings object from the environment; unset means the embedded default, never a crash."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
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
    # While rotating TANDEM_SECRET: the one before, still accepted (never used to sign) until the
    # links and sessions made under it have expired (docs/operations.md).
    previous_secret: SecretStr | None = Field(None, validation_alias="TANDEM_PREVIOUS_SECRET")

    namespace: str = "default"
    task_queue: str = "tandem"
    # all | workflows | activities: a deployment may run workflow code and activities (mail, SQL)
    # in separate processes, so the two use separate cores.
    worker_role: Literal["all", "workflows", "activities"] = "all"
    mail_from: str = "Tandem <tandem@localhost>"
    home: Path = Path(".tandem")
    log_format: str = "console"  # console | json
    log_level: str = "INFO"
    # The coordinator dashboard's password, as `tandem coordinator hash-password` prints it;
    # unset, the dashboard is off.
    coordinator_password_hash: SecretStr | None = None
    temporal_ui_url: str = "http://127.0.0.1:8233"
    # A worker answers /healthz and /readyz on this port when set (containers set 8081).
    health_port: int | None = Field(None, ge=1, le=65535)
    # A worker serves the Temporal SDK's Prometheus metrics on this port when set (containers 9464).
    metrics_port: int | None = Field(None, ge=1, le=65535)
    # On SIGTERM, how long activities in flight may run before they are cancelled (and retried by
    # another worker). Below Compose's 60 s stop_grace_period, so the worker exits on its own.
    shutdown_grace_seconds: float = Field(50, ge=0, le=3600)

    @field_validator("coordinator_password_hash")
    @classmethod
    def _a_hash_not_a_password(cls, value: SecretStr | None) -> SecretStr | None:
        from web.coordinator_auth import is_password_hash

        if value is not None and not is_password_hash(value.get_secret_value()):
            raise ValueError(
                "must be a password hash made by `tandem coordinator hash-password`, "
                "not the password itself"
            )
        return value

    @field_validator("previous_secret")
    @classmethod
    def _empty_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        # Compose passes an unset variable as "": that must not become a key anyone can sign
        # with (an HMAC under an empty key is no secret at all).
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @property
    def previous_secrets(self) -> tuple[bytes, ...]:
        previous = self.previous_secret
        return () if previous is None else (previous.get_secret_value().encode(),)

    def secret_values(self) -> list[str]:
        """What a log line must never show: every `SecretStr` setting (a secret added later is
        one too), and the password of every URL (DATABASE_URL, SMTP_URL), encoded or not."""
        found: list[str] = []
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                found.append(value.get_secret_value())
            elif isinstance(value, str) and "://" in value:
                password = urlsplit(value).password
                if password:
                    found += [password, unquote(password)]
        return found


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def setting_errors(error: ValidationError) -> list[str]:
    """Each invalid setting as `VARIABLE: message`, named as the operator set it."""
    lines = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        info = Settings.model_fields.get(field)
        alias = info.validation_alias if info is not None else None
        variable = alias if isinstance(alias, str) else f"TANDEM_{field.upper()}"
        message = str(problem["msg"]).removeprefix("Value error, ")
        lines.append(f"{variable}: {message}")
    return lines


def settings_or_exit() -> Settings:
    """The settings, or a clear message naming each wrong variable and exit status 2."""
    try:
        return get_settings()
    except ValidationError as error:
        for line in setting_errors(error):
            print(f"configuration error: {line}", file=sys.stderr)
        raise SystemExit(2) from None


def effective_configuration(settings: Settings) -> list[tuple[str, object, str]]:
    """(variable, value, "environment" or "default") for every setting; secrets masked."""
    rows: list[tuple[str, object, str]] = []
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        variable = alias if isinstance(alias, str) else f"TANDEM_{name.upper()}"
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            value = "********"
        elif isinstance(value, Path):
            value = str(value)
        elif isinstance(value, str) and "://" in value:
            value = _without_password(value)
        source = "environment" if name in settings.model_fields_set else "default"
        if value is None:
            value = None if name not in _EMBEDDED else "(embedded)"
        rows.append((variable, value, source))
    return rows


# Unset, these start the embedded servers (devstack/stack.py) instead of failing.
_EMBEDDED = {"database_url", "temporal_address", "smtp_url"}


def _without_password(url: str) -> str:
    """`scheme://user:password@host` shown as `scheme://user:********@host`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":********@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
