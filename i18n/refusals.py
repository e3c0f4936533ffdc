"""A refusal's words: its code's catalogue entry `refusal.{code}`, its parameters made readable.

Parameters are worded by what they are (domain/refusals.py declares them): skill ids become the
programme's skill labels, participant ids their names when the caller knows them, phases the
phase's words, ISO dates long dates, lists a list as the reader's language says it.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.refusals import Refusal, RefusalParam
from i18n.translator import Translator

UNKNOWN = "refusal.unknown"  # an error that is not a declared refusal (an outage, a bug)
_PEOPLE = ("person", "mentee")
_DATES = ("previous_date", "date")


def refusal_words(
    t: Translator,
    code: Refusal | None,
    params: Mapping[str, RefusalParam] | None = None,
    *,
    skills: Mapping[str, str] | None = None,
    people: Mapping[str, str] | None = None,
) -> str:
    """The refusal in `t`'s language; the generic words when `code` is None.

    `skills` (id → label) and `people` (participant id → name) word the ids a refusal names;
    an id they do not know is shown as it is.
    """
    if code is None:
        return t(UNKNOWN)
    values = {
        name: _value(t, name, value, skills or {}, people or {})
        for name, value in (params or {}).items()
    }
    return t(f"refusal.{code.value}", **values)


def _value(
    t: Translator,
    name: str,
    value: RefusalParam,
    skills: Mapping[str, str],
    people: Mapping[str, str],
) -> str:
    if isinstance(value, list):
        if name == "slots":
            return t.list(t(f"slot.{item}") for item in value)
        known = skills if name == "skills" else people
        return t.list(known.get(item, item) for item in value)
    if isinstance(value, int):
        return str(value)
    if name == "phase":
        key = f"dash.phase.{value}"
        return t(key) if t.has(key) else value
    if name in _PEOPLE:
        return people.get(value, value)
    if name in _DATES:
        try:
            return t.date(value)
        except ValueError:  # not the ISO date the code declares: shown as it came
            return value
    return value
