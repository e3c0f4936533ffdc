"""`tandem roster` (late joiners, a withdrawal, a corrected address) and `tandem task extend`.

Each is an update of the running programme (or of a pair, for a pair's task): a refused one
changes nothing and exits 1 with the reason in words; a file's problems are printed one a line as
FILE:LINE: field: message, and then nothing is stored or sent.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from control.cli import CLI_LOCALE, JsonOpt, Refused, err, out, run
from control.matching_cli import IdOpt
from domain.accounts import AuditAction
from domain.answers import Acknowledgement
from domain.file_problems import Problem, ProgrammeFileError
from domain.tasks import TaskKind

if TYPE_CHECKING:  # the client side loads Temporal and the stores: only when a command runs
    from client.roster import Roster

T = TypeVar("T")

roster_app = typer.Typer(
    help="Change a running programme's roster: add late joiners, withdraw someone, correct an "
    "address.",
    no_args_is_help=True,
)
task_app = typer.Typer(
    help="A participant's tasks: give one a later deadline.", no_args_is_help=True
)

EmailArg = Annotated[str, typer.Argument(help="The participant's e-mail, as in the CSV.")]


def _in_roster(
    programme_id: str,
    act: Callable[[Roster], Awaitable[T]],
    audit: AuditAction | None = None,
    target: Callable[[T], str | None] = lambda _: None,
) -> T:
    """Run `act` on the programme's roster: a refusal exits 1 in words, an outage 2. With
    `audit`, what the programme did or refused goes in its audit trail, as from the dashboard."""
    from client.roster import Declined, NotDone
    from client.roster import Roster as RosterOf
    from control.cli_audit import record_cli
    from control.connect import connected
    from credentials.sealing import sealed
    from domain.accounts import AuditDetail
    from domain.answers import CoordinatorCommand
    from i18n.refusals import refusal_words
    from i18n.translator import Translator
    from runtime.keys import checked_keyring

    async def go() -> T:
        async with connected() as (client, pool, settings):
            keyring = await checked_keyring(pool, settings)

            async def sealer(command: CoordinatorCommand) -> CoordinatorCommand:
                return await sealed(keyring, command, programme_id)

            try:
                done = await act(RosterOf(client, pool, programme_id, sealer))
            except NotDone as why:
                raise Refused(str(why)) from None
            except Declined as refusal:
                if audit is not None:
                    code = refusal.code.value if refusal.code else AuditDetail.UNKNOWN.value
                    await record_cli(pool, audit, programme_id, None, code, refusal.params)
                words = refusal_words(
                    Translator(CLI_LOCALE), refusal.code, refusal.params, people=refusal.people
                )
                raise Refused(words) from None
            if audit is not None:
                await record_cli(pool, audit, programme_id, target(done))
            return done

    return run(go())


def _print_problems(problems: list[Problem], what: str) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)  # one line each, never wrapped: tools grep these
    err.print(f"[red]{len(problems)} problem(s); {what}[/red]")
    raise typer.Exit(1)


def _done(command_id: str, ack: Acknowledgement, as_json: bool, **extra: object) -> None:
    from i18n.next_steps import next_step_words
    from i18n.translator import Translator

    if as_json:
        print(json.dumps({"command_id": command_id, **ack.model_dump(mode="json"), **extra}))
    else:
        words = next_step_words(Translator(CLI_LOCALE), ack.next, ack.params)
        out.print(f"[green]done:[/green] {words or ack.next_step}")


@roster_app.command("add")
def add(
    programme_id: str,
    file: Annotated[
        Path,
        typer.Option(
            "--file", help="A CSV with the programme's participant columns (email, name, role...)."
        ),
    ],
    command_id: IdOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Enrol late joiners: their self-assessment opens now, a top-up round pairs them."""
    from client.roster import new_command_id
    from control.files import read_file
    from domain.programme_file import Unreadable

    data = read_file(file)
    if isinstance(data, Unreadable):
        _print_problems([Problem(str(file), 0, "file", data.reason)], "nobody was added.")
        return
    given = new_command_id(command_id, "add")

    async def act(roster: Roster) -> object:
        try:
            return await roster.add(str(file), data, given)
        except ProgrammeFileError as error:
            return error

    from client.roster import Added

    def joined(found: object) -> str | None:
        return " ".join(p.id for p in found.joiners)[:500] if isinstance(found, Added) else None

    found = _in_roster(programme_id, act, AuditAction.ADDED_PARTICIPANTS, joined)
    if isinstance(found, ProgrammeFileError):
        _print_problems(found.problems, "nobody was added.")
        return
    assert isinstance(found, Added)
    _done(
        given,
        found.ack,
        as_json,
        participant_ids=[p.id for p in found.joiners],
        chains=found.chains,
    )
    if not as_json:
        for person in found.joiners:
            out.print(f"  {person.email} ({person.role.value}): {person.id}")


@roster_app.command("withdraw")
def withdraw(
    programme_id: str,
    email: EmailArg,
    reason: Annotated[str, typer.Option("--reason", help="Why they leave, for the record.")],
    command_id: IdOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Withdraw a participant: their links close, their pair ends, the partner is re-paired."""
    from client.roster import new_command_id

    given = new_command_id(command_id, "withdraw")
    sent = _in_roster(
        programme_id,
        lambda roster: roster.withdraw(email, reason, given),
        AuditAction.WITHDREW_PARTICIPANT,
        lambda sent: sent.participant.id,
    )
    _done(given, sent.ack, as_json, participant_id=sent.participant.id)


@roster_app.command("change-email")
def change_email(
    programme_id: str,
    old: Annotated[str, typer.Argument(help="The address they have now.")],
    new: Annotated[str, typer.Argument(help="The corrected address.")],
    command_id: IdOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Correct a participant's address: their open links are sent again, to the new one."""
    from client.roster import new_command_id

    given = new_command_id(command_id, "email")
    sent = _in_roster(programme_id, lambda roster: roster.change_email(old, new, given))
    _done(given, sent.ack, as_json, participant_id=sent.participant.id)


@task_app.command("extend")
def extend(
    programme_id: str,
    email: EmailArg,
    days: Annotated[int, typer.Option("--days", help="How many days later.", min=1)],
    kind: Annotated[
        TaskKind | None,
        typer.Option(
            "--task", help="Which task (default: their one open task).", case_sensitive=False
        ),
    ] = None,
    command_id: IdOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Give a participant's open (or expired) task a later deadline."""
    from client.roster import new_command_id

    given = new_command_id(command_id, "extend")
    sent = _in_roster(programme_id, lambda roster: roster.extend(email, kind, days, given))
    task = sent.task
    _done(
        given,
        sent.ack,
        as_json,
        participant_id=sent.participant.id,
        task_id=str(task.task_id) if task else None,
        kind=task.kind.value if task else None,
    )
