"""The typed e-mail contexts: checked where a workflow journals them, passed on unchanged."""

from __future__ import annotations

import ast
import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from domain.notifications import CONTEXTS, InvalidNotification, notification_context
from tests.mail_helpers import sample_context, sample_contexts
from workflows.shared import Journal

ROOT = Path(__file__).parent.parent
HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def _payloads(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        if isinstance(node.get("data"), str) and "metadata" in node:
            yield from _decoded(node["data"])
        for value in node.values():
            yield from _payloads(value)
    elif isinstance(node, list):
        for value in node:
            yield from _payloads(value)


def _decoded(data: str) -> Iterator[Any]:
    try:
        payload = json.loads(base64.b64decode(data))
    except ValueError:
        return  # not a JSON payload
    yield payload


def _notifications(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "template" in node and "context" in node and "notification_id" in node:
            yield node
        for value in node.values():
            yield from _notifications(value)
    elif isinstance(node, list):
        for value in node:
            yield from _notifications(value)


def test_every_recorded_notification_is_valid_and_passes_on_byte_for_byte() -> None:
    seen: set[str] = set()
    for path in HISTORIES:
        for payload in _payloads(json.loads(path.read_text())):
            for n in _notifications(payload):
                passed = notification_context(n["template"], n["context"])
                assert json.dumps(passed) == json.dumps(n["context"]), (path.name, n["template"])
                seen.add(n["template"])
    assert len(seen) >= 15  # the histories hold most kinds of e-mail


@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_a_valid_context_is_passed_on_exactly_as_given(template: str) -> None:
    for context in sample_contexts(template):
        reordered = dict(reversed(list(context.items())))
        assert list(notification_context(template, reordered).items()) == list(reordered.items())


def test_a_misspelt_variable_fails_in_the_workflow_before_anything_is_journalled() -> None:
    journal = Journal("prog-1")
    with pytest.raises(InvalidNotification) as caught:
        journal.notify("p-1", "session_missed", sesion_number=4, missed_in_a_row=1)
    message = str(caught.value)
    assert "'session_missed'" in message
    assert "sesion_number: Extra inputs are not permitted" in message
    assert "session_number: Field required" in message
    assert not journal.pending


@pytest.mark.parametrize(
    ("template", "changes", "complaint"),
    [
        ("no_such_template", {}, "unknown e-mail template 'no_such_template'"),
        ("pair_completed", {"sessions_held": "12"}, "sessions_held: Input should be a valid"),
        ("pair_completed", {"sessions_held": True}, "sessions_held"),
        ("pair_paused", {"until_date": "next week"}, "until_date: Value error, not an ISO date"),
        ("concern_raised", {"participant_role": "boss"}, "participant_role"),
        ("sessions_scheduled", {"calendar": {"uid": "x"}}, "calendar.sequence: Field required"),
        # Not JSON: the mailer would read back something else than what was checked.
        ("session_log", {"session_date": datetime(2027, 3, 1, tzinfo=UTC)}, "session_date"),
        ("goals_confirm", {"goals": ()}, "goals"),
    ],
)
def test_a_wrong_value_is_named_with_its_template(
    template: str, changes: dict[str, Any], complaint: str
) -> None:
    context = {**sample_context(template), **changes} if template in CONTEXTS else changes
    with pytest.raises(InvalidNotification) as caught:
        notification_context(template, context)
    assert complaint in str(caught.value)


def _notify_calls() -> Iterator[tuple[str, int, str, set[str], bool]]:
    for path in sorted((ROOT / "workflows").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            if node.func.attr != "notify" or len(node.args) < 2:
                continue
            template = node.args[1]
            assert isinstance(template, ast.Constant), f"{path.name}:{node.lineno}"
            names = {k.arg for k in node.keywords if k.arg is not None} - {"task_id"}
            spread = any(k.arg is None for k in node.keywords)  # **extra: checked at run time
            yield f"{path.name}:{node.lineno}", node.lineno, str(template.value), names, spread


def test_every_notify_call_in_the_workflows_names_its_models_fields() -> None:
    calls = list(_notify_calls())
    assert len(calls) >= 20
    for where, _, template, names, spread in calls:
        model = CONTEXTS.get(template)
        assert model is not None, where
        fields = set(model.model_fields)
        assert names <= fields, (where, names - fields)
        required = {name for name, f in model.model_fields.items() if f.is_required()}
        assert spread or required <= names, (where, required - names)
