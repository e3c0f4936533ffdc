"""Every refusal a workflow's validators and updates can give has French wording.

The refusals are read from the workflows' source, so a new `raise ApplicationError("...")` without
a French pattern in web/i18n.py or web/dashboard_messages.py fails here.
"""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import pytest

from web.i18n import Translator

WORKFLOWS = Path(__file__).parent.parent / "workflows"
SOURCES = ("programme.py", "pair.py", "assessment.py")

# Values a placeholder of a refusal takes, by the expression that fills it; any other gets "3",
# which every pattern's group accepts (a number, a name, a list).
SAMPLES = {
    "role.value": ("mentor", "mentee"),
    "what": ("approved", "changed"),
}


def _messages(node: ast.expr) -> list[str]:
    """The refusals a message expression can produce, with sample values in its placeholders."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if not isinstance(node, ast.JoinedStr):
        return []  # relayed from elsewhere (e.g. a matching conflict's own message)
    parts: list[tuple[str, ...]] = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append((str(value.value),))
        elif isinstance(value, ast.FormattedValue):
            parts.append(SAMPLES.get(ast.unparse(value.value), ("3",)))
    return ["".join(choice) for choice in itertools.product(*parts)]


def _refusals() -> list[tuple[str, str]]:
    found = []
    for name in SOURCES:
        tree = ast.parse((WORKFLOWS / name).read_text())
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "ApplicationError"
                and node.args
            ):
                found += [(f"{name}:{node.lineno}", m) for m in _messages(node.args[0])]
    return found


REFUSALS = _refusals()


def test_the_refusals_are_found_in_the_source() -> None:
    # A guard on the reading itself: far fewer would mean the source is no longer understood.
    assert len(REFUSALS) >= 40
    assert any("is not a participant of this programme" in m for _, m in REFUSALS)


@pytest.mark.parametrize(("where", "message"), REFUSALS, ids=[w for w, _ in REFUSALS])
def test_every_workflow_refusal_has_french_wording(where: str, message: str) -> None:
    french = Translator("fr").refusal(message)
    assert french != message, f"{where}: no French wording for {message!r}"
    assert Translator("en").refusal(message) == message


def test_the_participant_and_role_refusals_read_in_french() -> None:
    t = Translator("fr")
    assert t.refusal("p-7 is not a participant of this programme") == (
        "p-7 ne participe pas à ce programme"
    )
    assert t.refusal("p-7 is not a mentee") == "p-7 n’est pas mentoré(e)"
    assert t.refusal("the matching can be changed during its review, not in phase running") == (
        "l’appariement ne peut être modifié que pendant sa revue (étape actuelle : running)"
    )
