"""One form per task kind, declared once (web/form_spec.py): the fields it shows, the words on
them, their limits and options, and where each value goes in the answer model. The page renders
the declaration, and a posted form is read from it into the update to send.

The task and participant ids never come from the form: the page adds them from the verified link.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from domain.answers import (
    ANSWER_MODELS,
    EXCHANGE_TOPICS,
    Action,
    EndPair,
    Pause,
    Reschedule,
    ThemeChange,
)
from domain.dates import as_date
from domain.skills import LEVELS
from domain.tasks import TaskKind
from store.tasks import TaskRecord
from web.form_spec import (
    Document,
    Field,
    FieldFault,
    FormRejected,
    FormSpec,
    Say,
    Section,
    Values,
    words,
)

__all__ = [
    "EXCHANGE_TOPICS",
    "FORMATS",
    "LANGUAGES",
    "SLOTS",
    "FormRejected",
    "FormSpec",
    "SkillChoice",
    "Submission",
    "TaskContext",
    "Values",
    "build_forms",
    "default_values",
    "parse_answer",
    "storable",
]

SLOTS = tuple(
    f"{day}-{half}" for day in ("mon", "tue", "wed", "thu", "fri") for half in ("am", "pm")
)
# Shared words, so a mentee's offer and a mentor's wish can meet in the matching score.
FORMATS = ("remote", "onsite", "hybrid")
LANGUAGES = ("fr", "en")
MAX_GOALS = 3
_SUBMISSION_ID = re.compile(r"[0-9a-f]{32}")


def storable(text: str) -> str:
    """A posted value without its NUL characters, which nobody types: PostgreSQL stores none
    (text or jsonb), so an answer holding one was accepted, then failed its step at every retry."""
    return text.replace("\x00", "")


@dataclass(frozen=True)
class SkillChoice:
    id: str
    label: str


@dataclass(frozen=True)
class TaskContext:
    """What a form needs beyond the task row; the page looks it up."""

    role: str  # "mentor" or "mentee"
    skills: tuple[SkillChoice, ...]  # of the task (self-assessment) or of the programme
    goals: tuple[dict[str, Any], ...] = ()  # the pair's proposed goals, when known
    sessions: int = 12
    max_pause_days: int = 28
    # (number, date) of the sessions still ahead, from the pair's workflow; empty when unknown.
    upcoming: tuple[tuple[int, datetime], ...] = ()
    # The weekly slots the pair may meet at ("tue-pm"), and the one planned: empty in pairs
    # planned before sessions kept to the partners' slots.
    slots: tuple[str, ...] = ()
    slot: str = ""
    # The theme of each session still ahead: a skill id, or None for the review; empty in pairs
    # planned before sessions had themes.
    themes: tuple[tuple[int, str | None], ...] = ()
    # What the onboarding task gives to read: the charter, then the reader's role guide.
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class Submission:
    update_name: str
    update_id: str
    answer: Action
    action: str | None = None


def build_forms(task: TaskRecord, ctx: TaskContext, locale: str, values: Values) -> list[FormSpec]:
    """The forms of the task's page (one, or one per action for pair management)."""
    if task.kind is TaskKind.PAIR_MANAGE:
        submission = _submission_id(values)
        forms = [_end_pair(submission), _reschedule(ctx, submission)]
        if ctx.themes:
            forms.append(_change_theme(ctx, submission))
        return [*forms, _pause(ctx, submission)]
    declare = _FORMS.get(task.kind)
    return [declare(task, ctx, locale, values)] if declare else []


def default_values(task: TaskRecord, ctx: TaskContext, locale: str) -> dict[str, list[str]]:
    """What a fresh form starts with: each field's declared initial value."""
    return {
        name: value
        for form in build_forms(task, ctx, locale, {})
        for name, value in form.initial_values().items()
    }


