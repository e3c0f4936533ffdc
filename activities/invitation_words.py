"""Each session of an invitation in its reader's words: its title, and why it moved if it did."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date

from domain.calendar import SessionSlot
from domain.holiday_calendar import holiday_name
from i18n.formatting import long_date


def session_slots(
    sessions: tuple[SessionSlot, ...],
    word: Callable[..., str],
    *,
    partner: str,
    region: str | None,
    locale: str,
) -> tuple[SessionSlot, ...]:
    total = len(sessions)
    return tuple(
        dataclasses.replace(
            slot,
            summary=word(
                "mail.invitation.session_summary",
                number=slot.number,
                total=total,
                partner=partner,
            ),
            note=_note(slot, word, region, locale),
        )
        for slot in sessions
    )


def _note(slot: SessionSlot, word: Callable[..., str], region: str | None, locale: str) -> str:
    if slot.moved_from is not None:
        return word(
            "mail.invitation.moved_from_holiday",
            holiday=_holiday(region, slot.moved_from, locale, word),
            holiday_date=long_date(slot.moved_from, locale),
        )
    if slot.at != slot.planned_at:
        return word("mail.invitation.moved", date=long_date(slot.planned_at, locale))
    return ""


def _holiday(region: str | None, day: date, locale: str, word: Callable[..., str]) -> str:
    return holiday_name(region or "none", day, locale) or word("mail.holiday.unnamed")
