"""What happens after an accepted action, in the reader's words: the entry `next.{code}`."""

from __future__ import annotations

from collections.abc import Mapping

from domain.next_steps import NextStep, NextStepParam
from i18n.translator import Translator


def next_step_words(
    t: Translator, step: NextStep | None, params: Mapping[str, NextStepParam] | None = None
) -> str:
    """The step as a sentence; "" for an acknowledgement without a step (nothing to add)."""
    if step is None:
        return ""
    values = dict(params or {})
    key = f"next.{step.value}"
    if step is NextStep.MATCHING_RECOMPUTED:
        pairs = int(values.get("pairs", 0))
        return t.plural(
            key,
            int(values.get("changed", 0)),
            pairs=t.plural("next.matching_recomputed.pairs", pairs),
            score=t.number(float(values.get("score", 0.0))),
            previous_score=t.number(float(values.get("previous_score", 0.0))),
        )
    if "date" in values:
        values["date"] = t.date(str(values["date"]))
    counted = _COUNTED.get(step)
    if counted is not None:
        return t.plural(key, int(values.pop(counted, 0)), **values)
    return t(key, **values)


# Steps whose words agree with a number (their `count` in the catalogue's plural forms).
_COUNTED = {NextStep.PARTICIPANTS_ADDED: "count", NextStep.EMAIL_CHANGED: "links"}
