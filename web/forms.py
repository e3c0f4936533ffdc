"""One form per task kind: the fields it shows, and how a posted form becomes the answer model.

A field's `name` is also the path of its value in the answer model ("levels-linkedin" is
`levels["linkedin"]`, "goals-0-kpi" is `goals[0].kpi`), so a pydantic error's location leads
straight back to the field to mark. The task and participant ids never come from the form: the
page adds them from the verified link.
"""

from __future__ import annotations

import re
import secrets
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from domain.answers import (
    ANSWER_MODELS,
    Action,
    EndPair,
    Pause,
    Reschedule,
)
from domain.programme import Locale
from domain.skills import LEVEL_LABELS, LEVELS
from domain.tasks import TaskKind
from store.tasks import TaskRecord
from web.i18n import Translator

Widget = Literal["select", "radios", "checkboxes", "text", "textarea", "number", "date"]
Values = Mapping[str, Sequence[str]]  # every posted field, as the list of its values

SLOTS = tuple(
    f"{day}-{half}" for day in ("mon", "tue", "wed", "thu", "fri") for half in ("am", "pm")
)
# Shared words, so a mentee's offer and a mentor's wish can meet in the matching score.
EXCHANGE_TOPICS = ("leadership", "strategy", "network", "negotiation", "public-speaking", "career")
FORMATS = ("remote", "onsite", "hybrid")
LANGUAGES = ("fr", "en")
PAIR_ACTIONS = ("end_pair", "reschedule", "pause")
MAX_GOALS = 3
_SUBMISSION_ID = re.compile(r"[0-9a-f]{32}")


def storable(text: str) -> str:
    """A posted value without its NUL characters, which nobody types: PostgreSQL stores none
    (text or jsonb), so an answer holding one was accepted, then failed its step at every retry."""
    return text.replace("\x00", "")


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    widget: Widget
    options: tuple[tuple[str, str], ...] = ()
    hint: str = ""
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[Field, ...]
    notes: tuple[str, ...] = ()  # read-only lines shown above the fields


@dataclass(frozen=True)
class FormSpec:
    sections: tuple[Section, ...]
    submit: str
    hidden: tuple[tuple[str, str], ...] = ()
    action: str | None = None  # a pair-management page holds one form per action

    def fields(self) -> dict[str, Field]:
        return {f.name: f for s in self.sections for f in s.fields}

    def summary_labels(self) -> dict[str, str]:
        """Each field's label for the error summary, with its section's title when the label
        alone is ambiguous there ("Current level" of which skill?)."""
        counts = Counter(f.label for s in self.sections for f in s.fields)
        return {
            f.name: f.label if counts[f.label] == 1 else f"{s.title} – {f.label}"
            for s in self.sections
            for f in s.fields
        }


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


@dataclass(frozen=True)
class Submission:
    update_name: str
    update_id: str
    answer: Action
    action: str | None = None


class FormRejected(Exception):
    """The posted form does not make a valid answer; `errors` maps field name ("" = form)."""

    def __init__(self, errors: dict[str, str], action: str | None = None) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors
        self.action = action


# ---- which fields each form shows ------------------------------------------------------------


def build_forms(
    task: TaskRecord, ctx: TaskContext, t: Translator, values: Values
) -> list[FormSpec]:
    """The forms of the task's page (one, or one per action for pair management)."""
    if task.kind is TaskKind.PAIR_MANAGE:
        submission = _submission_id(values)
        return [
            _end_pair_form(t, submission),
            _reschedule_form(ctx, t, submission),
            _pause_form(ctx, t, submission),
        ]
    builder = _BUILDERS.get(task.kind)
    if builder is None:
        return []
    return [builder(task, ctx, t, values)]


