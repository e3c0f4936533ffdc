"""What in the event log is a person's own words, and how it is redacted on erasure (GDPR art. 17).

Events name people by opaque participant ids only; their personal data (name, e-mail, department,
manager, grade) lives in the participants table, which erasure deletes. What remains are the
free texts people typed into their forms: goals, notes, reasons, concerns. Those are sealed with
their author's key (domain/sealed_text.py), which erasure shreds; events recorded before texts
were sealed hold them plain, and erasure replaces those with `REDACTED` in every event of the
person's streams and pairs. Every count, date and score stays, so reports go on working with
the person anonymised.
"""

from __future__ import annotations

from typing import Any

from domain.answers import EXCHANGE_TOPICS
from domain.events import EventType
from domain.sealed_text import ERASED, is_sealed

REDACTED = ERASED

E = EventType
# Free-text fields by event type; "goals" holds a list of goals, each with its own texts.
FREE_TEXT: dict[str, tuple[str, ...]] = {
    E.SELF_ASSESSMENT_SUBMITTED: ("exchange_other",),
    E.CHEMISTRY_ANSWERED: ("reason",),
    E.GOALS_PROPOSED: ("goals",),
    E.GOALS_CONFIRMED: ("comment",),
    E.SESSION_LOGGED: ("notes",),
    E.MIDPOINT_ANSWERED: ("concerns",),
    E.FINAL_EVALUATION_SUBMITTED: ("learned_back",),
    E.PAIR_DISSOLVED: ("reason",),
    E.PAIR_ENDED_EARLY: ("reason",),
    E.PAIR_PAUSED: ("reason",),
    E.CONCERN_RAISED: ("text",),
    E.MATCHING_REVISED: ("reason",),
}
_GOAL_TEXTS = ("objective", "kpi")


def _plain(value: object) -> bool:
    return bool(value) and not is_sealed(value)


def redact(event_type: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """`data` with its plain free texts erased, or None when there is nothing to erase.

    Sealed texts are left as they are: the author's shredded key erases theirs, and a partner's,
    in the same pair's events, stays theirs."""
    fields = [f for f in FREE_TEXT.get(event_type, ()) if data.get(f)]
    own_topics = _own_topics(event_type, data)
    if not fields and not own_topics:
        return None
    redacted = dict(data)
    if own_topics:
        redacted["exchange"] = [REDACTED if t in own_topics else t for t in data["exchange"]]
    for field in fields:
        if field == "goals" and isinstance(data[field], list):
            redacted[field] = [
                {**g, **{k: REDACTED for k in _GOAL_TEXTS if _plain(g.get(k))}}
                if isinstance(g, dict)
                else g
                for g in data[field]
            ]
        elif _plain(data[field]):
            redacted[field] = REDACTED
    return redacted if redacted != data else None


def _own_topics(event_type: str, data: dict[str, Any]) -> set[str]:
    """The topics a self-assessment recorded before `exchange_other` existed holds in its
    `exchange` list as typed: a text of the person's own, not one of the fixed topics."""
    if event_type != E.SELF_ASSESSMENT_SUBMITTED or not isinstance(data.get("exchange"), list):
        return set()
    return {t for t in data["exchange"] if _plain(t) and t not in EXCHANGE_TOPICS and t != REDACTED}


def free_texts(event_type: str, data: dict[str, Any]) -> list[str]:
    """The texts `redact` would erase, e.g. for a test to look for them afterwards."""
    found: list[str] = []
    for field in FREE_TEXT.get(event_type, ()):
        value = data.get(field)
        if field == "goals" and isinstance(value, list):
            found += [
                str(g[k])
                for g in value
                if isinstance(g, dict)
                for k in _GOAL_TEXTS
                if g.get(k) and g[k] != REDACTED
            ]
        elif isinstance(value, str) and value and value != REDACTED:
            found.append(value)
    return found
