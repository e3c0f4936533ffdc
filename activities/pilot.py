"""`read_pilot`: the facts a wave takes from the pilot it follows, in the wave's participant ids.

Read-only, so a retry reads again; the result is recorded in the wave's history, which keeps the
workflow deterministic whatever the pilot does afterwards.
"""

from __future__ import annotations

from temporalio import activity

from domain.pilot import PILOT_EVENTS, Person, PilotFacts, PilotRequest, facts_for_wave, read_pilot
from store.events import EventStore
from store.participants import ParticipantRecord, ParticipantStore
from store.programmes import ProgrammeStore


def _people(records: list[ParticipantRecord]) -> list[Person]:
    return [Person(id=r.id, email=r.email, role=r.role) for r in records]


class PilotActivities:
    def __init__(
        self, events: EventStore, participants: ParticipantStore, programmes: ProgrammeStore
    ) -> None:
        self._events = events
        self._participants = participants
        self._programmes = programmes

    @activity.defn(name="read_pilot")
    async def read_pilot(self, request: PilotRequest) -> PilotFacts:
        if await self._programmes.get(request.pilot_id) is None:
            # Checked at the start; gone since (purged): the wave goes on with nothing to carry.
            return PilotFacts(pilot_id=request.pilot_id, found=False)
        log = read_pilot(await self._events.read_programme(request.pilot_id, PILOT_EVENTS))
        pilot = await self._participants.list_for_programme(request.pilot_id)
        wave = await self._participants.list_for_programme(request.programme_id)
        return facts_for_wave(request.pilot_id, log, _people(pilot), _people(wave))
