"""`tandem`: the coordinator's command line.

Exit status: 0 done, 1 the input is wrong (each problem printed as FILE:LINE: field: message),
2 a service could not be reached. Machine-readable output with --json goes to stdout alone.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import subprocess
import sys
from collections.abc import Callable, Coroutine
from datetime import date
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from control.cli import JsonOpt, err, out, refuse, run
from control.coordinator_cli import audit, coordinator_app
from control.files import load_programme
from control.help_format import use_whole_word_help
from control.keys_cli import keys_app
from control.matching_cli import IdOpt, match, matching_app
from control.participant_cli import participant_app
from control.projections_cli import projections_app
from control.purge_cli import purge
from control.roster_cli import roster_app, task_app
from devstack.extra import EmbeddedMissing
from domain.programme import Locale, ProgrammeSpec
from domain.programme_file import ProgrammeFileError
from domain.simulation import Knobs, synthetic_programme
from logging_setup import configure_logging
from settings import get_settings, settings_or_exit

app = typer.Typer(
    help="Tandem: reverse-mentoring programmes run as durable workflows.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# Help shows each option's names and default whole, at 80 columns too.
use_whole_word_help(app)
programme_app = typer.Typer(help="Validate, start and follow a programme.", no_args_is_help=True)
app.add_typer(programme_app, name="programme")
app.add_typer(matching_app, name="matching")
app.command("match")(match)
app.add_typer(projections_app, name="projections")
app.add_typer(participant_app, name="participant")
app.add_typer(keys_app, name="keys")
app.add_typer(roster_app, name="roster")
app.add_typer(task_app, name="task")


def _load(file: Path) -> ProgrammeSpec:
    try:
        return load_programme(file)
    except ProgrammeFileError as error:
        _problems(error)


def _problems(error: ProgrammeFileError) -> NoReturn:
    for problem in error.problems:
        print(problem, file=sys.stderr)  # one line each, never wrapped: tools grep these
    err.print(f"[red]{len(error.problems)} problem(s); nothing was started.[/red]")
    raise typer.Exit(1) from None


def _pilot(spec: ProgrammeSpec) -> dict[str, Any] | None:
    """The pilot `follows:` names, looked up in the store when one can be reached; an unknown
    one is a problem of the file, as a start would find it."""
    if not spec.follows:
        return None
    from control.pilot_check import check_pilot
    from domain.pilot import unknown_pilot

    found = run(check_pilot(spec.follows))
    if found.checked and not found.found:
        _problems(ProgrammeFileError([unknown_pilot(spec)]))
    return {"id": spec.follows, "checked": found.checked, "found": found.found}


@programme_app.command("validate")
def validate(file: Path, as_json: JsonOpt = False) -> None:
    """Check a programme file and its participants CSV; print every problem found."""
    spec = _load(file)
    pilot = _pilot(spec)
    mentors = sum(p.role.value == "mentor" for p in spec.participants)
    lacking = _skills_without_exercises(spec)
    summary = {
        "id": spec.id,
        "name": spec.name,
        "starts_on": spec.starts_on.isoformat(),
        "participants": len(spec.participants),
        "mentors": mentors,
        "mentees": len(spec.participants) - mentors,
        "sessions": spec.sessions,
        "cadence_days": spec.cadence_days,
        "skills": [s.id for s in spec.skills],
        "auto_approve": spec.matching.auto_approve,
        "coordinators": list(spec.coordinators),
        "timezone": spec.timezone,
        "holidays": spec.holidays,
        "session_minutes": spec.session_minutes,
        "working_hours": f"{spec.working_hours.start:%H:%M}-{spec.working_hours.end:%H:%M}",
        "retention_days": spec.retention_days,
        "skills_without_exercises": lacking,
        "follows": pilot,
    }
    if as_json:
        print(json.dumps({"valid": True, **summary}))
        return
    out.print(f"[green]✓[/green] {file} is valid: {spec.name} ({spec.id})")
    out.print(
        f"  {summary['participants']} participants: {mentors} mentors, "
        f"{summary['mentees']} mentees; {spec.sessions} sessions every "
        f"{spec.cadence_days} days from {spec.starts_on}"
    )
    holidays = "no public holidays" if spec.holidays == "none" else f"{spec.holidays} holidays off"
    out.print(
        f"  sessions of {spec.session_minutes} min on working days, "
        f"{summary['working_hours']} {spec.timezone}, {holidays}"
    )
    out.print(f"  personal data purged {spec.retention_days} days after the programme ends")
    if pilot is not None:
        out.print(
            f"  follows pilot {spec.follows}: "
            + (
                "found in the store; its returning mentors are invited first, its pairs and "
                "bans are not repeated"
                if pilot["found"]
                else "not checked, no database could be reached (the start checks it)"
            ),
            markup=False,
        )
    if lacking:
        out.print(
            f"  no practice exercise for {', '.join(lacking)}: their sessions get a theme and no "
            "exercise (the guide library: guides/exercises/<fr|en>/<skill>/<level>.md)",
            markup=False,
        )
    else:
        out.print("  a practice exercise for every skill at every level, in French and English")


def _skills_without_exercises(spec: ProgrammeSpec) -> list[str]:
    """The programme's skills the guide library, with the programme's own guides, has no
    exercise for at some level or in one of the languages (a programme's own skill, typically).
    A level without its file takes the one below: a skill has them all once its level 0 has."""
    from guides.library import LOCALES, built_in

    library = built_in().with_texts(spec.guides)
    return [
        s.id
        for s in spec.skills
        if any(library.exercise(s.id, 0, locale) is None for locale in LOCALES)
    ]


@programme_app.command("start")
def start(
    file: Path,
    day_seconds: Annotated[
        int,
        typer.Option(
            help="Length of a programme day in seconds (compress time for a demo).", min=1
        ),
    ] = 86_400,
    as_json: JsonOpt = False,
) -> None:
    """Validate then start a programme; starting it again changes nothing and says so."""
    spec = _load(file)
    from control.connect import connected
    from control.launch import launch_programme

    async def go() -> bool:
        async with connected() as (client, pool, settings):
            launch = await launch_programme(client, pool, spec, settings.task_queue, day_seconds)
            return launch.started

    try:
        started = run(go())
    except ProgrammeFileError as error:  # the pilot it follows is unknown
        _problems(error)
    if as_json:
        print(json.dumps({"programme_id": spec.id, "started": started}))
    elif started:
        out.print(f"[green]Started[/green] programme {spec.id}: workflow programme:{spec.id}")
    else:
        out.print(f"Programme {spec.id} was already started: nothing new was started.")


@programme_app.command("status")
def status(programme_id: str, as_json: JsonOpt = False) -> None:
    """Show the phase, the pairs and what each is waiting for."""
    from control.status import programme_status

    report = run(programme_status(programme_id))
    if as_json:
        print(report.model_dump_json())
        return
    s = report.summary
    out.print(f"[bold]{programme_id}[/bold] — phase [cyan]{s.phase.value}[/cyan]: {s.waiting_for}")
    out.print(
        f"  pairs formed {s.pairs_formed}, active {s.pairs_active}, completed "
        f"{s.pairs_completed}, ended early {s.pairs_ended_early}, dissolved "
        f"{s.pairs_dissolved}; unmatched {s.unmatched}"
    )
    if report.pairs:
        table = Table("pair", "phase", "waiting for", "held", "missed", "at risk")
        for p in report.pairs:
            table.add_row(
                p.pair_id,
                p.phase.value,
                p.waiting_for,
                str(p.sessions_held),
                str(p.sessions_missed),
                "yes" if p.at_risk else "",
            )
        out.print(table)


@programme_app.command("approve")
def approve(programme_id: str, command_id: IdOpt = None, as_json: JsonOpt = False) -> None:
    """Approve the proposed matching (the same as `tandem matching approve`)."""
    from control.matching_cli import approve as approve_matching

    approve_matching(programme_id, command_id, as_json)


programme_app.command("purge")(purge)


@app.command()
def simulate(
    file: Annotated[
        Path | None, typer.Argument(help="A programme file; or use --participants.")
    ] = None,
    participants: Annotated[int, typer.Option(help="Size of a synthetic cohort.", min=2)] = 20,
    seed: Annotated[int, typer.Option(help="Same seed, same programme.")] = 1,
    no_show_rate: float = 0.06,
    no_go_rate: float = 0.05,
    silent_rate: float = 0.03,
    late_rate: float = 0.10,
    dropout_rate: float = 0.02,
    late_joiners: Annotated[
        int, typer.Option(help="People who join once the first pairs run.", min=0, max=500)
    ] = 0,
    withdrawals: Annotated[
        int, typer.Option(help="Participants of running pairs who leave a week later.", min=0)
    ] = 0,
    outbox: Annotated[
        Path | None,
        typer.Option(
            "--outbox",
            metavar="DIR",
            help="Write every e-mail the rehearsal sends to DIR as an .eml file (invitations "
            "attached), to read with any mail program; DIR is created if missing.",
        ),
    ] = None,
    histories: Annotated[
        Path | None,
        typer.Option(
            "--histories",
            metavar="DIR",
            help="Write every workflow's history to DIR, one JSON file a run, as "
            "`temporal workflow show --output json` prints it (for replay tests and audits).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Rehearse a whole programme with simulated participants on a private time-skipping stack."""
    configure_logging("WARNING")
    from control.simulate import simulate as run_simulation

    if outbox is not None:
        _writable_folder(outbox, "--outbox")
    if histories is not None:
        _writable_folder(histories, "--histories")
    spec = _load(file) if file else synthetic_programme(participants, seed, date(2027, 1, 11))
    knobs = Knobs(
        no_show_rate=no_show_rate,
        no_go_rate=no_go_rate,
        silent_rate=silent_rate,
        late_rate=late_rate,
        dropout_rate=dropout_rate,
    )
    expected_days = 40 + spec.sessions * spec.cadence_days
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("day {task.completed:.0f}"),
        TimeElapsedColumn(),
        console=err,
        disable=not err.is_terminal,
    ) as progress:
        bar = progress.add_task(
            f"simulating {len(spec.participants) + late_joiners} participants", total=expected_days
        )
        report = run(
            run_simulation(
                spec,
                seed,
                knobs,
                on_day=lambda d: progress.update(bar, completed=d),
                late_joiners=late_joiners,
                withdrawals=withdrawals,
                outbox=outbox,
                histories_dir=histories,
            )
        )
    if as_json:
        print(report.model_dump_json())
        return
    table = Table("measure", "value", title=f"Simulation of {spec.id} (seed {seed})")
    for key, value in report.model_dump().items():
        if value is not None:  # the outbox rows only when there was one
            table.add_row(key.replace("_", " "), str(value))
    out.print(table)
    if outbox is not None:
        out.print(f"{report.emails_written} e-mails written to {escape(str(outbox))}")
    if histories is not None:
        written = report.histories_written
        out.print(f"{written} workflow histories written to {escape(str(histories))}")


