"""Whether the pilot a programme file `follows:` is in the store, for `tandem programme validate`.

Validating needs no server, so the store is asked only when one can be reached: an unreachable
one is said, not an error (the start checks again, and refuses an unknown pilot).
"""

from __future__ import annotations

from dataclasses import dataclass

from control.connect import database
from store.programmes import ProgrammeStore


@dataclass(frozen=True)
class PilotCheck:
    pilot_id: str
    checked: bool  # False: no database could be reached, `reason` says why
    found: bool = False
    reason: str = ""


async def check_pilot(pilot_id: str) -> PilotCheck:
    try:
        async with database() as pool:
            found = await ProgrammeStore(pool).get(pilot_id) is not None
    except Exception as error:  # any way of not reaching it: refused, no extra, bad URL...
        return PilotCheck(pilot_id, checked=False, reason=f"{type(error).__name__}: {error}")
    return PilotCheck(pilot_id, checked=True, found=found)
