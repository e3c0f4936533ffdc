"""`tandem projections`: the read models' state, a follower process, and a rebuild from zero."""

from __future__ import annotations

import asyncio
import json
import signal

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from control.cli import JsonOpt, err, out, run

projections_app = typer.Typer(
    help="The read models folded from the event log (dashboard, reports).", no_args_is_help=True
)


@projections_app.command("status")
def status(as_json: JsonOpt = False) -> None:
    """How far the read models are behind the event log."""
    from control.connect import database
    from store.projections import Projector

    async def go() -> tuple[int, int]:
        async with database() as pool:
            return await Projector(pool).lag()

    checkpoint, head = run(go())
    if as_json:
        print(json.dumps({"checkpoint": checkpoint, "head": head, "behind": head - checkpoint}))
    else:
        out.print(f"read models at event {checkpoint:,} of {head:,} ({head - checkpoint:,} behind)")


@projections_app.command("rebuild")
def rebuild(as_json: JsonOpt = False) -> None:
    """Forget the read models and fold the whole event log again (same result, from zero)."""
    from control.connect import database
    from store.projections import Projector

    async def go() -> int:
        async with database() as pool:
            projector = Projector(pool)
            _, head = await projector.lag()
            with Progress(
                TextColumn("rebuilding"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=err,
                disable=as_json or not err.is_terminal,
            ) as progress:
                bar = progress.add_task("events", total=head)
                return await projector.rebuild(lambda n: progress.advance(bar, n))

    applied = run(go())
    if as_json:
        print(json.dumps({"rebuilt": True, "events": applied}))
    else:
        out.print(f"[green]rebuilt[/green] the read models from {applied:,} events")


@projections_app.command("follow")
def follow() -> None:
    """Keep the read models up to date as events are appended, until Ctrl-C or SIGTERM."""
    from control.connect import database
    from store.projections import Projector

    async def go() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        async with database() as pool:
            await Projector(pool).run(stop)

    run(go())