def default_values(task: TaskRecord, locale: str) -> dict[str, list[str]]:
    """What a fresh form starts with: the answer model's own defaults, shown."""
    if task.kind is TaskKind.SELF_ASSESSMENT:
        return {"format": ["hybrid"], "capacity": ["1"], "languages": [locale]}
    if task.kind is TaskKind.GOALS_CONFIRM:
        return {"confirmed": ["true"]}
    return {}


def _levels(t: Translator) -> tuple[tuple[str, str], ...]:
    labels = LEVEL_LABELS[Locale(t.locale)]
    return tuple((str(n), t("level.option", level=n, label=labels[n])) for n in LEVELS)


def _yes_no(t: Translator) -> tuple[tuple[str, str], ...]:
    return (("true", t("form.yes")), ("false", t("form.no")))


def _scale(low: int, high: int) -> tuple[tuple[str, str], ...]:
    return tuple((str(n), str(n)) for n in range(low, high + 1))


def _self_assessment(task: TaskRecord, ctx: TaskContext, t: Translator, _: Values) -> FormSpec:
    mentee = ctx.role == "mentee"
    levels = _levels(t)
    sections: list[Section] = []
    for skill in ctx.skills:
        current = Field(
            f"levels-{skill.id}",
            t("field.level.current" if mentee else "field.level.expertise"),
            "select",
            levels,
            required=True,
        )
        target = Field(
            f"targets-{skill.id}", t("field.level.target"), "select", levels, required=True
        )
        sections.append(Section(skill.label, (current, target) if mentee else (current,)))
    skill_options = tuple((s.id, s.label) for s in ctx.skills)
    if mentee:
        priorities = Field("priorities", t("field.priorities"), "checkboxes", skill_options)
        sections.append(Section(t("section.priorities"), (priorities,)))
    practical: list[Field] = []
    if not mentee:
        practical.append(
            Field("capacity", t("field.capacity"), "radios", _scale(1, 3), required=True)
        )
    practical += [
        Field(
            "availability",
            t("field.availability"),
            "checkboxes",
            tuple((s, t(f"slot.{s}")) for s in SLOTS),
        ),
        Field(
            "format",
            t("field.format"),
            "radios",
            tuple((f, t(f"format.{f}")) for f in FORMATS),
            required=True,
        ),
        Field(
            "languages",
            t("field.languages"),
            "checkboxes",
            tuple((code, t(f"language.{code}")) for code in LANGUAGES),
            required=True,
        ),
    ]
    sections.append(Section(t("section.practical"), tuple(practical)))
    exchange = (
        Field(
            "exchange",
            t("field.exchange"),
            "checkboxes",
            tuple((x, t(f"exchange.{x}")) for x in EXCHANGE_TOPICS),
        ),
        Field("exchange_other", t("field.exchange_other"), "text", max_length=200),
    )
    sections.append(Section(t(f"section.exchange.{'mentee' if mentee else 'mentor'}"), exchange))
    return FormSpec(tuple(sections), t("form.submit"))


def _chemistry(task: TaskRecord, ctx: TaskContext, t: Translator, _: Values) -> FormSpec:
    go = Field(
        "go",
        t("field.go"),
        "radios",
        (("true", t("field.go.yes")), ("false", t("field.go.no"))),
        required=True,
    )
    reason = Field(
        "reason", t("field.reason"), "textarea", hint=t("hint.reason.no_go"), max_length=2000
    )
    return FormSpec((Section(t("kind.chemistry"), (go, reason)),), t("form.submit"))


def _goals_propose(task: TaskRecord, ctx: TaskContext, t: Translator, _: Values) -> FormSpec:
    sections = []
    for i in range(MAX_GOALS):
        required = i == 0
        title = t("section.goal" if required else "section.goal.optional", number=i + 1)
        sections.append(
            Section(
                title,
                (
                    Field(
                        f"goals-{i}-objective",
                        t("field.objective"),
                        "text",
                        hint=t("hint.objective") if required else "",
                        required=required,
                        max_length=500,
                    ),
                    Field(
                        f"goals-{i}-kpi",
                        t("field.kpi"),
                        "text",
                        hint=t("hint.kpi") if required else "",
                        required=required,
                        max_length=300,
                    ),
                    Field(
                        f"goals-{i}-target_date", t("field.target_date"), "date", required=required
                    ),
                ),
            )
        )
    return FormSpec(tuple(sections), t("form.submit"))


