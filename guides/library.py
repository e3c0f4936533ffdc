"""The guide library: a practice exercise per skill and level, the review session, and the
onboarding texts (the charter, a guide per role), in French and English.

Files, under a root (this package's folder, then a programme's own, which override or add):

    exercises/<locale>/<skill id>/<level>.md   the exercise a session on that skill starts from
    review/<locale>.md                         the programme's last session
    onboarding/<locale>/<charter|mentor|mentee>.md

An exercise file is Markdown: a `# ` title line, then its text. The level is the mentee's own on
that skill (0 none to 4 expert); a level without its file falls back to the nearest one below.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

BUILT_IN = Path(__file__).resolve().parent
LOCALES = ("fr", "en")
LEVELS = range(0, 5)


class Onboarding(StrEnum):
    CHARTER = "charter"
    MENTOR = "mentor"
    MENTEE = "mentee"


@dataclass(frozen=True)
class Guide:
    """One text of the library: its title and the Markdown that follows it."""

    title: str
    body: str
    source: Path | None = None  # None: a programme's own text, given in its file

    @property
    def markdown(self) -> str:
        return f"# {self.title}\n\n{self.body}\n"


class GuideProblem(ValueError):
    """A file of the library that is not a guide (no title line, empty)."""


def read_guide(path: Path) -> Guide:
    return parse_guide(path.read_text(encoding="utf-8"), path)


def parse_guide(markdown: str, source: Path | None = None) -> Guide:
    """A guide from its Markdown: the `# Title` line, then its text."""
    where = source or "guide"
    first, _, rest = markdown.strip().partition("\n")
    if not first.startswith("# ") or not first[2:].strip():
        raise GuideProblem(f"{where}:1: a guide starts with its title, as `# Title`")
    body = rest.strip()
    if not body:
        raise GuideProblem(f"{where}:2: the guide has a title and no text")
    return Guide(title=first[2:].strip(), body=body, source=source)


class GuideLibrary:
    """The guides of `roots`, the later ones overriding the earlier (a programme's own folder
    after the built-in one), and over them `texts`: a programme's own guides as its file gave
    them, by their path in the same layout ("exercises/fr/sap/0.md")."""

    def __init__(
        self, roots: Sequence[Path] = (BUILT_IN,), texts: Mapping[str, str] | None = None
    ) -> None:
        self._roots = tuple(roots)
        self._texts = dict(texts or {})

    def extended(self, root: Path) -> GuideLibrary:
        return GuideLibrary((*self._roots, root), self._texts)

    def with_texts(self, texts: Mapping[str, str]) -> GuideLibrary:
        return GuideLibrary(self._roots, {**self._texts, **texts})

    def _find(self, *parts: str) -> Guide | None:
        given = self._texts.get("/".join(parts))
        if given is not None:
            return parse_guide(given)
        for root in reversed(self._roots):
            path = root.joinpath(*parts)
            if path.is_file():
                return read_guide(path)
        return None

    def exercise(self, skill: str, level: int, locale: str) -> Guide | None:
        """The exercise for a mentee at `level` on `skill`, or None when the library has none
        for that skill (a programme's own skill without its files)."""
        for at in range(min(level, max(LEVELS)), -1, -1):
            found = self._find("exercises", locale, skill, f"{at}.md")
            if found is not None:
                return found
        return None

    def review(self, locale: str) -> Guide | None:
        return self._find("review", f"{locale}.md")

    def onboarding(self, text: Onboarding, locale: str) -> Guide | None:
        return self._find("onboarding", locale, f"{text.value}.md")

    def missing(self, skills: Iterable[str], locales: Iterable[str] = LOCALES) -> list[str]:
        """What a programme on `skills` would lack, as paths under a root: every level of every
        skill, the review and the onboarding texts, in each locale."""
        wanted = [
            *(
                ("exercises", locale, skill, f"{level}.md")
                for locale in locales
                for skill in skills
                for level in LEVELS
            ),
            *(("review", f"{locale}.md") for locale in locales),
            *(("onboarding", locale, f"{t.value}.md") for locale in locales for t in Onboarding),
        ]
        return [
            "/".join(parts)
            for parts in wanted
            if "/".join(parts) not in self._texts
            and not any(root.joinpath(*parts).is_file() for root in self._roots)
        ]


@lru_cache(maxsize=1)
def built_in() -> GuideLibrary:
    return GuideLibrary()
