"""Recorded times as a programme's people live them, for the pages (domain/programme_clock.py).

Events and tasks record the moment the run reached them; a compressed demo's run lasts minutes,
so the pages show each moment on the programme's clock instead: its date in the programme's
calendar, its time in the programme's time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import overload

from domain.programme_clock import ProgrammeClock


@dataclass(frozen=True)
class ProgrammeTimes:
    clock: ProgrammeClock | None  # None: a programme whose launch is not projected yet

    @overload
    def at(self, value: datetime | str) -> datetime: ...
    @overload
    def at(self, value: None) -> None: ...
    def at(self, value: datetime | str | None) -> datetime | None:
        """`value` (a datetime or its ISO text) in programme time; None stays None."""
        if value is None:
            return None
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return moment if self.clock is None else self.clock.programme_time(moment)

    def stamp(self, value: datetime | str | None) -> str:
        """E.g. "2027-02-15 09:00", a timeline's stamp; "" for no time."""
        return f"{self.at(value):%Y-%m-%d %H:%M}" if value else ""