def _goal_lines(ctx: TaskContext, t: Translator) -> tuple[str, ...]:
    lines = []
    for goal in ctx.goals:
        when = str(goal.get("target_date", ""))
        with suppress(ValueError):  # not a date: shown as stored
            when = t.date(when)
        lines.append(
            t(
                "answer.goal",
                objective=goal.get("objective", ""),
                kpi=goal.get("kpi", ""),
                date=when,
            )
        )
    return tuple(lines) or (t("intro.goals_unknown"),)


def _goals_confirm(task: TaskRecord, ctx: TaskContext, t: Translator, _: Values) -> FormSpec:
    fields = (
        Field("confirmed", t("field.confirmed"), "radios", _yes_no(t), required=True),
        Field("comment", t("field.comment"), "textarea", max_length=2000),
    )
    section = Section(t("intro.goals_confirm"), fields, notes=_goal_lines(ctx, t))
    return FormSpec((section,), t("form.submit"))


def _session_log(task: TaskRecord, ctx: TaskContext, t: Translator, _: Values) -> FormSpec:
    fields = (
        Field("held", t("field.held"), "radios", _yes_no(t), required=True),
        Field("minutes", t("field.minutes"), "number", minimum=0, maximum=600),
        Field(
            "skills_covered",
            t("field.skills_covered"),
            "checkboxes",
            tuple((s.id, s.label) for s in ctx.skills),
        ),
        Field("notes", t("field.notes"), "textarea", max_length=5000),
        Field("progress_rating", t("field.progress_rating"), "radios", _scale(1, 5)),
    )
    number = task.context.get("session_number", "")
    return FormSpec((Section(t("intro.session_log", number=number), fields),), t("form.submit"))


def _midpoint(task: TaskRecord, ctx: TaskContext, t: Translator, _: Values) -> FormSpec:
    fields = (
        Field("satisfaction", t("field.satisfaction"), "radios", _scale(1, 5), required=True),
        Field("progress", t("field.progress"), "radios", _scale(1, 5), required=True),
        Field("concerns", t("field.concerns"), "textarea", max_length=5000),
        Field(
            "wants_to_continue",
            t("field.wants_to_continue"),
            "radios",
            _yes_no(t),
            required=True,
        ),
    )
    return FormSpec((Section(t("section.feedback"), fields),), t("form.submit"))


def _final_evaluation(task: TaskRecord, ctx: TaskContext, t: Translator, _: Values) -> FormSpec:
    sections: list[Section] = []
    if ctx.role == "mentee":
        levels = _levels(t)
        level_fields = tuple(
            Field(
                f"levels-{s.id}",
                f"{s.label} – {t('field.level.final')}",
                "select",
                levels,
                required=True,
            )
            for s in ctx.skills
        )
        sections.append(Section(t("section.skills"), level_fields))
        if ctx.goals:
            kpis = tuple(
                Field(
                    f"kpi_attainment-{i}",
                    t("field.kpi_attainment", objective=goal.get("objective", "")),
                    "number",
                    required=True,
                    minimum=0,
                    maximum=100,
                )
                for i, goal in enumerate(ctx.goals)
            )
            sections.append(Section(t("section.kpis"), kpis))
    feedback: list[Field] = [
        Field("satisfaction", t("field.satisfaction"), "radios", _scale(1, 5), required=True),
        Field("nps", t("field.nps"), "radios", _scale(0, 10), required=True),
    ]
    if ctx.role != "mentee":
        feedback.append(Field("learned_back", t("field.learned_back"), "textarea", max_length=5000))
    sections.append(Section(t("section.feedback"), tuple(feedback)))
    return FormSpec(tuple(sections), t("form.submit"))


