"""Every participant form as declared: words a reader can read, and each fault on its field.

The pages themselves are tested on the real stack (tests/test_web_pages.py, the browser tests);
these check every declaration at once, which the pages reach one task at a time.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.answers import AnswerFault, ChemistryAnswer, Reschedule, ThemeChange
from domain.tasks import TaskKind, TaskStatus
from store.tasks import TaskRecord
from web.form_spec import FieldFault, FormRejected, FormSpec, Words, wording, words
from web.forms import SkillChoice, TaskContext, build_forms, parse_answer
from web.i18n import LOCALES, Translator

GOALS = (
    {"objective": "Publier chaque semaine", "kpi": "une publication", "target_date": "2027-06-30"},
    {"objective": "Automatiser le reporting", "kpi": "1 h gagnée", "target_date": "2027-09-01"},
)


def task(kind: TaskKind, **context: Any) -> TaskRecord:
    moment = datetime(2027, 1, 11, tzinfo=UTC)
    return TaskRecord(
        task_id=uuid.uuid4(),
        programme_id="pilote-2027",
        participant_id="p-1",
        kind=kind,
        workflow_id="pair:pilote-2027:1",
        update_name=kind.value,
        due_at=moment,
        context={"session_number": 4, **context},
        status=TaskStatus.OPEN,
        issued_at=moment,
        closed_at=None,
    )


def context(role: str) -> TaskContext:
    return TaskContext(
        role=role,
        skills=(SkillChoice("linkedin", "LinkedIn"), SkillChoice("automation", "Automatisation")),
        goals=GOALS,
        upcoming=((2, datetime(2027, 3, 4, 10, tzinfo=UTC)),),
        slots=("tue-pm", "thu-am"),
        slot="tue-pm",
        themes=((2, "linkedin"), (3, None)),
    )


def every_form() -> Iterator[tuple[str, FormSpec]]:
    for kind in TaskKind:
        for role in ("mentor", "mentee"):
            for locale in LOCALES:
                for form in build_forms(task(kind), context(role), locale, {}):
                    yield f"{kind.value}/{role}/{locale}/{form.action}", form


def words_of(form: FormSpec) -> Iterator[Words]:
    said: list[object] = [form.submit]
    for section in form.sections:
        said += [section.title, *section.notes]
        for field in section.fields:
            said += [field.label, field.hint, *(label for _, label in field.options)]
    for item in said:
        yield from (part for part in (item if isinstance(item, tuple) else (item,)))


def test_every_word_of_every_form_is_worded_in_french_and_english() -> None:
    for where, form in every_form():
        for said in words_of(form):
            if isinstance(said, Words):
                for locale in LOCALES:
                    assert Translator(locale).has(said.key), (where, locale, said.key)


def test_every_fault_a_form_can_show_is_worded_in_french_and_english() -> None:
    for fault in (*FieldFault, *AnswerFault):
        for locale in LOCALES:
            assert Translator(locale).has(fault.value), (fault, locale)


def rejected(kind: TaskKind, role: str, values: dict[str, list[str]]) -> dict[str, Words]:
    with pytest.raises(FormRejected) as caught:
        parse_answer(task(kind), context(role), "fr", values)
    return caught.value.errors


def test_a_no_go_without_a_reason_is_a_fault_of_the_reason() -> None:
    errors = rejected(TaskKind.CHEMISTRY, "mentee", {"go": ["false"], "reason": ["  "]})
    assert errors == {"reason": words(AnswerFault.NO_GO_REASON)}
    assert wording(Translator("en"), errors["reason"]).startswith("Please say in a few words")


def test_a_later_goal_is_checked_on_its_own_row() -> None:
    first = {
        "goals-0-objective": ["Publier chaque semaine"],
        "goals-0-kpi": ["une publication"],
        "goals-0-target_date": ["2027-06-30"],
    }
    # The second row left blank does not count; the third, started, is the answer's second goal.
    errors = rejected(TaskKind.GOALS_PROPOSE, "mentee", {**first, "goals-2-objective": ["Auto"]})
    assert errors == {
        "goals-2-kpi": words(FieldFault.REQUIRED),
        "goals-2-target_date": words(FieldFault.REQUIRED),
    }


def test_a_check_of_the_whole_list_marks_the_values_out_of_range() -> None:
    answer = {"levels-linkedin": ["2"], "levels-automation": ["3"], "satisfaction": ["4"]}
    answer |= {"nps": ["9"], "kpi_attainment-0": ["80"], "kpi_attainment-1": ["150"]}
    errors = rejected(TaskKind.FINAL_EVALUATION, "mentee", answer)
    assert errors == {"kpi_attainment-1": words(AnswerFault.PERCENTAGE)}


def test_limits_travel_as_values_of_the_fault() -> None:
    errors = rejected(TaskKind.CONCERN, "mentor", {"text": ["ok"], "submission": ["a" * 32]})
    assert errors == {"text": words(FieldFault.TOO_SHORT, limit=3)}
    assert wording(Translator("fr"), errors["text"]) == "Saisissez au moins 3 caractères."


def test_a_pair_action_reads_only_its_own_form() -> None:
    posted = {"action": ["pause"], "submission": ["b" * 32], "pause-days": ["7"]}
    submission = parse_answer(task(TaskKind.PAIR_MANAGE), context("mentee"), "fr", posted)
    assert (submission.update_name, submission.action) == ("pause", "pause")
    assert submission.update_id.endswith(":pause:" + "b" * 32)
    unknown = rejected(TaskKind.PAIR_MANAGE, "mentee", {**posted, "action": ["delete"]})
    assert unknown == {"": words(FieldFault.OPTION)}


def test_the_chemistry_form_offers_the_pairs_slots_with_the_planned_one_chosen() -> None:
    (form,) = build_forms(task(TaskKind.CHEMISTRY), context("mentee"), "fr", {})
    slot = form.fields()["slot"]
    assert [value for value, _ in slot.options] == ["tue-pm", "thu-am"]
    assert slot.initial == ("tue-pm",)
    assert wording(Translator("fr"), slot.options[1][1]) == "Jeudi matin"
    kept = parse_answer(task(TaskKind.CHEMISTRY), context("mentee"), "fr", {"go": ["true"]})
    assert isinstance(kept.answer, ChemistryAnswer)
    assert kept.answer.slot is None  # nothing chosen: the planned slot stays
    changed = {"go": ["true"], "slot": ["thu-am"]}
    chosen = parse_answer(task(TaskKind.CHEMISTRY), context("mentee"), "fr", changed).answer
    assert isinstance(chosen, ChemistryAnswer) and chosen.slot == "thu-am"
    off_list = rejected(TaskKind.CHEMISTRY, "mentee", {"go": ["true"], "slot": ["sat-am"]})
    assert off_list == {"slot": words(FieldFault.OPTION)}


def test_a_reschedule_may_move_to_another_of_the_pairs_slots_or_keep_its_time() -> None:
    posted = {
        "action": ["reschedule"],
        "submission": ["c" * 32],
        "reschedule-session_number": ["2"],
        "reschedule-new_date": ["2027-03-11"],
    }
    kept = parse_answer(task(TaskKind.PAIR_MANAGE), context("mentor"), "fr", posted).answer
    assert isinstance(kept, Reschedule) and kept.slot is None
    moved = {**posted, "reschedule-slot": ["thu-am"]}
    answer = parse_answer(task(TaskKind.PAIR_MANAGE), context("mentor"), "fr", moved).answer
    assert isinstance(answer, Reschedule)
    assert (answer.new_date.isoformat(), answer.slot) == ("2027-03-11", "thu-am")


def test_the_pair_page_shows_the_plan_and_a_theme_change_names_a_skill_or_the_review() -> None:
    forms = build_forms(task(TaskKind.PAIR_MANAGE), context("mentee"), "fr", {})
    (form,) = [f for f in forms if f.action == "change_theme"]
    (section,) = form.sections
    plan = [wording(Translator("fr"), note) for note in section.notes]
    assert plan == [
        "Séance n° 2, le jeudi 4 mars 2027\u00a0: LinkedIn",
        "Séance n° 3\u00a0: Bilan du programme",
    ]
    fields = form.fields()
    assert [v for v, _ in fields["change_theme-session_number"].options] == ["2", "3"]
    assert [v for v, _ in fields["change_theme-skill"].options] == ["linkedin", "automation", ""]
    posted = {
        "action": ["change_theme"],
        "submission": ["d" * 32],
        "change_theme-session_number": ["3"],
        "change_theme-skill": ["automation"],
    }
    answer = parse_answer(task(TaskKind.PAIR_MANAGE), context("mentee"), "fr", posted).answer
    assert isinstance(answer, ThemeChange)
    assert (answer.session_number, answer.skill) == (3, "automation")
    review = {**posted, "change_theme-skill": [""]}
    back = parse_answer(task(TaskKind.PAIR_MANAGE), context("mentee"), "fr", review).answer
    assert isinstance(back, ThemeChange) and back.skill is None
    # A pair planned before sessions had themes has no such form.
    bare = TaskContext(role="mentee", skills=context("mentee").skills)
    assert "change_theme" not in [
        f.action for f in build_forms(task(TaskKind.PAIR_MANAGE), bare, "fr", {})
    ]


def test_a_session_log_starts_from_the_planned_theme() -> None:
    planned = task(TaskKind.SESSION_LOG, theme={"number": 4, "skill": "automation", "level": 1})
    (form,) = build_forms(planned, context("mentor"), "fr", {})
    assert form.fields()["skills_covered"].initial == ("automation",)
    (unplanned,) = build_forms(task(TaskKind.SESSION_LOG), context("mentor"), "fr", {})
    assert unplanned.fields()["skills_covered"].initial == ()
