"""The `tandem` command line as a coordinator uses it: real processes, real exit codes."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest

from credentials.envelope import generate_master_key
from credentials.passwords import check_password
from devstack.ports import free_port
from settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "examples" / "pilote-2027" / "programme.yaml"
BROKEN = ROOT / "examples" / "broken" / "programme.yaml"
PROBLEM = ROOT / "examples" / "matching" / "problem.yaml"


def tandem(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "starter", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def test_help_lists_every_command() -> None:
    result = tandem("--help")
    assert result.returncode == 0
    for command in ("programme", "matching", "match", "roster", "task", "simulate", "demo", "web"):
        assert command in result.stdout
    result = tandem("programme", "--help")
    for command in ("validate", "start", "status", "approve", "purge"):
        assert command in result.stdout
    result = tandem("matching", "--help")
    for command in ("show", "approve", "ban", "force", "swap"):
        assert command in result.stdout


def test_validate_accepts_the_sample() -> None:
    result = tandem("programme", "validate", str(SAMPLE), "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["valid"] is True
    assert (summary["participants"], summary["mentors"], summary["mentees"]) == (24, 12, 12)
    assert summary["coordinators"] == ["rh.mentorat@example.com"]
    assert summary["retention_days"] == 365
    assert summary["skills_without_exercises"] == []  # the guide library covers every skill


def test_validate_names_the_skills_the_guide_library_has_no_exercise_for(tmp_path: Path) -> None:
    folder = tmp_path / "programme"
    shutil.copytree(SAMPLE.parent, folder)
    programme = folder / "programme.yaml"
    text = programme.read_text(encoding="utf-8")
    programme.write_text(
        text.replace(
            "  - cybersecurity\n", "  - cybersecurity\n  - {id: podcasts, label: Podcasts}\n"
        ),
        encoding="utf-8",
    )
    result = tandem("programme", "validate", str(programme), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["skills_without_exercises"] == ["podcasts"]
    shown = tandem("programme", "validate", str(programme))
    assert "no practice exercise for podcasts: their sessions get a theme" in shown.stdout
    # The programme writes its own, from the first level (the others fall back to it).
    for locale in ("fr", "en"):
        own = folder / "guides" / "exercises" / locale / "podcasts" / "0.md"
        own.parent.mkdir(parents=True)
        own.write_text("# Enregistrez un premier épisode\n\nDix minutes, un micro.\n")
    programme.write_text(programme.read_text(encoding="utf-8") + "guides: guides\n")
    covered = tandem("programme", "validate", str(programme), "--json")
    assert covered.returncode == 0, covered.stderr
    assert json.loads(covered.stdout)["skills_without_exercises"] == []


def test_validate_reports_every_problem_with_file_line_and_field() -> None:
    result = tandem("programme", "validate", str(BROKEN))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    problems = [line for line in result.stderr.splitlines() if ".yaml:" in line or ".csv:" in line]
    assert len(problems) == 14
    assert any("programme.yaml:4: starts_on: impossible date" in p for p in problems)
    assert any("participants.csv:4: email: duplicate e-mail" in p for p in problems)
    assert "nothing was started" in result.stderr


@pytest.mark.parametrize(
    "content",
    [b"\x00\x01\x02\xff\xfe garbage", b"id: [unclosed", b"- a\n- list\n"],
    ids=["binary", "yaml-syntax", "not-a-mapping"],
)
def test_validate_never_shows_a_traceback(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "programme.yaml"
    bad.write_bytes(content)
    result = tandem("programme", "validate", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{bad}:" in result.stderr


def test_a_missing_file_is_named_with_what_is_wrong(tmp_path: Path) -> None:
    result = tandem("programme", "validate", "nope.yaml")
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "nope.yaml: file not found",
        "1 problem(s); nothing was started.",
    ]
    result = tandem("programme", "validate", str(tmp_path))
    assert result.stderr.splitlines()[0] == f"{tmp_path}: is a directory, not a file"


@pytest.mark.parametrize(
    ("command", "shown"),
    [
        (
            ("demo",),
            [
                "--day-seconds <int range>",
                "[default: 30; x>=1]",
                "--file <path>",
                "[default: examples/pilote-2027/programme.yaml]",
                "--simulate-everyone / --no-simulate-everyone",
                "[default: no-simulate-everyone]",
                "--exit-when-done / --no-exit-when-done",
                "[default: no-exit-when-done]",
                "--web-port <int>",
                "[default: 8000]",
                "--temporal-port <int>",
                "[default: 7233]",
                "--ui-port <int>",
                "[default: 8233]",
                "--smtp-port <int>",
                "[default: 1025]",
                "--verbose",
            ],
        ),
        (("simulate",), ["--participants <int range>", "[default: 20; x>=2]", "--late-joiners"]),
        (("web",), ["--host <str>", "[default: 127.0.0.1]", "--port <int>", "[default: 8000]"]),
    ],
    ids=["demo", "simulate", "web"],
)
def test_help_shows_options_and_defaults_whole_at_80_columns(
    command: tuple[str, ...], shown: list[str]
) -> None:
    result = tandem(*command, "--help", env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "…" not in result.stdout
    for words in shown:
        assert any(words in line for line in lines), (words, result.stdout)


def test_start_refuses_a_bad_file_before_contacting_anything() -> None:
    result = tandem("programme", "start", str(BROKEN), env={"TEMPORAL_ADDRESS": "127.0.0.1:9"})
    assert result.returncode == 1
    assert "nothing was started" in result.stderr


def test_status_without_a_server_says_what_to_do(tmp_path: Path, pg_uri: str) -> None:
    result = tandem(
        "programme",
        "status",
        "pilote-2027",
        env={"TEMPORAL_ADDRESS": "127.0.0.1:9", "DATABASE_URL": pg_uri},
    )
    assert result.returncode == 2
    # One sentence naming the address and the setting, not the transport's error dump.
    unreachable = [
        "error: cannot reach Temporal at 127.0.0.1:9: start it (`make demo` runs one) or set "
        "TEMPORAL_ADDRESS to the address of a running Temporal server"
    ]
    assert result.stderr.splitlines() == unreachable
    web = tandem(
        "web",
        "--port",
        str(free_port()),
        env={
            "TEMPORAL_ADDRESS": "127.0.0.1:9",
            "DATABASE_URL": pg_uri,
            "TANDEM_LOG_LEVEL": "ERROR",
        },
    )
    assert web.returncode == 2
    assert web.stderr.splitlines() == unreachable


def test_simulate_json_is_one_object_on_stdout() -> None:
    result = tandem("simulate", "--participants", "6", "--seed", "3", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)  # the whole of stdout: logs went to stderr
    for key in (
        "participants",
        "pairs_formed",
        "pairs_completed",
        "pairs_ended_early",
        "sessions_planned",
        "sessions_held",
        "sessions_with_theme",
        "onboarding_completed",
        "emails_sent",
        "events_stored",
        "max_history_events",
        "wall_seconds",
    ):
        assert key in report
    assert report["participants"] == 6
    assert report["pairs_formed"] >= 1
    assert report["sessions_held"] <= report["sessions_planned"]
    # Every session a pair planned has a theme.
    assert report["sessions_with_theme"] == report["sessions_planned"] > 0
    # Each paired participant accepts the charter once (a silent one may never).
    assert 0 < report["onboarding_completed"] <= 2 * report["pairs_formed"]
    assert 0 < report["max_history_events"] < 2_000
    assert report["emails_sent"] > report["participants"]


def test_simulate_writes_every_e_mail_of_the_rehearsal_to_its_outbox(tmp_path: Path) -> None:
    assert "--outbox" in tandem("simulate", "--help").stdout
    folder = tmp_path / "out"  # created by the rehearsal
    result = tandem(
        "simulate", "--participants", "4", "--seed", "3", "--outbox", str(folder), "--json"
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    files = sorted(folder.iterdir())
    assert report["outbox"] == str(folder)
    assert report["emails_written"] == report["emails_sent"] == len(files) > 0
    assert [f.name[:6] for f in files] == [f"{n:06d}" for n in range(1, len(files) + 1)]
    messages = [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in files
    ]
    for file, message in zip(files, messages, strict=True):
        address = str(message["To"]).rsplit("<", 1)[-1].rstrip(">")
        assert file.name.endswith(re.sub(r"[^a-z0-9]+", "-", address.lower()) + ".eml")
        assert message["Subject"] and message.get_body(preferencelist=("plain",)) is not None
    invitations = [
        part for m in messages for part in m.walk() if part.get_content_type() == "text/calendar"
    ]
    assert invitations, "the pairs' sessions go out as calendar invitations"
    calendar = icalendar.Calendar.from_ical(bytes(invitations[0].get_payload(decode=True)))
    assert calendar.walk("VEVENT")


def test_simulate_refuses_an_outbox_that_is_a_file(tmp_path: Path) -> None:
    taken = tmp_path / "mail.txt"
    taken.write_text("not a folder")
    result = tandem("simulate", "--participants", "2", "--outbox", str(taken))
    assert result.returncode == 1
    assert "it is a file, not a folder; nothing was started" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert taken.read_text() == "not a folder"


@pytest.mark.parametrize(("command", "option"), [(("demo",), "--web-port"), (("web",), "--port")])
def test_a_port_in_use_is_named_without_a_traceback(
    command: tuple[str, ...], option: str, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = tandem(*command, option, port, env={"TANDEM_HOME": str(tmp_path)})
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use ({option})" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_match_runs_the_engine_on_a_problem_file() -> None:
    result = tandem("match", str(PROBLEM), "--json")
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    pairs = {p["mentee_id"]: p["mentor_id"] for p in found["pairs"]}
    # Hugo reports to Sophie: the best teacher of generative AI may not mentor his own manager.
    assert pairs["sophie.lefebvre"] != "hugo.bernard"
    assert len(pairs) == 3
    assert found["total_score"] >= found["greedy_total_score"]
    assert all(p["reasons"] for p in found["pairs"])
    readable = tandem("match", str(PROBLEM))
    assert "can teach" in readable.stdout and "total score" in readable.stdout


def test_match_reports_every_problem_of_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "problem.yaml"
    bad.write_text(
        "mentors:\n"
        "  - id: a\n"
        "    capacity: 5\n"
        "    levels: {seo: 7}\n"
        "  - id: a\n"
        "    colour: blue\n"
        "mentees:\n"
        "  - id: b\n"
        "    format: sometimes\n"
        "banned: [[b, a]]\n",
        encoding="utf-8",
    )
    result = tandem("match", str(bad))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(bad))]
    assert lines == [
        f"{bad}:3: mentors[0].capacity: input should be less than or equal to 3",
        f"{bad}:6: mentors[1].colour: unknown field",
        f"{bad}:9: mentees[0].format: input should be 'remote', 'onsite' or 'hybrid'",
    ]

    # Once each entry is right, what needs the whole file is checked too.
    bad.write_text(
        "mentors:\n  - id: a\n    levels: {seo: 7}\n  - id: a\nmentees:\n  - id: b\n"
        "banned: [[b, a]]\nforced: [[a, b]]\n",
        encoding="utf-8",
    )
    result = tandem("match", str(bad))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(bad))]
    assert lines == [
        f"{bad}:3: mentors[0].levels.seo: a level goes from 0 to 4, got 7",
        f"{bad}:4: mentors[1].id: 'a' is already used by one of the mentors",
        f"{bad}:7: banned[0]: 'b' is not a mentor of this file (a pair is [mentor, mentee])",
        f"{bad}:7: banned[0]: 'a' is not a mentee of this file (a pair is [mentor, mentee])",
    ]


def test_match_refuses_ids_and_departments_that_hide_characters(tmp_path: Path) -> None:
    bad = tmp_path / "problem.yaml"
    bad.write_text(
        'mentors:\n  - id: "lea\\u202e"\n    department: "\\u200b"\n'
        "mentees:\n  - id: محمد\n    department: R&D – Île-de-France\n",
        encoding="utf-8",
    )
    result = tandem("match", str(bad))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(bad))]
    assert lines == [
        f"{bad}:2: mentors[0].id: contains a character that reverses the display direction "
        "(U+202E RIGHT-TO-LEFT OVERRIDE); type the text again without it",
        f"{bad}:3: mentors[0].department: has no visible character, only spaces or invisible "
        "characters",
    ]


def test_match_refuses_a_forced_pair_that_breaks_a_rule(tmp_path: Path) -> None:
    text = PROBLEM.read_text(encoding="utf-8").replace(
        "forced: []", "forced: [[hugo.bernard, sophie.lefebvre]]"
    )
    problem = tmp_path / "problem.yaml"
    problem.write_text(text, encoding="utf-8")
    result = tandem("match", str(problem))
    assert result.returncode == 1
    assert "one is in the other's reporting line" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("content", [b"", b"\x00\x01binary", b"mentors: [", b"- just\n- a list\n"])
def test_match_never_shows_a_traceback(tmp_path: Path, content: bytes) -> None:
    problem = tmp_path / "problem.yaml"
    problem.write_bytes(content)
    result = tandem("match", str(problem))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    assert str(problem) in result.stderr


def test_a_wrong_setting_is_named_without_a_traceback() -> None:
    result = tandem("projections", "status", env={"TANDEM_COORDINATOR_PASSWORD_HASH": "hunter2"})
    assert result.returncode == 2
    assert "configuration error: TANDEM_COORDINATOR_PASSWORD_HASH: must be a password hash" in (
        result.stderr
    )
    assert "Traceback" not in result.stderr
    result = tandem("--help", env={"TANDEM_WORKER_ROLE": "both"})
    assert result.returncode == 2
    assert "TANDEM_WORKER_ROLE: Input should be 'all', 'workflows' or 'activities'" in result.stderr


_PRODUCTION_SERVICES = (
    "DATABASE_URL",
    "TEMPORAL_ADDRESS",
    "SMTP_URL",
    "TANDEM_SECRET",
    "TANDEM_MASTER_KEY",
)


def _production(**given: str) -> dict[str, str]:
    """The environment of a production process given only `given` of its services."""
    base = {k: v for k, v in os.environ.items() if k not in _PRODUCTION_SERVICES}
    return {**base, "TANDEM_ENV": "production", **given}


def test_production_names_each_missing_service_without_a_traceback(tmp_path: Path) -> None:
    for command in (("config",), ("projections", "status"), ("web",)):
        result = subprocess.run(
            [sys.executable, "-m", "starter", *command],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**_production(), "TANDEM_HOME": str(tmp_path / "home")},
            timeout=120,
        )
        assert result.returncode == 2, result.stderr
        for variable in _PRODUCTION_SERVICES:
            assert f"configuration error: {variable}: must be set" in result.stderr, command
        assert "Traceback" not in result.stderr
    assert not (tmp_path / "home").exists()  # nothing embedded was started
    # The worker the same way.
    worker = subprocess.run(
        [sys.executable, "-m", "worker"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**_production(DATABASE_URL="postgresql://db/tandem"), "TANDEM_HOME": str(tmp_path)},
        timeout=120,
    )
    assert worker.returncode == 2
    assert "configuration error: TEMPORAL_ADDRESS: must be set" in worker.stderr
    assert "DATABASE_URL" not in worker.stderr and "Traceback" not in worker.stderr


def test_production_refuses_the_development_secret() -> None:
    services = {
        "DATABASE_URL": "postgresql://tandem:pw@db:5432/tandem",
        "TEMPORAL_ADDRESS": "temporal:7233",
        "SMTP_URL": "smtp://mail:1025",
        "TANDEM_MASTER_KEY": generate_master_key(),
    }
    result = subprocess.run(
        [sys.executable, "-m", "starter", "config", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_production(**services, TANDEM_SECRET="dev-only-secret-change-me"),
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "configuration error: TANDEM_SECRET: must be set to a secret of your own when "
        "TANDEM_ENV=production (the development default is public)"
    ]
    given = subprocess.run(
        [sys.executable, "-m", "starter", "config", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_production(**services, TANDEM_SECRET="a-secret-of-our-own"),
        timeout=120,
    )
    assert given.returncode == 0, given.stderr
    shown = json.loads(given.stdout)
    assert shown["TANDEM_ENV"] == "production" and shown["SMTP_URL"] == "smtp://mail:1025"
    # Typed texts sealed is not an option there.
    unsealed = subprocess.run(
        [sys.executable, "-m", "starter", "config", "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_production(**services, TANDEM_SECRET="a-secret-of-our-own", TANDEM_SEAL_TEXTS="0"),
        timeout=120,
    )
    assert unsealed.returncode == 2
    assert unsealed.stderr.startswith(
        "configuration error: TANDEM_SEAL_TEXTS: must stay true when TANDEM_ENV=production"
    ), unsealed.stderr


def test_development_is_the_default_and_a_wrong_env_is_named() -> None:
    result = tandem("config", "--json", env={"TANDEM_ENV": "prod"})
    assert result.returncode == 2
    assert "configuration error: TANDEM_ENV: Input should be 'development' or 'production'" in (
        result.stderr
    )
    shown = json.loads(tandem("config", "--json").stdout)
    assert shown["TANDEM_ENV"] == "development"


def test_hash_password_prints_a_hash_never_the_password() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "starter", "coordinator", "hash-password"],
        input="a sufficiently long password\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("$argon2id$") and "sufficiently" not in result.stdout
    assert check_password("a sufficiently long password", result.stdout.strip())


def test_config_shows_every_setting_with_secrets_masked() -> None:
    result = tandem(
        "config",
        "--json",
        env={
            "TANDEM_SECRET": "very-secret-value",
            "TANDEM_PREVIOUS_SECRET": "the-secret-before",
            "DATABASE_URL": "postgresql://tandem:db-password-123@db:5432/tandem",
            "TANDEM_WORKER_ROLE": "activities",
        },
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert "very-secret-value" not in result.stdout and "db-password-123" not in result.stdout
    assert "the-secret-before" not in result.stdout
    assert shown["TANDEM_SECRET"] == shown["TANDEM_PREVIOUS_SECRET"] == "********"
    assert shown["DATABASE_URL"] == "postgresql://tandem:********@db:5432/tandem"
    assert shown["TANDEM_WORKER_ROLE"] == "activities"
    assert shown["SMTP_URL"] == "(embedded)"


def test_an_empty_previous_secret_is_no_secret_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    # Compose passes an unset TANDEM_PREVIOUS_SECRET as "": anyone can compute an HMAC under "".
    monkeypatch.setenv("TANDEM_PREVIOUS_SECRET", " ")
    assert Settings().previous_secrets == ()
    monkeypatch.setenv("TANDEM_PREVIOUS_SECRET", "the-secret-before")
    assert Settings().previous_secrets == (b"the-secret-before",)


def test_stop_ends_the_embedded_postgresql_a_command_started(tmp_path: Path) -> None:
    env = {"TANDEM_HOME": str(tmp_path / "home")}
    running = tmp_path / "home" / "pg" / "postmaster.pid"
    # A command that needs the database starts one when DATABASE_URL is not set, and leaves it up.
    started = tandem("report", "nope", env=env)
    assert started.returncode == 1 and "no programme 'nope'" in started.stderr
    assert running.exists()

    stopped = tandem("stop", env=env)
    assert stopped.returncode == 0, stopped.stderr
    assert "stopped the PostgreSQL under" in stopped.stdout
    assert not running.exists()
    again = tandem("stop", env=env)
    assert again.returncode == 0 and "nothing runs under" in again.stdout