def _submission_id(values: Values) -> str:
    """One id per filled-in form, for links that act more than once (concerns, pair management).

    A double click sends the same form twice (one effect); a later concern or a second reschedule
    is a new form, hence a new update, rather than a duplicate silently dropped by Temporal.
    """
    submission = _first(values, "submission")
    return submission if _SUBMISSION_ID.fullmatch(submission) else secrets.token_hex(16)


def _concern(task: TaskRecord, ctx: TaskContext, t: Translator, values: Values) -> FormSpec:
    submission = _submission_id(values)
    text = Field("text", t("field.text"), "textarea", required=True, max_length=5000)
    return FormSpec(
        (Section(t("kind.concern"), (text,)),),
        t("submit.concern"),
        hidden=(("submission", submission),),
    )


def _end_pair_form(t: Translator, submission: str) -> FormSpec:
    reason = Field(
        "end_pair-reason", t("field.end_reason"), "textarea", required=True, max_length=2000
    )
    return FormSpec(
        (Section(t("action.end_pair"), (reason,)),),
        t("submit.end_pair"),
        hidden=(("action", "end_pair"), ("submission", submission)),
        action="end_pair",
    )


def _reschedule_form(ctx: TaskContext, t: Translator, submission: str) -> FormSpec:
    sessions = (
        tuple((str(n), t("option.session_on", number=n, date=t.date(at))) for n, at in ctx.upcoming)
        if ctx.upcoming
        else tuple(
            (str(n), t("option.session", number=n)) for n in range(1, max(ctx.sessions, 1) + 1)
        )
    )
    fields = (
        Field(
            "reschedule-session_number",
            t("field.session_number"),
            "select",
            sessions,
            required=True,
        ),
        Field("reschedule-new_date", t("field.new_date"), "date", required=True),
    )
    return FormSpec(
        (Section(t("action.reschedule"), fields),),
        t("submit.reschedule"),
        hidden=(("action", "reschedule"), ("submission", submission)),
        action="reschedule",
    )


def _pause_form(ctx: TaskContext, t: Translator, submission: str) -> FormSpec:
    fields = (
        Field(
            "pause-days",
            t("field.days"),
            "number",
            hint=t("hint.days", max=ctx.max_pause_days),
            required=True,
            minimum=1,
            maximum=ctx.max_pause_days,
        ),
        Field("pause-reason", t("field.pause_reason"), "textarea", max_length=2000),
    )
    return FormSpec(
        (Section(t("action.pause"), fields),),
        t("submit.pause"),
        hidden=(("action", "pause"), ("submission", submission)),
        action="pause",
    )


_Builder = Callable[[TaskRecord, TaskContext, Translator, Values], FormSpec]
_BUILDERS: dict[TaskKind, _Builder] = {
    TaskKind.SELF_ASSESSMENT: _self_assessment,
    TaskKind.CHEMISTRY: _chemistry,
    TaskKind.GOALS_PROPOSE: _goals_propose,
    TaskKind.GOALS_CONFIRM: _goals_confirm,
    TaskKind.SESSION_LOG: _session_log,
    TaskKind.MIDPOINT_SURVEY: _midpoint,
    TaskKind.FINAL_EVALUATION: _final_evaluation,
    TaskKind.CONCERN: _concern,
}


# ---- from posted values to the answer model --------------------------------------------------


def _first(values: Values, name: str) -> str:
    found = values.get(name) or ()
    return str(found[0]) if found else ""


def _optional(values: Values, name: str) -> str | None:
    """A blank optional number stays None in the model rather than failing to parse."""
    return _first(values, name).strip() or None


def _chosen(values: Values, name: str, allowed: Sequence[str]) -> list[str]:
    """The ticked boxes among `allowed`, in the form's order (a forged value is ignored)."""
    ticked = set(values.get(name) or ())
    return [v for v in allowed if v in ticked]


