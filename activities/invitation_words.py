"""A pair's sessions as its reader's calendar shows them: the series from the invitation's
context (domain.notifications.CalendarInvite), each session titled, and why it moved if it did."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from domain.calendar import Attendee, CalendarMethod, SessionSeries, SessionSlot, slots
from domain.holiday_calendar import holiday_name
from domain.notifications import ThemeWords
from i18n.formatting import long_date


def session_series(
    calendar: Mapping[str, Any],
    word: Callable[..., str],
    *,
    locale: str,
    partner: str,
    programme: str,
    organizer: Attendee,
    attendees: tuple[Attendee, ...],
    stamp: datetime,
    method: CalendarMethod | None = None,
    themes: Mapping[int, ThemeWords] | None = None,
) -> SessionSeries:
    """The series an invitation (or, with `method` PUBLISH, a feed) gives its reader; `themes`
    are its sessions' themes in the reader's words, by session number."""
    sessions = session_slots(
        slots([tuple(s) for s in calendar["sessions"]]),
        word,
        partner=partner,
        region=calendar.get("holidays"),
        locale=locale,
        themes=themes or {},
    )
    return SessionSeries(
        uid=str(calendar["uid"]),
        sequence=int(calendar["sequence"]),
        method=method or CalendarMethod(calendar["method"]),
        summary=word("mail.invitation.summary", partner=partner),
        description=word("mail.invitation.description", programme=programme),
        organizer=organizer,
        attendees=attendees,
        cadence=timedelta(seconds=int(calendar["cadence_seconds"])),
        minutes=int(calendar.get("minutes", 60)),
        sessions=sessions,
        stamp=stamp,
        timezone=calendar.get("timezone"),
    )


def session_slots(
    sessions: tuple[SessionSlot, ...],
    word: Callable[..., str],
    *,
    partner: str,
    region: str | None,
    locale: str,
    themes: Mapping[int, ThemeWords] | None = None,
) -> tuple[SessionSlot, ...]:
    total = len(sessions)
    themes = themes or {}
    return tuple(
        dataclasses.replace(
            slot,
            summary=_summary(slot.number, total, partner, themes.get(slot.number), word),
            note=_note(slot, word, region, locale),
            details=_details(themes.get(slot.number), word),
        )
        for slot in sessions
    )


def _summary(
    number: int, total: int, partner: str, theme: ThemeWords | None, word: Callable[..., str]
) -> str:
    if theme is None:
        return word("mail.invitation.session_summary", number=number, total=total, partner=partner)
    return word(
        "mail.invitation.session_summary.theme",
        number=number,
        total=total,
        partner=partner,
        theme=theme.label,
    )


def _details(theme: ThemeWords | None, word: Callable[..., str]) -> str:
    """The session's theme and its exercise, as a calendar's description shows plain text."""
    if theme is None:
        return ""
    lines = [word("mail.invitation.theme", theme=theme.label)]
    if theme.exercise_title:
        lines.append(word("mail.invitation.exercise", title=theme.exercise_title))
        lines.append(theme.exercise_text)
    return "\n\n".join(lines)


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
