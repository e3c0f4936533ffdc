"""Every refusal a workflow can give is a code with a category, parameters, and words in every
catalogue; so is every next step an acknowledgement names. The web words the code, never the
sentence.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from client.refusals import RefusalInfo, refusal_of
from domain.accounts import AuditAction, AuditEntry
from domain.next_steps import NextStep, NextStepParam
from domain.refusals import Category, Refusal, RefusalParam, Refused
from i18n.catalogues import LOCALES, source_messages
from web.i18n import Translator
from workflows.replies import acknowledge, log_message, refuse

SAMPLES: dict[type, RefusalParam] = {int: 3, str: "p-3", list: ["p-3", "p-4"]}


def _sample(code: Refusal) -> dict[str, RefusalParam]:
    return {
        name: "2027-03-14" if name.endswith("date") else SAMPLES[kind]
        for name, kind in code.params.items()
    }


@pytest.mark.parametrize("code", list(Refusal), ids=[c.value for c in Refusal])
def test_every_refusal_has_a_category_and_a_sentence(code: Refusal) -> None:
    assert isinstance(code.category, Category)
    error = refuse(code, **_sample(code))
    assert error.type == code.category.value
    assert error.message and code.value not in error.message


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("code", list(Refusal), ids=[c.value for c in Refusal])
def test_every_refusal_is_worded_in_every_catalogue(code: Refusal, locale: str) -> None:
    t = Translator(locale)
    key = f"refusal.{code.value}"
    assert key in source_messages(locale), f"{key} missing from the {locale} catalogue"
    words = t.refusal(RefusalInfo(code, _sample(code)))
    assert words and key not in words and "%(" not in words
    english = log_message(code, _sample(code))
    if locale == "fr" and code is not Refusal.MATCHING_CONFLICT:
        assert words != english, f"{code.value}: the French page would show {english!r}"


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("step", list(NextStep), ids=[s.value for s in NextStep])
def test_every_next_step_is_worded_in_every_catalogue(step: NextStep, locale: str) -> None:
    samples: dict[type, NextStepParam] = {int: 3, str: "2027-03-14", float: 7.5}
    params = {name: samples[kind] for name, kind in step.params.items()}
    ack = acknowledge(step, **params)
    words = Translator(locale).next_step(ack)
    assert words and "next." not in words and "%(" not in words
    if "date" in params:
        assert "2027" in words and "2027-03-14" not in words  # a long date, in the reader's words


def test_an_unknown_error_is_worded_generically() -> None:
    french = Translator("fr").refusal(None)
    assert french == source_messages("fr")["refusal.unknown"]
    assert "boom" not in french


def test_parameters_are_worded_for_the_reader() -> None:
    fr, en = Translator("fr"), Translator("en")
    skills = RefusalInfo(Refusal.UNKNOWN_SKILLS, {"skills": ["python", "sql", "rust"]})
    assert fr.refusal(skills, skills={"python": "Python", "sql": "SQL"}) == (
        "compétences inconnues\u00a0: Python, SQL et rust"
    )
    assert en.refusal(skills) == "unknown skills: python, sql and rust"
    moved = RefusalInfo(
        Refusal.SESSION_MUST_FOLLOW_PREVIOUS,
        {"session": 3, "previous": 2, "previous_date": "2027-03-01"},
    )
    assert "lundi 1er mars 2027" in fr.refusal(moved)
    assert "Monday 1 March 2027" in en.refusal(moved)
    phase = RefusalInfo(Refusal.CHANGE_OUTSIDE_REVIEW, {"phase": "running"})
    assert fr.refusal(phase).endswith("(étape actuelle\u00a0: en cours)")
    person = RefusalInfo(Refusal.NOT_A_MENTEE, {"person": "p-7"})
    assert fr.refusal(person, people={"p-7": "Ana Lima"}) == "Ana Lima n’est pas mentoré(e)"
    assert fr.refusal(person) == "p-7 n’est pas mentoré(e)"


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


def test_an_audit_entry_shows_its_code_in_words_and_an_older_sentence_as_recorded() -> None:
    at = datetime(2027, 3, 1, tzinfo=UTC)
    coded = AuditEntry.attempt(
        at, "ana@example.com", AuditAction.BANNED_PAIR, "p", None, "not_a_mentor", {"person": "m-1"}
    )
    stored = AuditEntry.from_data(coded.to_data())  # as the trail reads it back
    assert stored.params == {"person": "m-1"}
    fr = Translator("fr")
    assert fr.audit_detail(stored) == "m-1 n’est pas mentor"
    assert Translator("en").audit_detail(stored) == "m-1 is not a mentor"
    own = AuditEntry.attempt(at, "ana@example.com", AuditAction.NUDGED, "p", None, "read_only")
    assert fr.audit_detail(own) == "compte en lecture seule"
    sentence = "the pair is at its final evaluation: end it instead"  # recorded before the codes
    older = AuditEntry.from_data({**coded.to_data(), "detail": sentence, "params": None})
    assert fr.audit_detail(older) == sentence
