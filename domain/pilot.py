"""A wave that follows a pilot (`follows:` in its programme file): what it takes from the pilot.

"Start with a pilot of 5–10 pairs, then grow from its feedback": the wave invites first the
pilot's mentors who said they would mentor again, never repeats a pair the pilot formed (dissolved
ones too), and keeps the pilot coordinator's bans.

The same person has another participant id in each programme (`domain.programme.participant_id`
hashes the programme's id with the address), so the pilot's facts are carried over by e-mail
address. That happens in the activity, which may read addresses; the wave's workflow receives
`PilotFacts` in its own ids, and no address.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

from domain.event_payloads import FinalEvaluationSubmitted, MatchingRevised, PairFormed, payload_as
from domain.event_types import EventType
from domain.events import RecordedEvent
from domain.file_problems import Problem
from domain.programme import ProgrammeSpec, Role

# The only events a pilot's facts are folded from (the store reads no others).
PILOT_EVENTS = (
    EventType.PAIR_FORMED,
    EventType.MATCHING_REVISED,
    EventType.FINAL_EVALUATION_SUBMITTED,
)

PairIds = tuple[str, str]  # (mentor id, mentee id)


class PilotRequest(BaseModel):
    """What the wave's workflow asks the `read_pilot` activity."""

    model_config = ConfigDict(frozen=True)

    programme_id: str  # the wave
    pilot_id: str


class PilotFacts(BaseModel):
    """The pilot's facts in the wave's participant ids, as the wave's history records them."""

    model_config = ConfigDict(frozen=True)

    pilot_id: str
    found: bool = True  # False: the store had no such programme when the wave started
    # The wave's mentors who mentored in the pilot and would mentor again: invited first.
    returning: tuple[str, ...] = ()
    # (mentor, mentee) pairs the wave's matching may not propose: every pair the pilot formed,
    # then every pair its coordinator banned, each once.
    banned: tuple[PairIds, ...] = ()
    pilot_pairs: int = 0  # of `banned`, how many are pairs the pilot formed


@dataclass
class PilotLog:
    """A pilot's facts in the pilot's own participant ids."""

    pairs: list[PairIds] = field(default_factory=list)  # in the order they were formed
    bans: list[PairIds] = field(default_factory=list)  # the coordinator's, in their order
    # Mentor -> their latest answer to "would you mentor again?" (one per pair they had).
    mentor_again: dict[str, bool] = field(default_factory=dict)

    @property
    def willing(self) -> set[str]:
        return {mentor for mentor, yes in self.mentor_again.items() if yes}


def read_pilot(events: Iterable[RecordedEvent]) -> PilotLog:
    """Fold a pilot's log (in log order) into its pairs, bans and willing mentors."""
    log = PilotLog()
    for event in events:
        if event.type == EventType.PAIR_FORMED:
            formed = payload_as(event, PairFormed)
            log.pairs.append((formed.mentor_id, formed.mentee_id))
        elif event.type == EventType.MATCHING_REVISED:
            revised = payload_as(event, MatchingRevised)
            if revised.action == "ban" and revised.mentor_id and revised.mentee_id:
                log.bans.append((revised.mentor_id, revised.mentee_id))
        elif event.type == EventType.FINAL_EVALUATION_SUBMITTED:
            final = payload_as(event, FinalEvaluationSubmitted)
            if final.role == Role.MENTOR.value and final.would_mentor_again is not None:
                log.mentor_again[final.participant_id] = final.would_mentor_again
    return log


@dataclass(frozen=True)
class Person:
    """A participant as the activity reads them from the store: id, address, role."""

    id: str
    email: str
    role: str


def facts_for_wave(
    pilot_id: str, log: PilotLog, pilot: Sequence[Person], wave: Sequence[Person]
) -> PilotFacts:
    """The pilot's `log` carried over to the wave's people, matched by address.

    Someone of the pilot who is not in the wave (or whose address was erased) carries nothing.
    """
    wave_ids = {p.email.strip().lower(): p.id for p in wave}
    in_wave = _translation({p.id: p.email for p in pilot}, wave_ids)
    wave_mentors = {p.id for p in wave if p.role == Role.MENTOR.value}
    willing = {in_wave[m] for m in log.willing if m in in_wave}
    pairs = _carried(log.pairs, in_wave)
    bans = [b for b in _carried(log.bans, in_wave) if b not in pairs]
    return PilotFacts(
        pilot_id=pilot_id,
        returning=tuple(p.id for p in wave if p.id in willing and p.id in wave_mentors),
        banned=(*pairs, *bans),
        pilot_pairs=len(pairs),
    )


def _translation(emails: Mapping[str, str], wave_ids: Mapping[str, str]) -> dict[str, str]:
    """Pilot id -> wave id, for the pilot's people who are in the wave."""
    return {
        pilot_id: wave_ids[email.strip().lower()]
        for pilot_id, email in emails.items()
        if email.strip().lower() in wave_ids
    }


def _carried(pairs: Iterable[PairIds], in_wave: Mapping[str, str]) -> list[PairIds]:
    """`pairs` whose two people are in the wave, in the wave's ids, each once, in order."""
    carried = (
        (in_wave[mentor], in_wave[mentee])
        for mentor, mentee in pairs
        if mentor in in_wave and mentee in in_wave
    )
    return list(dict.fromkeys(carried))


def invitation_order(participant_ids: Sequence[str], returning: Iterable[str]) -> list[str]:
    """Who is invited to the self-assessment in which order: returning mentors first, then
    everyone else, each in the plan's order."""
    first = set(returning)
    return [
        *(p for p in participant_ids if p in first),
        *(p for p in participant_ids if p not in first),
    ]


def unknown_pilot(spec: ProgrammeSpec) -> Problem:
    """The problem a programme file has when the store knows no programme `follows:` names."""
    return Problem(
        spec.source_file,
        spec.follows_line,
        "follows",
        f"unknown pilot {spec.follows!r}: no programme with this id was started here; name the "
        "id in the pilot's programme file (the one `tandem programme status` takes)",
    )