@dataclass
class _Draft:
    """The payload read from the form, and where each of its values came from."""

    payload: dict[str, Any]
    prefix: str = ""
    model_error_field: str = ""  # where a whole-model validation error is shown
    renames: dict[tuple[Any, ...], str] = field(default_factory=dict)

    def field_for(self, loc: tuple[int | str, ...]) -> str:
        for length in range(len(loc), 0, -1):
            renamed = self.renames.get(tuple(loc[:length]))
            if renamed is not None:
                return renamed + "".join(f"-{part}" for part in loc[length:])
        if not loc:
            return self.model_error_field
        return self.prefix + "-".join(str(part) for part in loc)


def _self_assessment_payload(task: TaskRecord, ctx: TaskContext, values: Values) -> _Draft:
    skills = [s.id for s in ctx.skills]
    # Every skill of the task is present, blank when unanswered, so a forgotten level is an
    # error on its own field rather than a refusal from the workflow later.
    payload: dict[str, Any] = {
        "levels": {s: _first(values, f"levels-{s}") for s in skills},
        "availability": _chosen(values, "availability", SLOTS),
        "format": _first(values, "format"),
        "languages": _chosen(values, "languages", LANGUAGES),
        "exchange": _chosen(values, "exchange", EXCHANGE_TOPICS),
    }
    other = _first(values, "exchange_other").strip()
    if other:
        payload["exchange"].append(other)
    if ctx.role == "mentee":
        payload["targets"] = {s: _first(values, f"targets-{s}") for s in skills}
        payload["priorities"] = _chosen(values, "priorities", skills)
    else:
        payload["capacity"] = _first(values, "capacity")
    return _Draft(payload)


def _chemistry_payload(task: TaskRecord, ctx: TaskContext, values: Values) -> _Draft:
    # An unanswered radio group is posted as "", which fails to parse on its own field.
    payload = {"go": _first(values, "go"), "reason": _first(values, "reason")}
    return _Draft(payload, model_error_field="reason")


def _goals_payload(task: TaskRecord, ctx: TaskContext, values: Values) -> _Draft:
    goals: list[dict[str, str]] = []
    renames: dict[tuple[Any, ...], str] = {}
    for row in range(MAX_GOALS):
        goal = {
            part: _first(values, f"goals-{row}-{part}").strip()
            for part in ("objective", "kpi", "target_date")
        }
        # The first goal is required; a later one counts once anything of it is filled in.
        if row == 0 or any(goal.values()):
            renames[("goals", len(goals))] = f"goals-{row}"
            goals.append(goal)
    return _Draft({"goals": goals}, renames=renames)


def _goals_confirm_payload(task: TaskRecord, ctx: TaskContext, values: Values) -> _Draft:
    return _Draft({"confirmed": _first(values, "confirmed"), "comment": _first(values, "comment")})


def _session_log_payload(task: TaskRecord, ctx: TaskContext, values: Values) -> _Draft:
    payload: dict[str, Any] = {
        # The session is the task's, never the form's: the workflow checks they match.
        "session_number": task.context.get("session_number"),
        "minutes": _optional(values, "minutes"),
        "skills_covered": _chosen(values, "skills_covered", [s.id for s in ctx.skills]),
        "notes": _first(values, "notes"),
        "progress_rating": _optional(values, "progress_rating"),
        "held": _first(values, "held"),
    }
    return _Draft(payload)


def _midpoint_payload(task: TaskRecord, ctx: TaskContext, values: Values) -> _Draft:
    payload: dict[str, Any] = {
        "satisfaction": _first(values, "satisfaction"),
        "progress": _first(values, "progress"),
        "concerns": _first(values, "concerns"),
        # Unanswered is posted as "": an error to fix, not the model's default of "yes".
        "wants_to_continue": _first(values, "wants_to_continue"),
    }
    return _Draft(payload)


