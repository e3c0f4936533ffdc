"""The rule for text shown to people, as any layer (files, web forms) applies it."""

from __future__ import annotations

import unicodedata

import pytest

from domain.text import BIDI_CONTROLS, INVISIBLE, TextFault, TextRefusal, refusal
from i18n.catalogues import source_messages


@pytest.mark.parametrize(
    "text",
    [
        "Jean-Pierre O’Connor",
        "Anne d'Artagnan",
        "Zoë Ångström",
        unicodedata.normalize("NFD", "Hélène Çelik"),
        "محمد بن علي",
        "王小明",
        "Ngô Bảo Châu",
        "Marketing & Communication (Île-de-France)",
        "Anne\u00a0Dupont",  # a no-break space is a space people see
    ],
)
def test_text_people_write_is_accepted(text: str) -> None:
    assert refusal(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Léa\u200bMartin", TextRefusal(TextFault.INVISIBLE, "\u200b")),
        ("Léa \u202eMartin", TextRefusal(TextFault.BIDI, "\u202e")),
        ("Léa\u2066Martin\u2069", TextRefusal(TextFault.BIDI, "\u2066")),
        ("\u061cمحمد", TextRefusal(TextFault.BIDI, "\u061c")),
        ("Léa\u00adMartin", TextRefusal(TextFault.CONTROL, "\u00ad")),
        ("Léa\nMartin", TextRefusal(TextFault.CONTROL, "\n")),
        ("Léa\u2028Martin", TextRefusal(TextFault.CONTROL, "\u2028")),
        ("\u3164", TextRefusal(TextFault.EMPTY)),
        ("\u200b\u200c\u200d\u2060\ufeff", TextRefusal(TextFault.EMPTY)),
        ("  \t ", TextRefusal(TextFault.EMPTY)),
        ("", TextRefusal(TextFault.EMPTY)),
    ],
)
def test_hidden_characters_are_refused_and_named(text: str, expected: TextRefusal) -> None:
    assert refusal(text) == expected


def test_every_listed_character_is_refused() -> None:
    for character in BIDI_CONTROLS | INVISIBLE:
        assert refusal(f"a{character}b") is not None, f"U+{ord(character):04X}"


def test_the_character_is_named_since_it_cannot_be_seen() -> None:
    assert TextRefusal(TextFault.BIDI, "\u202e").code_point == "U+202E RIGHT-TO-LEFT OVERRIDE"
    assert TextRefusal(TextFault.CONTROL, "\x07").code_point == "U+0007"


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_every_refusal_has_words_in_both_languages(locale: str) -> None:
    for fault in TextFault:
        words = source_messages(locale)[fault.value]
        assert ("%(character)s" in words) is (fault != TextFault.EMPTY)