def _writable_folder(folder: Path, option: str) -> None:
    """Refuse, before anything starts, a folder that cannot be one or cannot be written to."""
    problem = None
    if folder.exists() and not folder.is_dir():
        problem = "it is a file, not a folder"
    else:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / ".tandem-write-check"
            probe.touch()
            probe.unlink()
        except OSError as error:
            problem = error.strerror or type(error).__name__
    if problem is not None:
        err.print(
            f"[red]error:[/red] {option} {escape(str(folder))}: {problem}; nothing was started."
        )
        raise typer.Exit(1)


app.add_typer(coordinator_app, name="coordinator")
app.command("audit")(audit)


@app.command()
def config(as_json: JsonOpt = False) -> None:
    """The effective configuration: each setting, its variable, its value (secrets masked)."""
    from settings import effective_configuration

    rows = effective_configuration(settings_or_exit())
    if as_json:
        print(json.dumps({variable: value for variable, value, _ in rows}))
        return
    table = Table("variable", "value", "from")
    for variable, value, source in rows:
        table.add_row(variable, "" if value is None else str(value), source)
    out.print(table)


def _write_report(
    out_file: Path | None,
    html: Callable[[], str],
    csv_dir: Path | None,
    write_csv: Callable[[Path], object],
) -> None:
    """The HTML page and the CSV files asked for; exit 1 naming the file that cannot be written."""
    try:
        if out_file is not None:
            out_file.parent.mkdir(parents=True, exist_ok=True)
            out_file.write_text(html(), encoding="utf-8")
        if csv_dir is not None:
            write_csv(csv_dir)
    except OSError as error:
        err.print(f"[red]error:[/red] cannot write the report: {error.strerror}: {error.filename}")
        raise typer.Exit(1) from None