def _final_payload(task: TaskRecord, ctx: TaskContext, values: Values) -> _Draft:
    payload: dict[str, Any] = {
        "satisfaction": _first(values, "satisfaction"),
        "nps": _first(values, "nps"),
    }
    if ctx.role == "mentee":
        payload["levels"] = {s.id: _first(values, f"levels-{s.id}") for s in ctx.skills}
        payload["kpi_attainment"] = [
            _first(values, f"kpi_attainment-{i}") for i in range(len(ctx.goals))
        ]
    else:
        payload["learned_back"] = _first(values, "learned_back")
    return _Draft(payload)


def _concern_payload(task: TaskRecord, ctx: TaskContext, values: Values) -> _Draft:
    payload: dict[str, Any] = {"text": _first(values, "text")}
    pair_id = task.context.get("pair_id")
    if isinstance(pair_id, str):
        payload["pair_id"] = pair_id
    return _Draft(payload)


def _end_pair_payload(task: TaskRecord, ctx: TaskContext, values: Values) -> _Draft:
    return _Draft({"reason": _first(values, "end_pair-reason").strip()}, prefix="end_pair-")


def _reschedule_payload(task: TaskRecord, ctx: TaskContext, values: Values) -> _Draft:
    payload = {
        "session_number": _first(values, "reschedule-session_number"),
        "new_date": _first(values, "reschedule-new_date"),
    }
    return _Draft(payload, prefix="reschedule-")


def _pause_payload(task: TaskRecord, ctx: TaskContext, values: Values) -> _Draft:
    payload = {"days": _first(values, "pause-days"), "reason": _first(values, "pause-reason")}
    return _Draft(payload, prefix="pause-")


_Reader = Callable[[TaskRecord, TaskContext, Values], _Draft]
_READERS: dict[TaskKind, _Reader] = {
    TaskKind.SELF_ASSESSMENT: _self_assessment_payload,
    TaskKind.CHEMISTRY: _chemistry_payload,
    TaskKind.GOALS_PROPOSE: _goals_payload,
    TaskKind.GOALS_CONFIRM: _goals_confirm_payload,
    TaskKind.SESSION_LOG: _session_log_payload,
    TaskKind.MIDPOINT_SURVEY: _midpoint_payload,
    TaskKind.FINAL_EVALUATION: _final_payload,
    TaskKind.CONCERN: _concern_payload,
}
_PAIR_ACTIONS: dict[str, tuple[type[Action], _Reader]] = {
    "end_pair": (EndPair, _end_pair_payload),
    "reschedule": (Reschedule, _reschedule_payload),
    "pause": (Pause, _pause_payload),
}


def parse_answer(task: TaskRecord, ctx: TaskContext, t: Translator, values: Values) -> Submission:
    """The update to send for a posted form, or `FormRejected` with a message per wrong field."""
    action: str | None = None
    update_name, update_id = task.update_name, str(task.task_id)
    if task.kind is TaskKind.PAIR_MANAGE:
        action = _first(values, "action")
        if action not in _PAIR_ACTIONS:
            raise FormRejected({"": t("error.option")})
        model, reader = _PAIR_ACTIONS[action]
        update_name = action
    elif task.kind in _READERS:
        model, reader = ANSWER_MODELS[task.kind], _READERS[task.kind]
    else:
        raise FormRejected({"": t("error.invalid")})
    if task.kind in (TaskKind.CONCERN, TaskKind.PAIR_MANAGE):
        submission = _first(values, "submission")
        if not _SUBMISSION_ID.fullmatch(submission):
            raise FormRejected({"": t("errors.csrf")})
        update_id = f"{task.task_id}:{action or 'concern'}:{submission}"

    draft = reader(task, ctx, values)
    ids = {"task_id": task.task_id, "participant_id": task.participant_id}
    try:
        answer = model.model_validate({**draft.payload, **ids})
    except ValidationError as error:
        form = next(f for f in build_forms(task, ctx, t, values) if f.action == action)
        errors = _field_errors(error, draft, form.fields(), values, t)
        raise FormRejected(errors, action) from None
    return Submission(update_name, update_id, answer, action)


