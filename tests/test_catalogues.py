"""The web catalogues hold every key the pages use, nothing else, and read well in each language.

Keys come from the code and the templates, extracted with Babel as `make extract` does, and from
the families the pages build from codes (`refusal.{Refusal}`, `dash.event.{EventType}`...), each
enumerated from its enum.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import get_args

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from babel.util import pathmatch

from contracts.pair import PairPhase
from contracts.programme import ProgrammePhase
from domain.accounts import AuditAction, AuditDetail, AuditOutcome
from domain.accounts import Role as AccountRole
from domain.answers import AnswerFault, MeetingFormat
from domain.constraints import Constraint
from domain.delivery import DeliveryFailure
from domain.event_payloads import CoordinatorAlerted
from domain.events import EventType
from domain.matching import FactorCode
from domain.next_steps import NextStep
from domain.pair_rules import GoalsState
from domain.programme import Role
from domain.read_models import _PAIR_END
from domain.refusals import Refusal
from domain.report_comparison import Figure
from domain.skills import LEVELS
from domain.tasks import TaskKind
from domain.text import TextFault
from domain.unmatched import UnmatchedReason
from i18n.catalogues import LOCALES, LOCALES_DIR
from web.coordinator_auth import SignInProblem
from web.dashboard import _funnel
from web.form_spec import FieldFault
from web.forms import EXCHANGE_TOPICS, LANGUAGES, PAIR_ACTIONS, SLOTS
from web.links import LinkProblem
from web.oidc import SsoRefusal

ROOT = Path(__file__).resolve().parent.parent
# The web catalogue's readers: the pages, the dashboard and the words of codes (the CLI too).
WEB_SOURCES = ("web", "i18n", "control")
# As `make extract`, and `self(...)` for the translator's own keys.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "t": None,
    "gettext": None,
    "ngettext": (1, 2),
    "plural": None,
    "self": None,
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
NO_BREAK = "\u00a0\u202f"

# Phases the read models write (domain/read_models.py) besides the workflows' own.
READ_MODEL_PHASES = {"launching", "self_assessment", "matching_review", "running", "completed"}
READ_MODEL_PHASES |= {"chemistry", "goals", "sessions", "final", *_PAIR_END.values()}

# Entries kept although no page reads them now (none at present).
INTENTIONAL: set[str] = set()


@cache
def catalogue(locale: str) -> Catalog:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "web.po").open("rb") as po:
        return read_po(po, locale=locale, domain="web")


def entries(locale: str) -> dict[str, tuple[str, ...]]:
    """Key → its forms: one, or one per plural form (a plural is known by its first id)."""
    found: dict[str, tuple[str, ...]] = {}
    for message in catalogue(locale):
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, tuple) else (message.string,)
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        found[str(key)] = tuple(str(f or "") for f in forms)
    return found


def _extract(keywords: dict[str, tuple[int, ...] | None]) -> set[str]:
    """The keys `make extract` would write from the web's sources (the e-mails' templates read
    the mail catalogue)."""
    with (ROOT / "i18n" / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    keys: set[str] = set()
    for folder in WEB_SOURCES:
        for path in sorted((ROOT / folder).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            method = next((m for pattern, m in method_map if pathmatch(pattern, relative)), None)
            if method is None or "__pycache__" in relative:
                continue
            options: dict[str, str] = next(
                (o for pattern, o in options_map.items() if pathmatch(pattern, relative)), {}
            )
            for _line, message, _comments, _context in extract_from_file(
                method, str(path), keywords=keywords, options=options
            ):
                keys.add(str(message[0] if isinstance(message, tuple) else message))
    return keys


@cache
def extracted() -> frozenset[str]:
    """Every constant key the edges' code and templates pass to `_()`, `t()`, `ngettext()`...

    Babel joins the two keys of `t("form.yes" if x else "form.no")` into one message: such a
    message is read back as the two keys it joins.
    """
    known = set(entries("en"))
    keys: set[str] = set()
    for key in _extract(KEYWORDS):
        halves = [(key[:i], key[i:]) for i in range(1, len(key))]
        split = next(((a, b) for a, b in halves if a in known and b in known), None)
        keys.update(split if key not in known and split else (key,))
    return frozenset(keys)


@cache
def literals() -> frozenset[str]:
    """Every string constant in the edges' Python code (keys kept in tables, page prefixes)."""
    found: set[str] = set()
    for folder in ("web", "i18n"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    found.add(node.value)
    return frozenset(found)


def message_pages() -> set[str]:
    """The pages that only say something: a prefix with its `.title` and `.body`."""
    prefixes = {p.page for p in LinkProblem} | _extract({"message_page": (3,)})
    prefixes |= {s for s in literals() if re.fullmatch(r"page\.[a-z_]+", s)}
    return {f"{prefix}.{part}" for prefix in prefixes for part in ("title", "body")}


def families() -> set[str]:
    """The keys pages build from codes, enumerated from the codes themselves."""
    funnel = _funnel(
        {"participants": 1, "enrolled": 1, "assessments_submitted": 1, "pairs_completed": 0}, []
    )
    phases = {*PairPhase, *ProgrammePhase, *READ_MODEL_PHASES}
    standing = (TaskKind.CONCERN, TaskKind.PAIR_MANAGE)  # links without a due date
    alert_reasons = get_args(CoordinatorAlerted.model_fields["why"].annotation)  # every `why=`
    return {
        *(f"refusal.{code}" for code in Refusal),
        "refusal.unknown",
        *(f"next.{step}" for step in NextStep),
        "next.matching_recomputed.pairs",
        *(f"factor.{code}" for code in FactorCode),
        "factor.skills.priority",
        *(f"unmatched.{code}" for code in UnmatchedReason),
        "unmatched.ruled_out",
        "unmatched.no_mentee_left.compatible",
        *(f"constraint.{c.name.lower()}" for c in Constraint),
        *(f"dash.event.{event}" for event in EventType),
        *(f"dash.phase.{phase}" for phase in phases),
        *(f"dash.goals.{state}" for state in GoalsState),
        *(f"dash.alert.{why}" for why in alert_reasons),
        *(f"kind.{kind}" for kind in TaskKind),
        *(f"dash.kind.{kind}" for kind in TaskKind if kind not in standing),
        *(f"audit.{action}" for action in AuditAction),
        *(f"dash.audit.outcome.{outcome}" for outcome in AuditOutcome),
        *(f"dash.audit.detail.{detail}" for detail in AuditDetail),
        *(f"dash.role.{role}" for role in AccountRole),
        *(f"dash.login.{problem}" for problem in SignInProblem),
        "dash.login.expired",
        *(f"sso.refused.{r}.{part}" for r in SsoRefusal for part in ("title", "body")),
        *message_pages(),
        *(fault.value for fault in TextFault),
        *(f"level.{level}" for level in LEVELS),
        *(f"slot.{slot}" for slot in SLOTS),
        *(f"format.{f}" for f in MeetingFormat),
        *(f"language.{code}" for code in LANGUAGES),
        *(f"exchange.{topic}" for topic in EXCHANGE_TOPICS),
        *(f"dash.funnel.{step}" for step, _count, _total in funnel),
        *(f"dash.survey.{survey}" for survey in ("midpoint", "final")),  # store/dashboard_queries
        *(f"report.side.{role}" for role in Role),
        *(f"compare.figure.{figure}" for figure in Figure if figure is not Figure.UPLIFT),
        *(f"dash.roster.role.{role}" for role in Role),
        *(f"intro.self_assessment.{role}" for role in Role),
        *(f"section.exchange.{role}" for role in Role),
        *(f"dash.undelivered.code.{code}" for code in DeliveryFailure),
        *(fault.value for fault in AnswerFault),
        *(fault.value for fault in FieldFault),
        # The pair-management page's three forms (web/forms.py `_pair_action`), by update name.
        *(f"{part}.{action}" for action in PAIR_ACTIONS for part in ("action", "submit")),
    }


# Keys a page reads when the catalogue has them, and does without otherwise.
OPTIONAL = {f"intro.{kind}" for kind in TaskKind}


def used() -> set[str]:
    return set(extracted()) | families()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_key_the_pages_use_has_words(locale: str) -> None:
    words = entries(locale)
    missing = sorted(key for key in used() if not all(words.get(key, ("",))))
    assert not missing, f"{locale}: no words for {missing}"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_entry_is_left_that_nothing_uses(locale: str) -> None:
    reachable = used() | OPTIONAL | set(literals()) | INTENTIONAL
    obsolete = sorted(key for key in entries(locale) if key not in reachable)
    assert not obsolete, f"{locale}: nothing reads {obsolete}"


def test_both_catalogues_have_the_same_keys_and_plural_shapes() -> None:
    fr, en = entries("fr"), entries("en")
    assert set(fr) == set(en)
    for key in fr:
        assert (len(fr[key]) > 1) == (len(en[key]) > 1), f"{key}: plural in one catalogue only"


def test_each_entry_uses_the_same_placeholders_in_both_languages() -> None:
    fr, en = entries("fr"), entries("en")
    different = {
        key: (
            sorted(set(PLACEHOLDER.findall(" ".join(fr[key])))),
            sorted(set(PLACEHOLDER.findall(" ".join(en[key])))),
        )
        for key in fr
        if key in en
        and set(PLACEHOLDER.findall(" ".join(fr[key])))
        != set(PLACEHOLDER.findall(" ".join(en[key])))
    }
    assert not different, different


@pytest.mark.parametrize("locale", LOCALES)
def test_every_entry_formats_as_the_pages_format_it(locale: str) -> None:
    for key, forms in entries(locale).items():
        for form in forms:
            values = {name: "x" for name in PLACEHOLDER.findall(form)}
            assert "%(" not in form % {**values, "count": 2}, key


def test_french_punctuation_has_its_no_break_space() -> None:
    wrong = []
    for key, forms in entries("fr").items():
        for form in forms:
            for mark in _clause_marks(form):
                if mark.start() == 0 or form[mark.start() - 1] not in NO_BREAK:
                    wrong.append((key, form[max(0, mark.start() - 20) : mark.end() + 5]))
    assert not wrong, wrong


def _clause_marks(text: str) -> list[re.Match[str]]:
    """The : ; ? ! that end a clause: followed by a space, a closing sign or the end; never in a
    URL (`https://`), a time (`09:30`) or a placeholder."""
    bare = PLACEHOLDER.sub(lambda m: "_" * len(m[0]), text)
    return [
        mark
        for mark in re.finditer(r"[:;?!](?=[\s»)\]]|$)", bare)
        if not re.search(r"\w+://\S*$", bare[: mark.end()])
    ]


def test_a_count_is_said_in_its_plural_form_not_with_parentheses() -> None:
    for locale in LOCALES:
        for key, forms in entries(locale).items():
            for form in forms:
                # "mentoré(e)s" says who, not how many: only a count's "(s)" is refused.
                bare = form.replace("(e)s", "").replace("(e)", "")
                assert not re.search(r"\w\(s\)", bare), (locale, key, form)


def test_the_extraction_sees_the_keys_that_make_extract_writes() -> None:
    assert {
        "task.due",
        "errors.title",
        "done.next",
        "date.at",
        "form.yes",
        "form.no",
    } <= extracted()
