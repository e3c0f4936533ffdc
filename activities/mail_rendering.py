"""An e-mail's subject, text and HTML from its one template, in the reader's language.

Each notification has `templates/{name}.txt.j2` (which also sets its `subject`) and
`templates/{name}.html.j2`, sharing `_layout.txt.j2` and `_layout.html.j2`. Every word is a key of
the `mail` catalogue (`i18n/locales/*/LC_MESSAGES/mail.po`) looked up through `_()` / `ngettext()`;
dates are written by Babel for the locale. A template that cannot be rendered — a value its model
does not allow, a variable nobody gave it, a key no catalogue has — raises `RenderFailed` with a
`TemplateFailure` code: a retry would fail the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_timezone_location
from babel.support import NullTranslations
from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    UndefinedError,
    pass_context,
    pass_eval_context,
    select_autoescape,
)
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from markupsafe import Markup

from domain.holiday_calendar import holiday_name
from domain.notifications import (
    CONTEXTS,
    TASK_TEMPLATES,
    InvalidNotification,
    MailTemplate,
    MailValues,
    TemplateFailure,
    checked_context,
)
from domain.unmatched import UnmatchedReason, unmatched_reason
from i18n.catalogues import LOCALES_DIR, CataloguesMissing
from i18n.formatting import cldr_locale, clock_time
from i18n.translator import Translator

TEMPLATES_DIR = Path(__file__).parent / "templates"
TEMPLATES: tuple[str, ...] = tuple(MailTemplate)
INVITATION_FILE = "invitation.ics"

# Why someone was left unmatched or a pair ended, as told to participants: `mail.reason.{code}`.
# Only a recognised reason is shown: anything else may be matcher diagnostics or someone's own
# words about their partner, and in the wrong language too, so the e-mail leaves it out (the
# dashboard has it). A concern is deliberately never a reason here: telling the partner would
# break confidentiality.
REASONS = frozenset(
    {
        "no_compatible_partner",
        "self_assessment_missed",
        "repairing_exhausted",
        "no_go",
        "no_mentee_waiting",
        "missed_sessions",
        "pause_expired",
        "participant_left",
        "mutual_agreement",
        "coordinator_decision",
    }
)
# Each reason someone is left unmatched, by the reason participants read.
_UNMATCHED_WORDING = {
    UnmatchedReason.SELF_ASSESSMENT_MISSED: "self_assessment_missed",
    UnmatchedReason.NO_MENTOR_AVAILABLE: "no_compatible_partner",
    UnmatchedReason.NO_COMPATIBLE_MENTOR: "no_compatible_partner",
    UnmatchedReason.MENTORS_AT_CAPACITY: "no_compatible_partner",
    UnmatchedReason.NO_COMPATIBLE_MENTEE: "no_compatible_partner",
    UnmatchedReason.NO_MENTEE_LEFT: "no_compatible_partner",
    UnmatchedReason.REPAIRING_LIMIT_REACHED: "repairing_exhausted",
    UnmatchedReason.NO_BACKUP_MENTOR: "repairing_exhausted",
    UnmatchedReason.NO_MENTEE_WAITING: "no_mentee_waiting",
}
# The phrases the pair workflow uses for how a pair ended, by the code they mean.
_PAIR_END_ALIASES = {
    "no answer in time": "no_go",
    "ended by coordinator": "coordinator_decision",
}


def reason_code(reason: object) -> str | None:
    """The reason participants may read for `reason`, or None when it is not one we word."""
    text = str(reason or "").strip()
    unmatched = unmatched_reason(text)  # a code, or a sentence recorded before the codes
    if unmatched is not None:
        return _UNMATCHED_WORDING[unmatched]
    head = text.split(":", 1)[0].strip().lower()
    return head if head in REASONS else _PAIR_END_ALIASES.get(head)


class RenderFailed(Exception):
    """`detail` names variables, keys or fields, never their values (they may be personal)."""

    def __init__(self, code: TemplateFailure, detail: str = "") -> None:
        super().__init__(f"{code.value}: {detail}" if detail else code.value)
        self.code = code
        self.detail = detail


class _MissingMessage(LookupError):
    pass


class _MalformedMessage(ValueError):
    pass


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class MailWords:
    """A locale's catalogue, strict: a key that no catalogue has fails instead of showing itself.

    Texts are %-format strings, always formatted (as Jinja's new-style gettext does), so `%%`
    reads the same everywhere.
    """

    def __init__(self, locale: str, directory: Path = LOCALES_DIR) -> None:
        self.t = Translator(locale, directory)
        self._translations = self.t.translations
        # A programme sends thousands of e-mails with the same few hundred texts and dates.
        self._texts: dict[str, str] = {}
        self.date = lru_cache(maxsize=4096)(self.t.date)

    def has(self, key: str) -> bool:
        found: NullTranslations | None = self._translations
        while found is not None:
            catalog = getattr(found, "_catalog", {})
            if key in catalog or (key, 0) in catalog:  # (key, n): a plural's forms
                return True
            found = getattr(found, "_fallback", None)
        return False

    def text(self, key: str) -> str:
        text = self._texts.get(key)
        if text is None:
            if not self.has(key):
                raise _MissingMessage(key)
            text = self._texts[key] = str(self._translations.gettext(key))
        return text

    def plural_text(self, key: str, count: int) -> str:
        if not self.has(key):
            raise _MissingMessage(key)
        return str(self._translations.ngettext(key, f"{key}.plural", count))

    def __call__(self, key: str, **values: object) -> str:
        return _fill(key, self.text(key), values)


def _fill(key: str, text: str, values: Mapping[str, object]) -> str:
    try:
        return text % values
    except (KeyError, ValueError, TypeError) as e:
        raise _MalformedMessage(key) from e


def _install_words(env: Environment, catalogue: MailWords) -> None:
    """`_()` and `ngettext()` for the templates, with the catalogue's `%(name)s` placeholders.

    In HTML the catalogue's text is trusted markup and the values are escaped, as with Jinja's
    i18n extension; `ngettext` fills `%(count)s` itself.
    """

    @pass_context
    def gettext(context: Context, key: str, **values: object) -> str:
        text = catalogue.text(key)
        return _fill(key, Markup(text) if context.eval_ctx.autoescape else text, values)

    @pass_context
    def ngettext(context: Context, key: str, plural: str, count: int, **values: object) -> str:
        if plural != f"{key}.plural":
            raise _MalformedMessage(key)  # the catalogue's convention: `key` and `key.plural`
        text = catalogue.plural_text(key, count)
        values = {"count": count, **values}
        return _fill(key, Markup(text) if context.eval_ctx.autoescape else text, values)

    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)


def _wrap(tag: str) -> Callable[[EvalContext, object], object]:
    @pass_eval_context
    def wrap(eval_ctx: EvalContext, value: object) -> object:
        # In HTML the value is set off (<strong>, <code>); the plain text keeps it as it is.
        if eval_ctx.autoescape:
            return Markup(f"<{tag}>%s</{tag}>") % value
        return value

    return wrap


@cache
def _environment(locale: str, directory: Path) -> Environment:
    # Not `i18n.jinja.localised_environment`: its gettext shows a missing key as itself, and an
    # e-mail must not go out with one; these functions fail instead, otherwise alike.
    catalogue = MailWords(locale, directory)
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        # Escape only the HTML part: a subject or plain text must keep "<" as typed, not "&lt;".
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=StrictUndefined,  # a variable the workflow forgot is an error, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # installed files: no stat of every template for every e-mail
    )
    _install_words(env, catalogue)
    env.globals["invitation_file"] = INVITATION_FILE
    env.filters["date"] = catalogue.date
    env.filters["strong"] = _wrap("strong")
    env.filters["code"] = _wrap("code")
    env.filters["role_label"] = lambda role: catalogue(f"mail.role.{role}")
    env.filters["reason_label"] = lambda reason: _reason_label(catalogue, reason)
    env.filters["task_label"] = lambda kind: _task_label(catalogue, kind)
    env.filters["slot_label"] = lambda slot: catalogue(f"mail.slot.{slot}")
    env.filters["clock"] = lambda moment, zone: clock_time(
        datetime.fromisoformat(str(moment)).astimezone(ZoneInfo(str(zone))), locale
    )
    env.filters["holiday_name"] = lambda day, region: _holiday(catalogue, region, day, locale)
    env.filters["zone_city"] = lambda zone: get_timezone_location(
        ZoneInfo(str(zone)), locale=cldr_locale(locale), return_city=True
    )
    return env


def _holiday(catalogue: MailWords, region: object, day: object, locale: str) -> str:
    name = holiday_name(str(region or "none"), date.fromisoformat(str(day)), locale)
    return name or catalogue("mail.holiday.unnamed")


def _reason_label(catalogue: MailWords, reason: object) -> str:
    """The reason in the reader's language, or "" when it is not one we can word for them."""
    code = reason_code(reason)
    return "" if code is None else catalogue(f"mail.reason.{code}")


def _task_label(catalogue: MailWords, kind: object) -> str:
    # A task kind no reminder was ever worded for (the pair's own page) reads "a programme task".
    key = f"mail.task_nudge.task.{kind}"
    return catalogue(key if catalogue.has(key) else "mail.task_nudge.task.other")


@contextmanager
def _failures() -> Iterator[None]:
    """Every way a rendering goes wrong, as the code a workflow can act on."""
    try:
        yield
    except RenderFailed:
        raise
    except CataloguesMissing:
        raise  # an installation error: the next deployment mends it, a retry then succeeds
    except InvalidNotification as e:
        raise RenderFailed(TemplateFailure.INVALID_CONTEXT, str(e)) from e
    except UndefinedError as e:
        raise RenderFailed(TemplateFailure.UNDEFINED_VARIABLE, str(e.message)) from e
    except _MissingMessage as e:
        raise RenderFailed(TemplateFailure.MISSING_MESSAGE, str(e.args[0])) from e
    except _MalformedMessage as e:
        raise RenderFailed(TemplateFailure.MALFORMED_MESSAGE, str(e.args[0])) from e
    except TemplateError as e:  # a template that does not parse or is not there
        raise RenderFailed(TemplateFailure.RENDERING_ERROR, str(e.message)) from e
    except Exception as e:
        # Only the kind: an arbitrary message may quote a value, and values may be personal.
        raise RenderFailed(TemplateFailure.RENDERING_ERROR, type(e).__name__) from e


_FOLDS = re.compile(r"[ \t\r\n]+")  # not str.split(): it would take the non-breaking spaces too


def render(
    template: str,
    locale: str,
    context: Mapping[str, Any],
    values: MailValues,
    directory: Path = LOCALES_DIR,
) -> Rendered:
    """One notification in `locale`: `context` as the workflow recorded it, `values` the mailer's.

    `directory` holds the catalogues (another one: the tests' pseudo-locale).
    """
    if template not in CONTEXTS:
        raise RenderFailed(TemplateFailure.UNKNOWN_TEMPLATE, template)
    with _failures():
        checked = checked_context(template, context)
        if template in TASK_TEMPLATES and not values.task_link:
            raise RenderFailed(TemplateFailure.MISSING_TASK_LINK, template)
        env = _environment(locale, directory)
        mailer = values.model_dump(mode="json", exclude={"partner_name"})
        data: dict[str, Any] = {**checked.model_dump(mode="json"), **mailer, "locale": locale}
        if "partner_id" in data and values.partner_name is not None:
            data["partner_name"] = values.partner_name
        text = env.get_template(f"{template}.txt.j2").make_module(data)
        subject = getattr(text, "subject", None)  # the text template sets it
        if subject is None:
            raise RenderFailed(TemplateFailure.RENDERING_ERROR, f"{template}.txt.j2: no subject")
        html = env.get_template(f"{template}.html.j2").render(data)
        # A subject is one line; template whitespace must not turn into a folded header.
        return Rendered(_FOLDS.sub(" ", str(subject)).strip(), str(text), html)


def words(locale: str, directory: Path = LOCALES_DIR) -> Callable[..., str]:
    """The catalogue's words outside the templates (an invitation's summary, an unknown name).

    A missing or malformed key fails as `RenderFailed`, like in a template.
    """
    strict = MailWords(locale, directory)

    def word(key: str, **values: object) -> str:
        with _failures():
            return strict(key, **values)

    return word
