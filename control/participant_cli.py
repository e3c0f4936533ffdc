"""`tandem participant`: a person's data, exported (GDPR art. 15/20) or erased (art. 17)."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import typer

from control.cli import Refused, out, run

participant_app = typer.Typer(
    help="A participant's personal data: export it, or erase it.", no_args_is_help=True
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


@participant_app.command("export")
def export(
    email: str,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON here instead of stdout.")
    ] = None,
) -> None:
    """Everything held about the person with this e-mail, as one JSON document."""
    from control.cli_audit import record_cli
    from control.connect import database
    from domain.accounts import AuditAction
    from runtime.keys import checked_keyring
    from settings import get_settings
    from store.personal_data import export as gather
    from store.personal_data import participant_ids

    async def go() -> dict[str, Any]:
        async with database() as pool:
            ids = await participant_ids(pool, email)
            found = await gather(pool, email)
            # Their words as they typed them, while their key exists; `[erased]` after.
            keyring = await checked_keyring(pool, get_settings())
            found = await keyring.open_tree(found)
            if found is not None:
                for pid, programme_id in await _programmes(pool, ids):
                    await record_cli(pool, AuditAction.EXPORTED_PARTICIPANT, programme_id, pid)
        if found is None:
            raise Refused(f"nobody with the e-mail {email} takes part in any programme")
        return found

    document = json.dumps(run(go()), default=_plain, ensure_ascii=False, indent=2)
    if out_file is None:
        print(document)
    else:
        out_file.write_text(document + "\n", encoding="utf-8")
        out.print(f"written: {out_file}")


@participant_app.command("erase")
def erase(
    email: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase the person with this e-mail: their details, answers and the texts they typed."""
    from control.cli_audit import record_cli
    from control.connect import database
    from domain.accounts import AuditAction
    from store.personal_data import erase as forget
    from store.personal_data import participant_ids

    if not yes and not typer.confirm(
        f"Erase every personal detail of {email}? This cannot be undone.", default=False
    ):
        raise typer.Exit(1)

    async def go() -> Any:
        async with database() as pool:
            where = await _programmes(pool, await participant_ids(pool, email))
            done = await forget(pool, email)
            if done is not None:
                for pid, programme_id in where:
                    await record_cli(pool, AuditAction.ERASED_PARTICIPANT, programme_id, pid)
        if done is None:
            raise Refused(f"nobody with the e-mail {email} takes part in any programme")
        return done

    done = run(go())
    out.print(
        f"[green]erased[/green] {len(done.participant_ids)} participant record(s): "
        f"{done.events_redacted} event text(s) redacted, {done.tasks_cleared} task(s) cleared, "
        f"{done.keys_shredded} data key(s) shredded"
    )


async def _programmes(pool: Any, ids: list[str]) -> list[tuple[str, str]]:
    """(participant id, programme id) for each id: where each audit entry goes."""
    from store.participants import ParticipantStore

    found = []
    for pid in ids:
        record = await ParticipantStore(pool).get(pid)
        if record is not None:
            found.append((pid, record.programme_id))
    return found
