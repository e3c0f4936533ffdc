"""A session's theme in its reader's words: the skill's label and the guide library's exercise.

The workflow records a theme as a skill id and a level (domain.session_plan); the words are the
reader's language's, found when the e-mail or the invitation is written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from domain.notifications import ThemeWords
from guides.library import Guide, GuideLibrary, built_in
from guides.rendering import guide_html


def theme_words(
    theme: Mapping[str, Any],
    labels: Mapping[str, str],
    locale: str,
    word: Callable[..., str],
    library: GuideLibrary | None = None,
) -> ThemeWords:
    """`theme` ({"skill", "level"}, skill None for the review) as its reader reads it."""
    skill = theme.get("skill")
    if skill is None:
        label = word("mail.theme.review")
        guide = _review(locale) if library is None else library.review(locale)
    else:
        label = labels.get(str(skill), str(skill))
        level = int(theme.get("level") or 0)
        guide = (
            _exercise(str(skill), level, locale)
            if library is None
            else library.exercise(str(skill), level, locale)
        )
    if guide is None:
        return ThemeWords(label=label)
    return ThemeWords(
        label=label,
        exercise_title=guide.title,
        exercise_text=guide.body,
        exercise_html=guide_html(guide.body),
    )


# The built-in library's files do not change while a worker runs; a programme sends the same few
# dozen exercises thousands of times.
@lru_cache(maxsize=512)
def _exercise(skill: str, level: int, locale: str) -> Guide | None:
    return built_in().exercise(skill, level, locale)


@lru_cache(maxsize=8)
def _review(locale: str) -> Guide | None:
    return built_in().review(locale)


def programme_library(spec: Mapping[str, Any]) -> GuideLibrary | None:
    """The guide library with the programme's own guides over it; None when it has none (the
    built-in one, whose files are cached)."""
    own = spec.get("guides")
    return built_in().with_texts(own) if isinstance(own, dict) and own else None


def calendar_themes(
    calendar: Mapping[str, Any],
    labels: Mapping[str, str],
    locale: str,
    word: Callable[..., str],
    library: GuideLibrary | None = None,
) -> dict[int, ThemeWords]:
    """The themes an invitation's context gives its sessions (none in pairs planned before
    sessions had themes), by session number."""
    return {
        int(theme["number"]): theme_words(theme, labels, locale, word, library)
        for theme in calendar.get("themes") or ()
    }
