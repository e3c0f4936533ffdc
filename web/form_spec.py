"""A form declared once: each field's widget, words, limits and options, and where its value goes
in the answer model. The page renders the declaration; a posted form is read from it into the
model, and each of the model's errors is pinned to the field to fix as a message key with its
values (`Words`), worded only when the page is rendered, in the reader's language.

A field's `path` is where its value sits in the model's input (("levels", "linkedin") is
`levels["linkedin"]`, ("goals", 0, "kpi") is `goals[0].kpi`), so a pydantic error's location
leads back to the field to mark. Its name in the page is the path joined with dashes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from domain.answers import AnswerFault
from domain.typed_text import AS_TYPED
from web.i18n import Translator

Widget = Literal["select", "radios", "checkboxes", "text", "textarea", "number", "date"]
Values = Mapping[str, Sequence[str]]  # every posted field, as the list of its values
Path = tuple[str | int, ...]
# How a field's posted values become its value in the model's input:
#   first: the first value as posted ("" when none: an unanswered radio group fails on its field)
#   stripped: the same without surrounding spaces
#   optional: stripped, or None when blank (an optional number left empty)
#   ticked: the ticked options, in the form's order (a forged value is ignored)
Reading = Literal["first", "stripped", "optional", "ticked"]
_CHOICES = ("select", "radios", "checkboxes")


@dataclass(frozen=True)
class Words:
    """A message key and its values; a date among them is written in the reader's way."""

    key: str
    values: Mapping[str, object] = field(default_factory=dict)


def words(key: str, **values: object) -> Words:
    return Words(key, values)


# What a page shows: words to translate, text already in the reader's language (a skill's
# label), or parts shown one after the other ("LinkedIn – Current level").
Say = Words | str | tuple[Words | str, ...]


def wording(t: Translator, said: Say) -> str:
    if isinstance(said, str):
        return said
    if isinstance(said, tuple):
        return " – ".join(wording(t, part) for part in said)
    values = {
        k: t.date(v) if isinstance(v, date) else wording(t, v) if isinstance(v, Words) else v
        for k, v in said.values.items()
    }
    return t(said.key, **values)


class FieldFault(StrEnum):
    """What is wrong with a posted value, beyond the answer's own faults (`AnswerFault`); the
    values are i18n keys, some with a `limit`."""

    REQUIRED = "error.required"
    CHOOSE = "error.choose"
    WHOLE_NUMBER = "error.whole_number"
    AT_LEAST = "error.at_least"
    AT_MOST = "error.at_most"
    TOO_SHORT = "error.too_short"
    TOO_LONG = "error.too_long"
    TOO_MANY = "error.too_many"
    TOO_FEW = "error.too_few"
    DATE = "error.date"
    OPTION = "error.option"
    YES_NO = "error.yes_no"
    INVALID = "error.invalid"


@dataclass(frozen=True)
class Field:
    path: Path
    widget: Widget
    label: Say
    options: tuple[tuple[str, Say], ...] = ()
    hint: Say = ""
    required: bool = False
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    reading: Reading | None = None  # None: "ticked" for checkboxes, else "first"
    initial: tuple[str, ...] = ()  # what a fresh form shows: the model's default, or the reader's
    prefix: str = ""  # the form's, on a page of several forms
    named: str = ""  # a name other than the path's

    @property
    def name(self) -> str:
        return self.named or self.prefix + "-".join(str(part) for part in self.path)

    def value(self, values: Values) -> object:
        posted = values.get(self.name) or ()
        first = str(posted[0]) if posted else ""
        reading = self.reading or ("ticked" if self.widget == "checkboxes" else "first")
        if reading == "ticked":
            ticked = set(posted)
            return [option for option, _ in self.options if option in ticked]
        if reading == "first":
            return first
        return first.strip() or (None if reading == "optional" else "")

    def filled(self, values: Values) -> bool:
        posted = values.get(self.name) or ()
        return bool(posted and str(posted[0]).strip())


@dataclass(frozen=True)
class Document:
    """A text shown in full on a form: its title and its HTML, rendered from Markdown with raw
    HTML disabled (web/guide_texts.py), so it is safe to insert as it is."""

    title: str
    html: str


@dataclass(frozen=True)
class Section:
    title: Say
    fields: tuple[Field, ...]
    notes: tuple[Say, ...] = ()  # read-only lines shown above the fields
    documents: tuple[Document, ...] = ()  # texts to read before the fields (the charter)
    optional: bool = False  # left out of the answer when none of its fields is filled in


class FormRejected(Exception):
    """The posted form does not make a valid answer; `errors` maps field name ("" = the form)."""

    def __init__(self, errors: dict[str, Words], action: str | None = None) -> None:
        super().__init__(f"{len(errors)} invalid field(s)")
        self.errors = errors
        self.action = action


