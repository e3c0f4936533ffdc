"""Every refusal a workflow can give is a code with a category, parameters and French wording.

Until the web reads the codes (client.refusals), it translates the refusal's English sentence:
each code's sentence, with sample parameters, must have French wording in web/i18n.py or
web/dashboard_messages.py.
"""

from __future__ import annotations

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from client.refusals import RefusalInfo, refusal_of
from domain.refusals import Category, Refusal, RefusalParam, Refused
from web.i18n import Translator
from workflows.replies import log_message, refuse

SAMPLES: dict[type, RefusalParam] = {int: 3, str: "p-3", list: ["p-3", "p-4"]}


def _sample(code: Refusal) -> dict[str, RefusalParam]:
    return {name: SAMPLES[kind] for name, kind in code.params.items()}


@pytest.mark.parametrize("code", list(Refusal), ids=[c.value for c in Refusal])
def test_every_refusal_has_a_category_and_a_sentence(code: Refusal) -> None:
    assert isinstance(code.category, Category)
    error = refuse(code, **_sample(code))
    assert error.type == code.category.value
    assert error.message and code.value not in error.message


@pytest.mark.parametrize("code", list(Refusal), ids=[c.value for c in Refusal])
def test_every_refusal_has_french_wording(code: Refusal) -> None:
    if code is Refusal.MATCHING_CONFLICT:
        pytest.skip("the matcher's own diagnostics, relayed as they are")
    message = log_message(code, _sample(code))
    french = Translator("fr").refusal(message)
    assert french != message, f"{code.value}: no French wording for {message!r}"
    assert Translator("en").refusal(message) == message


def test_a_refusal_takes_exactly_its_declared_parameters() -> None:
    with pytest.raises(TypeError):
        Refused(Refusal.PAUSE_TOO_LONG)
    with pytest.raises(TypeError):
        Refused(Refusal.PAUSE_TOO_LONG, max_days="many")
    with pytest.raises(TypeError):
        Refused(Refusal.TASK_CLOSED, task="t-1")
    assert Refused(Refusal.UNKNOWN_SKILLS, skills=["rust"]).params == {"skills": ["rust"]}


def test_a_refusal_is_decoded_from_the_error_a_client_receives() -> None:
    error = refuse(
        Refusal.SESSION_MUST_FOLLOW_PREVIOUS, session=3, previous=2, previous_date="2027-03-14"
    )
    assert error.message == "session 3 must come after session 2 (2027-03-14)"
    failed = WorkflowUpdateFailedError(error)
    decoded = refusal_of(failed)
    assert decoded == RefusalInfo(
        Refusal.SESSION_MUST_FOLLOW_PREVIOUS,
        {"session": 3, "previous": 2, "previous_date": "2027-03-14"},
    )
    assert decoded is not None and decoded.category is Category.INVALID


@pytest.mark.parametrize(
    "error",
    [
        ApplicationError("boom", type="WrongPhase"),
        ApplicationError("boom", {"code": "no_such_code", "params": {}}),
        ApplicationError("boom", {"code": "pause_too_long", "params": {"max_days": "x"}}),
        ApplicationError("boom", "pause_too_long"),
        RuntimeError("pause_too_long"),
    ],
    ids=["no details", "unknown code", "wrong parameter", "text only", "not temporal"],
)
def test_anything_else_is_not_a_refusal(error: BaseException) -> None:
    assert refusal_of(error) is None


def test_the_participant_and_role_refusals_read_in_french() -> None:
    t = Translator("fr")
    assert t.refusal("p-7 is not a participant of this programme") == (
        "p-7 ne participe pas à ce programme"
    )
    assert t.refusal("p-7 is not a mentee") == "p-7 n’est pas mentoré(e)"
    assert t.refusal("the matching can be changed during its review, not in phase running") == (
        "l’appariement ne peut être modifié que pendant sa revue (étape actuelle : running)"
    )