def parse_answer(task: TaskRecord, ctx: TaskContext, locale: str, values: Values) -> Submission:
    """The update to send for a posted form, or `FormRejected` with a fault per wrong field."""
    forms = build_forms(task, ctx, locale, values)
    if not forms:
        raise FormRejected({"": words(FieldFault.INVALID)})
    action = _first(values, "action") or None if task.kind is TaskKind.PAIR_MANAGE else None
    form = next((f for f in forms if f.action == action), None)
    if form is None:
        raise FormRejected({"": words(FieldFault.OPTION)})
    update_id = str(task.task_id)
    if any(name == "submission" for name, _ in form.hidden):
        submission = _first(values, "submission")
        if not _SUBMISSION_ID.fullmatch(submission):
            raise FormRejected({"": words("errors.csrf")})
        update_id = f"{task.task_id}:{action or 'concern'}:{submission}"
    answer = form.read(values, {"task_id": task.task_id, "participant_id": task.participant_id})
    return Submission(form.update or task.update_name, update_id, answer, action)


def _first(values: Values, name: str) -> str:
    found = values.get(name) or ()
    return str(found[0]) if found else ""


def _submission_id(values: Values) -> str:
    """One id per filled-in form, for links that act more than once (concerns, pair management).

    A double click sends the same form twice (one effect); a later concern or a second reschedule
    is a new form, hence a new update, rather than a duplicate silently dropped by Temporal.
    """
    submission = _first(values, "submission")
    return submission if _SUBMISSION_ID.fullmatch(submission) else secrets.token_hex(16)


# ---- the words of the options ------------------------------------------------------------------


# The level scale's options, the same in every language: their words are catalogue keys.
_LEVELS: tuple[tuple[str, Say], ...] = tuple(
    (str(n), words("level.option", level=n, label=words(f"level.{n}"))) for n in LEVELS
)


_YES_NO: tuple[tuple[str, Say], ...] = (("true", words("form.yes")), ("false", words("form.no")))


def _scale(low: int, high: int) -> tuple[tuple[str, Say], ...]:
    return tuple((str(n), str(n)) for n in range(low, high + 1))


def _each(prefix: str, choices: tuple[str, ...]) -> tuple[tuple[str, Say], ...]:
    return tuple((choice, words(f"{prefix}.{choice}")) for choice in choices)


def _skills(ctx: TaskContext) -> tuple[tuple[str, Say], ...]:
    return tuple((s.id, s.label) for s in ctx.skills)


# ---- the forms ---------------------------------------------------------------------------------


def _self_assessment(task: TaskRecord, ctx: TaskContext, locale: str, _: Values) -> FormSpec:
    mentee = ctx.role == "mentee"
    levels = _LEVELS
    current = words("field.level.current" if mentee else "field.level.expertise")

    def levels_of(skill: SkillChoice) -> Section:
        level = Field(("levels", skill.id), "select", current, levels, required=True)
        if not mentee:
            return Section(skill.label, (level,))
        target = words("field.level.target")
        aim = Field(("targets", skill.id), "select", target, levels, required=True)
        return Section(skill.label, (level, aim))

    sections = [levels_of(skill) for skill in ctx.skills]
    if mentee:
        priorities = Field(("priorities",), "checkboxes", words("field.priorities"), _skills(ctx))
        sections.append(Section(words("section.priorities"), (priorities,)))
    capacity = Field(
        ("capacity",),
        "radios",
        words("field.capacity"),
        _scale(1, 3),
        required=True,
        initial=("1",),
    )
    practical = (
        *(() if mentee else (capacity,)),
        Field(("availability",), "checkboxes", words("field.availability"), _each("slot", SLOTS)),
        Field(
            ("format",),
            "radios",
            words("field.format"),
            _each("format", FORMATS),
            required=True,
            initial=("hybrid",),
        ),
        Field(
            ("languages",),
            "checkboxes",
            words("field.languages"),
            _each("language", LANGUAGES),
            required=True,
            initial=(locale,),
        ),
    )
    sections.append(Section(words("section.practical"), practical))
    exchange = (
        Field(
            ("exchange",), "checkboxes", words("field.exchange"), _each("exchange", EXCHANGE_TOPICS)
        ),
        Field(
            ("exchange_other",),
            "text",
            words("field.exchange_other"),
            max_length=200,
            reading="stripped",
        ),
    )
    sections.append(
        Section(words(f"section.exchange.{'mentee' if mentee else 'mentor'}"), exchange)
    )
    return FormSpec(ANSWER_MODELS[task.kind], tuple(sections), words("form.submit"))


