"""What every `tandem` command shares: its consoles, the --json option and the error contract.

Exit status: 0 done, 1 the input is wrong or the programme refused it, 2 a service could not be
reached. Machine-readable output with --json goes to stdout alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Annotated, Any, NoReturn, TypeVar

import asyncpg
import typer
from rich.console import Console
from rich.markup import escape

from client.connection import TemporalUnreachable
from credentials.keyring import MasterKeyMismatch
from i18n.translator import Translator
from settings import Settings

T = TypeVar("T")

out = Console()
err = Console(stderr=True, soft_wrap=True)

# The command line speaks English, whatever the programme's language: the words of the codes it
# shows (refusals, next steps, the matcher's explanations) come from the English catalogue.
CLI_LOCALE = "en"

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


class Refused(Exception):
    """The input was understood and refused: exit 1 with the reason, nothing changed."""


def refuse(message: str) -> NoReturn:
    """Exit 1 with the reason: the input was understood and refused, nothing changed."""
    # Escaped: a message may hold brackets (`tandem[embedded]`, an address) that are not markup.
    err.print(f"[red]refused:[/red] {escape(message)}")
    raise typer.Exit(1)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine for a command: a refusal exits 1, an unreachable service exits 2."""
    try:
        return asyncio.run(coro)
    except Refused as error:
        refuse(str(error))
    except TemporalUnreachable as error:
        err.print(f"[red]error:[/red] {escape(unreachable_words(error.address))}")
        raise typer.Exit(2) from None
    except MasterKeyMismatch as error:  # the settings' key, as the worker says it too
        err.print(f"configuration error: {escape(str(error))}", highlight=False)
        raise typer.Exit(2) from None
    except (OSError, ConnectionError, RuntimeError, asyncpg.PostgresError) as error:
        err.print(f"[red]error:[/red] {escape(str(error))}")
        raise typer.Exit(2) from None


def unreachable_words(address: str) -> str:
    """One sentence naming the address and the setting that changes it."""
    t = Translator(CLI_LOCALE)
    variable = Settings.model_fields["temporal_address"].validation_alias
    return t("cli.temporal_unreachable", address=address, variable=str(variable))
