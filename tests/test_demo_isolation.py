"""One demo per checkout: a second `tandem demo` is refused and the first runs on, Ctrl-C stops
every server, and a demo killed with kill -9 blocks nobody.

Real processes: each demo is `python -m starter demo` on free ports with its state in tmp_path,
in a session of its own so that a Ctrl-C can reach its whole process group, as a terminal's does.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.demo_helpers import demo_command, free_ports, wait_for

ROOT = Path(__file__).resolve().parent.parent
_ROW = re.compile(r"(Web app|Outbox|Dashboard|Temporal UI|SMTP) +(\S+)")


class Demo:
    def __init__(self, home: Path, folder: Path, *extra: str) -> None:
        self.home = home
        web, temporal, ui, smtp = free_ports(4)
        self.ports = (web, temporal, ui, smtp)
        self.out = folder / f"out-{web}.txt"
        self.err = folder / f"err-{web}.txt"
        with self.out.open("w") as out, self.err.open("w") as err:
            self.process = subprocess.Popen(
                demo_command(web, temporal, ui, smtp, *extra),
                cwd=ROOT,
                env={**os.environ, "TANDEM_HOME": str(home), "TANDEM_LOG_LEVEL": "INFO"},
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
            )

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.ports[0]}"

    def stdout(self) -> str:
        return self.out.read_text(encoding="utf-8")

    def stderr(self) -> str:
        return self.err.read_text(encoding="utf-8")

    def addresses(self) -> dict[str, str]:
        return dict(_ROW.findall(self.stdout()))

    def wait_ready(self, within: float = 180) -> None:
        """Until the demo says it is ready and its outbox answers with mail in it."""

        def ready() -> bool:
            if self.process.poll() is not None:
                raise AssertionError(f"the demo stopped: {self.stdout()}\n{self.stderr()[-3000:]}")
            if "One programme day lasts" not in self.stdout():
                return False
            return answers(f"{self.web}/outbox") and outbox(self.home) > 0

        try:
            wait_for(ready, within, "the demo to be ready")
        except AssertionError as late:
            raise AssertionError(f"{late}: {self.stdout()}\n{self.stderr()[-3000:]}") from None

    def interrupt(self, within: float = 120) -> int:
        """Ctrl-C as a terminal sends it: to the demo's whole process group."""
        os.killpg(self.process.pid, signal.SIGINT)
        return self.process.wait(within)

    def terminate(self, within: float = 120) -> int:
        """SIGTERM to the demo alone, as a service manager or `kill` sends it."""
        self.process.terminate()
        return self.process.wait(within)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(120)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def outbox(home: Path) -> int:
    return len(list((home / "outbox").glob("*.eml")))


def processes_of(home: Path) -> list[str]:
    """The command lines of every process that names `home` (postgres -D, temporal --db-...)."""
    return [line for _, line in _processes_naming(home)]


def _processes_naming(home: Path) -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            line = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (entry / "stat").read_text().split(")")[-1].split()[0]
        except (OSError, IndexError):
            continue
        if str(home) in line and state != "Z":
            found.append((int(entry.name), line))
    return found


@pytest.fixture
def demos(tmp_path: Path) -> Iterator[list[Demo]]:
    started: list[Demo] = []
    yield started
    for demo in started:
        demo.stop()
    # Servers a failed test left behind: the demos of this test started them.
    for demo in started:
        for pid, _ in _processes_naming(demo.home):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)