def _comparison(
    programme_id: str,
    other_id: str,
    out_file: Path | None,
    csv_dir: Path | None,
    lang: Locale | None,
    as_json: bool,
) -> None:
    """`tandem report ID --compare OTHER_ID`: both cohorts side by side."""
    from control.cli_audit import record_cli
    from control.connect import database
    from control.report import programme_report, report_locale
    from domain.accounts import AuditAction
    from domain.report_comparison import compare_reports

    if other_id == programme_id:
        refuse(f"--compare names {programme_id} itself: give another programme's id")

    async def go() -> Any:
        async with database() as pool:
            mine = await programme_report(pool, programme_id)
            theirs = await programme_report(pool, other_id)
            locale = await report_locale(pool, programme_id, lang and lang.value)
            return compare_reports(mine, theirs), locale

    async def exported() -> None:
        async with database() as pool:
            await record_cli(pool, AuditAction.EXPORTED_REPORT, programme_id, other_id)

    comparison, locale = run(go())
    from web.report_comparison import render_comparison_html, write_comparison_csv

    _write_report(
        out_file,
        lambda: render_comparison_html(comparison, locale),
        csv_dir,
        lambda folder: write_comparison_csv(comparison, folder),
    )
    run(exported())
    if as_json:
        print(comparison.model_dump_json())
        return
    from control.cli import CLI_LOCALE
    from web.i18n import Translator
    from web.report_comparison import RowWords

    words = RowWords(Translator(CLI_LOCALE))
    table = Table("", comparison.compared_name, comparison.name, "±")
    for row in comparison.rows:
        table.add_row(
            words.label(row),
            words.value(row, row.compared),
            words.value(row, row.value),
            words.difference(row),
        )
    out.print(table)
    for path in (out_file, csv_dir):
        if path is not None:
            out.print(f"written: {path}")


