"""One settings object from the environment.

In development (the default) an unset service means the embedded default, never a crash; with
`TANDEM_ENV=production` every service and the secret must be given, and a missing one is a
configuration error naming its variable (nothing embedded ever starts in production).
"""

from __future__ import annotations

import ipaddress
import sys
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from credentials.envelope import MasterKey
    from credentials.oidc import OidcSettings

_OIDC_VARIABLES = ("TANDEM_OIDC_ISSUER", "TANDEM_OIDC_CLIENT_ID", "TANDEM_OIDC_CLIENT_SECRET")
# Public (it is in this file): signing links with it in production would let anyone forge them.
DEVELOPMENT_SECRET = "dev-only-secret-change-me"
# Public too: the texts sealed under it are readable by anyone with the database.
DEVELOPMENT_MASTER_KEY = "ZGV2LW9ubHktbWFzdGVyLWtleS1jaGFuZ2UtbWUhISE"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANDEM_", extra="ignore", populate_by_name=True)

    # development: unset services are the embedded ones (the `embedded` extra); production: every
    # service is given (docker-compose.yml and the image set this).
    env: Literal["development", "production"] = "development"

    # Well-known names without the prefix, as operators expect them.
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    temporal_address: str | None = Field(None, validation_alias="TEMPORAL_ADDRESS")
    smtp_url: str | None = Field(None, validation_alias="SMTP_URL")
    public_base_url: str = Field("http://127.0.0.1:8000", validation_alias="PUBLIC_BASE_URL")
    secret: SecretStr = Field(SecretStr(DEVELOPMENT_SECRET), validation_alias="TANDEM_SECRET")
    # While rotating TANDEM_SECRET: the one before, still accepted (never used to sign) until the
    # links and sessions made under it have expired (docs/operations.md).
    previous_secret: SecretStr | None = Field(None, validation_alias="TANDEM_PREVIOUS_SECRET")

    # Wraps the data keys typed texts are sealed with (credentials/envelope.py); make one with
    # `tandem keys generate`. While rotating it, the one before (`tandem keys rotate`).
    master_key: SecretStr = Field(
        SecretStr(DEVELOPMENT_MASTER_KEY), validation_alias="TANDEM_MASTER_KEY"
    )
    previous_master_key: SecretStr | None = Field(
        None, validation_alias="TANDEM_PREVIOUS_MASTER_KEY"
    )
    # False seals nothing: only a benchmark's baseline measures a deployment without it.
    seal_texts: bool = True
    # False: this worker leaves the daily `tandem-retention` schedule alone (a rehearsal's
    # workers, on a server without schedules and with programmes nobody should purge).
    retention_schedule: bool = True

    namespace: str = "default"
    task_queue: str = "tandem"
    # all | workflows | activities: a deployment may run workflow code and activities (mail, SQL)
    # in separate processes, so the two use separate cores.
    worker_role: Literal["all", "workflows", "activities"] = "all"
    mail_from: str = "Tandem <tandem@localhost>"
    home: Path = Path(".tandem")
    log_format: str = "console"  # console | json
    log_level: str = "INFO"
    # The bootstrap admin's password (account `admin`), as `tandem coordinator hash-password`
    # prints it; named accounts are made with `tandem coordinator add`.
    coordinator_password_hash: SecretStr | None = None
    # Single sign-on for coordinators (web/oidc.py): the OpenID provider's issuer URL and this
    # deployment's client there. All three or none.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    # False: coordinators sign in through single sign-on only (which must then be configured).
    password_login: bool = True
    temporal_ui_url: str = "http://127.0.0.1:8233"
    # A worker answers /healthz and /readyz on this port when set (containers set 8081).
    health_port: int | None = Field(None, ge=1, le=65535)
    # A worker serves the Temporal SDK's Prometheus metrics on this port when set (containers 9464).
    metrics_port: int | None = Field(None, ge=1, le=65535)
    # `tandem web` serves its own metrics (requests, read-model lag) on this port when set, never
    # on the participants' port (containers 9465, reached only inside the stack's network).
    web_metrics_port: int | None = Field(None, ge=1, le=65535)
    # When set, the web metrics port answers only `Authorization: Bearer <this token>`.
    metrics_token: SecretStr | None = None
    # Engineers present it to the codec endpoint (`/codec`, web/codec_server.py) that opens the
    # sealed texts of a run in the Temporal UI and CLI; unset, only admins' sessions may.
    codec_token: SecretStr | None = None
    # On SIGTERM, how long activities in flight may run before they are cancelled (and retried by
    # another worker). Below Compose's 60 s stop_grace_period, so the worker exits on its own.
    shutdown_grace_seconds: float = Field(50, ge=0, le=3600)
    # A worker's workflow cache and concurrency (runtime/workers.py says why these defaults).
    # A cached pair holds about 0.44 MiB of the worker's memory: 2,500 of them kept it at 1.3 GiB
    # (bench/capacity.py). An answer to a pair out of the cache replays it first, about 0.1 s of
    # the worker's CPU: docs/operations.md, "Scaling".
    max_cached_workflows: int = Field(2500, ge=0)
    max_concurrent_workflow_tasks: int = Field(20, ge=2)
    max_concurrent_activities: int = Field(32, ge=1)
    max_concurrent_local_activities: int = Field(100, ge=1)

    @field_validator("coordinator_password_hash")
    @classmethod
    def _a_hash_not_a_password(cls, value: SecretStr | None) -> SecretStr | None:
        from credentials.passwords import is_password_hash

        if value is not None and not value.get_secret_value().strip():
            return None  # Compose passes an unset variable as ""
        if value is not None and not is_password_hash(value.get_secret_value()):
            raise ValueError(
                "must be a password hash made by `tandem coordinator hash-password`, "
                "not the password itself"
            )
        return value

    @field_validator("master_key", "previous_master_key", mode="before")
    @classmethod
    def _a_master_key(cls, value: object, info: ValidationInfo) -> object:
        from credentials.envelope import parse_master_key

        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(text, str) or not text.strip():
            # Compose passes an unset variable as "": the default (refused in production), or none
            return DEVELOPMENT_MASTER_KEY if info.field_name == "master_key" else None
        parse_master_key(text)
        return text.strip()

    @field_validator("previous_secret", "metrics_token", "codec_token")
    @classmethod
    def _empty_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        # Compose passes an unset variable as "": that must not become a key anyone can sign
        # with (an HMAC under an empty key is no secret at all), nor a token anyone can present.
        if value is not None and not value.get_secret_value().strip():
            return None
        return value

    @field_validator("oidc_issuer", "oidc_client_id", "oidc_client_secret", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        # Compose passes an unset variable as "".
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("password_login", mode="before")
    @classmethod
    def _blank_is_default(cls, value: object) -> object:
        return True if isinstance(value, str) and not value.strip() else value

    @field_validator("oidc_issuer")
    @classmethod
    def _an_issuer_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError(
                "must be the OpenID provider's issuer URL, e.g. https://id.example.org"
            )
        if parts.query or parts.fragment:
            raise ValueError("must be the issuer URL without a query or fragment")
        if parts.scheme == "http" and not _is_loopback(parts.hostname):
            # Sign-ins and tokens in clear text: only a provider on this very machine may.
            raise ValueError("must be an https URL (http only for a provider on loopback)")
        return value

    @model_validator(mode="after")
    def _single_sign_on_whole(self) -> Settings:
        values = (self.oidc_issuer, self.oidc_client_id, self.oidc_client_secret)
        given = [name for name, value in zip(_OIDC_VARIABLES, values, strict=True) if value]
        if given and len(given) < len(_OIDC_VARIABLES):
            missing = [name for name in _OIDC_VARIABLES if name not in given]
            verb = "is" if len(given) == 1 else "are"
            raise ValueError(
                "\n".join(
                    f"{name}: must be set too ({' and '.join(given)} {verb} set): "
                    "single sign-on needs all three"
                    for name in missing
                )
            )
        if not self.password_login and not given:
            raise ValueError(
                "TANDEM_PASSWORD_LOGIN: may be false only when single sign-on is configured "
                f"({', '.join(_OIDC_VARIABLES)}): coordinators could not sign in at all"
            )
        return self

    @model_validator(mode="after")
    def _production_is_given_everything(self) -> Settings:
        if self.env != "production":
            return self
        services = {
            "DATABASE_URL": self.database_url,
            "TEMPORAL_ADDRESS": self.temporal_address,
            "SMTP_URL": self.smtp_url,
        }
        problems = [
            f"{variable}: must be set when TANDEM_ENV=production (nothing embedded starts there)"
            for variable, value in services.items()
            if not (value and value.strip())
        ]
        secret = self.secret.get_secret_value()
        if not secret.strip() or secret == DEVELOPMENT_SECRET:
            problems.append(
                "TANDEM_SECRET: must be set to a secret of your own when TANDEM_ENV=production "
                "(the development default is public)"
            )
        if self.master_key.get_secret_value() == DEVELOPMENT_MASTER_KEY:
            problems.append(
                "TANDEM_MASTER_KEY: must be set to a key of your own when TANDEM_ENV=production "
                "(the development default is public; `tandem keys generate` makes one)"
            )
        if not self.seal_texts:
            problems.append(
                "TANDEM_SEAL_TEXTS: must stay true when TANDEM_ENV=production (false leaves what "
                "participants type readable in Temporal; only a benchmark's baseline turns it off)"
            )
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def codec_token_value(self) -> str | None:
        """TANDEM_CODEC_TOKEN as the codec endpoint compares it, or None when unset."""
        return None if self.codec_token is None else self.codec_token.get_secret_value()

    @property
    def oidc(self) -> OidcSettings | None:
        """The single sign-on settings, or None when it is not configured."""
        if not (self.oidc_issuer and self.oidc_client_id and self.oidc_client_secret):
            return None
        from credentials.oidc import OidcSettings

        return OidcSettings(
            issuer=self.oidc_issuer,
            client_id=self.oidc_client_id,
            client_secret=self.oidc_client_secret.get_secret_value(),
        )

    @property
    def master(self) -> MasterKey:
        from credentials.envelope import parse_master_key

        return parse_master_key(self.master_key.get_secret_value())

    @property
    def previous_masters(self) -> tuple[MasterKey, ...]:
        from credentials.envelope import parse_master_key

        previous = self.previous_master_key
        return () if previous is None else (parse_master_key(previous.get_secret_value()),)

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
    lines: list[str] = []
    for problem in error.errors():
        message = str(problem["msg"]).removeprefix("Value error, ")
        if not problem["loc"]:  # a check across settings names its variables itself
            lines.extend(message.splitlines())
            continue
        field = str(problem["loc"][0])
        info = Settings.model_fields.get(field)
        alias = info.validation_alias if info is not None else None
        if isinstance(alias, str):
            variable = alias
        elif info is None and field.isupper():  # reported under its alias already
            variable = field
        else:
            variable = f"TANDEM_{field.upper()}"
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


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _without_password(url: str) -> str:
    """`scheme://user:password@host` shown as `scheme://user:********@host`."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":********@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