def _field_errors(
    error: ValidationError,
    draft: _Draft,
    fields: dict[str, Field],
    values: Values,
    t: Translator,
) -> dict[str, str]:
    """The first message for each field in error; "" collects what belongs to no field."""
    found: dict[str, str] = {}
    details = error.errors()
    for detail in details:
        if detail["type"] == "too_short" and _has_item_errors(detail["loc"], details):
            continue  # "no valid goal" only repeats what the goal's own fields say
        path = draft.field_for(tuple(detail["loc"]))
        names = _members_out_of_range(path, fields, values) or [_known(path, fields)]
        for name in names:
            widget = fields[name].widget if name in fields else "text"
            found.setdefault(name, _message(detail, widget, t))
    return found


def _has_item_errors(loc: tuple[int | str, ...], details: list[ErrorDetails]) -> bool:
    return any(len(d["loc"]) > len(loc) and d["loc"][: len(loc)] == loc for d in details)


def _members_out_of_range(group: str, fields: dict[str, Field], values: Values) -> list[str]:
    """For an error on a whole list ("kpi_attainment"), the fields of it whose value is wrong.

    A model validator that checks every item reports the list, not the item; the form knows each
    field's bounds, so it can still point at the value to fix.
    """
    if group in fields:
        return []
    wrong = []
    for name, spec in fields.items():
        if not name.startswith(f"{group}-") or spec.minimum is None or spec.maximum is None:
            continue
        try:
            number = int(_first(values, name))
        except ValueError:
            continue
        if not spec.minimum <= number <= spec.maximum:
            wrong.append(name)
    return wrong


def _known(name: str, fields: dict[str, Field]) -> str:
    """The field `name` names, or the group it belongs to ("levels-x" -> "levels"), or ""."""
    while name:
        if name in fields:
            return name
        name = name.rpartition("-")[0]
    return ""


_CUSTOM_ERRORS = (
    ("no-go needs a reason", "error.no_go_reason"),
    ("at least one language", "error.language"),
    ("KPI attainment", "error.percentage"),
    ("must be between 0 and 4", "error.level"),
)


def _message(detail: ErrorDetails, widget: Widget, t: Translator) -> str:
    kind, ctx = detail["type"], detail.get("ctx") or {}
    if kind == "missing" or detail.get("input") in ("", None):
        return t(
            "error.choose" if widget in ("select", "radios", "checkboxes") else "error.required"
        )
    if kind == "value_error":
        text = str(detail.get("msg", ""))
        return next(
            (t(key) for marker, key in _CUSTOM_ERRORS if marker in text), t("error.invalid")
        )
    simple = {
        "int_parsing": "error.whole_number",
        "int_from_float": "error.whole_number",
        "date_parsing": "error.date",
        "date_from_datetime_parsing": "error.date",
        "date_from_datetime_inexact": "error.date",
        "enum": "error.option",
        "literal_error": "error.option",
        "bool_parsing": "error.yes_no",
    }
    if kind in simple:
        return t(simple[kind])
    limits = {
        "greater_than_equal": ("error.at_least", "ge"),
        "greater_than": ("error.at_least", "gt"),
        "less_than_equal": ("error.at_most", "le"),
        "less_than": ("error.at_most", "lt"),
        "string_too_short": ("error.too_short", "min_length"),
        "string_too_long": ("error.too_long", "max_length"),
        "too_long": ("error.too_many", "max_length"),
        "too_short": ("error.too_few", "min_length"),
    }
    if kind in limits:
        key, limit = limits[kind]
        return t(key, limit=ctx.get(limit, ""))
    return t("error.invalid")