def _chemistry(task: TaskRecord, ctx: TaskContext, locale: str, _: Values) -> FormSpec:
    go = Field(
        ("go",),
        "radios",
        words("field.go"),
        (("true", words("field.go.yes")), ("false", words("field.go.no"))),
        required=True,
    )
    reason = Field(
        ("reason",),
        "textarea",
        words("field.reason"),
        hint=words("hint.reason.no_go"),
        max_length=2000,
    )
    fields: tuple[Field, ...] = (go, reason)
    if ctx.slots:
        slot = Field(
            ("slot",),
            "radios",
            words("field.slot"),
            _each("slot", ctx.slots),
            hint=words("hint.slot"),
            reading="optional",
            initial=(ctx.slot,) if ctx.slot in ctx.slots else (),
        )
        fields = (go, slot, reason)
    return FormSpec(
        ANSWER_MODELS[task.kind],
        (Section(words("kind.chemistry"), fields),),
        words("form.submit"),
        answer_errors_at="reason",  # a no-go needs a reason
    )


def _goals_propose(task: TaskRecord, ctx: TaskContext, locale: str, _: Values) -> FormSpec:
    def goal(i: int) -> Section:
        # The first goal is required; a later one counts once anything of it is filled in.
        first = i == 0
        return Section(
            words("section.goal" if first else "section.goal.optional", number=i + 1),
            (
                Field(
                    ("goals", i, "objective"),
                    "text",
                    words("field.objective"),
                    hint=words("hint.objective") if first else "",
                    required=first,
                    max_length=500,
                    reading="stripped",
                ),
                Field(
                    ("goals", i, "kpi"),
                    "text",
                    words("field.kpi"),
                    hint=words("hint.kpi") if first else "",
                    required=first,
                    max_length=300,
                    reading="stripped",
                ),
                Field(
                    ("goals", i, "target_date"),
                    "date",
                    words("field.target_date"),
                    required=first,
                    reading="stripped",
                ),
            ),
            optional=not first,
        )

    sections = tuple(goal(i) for i in range(MAX_GOALS))
    return FormSpec(ANSWER_MODELS[task.kind], sections, words("form.submit"))


def _goal_lines(ctx: TaskContext) -> tuple[Say, ...]:
    lines: list[Say] = []
    for goal in ctx.goals:
        when: date | str = str(goal.get("target_date", ""))
        with suppress(ValueError):  # not a date: shown as stored
            when = as_date(str(when))
        objective, kpi = goal.get("objective", ""), goal.get("kpi", "")
        lines.append(words("answer.goal", objective=objective, kpi=kpi, date=when))
    return tuple(lines) or (words("intro.goals_unknown"),)


def _goals_confirm(task: TaskRecord, ctx: TaskContext, locale: str, _: Values) -> FormSpec:
    fields = (
        Field(
            ("confirmed",),
            "radios",
            words("field.confirmed"),
            _YES_NO,
            required=True,
            initial=("true",),
        ),
        Field(("comment",), "textarea", words("field.comment"), max_length=2000),
    )
    section = Section(words("intro.goals_confirm"), fields, notes=_goal_lines(ctx))
    return FormSpec(ANSWER_MODELS[task.kind], (section,), words("form.submit"))


def _session_log(task: TaskRecord, ctx: TaskContext, locale: str, _: Values) -> FormSpec:
    fields = (
        Field(("held",), "radios", words("field.held"), _YES_NO, required=True),
        Field(
            ("minutes",),
            "number",
            words("field.minutes"),
            minimum=0,
            maximum=600,
            reading="optional",
        ),
        Field(
            ("skills_covered",),
            "checkboxes",
            words("field.skills_covered"),
            _skills(ctx),
            # The session's planned theme, ticked: the mentor corrects it if they did otherwise.
            initial=_planned_skill(task),
        ),
        Field(("notes",), "textarea", words("field.notes"), max_length=5000),
        Field(
            ("progress_rating",),
            "radios",
            words("field.progress_rating"),
            _scale(1, 5),
            reading="optional",
        ),
    )
    title = words("intro.session_log", number=task.context.get("session_number", ""))
    return FormSpec(
        ANSWER_MODELS[task.kind],
        (Section(title, fields),),
        words("form.submit"),
        # The session is the task's, never the form's: the workflow checks they match.
        fixed={"session_number": task.context.get("session_number")},
    )


def _planned_skill(task: TaskRecord) -> tuple[str, ...]:
    theme = task.context.get("theme")
    skill = theme.get("skill") if isinstance(theme, dict) else None
    return (str(skill),) if skill else ()


