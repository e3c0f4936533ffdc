"""`tandem programme purge ID`: every participant's personal data in a programme, erased now.

The retention schedule does this by itself once a programme's `retention_days` have passed since
it ended; the command is for a programme that must not wait (a request, a pilot closed early).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from control.cli import CLI_LOCALE, JsonOpt, Refused, out, run

ForceOpt = Annotated[
    bool,
    typer.Option("--force", help="Purge a programme that has not ended yet (its people with it)."),
]
YesOpt = Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")]


def purge(
    programme_id: str, force: ForceOpt = False, yes: YesOpt = False, as_json: JsonOpt = False
) -> None:
    """Erase the personal data of everyone in a programme; its figures stay, with nobody named."""
    from control.connect import database
    from i18n.translator import Translator
    from store.retention import ended_at, exists

    t = Translator(CLI_LOCALE)

    async def check() -> None:
        async with database() as pool:
            if not await exists(pool, programme_id):
                raise Refused(t("cli.purge.unknown_programme", programme_id=programme_id))
            if not force and await ended_at(pool, programme_id) is None:
                raise Refused(t("cli.purge.still_running", programme_id=programme_id))

    run(check())
    if not yes and not typer.confirm(
        f"Erase the personal data of everyone in programme {programme_id}? This cannot be undone.",
        default=False,
        err=True,  # stdout holds the --json document alone
    ):
        raise typer.Exit(1)
    done = run(_purge(programme_id, t))
    counts = done.counts()
    if as_json:
        print(json.dumps({"programme_id": programme_id, **counts, "recorded": done.recorded}))
        return
    if not done.recorded:
        out.print(f"Programme {programme_id} was purged before: nothing left to erase.")
        return
    out.print(
        f"[green]purged[/green] programme {programme_id}: {done.participants} participant "
        f"record(s) erased, {done.events_redacted} event text(s) redacted, "
        f"{done.tasks_cleared} task(s) cleared, {done.calendar_series} calendar feed(s) deleted, "
        f"{done.keys_shredded} data key(s) shredded"
    )


async def _purge(programme_id: str, t: Any) -> Any:
    from control.cli_audit import cli_actor, record_cli
    from control.connect import database
    from domain.accounts import AuditAction
    from store.retention import purge_programme

    async with database() as pool:
        done = await purge_programme(pool, programme_id, by=cli_actor())
        if done is None:  # unreachable in practice: a programme's row is never deleted
            raise Refused(t("cli.purge.unknown_programme", programme_id=programme_id))
        if done.recorded:
            await record_cli(pool, AuditAction.PURGED_PROGRAMME, programme_id)
    return done