@app.command()
def report(
    programme_id: str,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the printable HTML report here.")
    ] = None,
    csv_dir: Annotated[
        Path | None, typer.Option("--csv", help="Also write the figures as CSV files here.")
    ] = None,
    lang: Annotated[
        Locale | None,
        typer.Option("--lang", help="Language of the HTML report (default: the programme's)."),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            metavar="OTHER_ID",
            help="Set another programme (the pilot a wave follows) beside this one, figure by "
            "figure, with the difference per row.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The programme report: completion, sessions, skill uplift, KPIs, satisfaction and NPS."""
    from control.cli_audit import record_cli
    from control.connect import database
    from control.report import programme_report, report_locale
    from domain.accounts import AuditAction

    async def go() -> Any:
        async with database() as pool:
            found = await programme_report(pool, programme_id)
            return found, await report_locale(pool, programme_id, lang and lang.value)

    if compare is not None:
        _comparison(programme_id, compare, out_file, csv_dir, lang, as_json)
        return

    async def exported() -> None:
        async with database() as pool:
            await record_cli(pool, AuditAction.EXPORTED_REPORT, programme_id)

    found, locale = run(go())
    from web.report import render_html, write_csv

    _write_report(
        out_file, lambda: render_html(found, locale), csv_dir, lambda d: write_csv(found, d)
    )
    run(exported())  # once written: a report that could not be written was not exported
    if as_json:
        print(found.model_dump_json())
        return
    out.print(
        f"[bold]{found.name}[/bold]: {found.pairs_completed} of {found.pairs_formed} pairs "
        f"completed, {found.sessions_held} of {found.sessions_planned} sessions held"
    )
    for s in found.skills:
        out.print(f"  {s.skill}: {s.baseline} → {s.final} ({s.uplift:+.2f}, {s.mentees} mentees)")
    for path in (out_file, csv_dir):
        if path is not None:
            out.print(f"written: {path}")


@app.command()
def demo(
    day_seconds: Annotated[
        int,
        typer.Option(
            help="Seconds per programme day: 30 leaves time to answer by hand; "
            "2 runs the whole programme in minutes.",
            min=1,
        ),
    ] = 30,
    file: Path = Path("examples/pilote-2027/programme.yaml"),
    simulate_everyone: Annotated[
        bool, typer.Option(help="Simulate every participant, the demo's mentee included.")
    ] = False,
    exit_when_done: Annotated[
        bool, typer.Option(help="Stop once the programme is complete.")
    ] = False,
    web_port: Annotated[int, typer.Option(help="Port of the web pages and outbox.")] = 8000,
    temporal_port: Annotated[int, typer.Option(help="Port of the Temporal server.")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Port of the Temporal UI.")] = 8233,
    smtp_port: Annotated[int, typer.Option(help="Port of the SMTP sink.")] = 1025,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", help="Show the servers' log lines here too, not only in TANDEM_HOME/logs/."
        ),
    ] = False,
) -> None:
    """Run the sample programme offline: web pages, outbox, worker and Temporal UI."""
    from control.demo import DemoPorts, run_demo

    spec = _load(file)
    ports = DemoPorts(web=web_port, temporal=temporal_port, ui=ui_port, smtp=smtp_port)
    run(
        _until_stopped(
            run_demo(
                spec,
                day_seconds,
                ports=ports,
                simulate_everyone=simulate_everyone,
                exit_when_done=exit_when_done,
                verbose=verbose,
            )
        )
    )