def _midpoint(task: TaskRecord, ctx: TaskContext, locale: str, _: Values) -> FormSpec:
    fields = (
        Field(
            ("satisfaction",), "radios", words("field.satisfaction"), _scale(1, 5), required=True
        ),
        Field(("progress",), "radios", words("field.progress"), _scale(1, 5), required=True),
        Field(("concerns",), "textarea", words("field.concerns"), max_length=5000),
        # Unanswered is posted as "": an error to fix, not the model's default of "yes".
        Field(
            ("wants_to_continue",),
            "radios",
            words("field.wants_to_continue"),
            _YES_NO,
            required=True,
        ),
    )
    return FormSpec(
        ANSWER_MODELS[task.kind],
        (Section(words("section.feedback"), fields),),
        words("form.submit"),
    )


def _final_evaluation(task: TaskRecord, ctx: TaskContext, locale: str, _: Values) -> FormSpec:
    sections: list[Section] = []
    if ctx.role == "mentee":
        levels = _LEVELS
        today = words("field.level.final")
        level_fields = tuple(
            Field(("levels", s.id), "select", (s.label, today), levels, required=True)
            for s in ctx.skills
        )
        sections.append(Section(words("section.skills"), level_fields))
        if ctx.goals:
            kpis = tuple(
                Field(
                    ("kpi_attainment", i),
                    "number",
                    words("field.kpi_attainment", objective=goal.get("objective", "")),
                    required=True,
                    minimum=0,
                    maximum=100,
                )
                for i, goal in enumerate(ctx.goals)
            )
            sections.append(Section(words("section.kpis"), kpis))
    feedback = [
        Field(
            ("satisfaction",), "radios", words("field.satisfaction"), _scale(1, 5), required=True
        ),
        Field(("nps",), "radios", words("field.nps"), _scale(0, 10), required=True),
    ]
    if ctx.role != "mentee":
        learned = Field(("learned_back",), "textarea", words("field.learned_back"), max_length=5000)
        feedback.append(learned)
        # Asked of mentors only: a "yes" puts them first in a wave that follows this programme.
        again = Field(
            ("would_mentor_again",),
            "radios",
            words("field.would_mentor_again"),
            _YES_NO,
            required=True,
        )
        feedback.append(again)
    sections.append(Section(words("section.feedback"), tuple(feedback)))
    return FormSpec(ANSWER_MODELS[task.kind], tuple(sections), words("form.submit"))


def _session_agenda(task: TaskRecord, ctx: TaskContext, locale: str, _: Values) -> FormSpec:
    fields = (
        Field(("tried",), "textarea", words("field.tried"), max_length=2000),
        Field(
            ("practise",),
            "textarea",
            words("field.practise"),
            hint=words("hint.practise"),
            required=True,
            max_length=2000,
            reading="stripped",
        ),
    )
    skill = _planned_skill(task)
    notes = (words("intro.agenda_theme", theme=_theme_label(ctx, skill[0])),) if skill else ()
    title = words("option.session", number=task.context.get("session_number", ""))
    return FormSpec(
        ANSWER_MODELS[task.kind],
        (Section(title, fields, notes=notes),),
        words("submit.session_agenda"),
        fixed={"session_number": task.context.get("session_number")},
    )


def _onboarding(task: TaskRecord, ctx: TaskContext, locale: str, _: Values) -> FormSpec:
    accept = Field(
        ("accepted",),
        "checkboxes",
        words("field.accept_charter"),
        (("true", words("option.accept_charter")),),
        required=True,
        reading="first",  # one box: the answer's `accepted` is True when it is ticked
    )
    section = Section(words("kind.onboarding"), (accept,), documents=ctx.documents)
    return FormSpec(ANSWER_MODELS[task.kind], (section,), words("submit.onboarding"))


def _concern(task: TaskRecord, ctx: TaskContext, locale: str, values: Values) -> FormSpec:
    text = Field(("text",), "textarea", words("field.text"), required=True, max_length=5000)
    pair_id = task.context.get("pair_id")
    return FormSpec(
        ANSWER_MODELS[task.kind],
        (Section(words("kind.concern"), (text,)),),
        words("submit.concern"),
        hidden=(("submission", _submission_id(values)),),
        fixed={"pair_id": pair_id} if isinstance(pair_id, str) else {},
    )


