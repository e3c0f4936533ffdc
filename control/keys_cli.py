"""`tandem keys`: the master key that wraps every data key, made and rotated."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from control.cli import out, run

keys_app = typer.Typer(
    help="The master key that wraps the data keys typed texts are sealed with.",
    no_args_is_help=True,
)


@keys_app.command("generate")
def generate() -> None:
    """Print a new master key for TANDEM_MASTER_KEY: keep it apart from the database backups."""
    from credentials.envelope import generate_master_key

    print(generate_master_key())


@keys_app.command("rotate")
def rotate(
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Rewrap every data key with TANDEM_MASTER_KEY, reading those of TANDEM_PREVIOUS_MASTER_KEY.

    No sealed text changes. Once it has run, TANDEM_PREVIOUS_MASTER_KEY can be removed.
    """
    from control.connect import database
    from runtime.keys import checked_keyring
    from settings import get_settings
    from store.data_keys import masters_in_use

    async def go() -> tuple[int, int]:
        settings = get_settings()
        async with database() as pool:
            keyring = await checked_keyring(pool, settings)
            rewrapped = await keyring.rotate()
            left = sum(
                n
                for fp, n in (await masters_in_use(pool)).items()
                if fp != settings.master.fingerprint
            )
            return rewrapped, left

    rewrapped, left = run(go())
    if as_json:
        print(json.dumps({"rewrapped": rewrapped, "left_under_previous": left}))
    else:
        out.print(
            f"[green]rotated[/green]: {rewrapped} data key(s) rewrapped with TANDEM_MASTER_KEY; "
            f"{left} left under another master key"
        )
