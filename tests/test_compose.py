"""docker-compose.yml checked without a Docker engine: the schema, pinned images, settings, secrets.

The schema is the Compose Specification's own (tests/schemas/compose-spec.json, from
github.com/compose-spec/compose-spec, Apache-2.0).
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from contracts.search_attributes import SEARCH_ATTRIBUTES
from credentials.envelope import generate_master_key
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APP = ("worker", "web")
ONE_SHOT = ("temporal-schema", "temporal-setup")
_VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


def _setting_names() -> set[str]:
    """Every environment variable the settings object reads."""
    names = set()
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"TANDEM_{name.upper()}")
    return names


def test_the_file_follows_the_compose_specification() -> None:
    schema = json.loads((ROOT / "tests" / "schemas" / "compose-spec.json").read_text())
    jsonschema.Draft7Validator(schema).validate(COMPOSE)


def test_the_production_stack_is_all_there() -> None:
    expected = {
        "temporal-db", "temporal-schema", "temporal", "temporal-setup", "temporal-ui",
        "app-db", "mailpit", "worker", "web",
    }  # fmt: skip
    assert set(SERVICES) == expected


def test_every_image_is_pinned_to_a_version() -> None:
    for name, service in SERVICES.items():
        image = service.get("image", "")
        assert re.fullmatch(r"[\w./-]+:[\w.-]*\d[\w.-]*", image), f"{name}: {image!r}"
        assert not image.endswith(":latest"), name


def test_every_long_running_service_has_a_healthcheck() -> None:
    for name, service in SERVICES.items():
        if name not in ONE_SHOT:
            assert "test" in service.get("healthcheck", {}), name


def test_app_services_are_configured_only_by_known_settings_and_no_secret_is_written() -> None:
    known = _setting_names()
    for name in APP:
        environment: dict[str, str] = SERVICES[name]["environment"]
        assert set(environment) <= known, f"{name}: {set(environment) - known}"
        for variable in ("TANDEM_SECRET", "TANDEM_MASTER_KEY"):
            assert _VARIABLE.fullmatch(environment[variable]), f"{name}: {variable} is written"
        # The database password is interpolated, never written.
        assert "${TANDEM_DB_PASSWORD" in environment["DATABASE_URL"]
    web = SERVICES["web"]["environment"]
    assert _VARIABLE.fullmatch(web["TANDEM_COORDINATOR_PASSWORD_HASH"])
    assert _VARIABLE.fullmatch(web["TANDEM_OIDC_CLIENT_SECRET"])
    for name, service in SERVICES.items():
        for key, value in (service.get("environment") or {}).items():
            if "PASSWORD" in key or key.endswith("_PWD"):
                assert _VARIABLE.fullmatch(str(value)), f"{name}: {key} is written in the file"


def test_every_variable_the_file_needs_is_in_env_example() -> None:
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    needed = set(_VARIABLE.findall(text))
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    given = {
        line.split("=", 1)[0]
        for line in example.splitlines()
        if "=" in line and not line.startswith("#")
    }
    assert needed <= given, needed - given
    assert given <= _setting_names() | {"TANDEM_DB_PASSWORD", "TEMPORAL_DB_PASSWORD"}


def test_the_worker_scales_and_the_commands_exist() -> None:
    worker = SERVICES["worker"]
    assert "container_name" not in worker and "ports" not in worker  # `--scale worker=N`
    assert worker["command"] == ["python", "-m", "worker"]
    assert (ROOT / "worker.py").is_file()
    assert worker["environment"]["TANDEM_HEALTH_PORT"] == "8081"
    assert "8081/readyz" in " ".join(worker["healthcheck"]["test"])
    web = SERVICES["web"]
    assert web["command"][:2] == ["tandem", "web"]
    assert "/healthz" in " ".join(web["healthcheck"]["test"])
    # The web command's options are the CLI's own.
    from typer.testing import CliRunner

    from starter import app

    help_text = CliRunner().invoke(app, ["web", "--help"]).output
    for option in (o for o in web["command"] if o.startswith("--")):
        assert option in help_text


def _published(service: dict[str, Any]) -> set[int]:
    """The container ports a service publishes on the host (`ports`, short or long syntax)."""
    found = set()
    for entry in service.get("ports") or ():
        target = entry["target"] if isinstance(entry, dict) else str(entry).rsplit(":", 1)[-1]
        found.add(int(str(target).split("/")[0]))
    return found


def test_metrics_ports_reach_only_the_stack_network() -> None:
    worker, web = SERVICES["worker"], SERVICES["web"]
    assert worker["environment"]["TANDEM_METRICS_PORT"] == "9464"
    assert int(worker["environment"]["TANDEM_METRICS_PORT"]) not in _published(worker)
    metrics_port = int(web["environment"]["TANDEM_WEB_METRICS_PORT"])
    assert metrics_port == 9465
    # The participants' port is published, the metrics port only exposed to the network.
    assert _published(web) == {int(web["command"][web["command"].index("--port") + 1])}
    assert metrics_port not in _published(web)
    assert [int(str(p)) for p in web["expose"]] == [metrics_port]
    # The token, when there is one, comes from .env, never from the file.
    assert _VARIABLE.fullmatch(web["environment"]["TANDEM_METRICS_TOKEN"])
    # Both values are valid settings (an empty token is no token).
    settings = Settings(
        web_metrics_port=web["environment"]["TANDEM_WEB_METRICS_PORT"], metrics_token=""
    )
    assert (settings.web_metrics_port, settings.metrics_token) == (9465, None)


def test_the_search_attributes_are_registered_before_any_worker() -> None:
    script = " ".join(SERVICES["temporal-setup"]["command"])
    for key in SEARCH_ATTRIBUTES:
        kind = "Bool" if key.indexed_value_type.name.endswith("BOOL") else "Keyword"
        assert f"{key.name}:{kind}" in shlex.split(script.replace(";", " "))
    for name in APP:
        depends = SERVICES[name]["depends_on"]
        assert depends["temporal-setup"]["condition"] == "service_completed_successfully"


_INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?([-?])([^}]*))?\}")


def _interpolated(value: str) -> str:
    """A Compose value as a minimal .env fills it: a required `${X:?...}` given a value of its
    own, an optional `${X:-default}` left at its default."""

    def fill(found: re.Match[str]) -> str:
        if found.group(2) == "-":
            return found.group(3)
        if found.group(1) == "TANDEM_MASTER_KEY":  # its settings check its form
            return generate_master_key()
        return f"given-{found.group(1).lower()}"

    return _INTERPOLATION.sub(fill, value)


def test_app_services_run_in_production_and_are_given_every_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in APP:
        environment: dict[str, str] = SERVICES[name]["environment"]
        assert environment["TANDEM_ENV"] == "production", name
        # What the container's settings read: production's checks pass with every service given.
        for variable in os.environ:
            if variable.startswith("TANDEM_") or variable in ("DATABASE_URL", "SMTP_URL"):
                monkeypatch.delenv(variable)
        monkeypatch.delenv("TEMPORAL_ADDRESS", raising=False)
        for variable, value in environment.items():
            monkeypatch.setenv(variable, _interpolated(str(value)))
        settings = Settings()
        assert settings.env == "production"
        assert settings.database_url and settings.temporal_address and settings.smtp_url


def _dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (keyword, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_installs_the_production_lock_and_runs_in_production() -> None:
    instructions = _dockerfile()
    runs = [arguments for keyword, arguments in instructions if keyword == "RUN"]
    installs = [shlex.split(run) for run in runs if "pip install" in run]
    assert ["pip", "install", "--require-hashes", "-r", "requirements/production.txt"] in installs
    # Tandem itself adds nothing the lock does not have, and neither extra.
    for words in installs:
        assert "--require-hashes" in words or "--no-deps" in words, words
        assert not any("[" in word for word in words), words
    environment = " ".join(arguments for keyword, arguments in instructions if keyword == "ENV")
    assert "TANDEM_ENV=production" in environment.split()