@dataclass(frozen=True)
class FormSpec:
    model: type[BaseModel]
    sections: tuple[Section, ...]
    submit: Say
    update: str | None = None  # the update it sends, when not the task's own
    action: str | None = None  # a pair-management page holds one form per action
    hidden: tuple[tuple[str, str], ...] = ()
    fixed: Mapping[str, object] = field(default_factory=dict)  # from the task, never the form
    answer_errors_at: str = ""  # the field that shows an error about the whole answer

    def fields(self) -> dict[str, Field]:
        return {f.name: f for s in self.sections for f in s.fields}

    def initial_values(self) -> dict[str, list[str]]:
        return {f.name: list(f.initial) for f in self.fields().values() if f.initial}

    def summary_labels(self) -> dict[str, Say]:
        """Each field's label for the error summary, with its section's title when the label
        alone is ambiguous there ("Current level" of which skill?)."""
        labels = [f.label for s in self.sections for f in s.fields]
        return {
            f.name: f.label if labels.count(f.label) == 1 else _parts(s.title, f.label)
            for s in self.sections
            for f in s.fields
        }

    def read(self, values: Values, ids: Mapping[str, object]) -> Any:
        """The model read from the posted `values`, or `FormRejected` naming each wrong field."""
        given: dict[str | int, Any] = {}
        for section in self.sections:
            if section.optional and not any(f.filled(values) for f in section.fields):
                continue
            for f in section.fields:
                _put(given, f.path, f.value(values))
        renames: dict[Path, Path] = {}
        payload = _as_lists(given, (), (), renames)
        try:
            return self.model.model_validate({**payload, **self.fixed, **ids}, context=AS_TYPED)
        except ValidationError as error:
            raise FormRejected(self._errors(error, renames, values), self.action) from None

    def _errors(
        self, error: ValidationError, renames: dict[Path, Path], values: Values
    ) -> dict[str, Words]:
        """The first fault of each field in error; "" collects what belongs to no field."""
        fields = list(self.fields().values())
        found: dict[str, Words] = {}
        details = error.errors()
        for detail in details:
            if detail["type"] == "too_short" and _has_item_errors(detail, details):
                continue  # "no valid goal" only repeats what the goal's own fields say
            loc = _renamed(tuple(detail["loc"]), renames)
            for spec in self._fields_at(loc, fields, values):
                name = spec.name if spec else ""
                found.setdefault(name, _fault(detail, spec.widget if spec else "text"))
        return found

    def _fields_at(
        self, loc: Path, fields: list[Field], values: Values
    ) -> list[Field] | list[None]:
        """The fields an error at `loc` is about, or [None] for the form itself."""
        if not loc:
            whole = self.fields().get(self.answer_errors_at)
            return [whole] if whole else [None]
        exact = [f for f in fields if f.path == loc]
        if exact:
            return exact[:1]
        # A check of a whole list ("kpi_attainment") names the list: the form knows each
        # member's bounds, so it can still point at the values to fix.
        members = [f for f in fields if f.path[: len(loc)] == loc and _out_of_range(f, values)]
        if members:
            return members
        holders = [f for f in fields if loc[: len(f.path)] == f.path]
        return holders[:1] or [None]


def _parts(title: Say, label: Say) -> Say:
    return (*_as_parts(title), *_as_parts(label))


def _as_parts(said: Say) -> tuple[Words | str, ...]:
    return said if isinstance(said, tuple) else (said,)


def _put(given: dict[str | int, Any], path: Path, value: object) -> None:
    node = given
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def _as_lists(node: object, at: Path, was: Path, renames: dict[Path, Path]) -> Any:
    """Mappings by position become lists; a row left out closes the gap, and `renames` keeps
    where each moved item came from (goal 3 is the answer's second when goal 2 is blank)."""
    if not isinstance(node, dict):
        return node
    if node and all(isinstance(key, int) for key in node):
        items = []
        for new, old in enumerate(sorted(node)):
            if new != old:
                renames[(*at, new)] = (*was, old)
            items.append(_as_lists(node[old], (*at, new), (*was, old), renames))
        return items
    return {key: _as_lists(item, (*at, key), (*was, key), renames) for key, item in node.items()}


def _renamed(loc: Path, renames: dict[Path, Path]) -> Path:
    for length in range(len(loc), 0, -1):
        original = renames.get(loc[:length])
        if original is not None:
            return original + loc[length:]
    return loc


def _has_item_errors(detail: ErrorDetails, details: list[ErrorDetails]) -> bool:
    loc = detail["loc"]
    return any(len(d["loc"]) > len(loc) and d["loc"][: len(loc)] == loc for d in details)


def _out_of_range(spec: Field, values: Values) -> bool:
    if spec.minimum is None or spec.maximum is None:
        return False
    try:
        number = int(str(spec.value(values)))
    except ValueError:
        return False
    return not spec.minimum <= number <= spec.maximum


_TYPES = {
    "int_parsing": FieldFault.WHOLE_NUMBER,
    "int_from_float": FieldFault.WHOLE_NUMBER,
    "date_parsing": FieldFault.DATE,
    "date_from_datetime_parsing": FieldFault.DATE,
    "date_from_datetime_inexact": FieldFault.DATE,
    "enum": FieldFault.OPTION,
    "literal_error": FieldFault.OPTION,
    "bool_parsing": FieldFault.YES_NO,
}
_LIMITS = {
    "greater_than_equal": (FieldFault.AT_LEAST, "ge"),
    "greater_than": (FieldFault.AT_LEAST, "gt"),
    "less_than_equal": (FieldFault.AT_MOST, "le"),
    "less_than": (FieldFault.AT_MOST, "lt"),
    "string_too_short": (FieldFault.TOO_SHORT, "min_length"),
    "string_too_long": (FieldFault.TOO_LONG, "max_length"),
    "too_long": (FieldFault.TOO_MANY, "max_length"),
    "too_short": (FieldFault.TOO_FEW, "min_length"),
}
_ANSWER_FAULTS = frozenset(AnswerFault)


def _fault(detail: ErrorDetails, widget: Widget) -> Words:
    kind, ctx = detail["type"], detail.get("ctx") or {}
    if kind == "missing" or detail.get("input") in ("", None):
        return words(FieldFault.CHOOSE if widget in _CHOICES else FieldFault.REQUIRED)
    if kind in _ANSWER_FAULTS:
        return words(kind)
    if kind in _TYPES:
        return words(_TYPES[kind])
    if kind in _LIMITS:
        fault, limit = _LIMITS[kind]
        return words(fault, limit=ctx.get(limit, ""))
    return words(FieldFault.INVALID)