@app.command()
def web(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the participants' task pages (settings from the environment, like the worker)."""
    from web.server import serve

    run(_until_stopped(serve(get_settings(), host, port)))


@app.command()
def stop() -> None:
    """Stop the embedded PostgreSQL that commands start when DATABASE_URL is not set."""
    from devstack.postgres import stop_postgres

    data = get_settings().home / "pg"
    try:
        stopped = stop_postgres(data)
    except (OSError, subprocess.SubprocessError) as error:
        err.print(f"[red]error:[/red] cannot stop the PostgreSQL under {data}: {error}")
        raise typer.Exit(1) from None
    out.print(f"stopped the PostgreSQL under {data}" if stopped else f"nothing runs under {data}")


async def _until_stopped(coro: Coroutine[Any, Any, None]) -> None:
    """Run until done, Ctrl-C or SIGTERM; either way the servers it started are stopped."""
    task = asyncio.ensure_future(coro)
    loop = asyncio.get_running_loop()
    stopping = False

    def stop() -> None:
        # Once: a second Ctrl-C while the servers stop would cancel their stopping halfway and
        # leave a PostgreSQL running.
        nonlocal stopping
        if not stopping:
            stopping = True
            err.print("stopping: the embedded servers are being shut down…")
            task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop)
    try:
        await task
    except asyncio.CancelledError:
        pass
    except Exception:
        if not stopping:
            raise
        # Cancelled work may end in an error of its own rather than CancelledError (a Temporal
        # update in flight ends in WorkflowUpdateRPCTimeoutOrCancelledError): a stop, not a bug.
        logging.getLogger(__name__).info("stopped while busy", exc_info=True)
    if stopping:
        err.print("stopped: the embedded servers are shut down")


def main() -> None:
    settings = settings_or_exit()
    configure_logging(settings.log_level, settings.log_format, secrets=settings.secret_values())
    try:
        app()
    except EmbeddedMissing as missing:  # `demo` and `simulate` import the embedded servers
        err.print(f"[red]error:[/red] {escape(str(missing))}")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
