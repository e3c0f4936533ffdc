"""`tandem report`: the programme's figures from its event log, as HTML, CSV or JSON."""

from __future__ import annotations

import asyncpg

from control.cli import Refused
from domain.report import ProgrammeReport, build_report
from store.events import EventStore
from store.programmes import ProgrammeStore
from store.tasks import TaskStore


async def report_locale(pool: asyncpg.Pool, programme_id: str, chosen: str | None) -> str:
    """The language asked for, else the programme's own (its participants' default)."""
    if chosen is not None:
        return chosen
    programme = await ProgrammeStore(pool).get(programme_id)
    return programme.locale if programme is not None else "fr"


async def programme_report(pool: asyncpg.Pool, programme_id: str) -> ProgrammeReport:
    events = await EventStore(pool).read_programme(programme_id)
    if not events:
        raise Refused(f"no programme {programme_id!r} has recorded anything in this database")
    timings = await TaskStore(pool).timings(programme_id)
    return build_report(programme_id, events, timings)
