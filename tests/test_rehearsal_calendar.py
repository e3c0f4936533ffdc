"""A rehearsal's invitations, read back as a calendar application reads them: every session of
every pair on a working day, in working hours in Europe/Paris, at the weekly slot the pair's
e-mail names as one both partners gave, never on a French public holiday, each titled with its
theme and giving the exercise the guide library suggests.

The rehearsals run as a coordinator runs them (`tandem simulate --outbox DIR`), and only the
`.eml` files they leave are read: the e-mail package for the messages, icalendar and
recurring_ical_events for the invitations.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import icalendar
import pytest
import recurring_ical_events

from domain.skills import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent
PARIS = ZoneInfo("Europe/Paris")
FRENCH_HOLIDAYS = holidays.country_holidays("FR", years=range(2026, 2030))
DAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi")
DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


@dataclass(frozen=True)
class Invitation:
    recipient: str
    template: str
    calendar: Any
    text: str  # the e-mail's plain text

    @property
    def uid(self) -> str:
        return str(self.calendar.walk("VEVENT")[0]["UID"])


def _rehearse(folder: Path, *args: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "starter", "simulate", *args, "--outbox", str(folder), "--json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=dict(os.environ),
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["emails_written"] == report["emails_sent"] > 0
    return report


def _invitations(folder: Path) -> Iterator[Invitation]:
    for path in sorted(folder.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                body = message.get_body(preferencelist=("plain",))
                assert body is not None
                yield Invitation(
                    recipient=str(message["To"]),
                    template=str(message["X-Tandem-Template"]),
                    calendar=icalendar.Calendar.from_ical(bytes(part.get_payload(decode=True))),
                    text=" ".join(body.get_content().split()),
                )


# What a session's title may end with: a built-in skill's label, or the last session's review.
THEMES = tuple(
    [s.label_fr for s in CATALOGUE.values()]
    + [s.label_en for s in CATALOGUE.values()]
    + ["Bilan du programme", "Programme review"]
)


def _names_its_theme(session: Any) -> bool:
    """Its title names its theme, and its description the exercise the library suggests."""
    summary, said = str(session["SUMMARY"]), str(session.get("DESCRIPTION", ""))
    exercise = "Exercice proposé\u00a0:" in said or "Suggested exercise:" in said
    return summary.endswith(THEMES) and exercise


def _moved_off_a_holiday(session: Any) -> bool:
    said = str(session.get("DESCRIPTION", ""))
    return "est férié" in said or "is a public holiday" in said


def _check(invitations: list[Invitation]) -> int:
    """Every session of every invitation where the rules put it; how many sessions were read."""
    stated = {
        (i.recipient, i.uid): i.text for i in invitations if i.template == "sessions_scheduled"
    }
    checked = 0
    for invitation in invitations:
        if str(invitation.calendar["METHOD"]) == "CANCEL":
            continue  # the pair ended: the series leaves the calendar
        text = stated[(invitation.recipient, invitation.uid)]
        master = invitation.calendar.walk("VEVENT")[0]
        assert master["DTSTART"].params["TZID"] == "Europe/Paris"
        slot_start = master.decoded("DTSTART").astimezone(PARIS)
        morning = slot_start.time() == time(9, 0)
        assert slot_start.time() in (time(9, 0), time(14, 0))
        # The slot the e-mail names is the one the series keeps, and one both partners gave.
        day = slot_start.weekday()
        french = f"le {DAYS_FR[day]} {'matin' if morning else 'après-midi'} à {slot_start:%H:%M}"
        english = (
            f"on {DAYS_EN[day]} {'mornings' if morning else 'afternoons'} at {slot_start:%H:%M}"
        )
        assert french in text or english in text, text
        shared = (
            "C’est un créneau que vous aviez tous deux indiqué.",
            "It is a slot you both gave.",
        )
        assert any(words in text for words in shared), text
        sessions = list(
            recurring_ical_events.of(invitation.calendar).between(
                date(2026, 1, 1), date(2030, 1, 1)
            )
        )
        assert sessions
        for session in sessions:
            start = session.decoded("DTSTART").astimezone(PARIS)
            end = session.decoded("DTEND").astimezone(PARIS)
            assert start.weekday() < 5, (start, text)
            assert start.date() not in FRENCH_HOLIDAYS, (start, FRENCH_HOLIDAYS.get(start.date()))
            assert time(9, 0) <= start.time() and end.time() <= time(18, 0)
            assert start.date() == end.date() and start.time() == slot_start.time()
            if not _moved_off_a_holiday(session):
                assert start.weekday() == slot_start.weekday()
            assert _names_its_theme(session), (session["SUMMARY"], session.get("DESCRIPTION"))
            checked += 1
    return checked


@pytest.mark.parametrize(
    ("args", "people"),
    [
        ((str(ROOT / "examples" / "pilote-2027" / "programme.yaml"), "--seed", "2"), 24),
        (("--participants", "40", "--seed", "5"), 40),  # a synthetic cohort from 11 January
    ],
    ids=["sample-programme", "forty-from-january"],
)
def test_every_invited_session_is_on_a_working_day_at_a_shared_slot_never_a_holiday(
    tmp_path: Path, args: tuple[str, ...], people: int
) -> None:
    report = _rehearse(tmp_path / "outbox", *args)
    assert report["participants"] == people
    invitations = list(_invitations(tmp_path / "outbox"))
    assert len({i.uid for i in invitations}) >= report["pairs_formed"] - report["pairs_dissolved"]
    checked = _check(invitations)
    assert checked >= report["sessions_planned"]
    assert report["sessions_with_theme"] == report["sessions_planned"]
    # From January, fortnightly series of twelve cross Easter Monday, Ascension or Whit Monday:
    # at least one pair's session moved off a holiday, and said so.
    moved = [s for i in invitations for s in i.calendar.walk("VEVENT") if _moved_off_a_holiday(s)]
    assert moved, "no session of the rehearsal fell on a public holiday"
    first = min(i.calendar.walk("VEVENT")[0].decoded("DTSTART") for i in invitations).astimezone(
        PARIS
    )
    assert first.date() >= date(2027, 1, 11)  # the rehearsal lives the programme's own dates
    assert datetime(2027, 1, 11, tzinfo=PARIS) <= first
