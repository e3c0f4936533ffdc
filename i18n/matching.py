"""The matcher's explanations in the reader's words: why a pair was proposed, why someone was not.

Each factor (domain/matching.py `Factor`) and each reason someone is left out (`Unmatched`) is a
code with its values; the catalogue words them (`factor.*`, `unmatched.*`, `constraint.*`). A
proposal recorded before the values existed carries only English sentences: they are shown as
recorded, never read back.
"""

from __future__ import annotations

from collections.abc import Mapping

from domain.constraints import Constraint
from domain.matching import Factor, FactorCode, ProposedPair, Unmatched
from domain.unmatched import UnmatchedReason
from i18n.translator import Translator

TOP_FACTORS = 3  # as many as the matcher's own `reasons`


def factor_words(t: Translator, factor: Factor, skills: Mapping[str, str] | None = None) -> str:
    """One factor as a phrase; `skills` (id → label) names the skills, ids otherwise."""
    if not factor.explained:
        return factor.text
    code = factor.code
    if code is FactorCode.SKILLS:
        labels = skills or {}
        named = [
            labels.get(s.skill, s.skill)
            if s.priority is None
            else t("factor.skills.priority", skill=labels.get(s.skill, s.skill), rank=s.priority)
            for s in factor.skills
        ]
        return t("factor.skills", skills=t.list(named))
    if code is FactorCode.EXCHANGE:
        return t("factor.exchange", topics=t.list(_topic(t, topic) for topic in factor.topics))
    if code is FactorCode.AVAILABILITY:
        return t.plural("factor.availability", factor.slots)
    if code is FactorCode.FORMAT:
        assert factor.formats is not None  # `explained`
        mentor, mentee = (t(f"format.{f.value}") for f in factor.formats)
        return t("factor.format", mentor=mentor, mentee=mentee)
    if code is FactorCode.LANGUAGE:
        return t("factor.language", language=_language(t, factor.language))
    assert factor.departments is not None
    mentor_department, mentee_department = factor.departments
    return t("factor.department", mentor=mentor_department, mentee=mentee_department)


def pair_reasons(
    t: Translator, pair: ProposedPair, skills: Mapping[str, str] | None = None
) -> list[str]:
    """Why the pair was proposed, best factor first; a pair recorded without factors shows the
    matcher's sentences as they were."""
    if not pair.factors:
        return list(pair.reasons)
    return [factor_words(t, f, skills) for f in pair.factors[:TOP_FACTORS]]


def unmatched_words(t: Translator, unmatched: Unmatched) -> str:
    """Why someone is left without a partner; a record without a code shows its sentence."""
    code = unmatched.code
    if code is None:
        return unmatched.reason
    key = f"unmatched.{code.value}"
    if code in (UnmatchedReason.NO_COMPATIBLE_MENTOR, UnmatchedReason.NO_COMPATIBLE_MENTEE):
        return t(key, ruled_out=_ruled_out(t, unmatched.ruled_out))
    if code is UnmatchedReason.MENTORS_AT_CAPACITY:
        return t.plural(key, unmatched.compatible)
    if code is UnmatchedReason.NO_MENTEE_LEFT and unmatched.compatible:
        return t.plural(f"{key}.compatible", unmatched.compatible)
    return t(key)


def constraint_words(t: Translator, constraint: Constraint) -> str:
    return t(f"constraint.{constraint.name.lower()}")


def _ruled_out(t: Translator, counts: Mapping[str, int]) -> str:
    parts = []
    for name, count in counts.items():
        try:
            words = constraint_words(t, Constraint(name))
        except ValueError:  # a constraint this version does not have: its name as recorded
            words = name
        parts.append(t("unmatched.ruled_out", constraint=words, count=count))
    return t.list(parts)


def _topic(t: Translator, topic: str) -> str:
    key = f"exchange.{topic}"
    return t(key) if t.has(key) else topic  # a topic of the participant's own: their words


def _language(t: Translator, code: str) -> str:
    key = f"language.{code}"
    return t(key) if t.has(key) else code