# The pair-management page's forms, by the update each sends (their words: `action.*`, `submit.*`).
PAIR_ACTIONS = ("end_pair", "reschedule", "change_theme", "pause")


def _pair_action(action: str, model: type[Action], submission: str, *fields: Field) -> FormSpec:
    """One of the pair-management page's forms: its fields' names start with its action."""
    prefixed = tuple(replace(f, prefix=f"{action}-") for f in fields)
    return FormSpec(
        model,
        (Section(words(f"action.{action}"), prefixed),),
        words(f"submit.{action}"),
        update=action,
        action=action,
        hidden=(("action", action), ("submission", submission)),
    )


def _end_pair(submission: str) -> FormSpec:
    reason = Field(
        ("reason",),
        "textarea",
        words("field.end_reason"),
        required=True,
        max_length=2000,
        reading="stripped",
    )
    return _pair_action("end_pair", EndPair, submission, reason)


def _reschedule(ctx: TaskContext, submission: str) -> FormSpec:
    sessions: tuple[tuple[str, Say], ...] = (
        tuple((str(n), words("option.session_on", number=n, date=at)) for n, at in ctx.upcoming)
        if ctx.upcoming
        else tuple(
            (str(n), words("option.session", number=n)) for n in range(1, max(ctx.sessions, 1) + 1)
        )
    )
    return _pair_action(
        "reschedule",
        Reschedule,
        submission,
        Field(
            ("session_number",), "select", words("field.session_number"), sessions, required=True
        ),
        Field(("new_date",), "date", words("field.new_date"), required=True),
        *(
            (
                Field(
                    ("slot",),
                    "select",
                    words("field.new_slot"),
                    (("", words("option.same_time")), *_each("slot", ctx.slots)),
                    hint=words("hint.new_slot"),
                    reading="optional",
                ),
            )
            if ctx.slots
            else ()
        ),
    )


def _theme_label(ctx: TaskContext, skill: str | None) -> Say:
    if skill is None:
        return words("theme.review")
    return next((s.label for s in ctx.skills if s.id == skill), skill)


def _change_theme(ctx: TaskContext, submission: str) -> FormSpec:
    """The plan of the sessions still ahead, and a session to give another theme."""
    dates = dict(ctx.upcoming)
    plan = tuple(
        words(
            "theme.planned_on" if number in dates else "theme.planned",
            number=number,
            date=dates.get(number, ""),
            theme=_theme_label(ctx, skill),
        )
        for number, skill in ctx.themes
    )
    sessions = tuple((str(n), words("option.session", number=n)) for n, _ in ctx.themes)
    # The review is offered as the empty value: the answer's `skill` None.
    themes = (*_skills(ctx), ("", words("theme.review")))
    form = _pair_action(
        "change_theme",
        ThemeChange,
        submission,
        Field(
            ("session_number",), "select", words("field.session_number"), sessions, required=True
        ),
        Field(
            ("skill",),
            "select",
            words("field.theme"),
            themes,
            hint=words("hint.theme"),
            reading="optional",
        ),
    )
    (section,) = form.sections
    return replace(form, sections=(replace(section, notes=plan),))


def _pause(ctx: TaskContext, submission: str) -> FormSpec:
    return _pair_action(
        "pause",
        Pause,
        submission,
        Field(
            ("days",),
            "number",
            words("field.days"),
            hint=words("hint.days", max=ctx.max_pause_days),
            required=True,
            minimum=1,
            maximum=ctx.max_pause_days,
        ),
        Field(("reason",), "textarea", words("field.pause_reason"), max_length=2000),
    )


_FORMS: dict[TaskKind, Callable[[TaskRecord, TaskContext, str, Values], FormSpec]] = {
    TaskKind.SELF_ASSESSMENT: _self_assessment,
    TaskKind.CHEMISTRY: _chemistry,
    TaskKind.GOALS_PROPOSE: _goals_propose,
    TaskKind.GOALS_CONFIRM: _goals_confirm,
    TaskKind.SESSION_LOG: _session_log,
    TaskKind.MIDPOINT_SURVEY: _midpoint,
    TaskKind.FINAL_EVALUATION: _final_evaluation,
    TaskKind.CONCERN: _concern,
    TaskKind.ONBOARDING: _onboarding,
    TaskKind.SESSION_AGENDA: _session_agenda,
}
