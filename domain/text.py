"""Which text may be shown to people: names, departments, labels that someone typed or exported.

Invisible and bidirectional-control characters make a name look like another one, or reorder what
is displayed around it (a right-to-left override turns the rest of a line backwards). Such text is
refused, not cleaned: whoever wrote it should see and fix what their spreadsheet holds, and a name
silently changed would no longer match the one in their directory.

Pure and shared: the programme file applies it now, web forms can apply it to what people type.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class TextFault(StrEnum):
    """Why a text is refused; the values are i18n keys (web/i18n.py)."""

    EMPTY = "error.text_empty"  # nothing visible once whitespace and invisible characters go
    INVISIBLE = "error.text_invisible"
    BIDI = "error.text_bidi"
    CONTROL = "error.text_control"


# Characters that change the direction in which the text around them is displayed.
BIDI_CONTROLS = frozenset(
    "\u061c"  # ARABIC LETTER MARK
    "\u200e\u200f"  # LEFT-TO-RIGHT MARK, RIGHT-TO-LEFT MARK
    "\u202a\u202b\u202c\u202d\u202e"  # embeddings, pop, overrides
    "\u2066\u2067\u2068\u2069"  # isolates
)

# Characters that take no room: two names differing only by these look the same. The fillers
# are letters or symbols by category yet print as nothing.
INVISIBLE = frozenset(
    "\u200b\u200c\u200d"  # ZERO WIDTH SPACE, NON-JOINER, JOINER
    "\u2060"  # WORD JOINER
    "\ufeff"  # ZERO WIDTH NO-BREAK SPACE (a byte-order mark inside the text)
    "\u034f"  # COMBINING GRAPHEME JOINER
    "\u115f\u1160\u3164\uffa0"  # Hangul fillers
    "\u2800"  # BRAILLE PATTERN BLANK
)

# Controls (Cc), format characters (Cf), lone surrogates (Cs), line and paragraph separators.
_CONTROL_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


@dataclass(frozen=True)
class TextRefusal:
    fault: TextFault
    character: str | None = None  # the first offending character; None when EMPTY

    @property
    def code_point(self) -> str:
        """The character as U+XXXX and its Unicode name, since it cannot be seen."""
        if self.character is None:
            return ""
        name = unicodedata.name(self.character, "")
        code = f"U+{ord(self.character):04X}"
        return f"{code} {name}" if name else code


def fault_of(character: str) -> TextFault | None:
    """Why this one character may not appear in displayed text, or None if it may."""
    if character in BIDI_CONTROLS:
        return TextFault.BIDI
    if character in INVISIBLE:
        return TextFault.INVISIBLE
    if unicodedata.category(character) in _CONTROL_CATEGORIES:
        return TextFault.CONTROL
    return None


def refusal(text: str) -> TextRefusal | None:
    """Why `text` may not be shown to people as a name or a label, or None when it may.

    Hyphens, apostrophes, accents (composed or not) and every script stay accepted; leading and
    trailing whitespace is the caller's to strip.
    """
    if all(character.isspace() or fault_of(character) is not None for character in text):
        return TextRefusal(TextFault.EMPTY)
    for character in text:
        fault = fault_of(character)
        if fault is not None:
            return TextRefusal(fault, character)
    return None
