"""A stored answer as labelled lines, for the read-only page of a used link.

Values are returned as plain text; the template escapes them, so whatever a participant typed is
shown as typed and never interpreted as HTML.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from domain.skills import LEVELS
from web.forms import EXCHANGE_TOPICS, FORMATS, LANGUAGES, SLOTS
from web.i18n import Translator


@dataclass(frozen=True)
class AnswerRow:
    label: str
    lines: tuple[str, ...]


# The label of each answer field; "levels" depends on the task (current level or level today).
_LABELS = {
    "levels": "field.level.current",
    "targets": "field.level.target",
    "priorities": "field.priorities",
    "capacity": "field.capacity",
    "availability": "field.availability",
    "format": "field.format",
    "languages": "field.languages",
    "exchange": "field.exchange",
    "exchange_other": "field.exchange_other",
    "go": "field.go",
    "reason": "field.reason",
    "goals": "kind.goals_propose",
    "confirmed": "field.confirmed",
    "comment": "field.comment",
    "session_number": "field.session_number",
    "held": "field.held",
    "minutes": "field.minutes",
    "skills_covered": "field.skills_covered",
    "notes": "field.notes",
    "progress_rating": "field.progress_rating",
    "satisfaction": "field.satisfaction",
    "progress": "field.progress",
    "concerns": "field.concerns",
    "wants_to_continue": "field.wants_to_continue",
    "kpi_attainment": "section.kpis",
    "nps": "field.nps",
    "learned_back": "field.learned_back",
    "would_mentor_again": "field.would_mentor_again",
    "text": "field.text",
    "new_date": "field.new_date",
    "days": "field.days",
}
_VOCABULARY = (
    (SLOTS, "slot"),
    (FORMATS, "format"),
    (LANGUAGES, "language"),
    (EXCHANGE_TOPICS, "exchange"),
)


def answer_rows(
    answer: Mapping[str, Any], skill_labels: Mapping[str, str], t: Translator
) -> list[AnswerRow]:
    rows = []
    for key, value in answer.items():
        if key in ("task_id", "participant_id", "pair_id") or value in (None, "", [], {}):
            continue
        if key == "targets" and isinstance(answer.get("levels"), dict):
            continue  # shown with the current levels, as "current -> target"
        if key == "levels" and isinstance(value, dict):
            lines = _levels(value, answer.get("targets"), skill_labels, t)
        elif key == "goals" and isinstance(value, list):
            lines = tuple(_goal(g, t) for g in value if isinstance(g, dict))
        elif key == "kpi_attainment" and isinstance(value, list):
            lines = tuple(f"{v} %" for v in value)
        else:
            lines = _plain(value, skill_labels, t)
        rows.append(AnswerRow(t(_LABELS.get(key, key)), lines))
    return rows


def _levels(
    levels: Mapping[str, Any], targets: Any, skill_labels: Mapping[str, str], t: Translator
) -> tuple[str, ...]:
    names = [t(f"level.{n}") for n in LEVELS]
    lines = []
    for skill, level in levels.items():
        label = skill_labels.get(skill, skill)
        if isinstance(targets, dict) and skill in targets:
            lines.append(t("answer.level_target", label=label, level=level, target=targets[skill]))
        elif isinstance(level, int) and 0 <= level < len(names):
            lines.append(t("answer.level", label=label, level=level, level_label=names[level]))
        else:
            lines.append(f"{label}: {level}")
    return tuple(lines)


def _goal(goal: Mapping[str, Any], t: Translator) -> str:
    when = str(goal.get("target_date", ""))
    with suppress(ValueError):  # not a date: shown as stored
        when = t.date(when)
    return t("answer.goal", objective=goal.get("objective", ""), kpi=goal.get("kpi", ""), date=when)


def _plain(value: Any, skill_labels: Mapping[str, str], t: Translator) -> tuple[str, ...]:
    if isinstance(value, bool):
        return (t("form.yes" if value else "form.no"),)
    if isinstance(value, list | tuple):
        return (", ".join(_word(str(v), skill_labels, t) for v in value),)
    return (_word(str(value), skill_labels, t),)


def _word(value: str, skill_labels: Mapping[str, str], t: Translator) -> str:
    """A coded value in words ("mon-am" -> "Monday morning"); free text stays as typed."""
    if value in skill_labels:
        return skill_labels[value]
    for words, prefix in _VOCABULARY:
        if value in words:
            return t(f"{prefix}.{value}")
    return value
