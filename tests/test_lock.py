"""The lock files (`make lock`) against pyproject.toml: every declared dependency is pinned, with
hashes, at a version its requirement allows; the production lock has no extra; the benchmarks'
peers (`make bench-peers`) are locked apart, within the versions CI tests."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = [Requirement(r) for r in PROJECT["dependencies"]]
EXTRAS = {
    extra: [Requirement(r) for r in requirements]
    for extra, requirements in PROJECT["optional-dependencies"].items()
}


def _pins(name: str) -> dict[str, tuple[Version, int]]:
    """Each package a lock pins: its version and how many hashes it carries."""
    text = (ROOT / "requirements" / name).read_text(encoding="utf-8")
    pins: dict[str, tuple[Version, int]] = {}
    for entry in text.replace("\\\n", " ").splitlines():
        entry = entry.split("#", 1)[0].strip()
        if not entry:
            continue
        requirement = Requirement(entry.split(" --hash=", 1)[0])
        (pin,) = requirement.specifier  # one `==` each, nothing looser
        assert pin.operator == "==", entry
        name_ = canonicalize_name(requirement.name)
        assert name_ not in pins, f"{name_} is pinned twice"
        pins[name_] = (Version(pin.version), entry.count("--hash=sha256:"))
    return pins


DEV, PRODUCTION = _pins("dev.txt"), _pins("production.txt")
BENCH, CPSAT = _pins("bench.txt"), _pins("cpsat.txt")


def _check(requirements: list[Requirement], pins: dict[str, tuple[Version, int]]) -> None:
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{requirement} is not in the lock: run `make lock`"
        version, _ = pins[name]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{requirement}: the lock pins {version}: run `make lock`"
        )


def test_the_dev_lock_pins_every_dependency_and_both_extras() -> None:
    assert set(EXTRAS) == {"dev", "embedded", "bench"}
    _check(RUNTIME + EXTRAS["dev"] + EXTRAS["embedded"], DEV)


def test_the_production_lock_pins_every_runtime_dependency_and_no_extra() -> None:
    _check(RUNTIME, PRODUCTION)
    for requirement in EXTRAS["embedded"] + EXTRAS["dev"] + EXTRAS["bench"]:
        name = canonicalize_name(requirement.name)
        needed = any(name == canonicalize_name(r.name) for r in RUNTIME)
        assert needed or name not in PRODUCTION, f"{name} is in the production lock"


def test_the_image_runs_the_versions_ci_tests() -> None:
    for name, (version, _) in PRODUCTION.items():
        assert name in DEV, name
        assert DEV[name][0] == version, f"{name}: {version} in production, {DEV[name][0]} in dev"


def test_every_pin_carries_its_hashes() -> None:
    for name, (_, hashes) in (DEV | PRODUCTION).items():
        assert hashes >= 1, f"{name} has no hash: pip --require-hashes would refuse the lock"


def test_the_bench_peers_are_locked_apart_and_leave_tested_versions_alone() -> None:
    """`make test` never installs them; `make bench-peers` adds them without moving a package CI
    tested, and OR-Tools (whose protobuf is older than the Temporal SDK's) has a venv of its own."""
    _check(RUNTIME + EXTRAS["bench"], BENCH)
    for name in ("eventsourcing", "ortools"):
        assert name not in DEV and name not in PRODUCTION, f"{name} is in a lock `make test` uses"
    for name, (version, _) in BENCH.items():
        assert name not in DEV or DEV[name][0] == version, f"{name}: {version} for the bench"
    assert "ortools" in CPSAT and "ortools" not in BENCH
    for name, (_, hashes) in (BENCH | CPSAT).items():
        assert hashes >= 1, f"{name} has no hash"
