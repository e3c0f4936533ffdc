"""A language is a catalogue: a third locale, generated here, words every e-mail on its own.

`qps` is the English catalogue with each text bracketed and every letter accented, placeholders
kept, compiled with Babel into tmp_path. Every e-mail rendered with it must hold no word of
plain French or English: only the data (names, links, dates) is left unaccented.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date as Date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import get_timezone_location
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from activities.mail_rendering import TEMPLATES, render, words
from activities.session_themes import theme_words
from domain.holiday_calendar import holiday_name
from domain.skills import skill_labels
from i18n.catalogues import LOCALES_DIR
from i18n.translator import Translator
from tests.mail_helpers import (
    CONCERN_LINK,
    FEED_LINK,
    FEED_WEB_LINK,
    PARTNER,
    PROGRAMME_ID,
    PROGRAMME_NAME,
    RECIPIENT,
    TASK_LINK,
    mail_values,
    sample_contexts,
)

_PLAIN = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ACCENTED = "åƀçđéƒĝĥîĵķĺɱñøþǫŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĹṀÑØÞǪŔŠŢÛṼŴẊÝŽ"
_ACCENT = str.maketrans(_PLAIN, _ACCENTED)
_PLACEHOLDER = re.compile(r"(%\(\w+\)s|%%)")
# What the e-mails show that is not a word of theirs: the command a coordinator types, the name
# of the attachment.
_COMMANDS = ("tandem matching show " + PROGRAMME_ID, "tandem matching --help")
_CODES = ("ban", "force", "swap", "approve", "invitation.ics")


def pseudo(text: str) -> str:
    """⟦Ţĥéšé ŵøŕđš⟧, with every %(placeholder)s as it was."""
    parts = _PLACEHOLDER.split(text)
    return (
        "⟦" + "".join(p if _PLACEHOLDER.fullmatch(p) else p.translate(_ACCENT) for p in parts) + "⟧"
    )


def _pseudo_catalogues(directory: Path) -> Path:
    """`qps` in `directory`: its `mail.po` written from English, both domains compiled by Babel."""
    with (LOCALES_DIR / "en" / "LC_MESSAGES" / "mail.po").open("rb") as po:
        english = read_po(po, locale="en", domain="mail")
    qps = Catalog(locale="en", domain="mail")  # English plural rules: Babel knows no `qps`
    for message in english:
        if not message.id:
            continue
        forms = message.string
        strings = pseudo(forms) if isinstance(forms, str) else tuple(pseudo(f) for f in forms or ())
        qps.add(message.id, strings)
    folder = directory / "qps" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "mail.po").open("wb") as po:
        write_po(po, qps)
    with (folder / "mail.po").open("rb") as po:  # compiled from the file, as `pybabel compile`
        compiled = read_po(po, domain="mail")
    with (folder / "mail.mo").open("wb") as mo:
        write_mo(mo, compiled)
    with (folder / "web.mo").open("wb") as mo:  # the pages' domain, loaded alongside, empty
        write_mo(mo, Catalog(domain="web"))
    return directory


@pytest.fixture(scope="module")
def catalogues(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _pseudo_catalogues(tmp_path_factory.mktemp("pseudo-locale"))


def _iso_dates(value: Any) -> Iterator[str]:
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d(T.*)?", value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _iso_dates(item)
    elif isinstance(value, list):
        for item in value:
            yield from _iso_dates(item)


def _data(context: dict[str, Any], directory: Path) -> list[str]:
    """Everything an e-mail may show that comes from the programme, not from the catalogue."""
    shown = [RECIPIENT, PARTNER, PROGRAMME_NAME, TASK_LINK, CONCERN_LINK, FEED_LINK, FEED_WEB_LINK]
    shown += [*_COMMANDS, *_CODES]
    shown += [str(context.get("pair_id") or "")]
    goals = [*context.get("goals", []), *context.get("previous_goals", [])]
    shown += [str(g[k]) for g in goals for k in ("objective", "kpi")]
    shown += [str(context.get("comment") or "")]  # the mentor's own words
    shown += [str(context.get(k) or "") for k in ("tried", "practise")]  # the mentee's agenda
    labels = skill_labels((), "qps")  # the programme's skills, named by the programme
    themes = [context.get("theme") or {}, *(context.get("calendar") or {}).get("themes", [])]
    shown += [labels.get(str(t.get("skill")), str(t.get("skill") or "")) for t in themes]
    calendar = context.get("calendar") or {}
    if calendar.get("timezone"):  # the zone's city and the holidays' names are CLDR's and the
        zone = ZoneInfo(calendar["timezone"])  # holidays library's, not the catalogue's
        shown += [get_timezone_location(zone, locale="fr_FR", return_city=True)]
    for session in calendar.get("sessions", []):
        if len(session) > 3:
            holiday = holiday_name(calendar["holidays"], Date.fromisoformat(session[3]), "qps")
            shown += [holiday or ""]
    # Dates are Babel's (CLDR's): for a locale it has no data for, the default one's.
    date = Translator("qps", directory).date
    shown += [date(value) for value in _iso_dates(context)]
    return sorted((s for s in shown if s), key=len, reverse=True)


def _leftover(part: str, data: list[str], is_html: bool = False) -> list[str]:
    if is_html:
        part = html.unescape(re.sub(r"<[^>]*>", " ", part))
    for value in data:
        part = part.replace(value, " ")
    return re.findall(r"[A-Za-z]+", part)


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_email_reads_in_a_generated_locale_only(template: str, catalogues: Path) -> None:
    for context in sample_contexts(template):
        for role in ("mentor", "mentee"):
            values = mail_values(template, role, context=context)
            if context.get("theme"):
                # The library has no exercise in a generated language: the theme's label only,
                # a skill's from the programme (data), the review's from the catalogue.
                word = words("qps", catalogues)
                found = theme_words(context["theme"], skill_labels((), "qps"), "qps", word)
                values = values.model_copy(update={"theme_words": found})
            mail = render(template, "qps", context, values, catalogues)
            data = _data(context, catalogues)

            assert _leftover(mail.subject, data) == [], mail.subject
            assert _leftover(mail.text, data) == [], mail.text
            assert _leftover(mail.html, data, is_html=True) == [], mail.html
            assert mail.subject.startswith("⟦") and "⟦" in mail.text and "⟦" in mail.html
            assert '<html lang="qps">' in mail.html


def test_the_calendar_invitation_reads_in_the_generated_locale(catalogues: Path) -> None:
    word = words("qps", catalogues)
    summary = word("mail.invitation.summary", partner=PARTNER)
    description = word("mail.invitation.description", programme=PROGRAMME_NAME)
    assert _leftover(summary, [PARTNER]) == [] and _leftover(description, [PROGRAMME_NAME]) == []
    assert _leftover(word("mail.unknown_partner"), []) == []


def test_the_pseudo_locale_keeps_placeholders_and_marks_every_word() -> None:
    assert pseudo("Hello %(name)s, 100%%") == "⟦Ĥéĺĺø %(name)s, 100%%⟧"
    assert len(_PLAIN) == len(_ACCENTED) and all(not c.isascii() for c in _ACCENTED)