def test_a_second_demo_is_refused_and_the_first_runs_on(tmp_path: Path, demos: list[Demo]) -> None:
    home = tmp_path / "home"
    first = Demo(home, tmp_path)
    demos.append(first)
    first.wait_ready()
    mail = outbox(home)

    web, temporal, ui, smtp = free_ports(4)
    second = subprocess.run(
        demo_command(web, temporal, ui, smtp),
        cwd=ROOT,
        env={**os.environ, "TANDEM_HOME": str(home)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert second.returncode == 1
    assert second.stderr.strip() == (
        f"refused: a demo already runs from this checkout (its state is in {home}), at "
        f"{first.web}: stop it with Ctrl-C where it runs before starting another; nothing was "
        "changed"
    )
    assert second.stdout == ""
    # The first demo lost nothing and runs on: its mail stayed, more arrives, its pages answer.
    assert outbox(home) >= mail
    wait_for(lambda: outbox(home) > mail, 60, "more mail in the first demo's outbox")
    assert answers(f"{first.web}/outbox") and first.process.poll() is None
    assert not answers(f"http://127.0.0.1:{web}/")

    postmaster = int((home / "pg" / "postmaster.pid").read_text().split()[0])
    assert first.interrupt() == 0, first.stderr()[-3000:]
    assert "Traceback" not in first.stderr() + first.stdout()
    assert first.stderr().splitlines()[-1] == "stopped: the embedded servers are shut down"
    assert not Path(f"/proc/{postmaster}").exists() or postmaster_gone(postmaster)
    assert processes_of(home) == []


def postmaster_gone(pid: int) -> bool:
    """A pid reused by another process is not our PostgreSQL."""
    try:
        return b"postgres" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


def test_the_console_shows_the_addresses_and_the_logs_go_to_files(
    tmp_path: Path, demos: list[Demo]
) -> None:
    home = tmp_path / "home"
    demo = Demo(home, tmp_path)
    demos.append(demo)
    demo.wait_ready()
    shown = demo.addresses()
    web = demo.web
    assert shown == {
        "Web app": f"{web}/",
        "Outbox": f"{web}/outbox",
        "Dashboard": f"{web}/coordinator",
        "Temporal UI": f"http://127.0.0.1:{demo.ports[2]}/namespaces/default/workflows",
        "SMTP": f"smtp://127.0.0.1:{demo.ports[3]}",
    }
    assert re.search(r"Password +\S+ \(account admin\)", demo.stdout())
    assert "The servers' lines are in" in demo.stdout()
    assert answers(shown["Temporal UI"])
    # Output to a file: no escape codes, and none of the servers' lines among the addresses.
    assert "\x1b" not in demo.stdout() + demo.stderr()
    assert "mail.sent" not in demo.stdout() + demo.stderr()
    assert "Temporal Server:" not in demo.stdout() + demo.stderr()
    logs = home / "logs"
    wait_for(lambda: "mail.sent" in (logs / "tandem.log").read_text(), 60, "mail in tandem.log")
    assert "Temporal Server:" in (logs / "temporal.log").read_text()
    assert "database system is ready" in (logs / "postgres.log").read_text()
    assert "\x1b" not in (logs / "tandem.log").read_text()
    assert demo.terminate() == 0, demo.stderr()[-3000:]
    assert "Traceback" not in demo.stderr()
    assert processes_of(home) == []


def test_verbose_shows_the_servers_lines_too(tmp_path: Path, demos: list[Demo]) -> None:
    home = tmp_path / "home"
    demo = Demo(home, tmp_path, "--verbose")
    demos.append(demo)
    demo.wait_ready()
    wait_for(lambda: "mail.sent" in demo.stderr(), 60, "the worker's lines on stderr")
    wait_for(lambda: "Temporal Server:" in demo.stderr(), 30, "the Temporal server's lines")
    assert "\x1b" not in demo.stderr()
    assert demo.interrupt() == 0, demo.stderr()[-3000:]
    assert processes_of(home) == []


def test_a_demo_killed_with_kill_9_blocks_nobody(tmp_path: Path, demos: list[Demo]) -> None:
    home = tmp_path / "home"
    killed = Demo(home, tmp_path)
    demos.append(killed)
    killed.wait_ready()
    killed.process.kill()  # the demo's process alone: its servers are left running
    killed.process.wait()
    assert processes_of(home) != []

    again = Demo(home, tmp_path)
    demos.append(again)
    again.wait_ready()
    assert "refused" not in again.stderr()
    assert again.interrupt() == 0, again.stderr()[-3000:]
    assert "Traceback" not in again.stderr()
    # What the killed demo left running was stopped too.
    assert processes_of(home) == []
