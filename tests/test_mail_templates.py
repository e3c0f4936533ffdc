"""Every e-mail from its one template, with the real Jinja and the real `mail` catalogues."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from activities.mail_rendering import (
    REASONS,
    TEMPLATES,
    TEMPLATES_DIR,
    RenderFailed,
    render,
    words,
)
from domain.meeting_rules import SLOTS
from domain.notifications import CONTEXTS, TASK_TEMPLATES, MailTemplate, TemplateFailure
from domain.programme import Role
from domain.tasks import TaskKind
from domain.unmatched import UnmatchedReason
from i18n.catalogues import LOCALES, LOCALES_DIR
from tests.mail_helpers import (
    CONCERN_LINK,
    RECIPIENT,
    TASK_LINK,
    mail_values,
    sample_context,
    sample_contexts,
)

NBSP = "\u00a0"
GREETING = {"fr": "Bonjour", "en": "Hello"}
CONCERN_LABEL = {
    "fr": "Signaler une difficulté en toute confidentialité",
    "en": "Raise a concern confidentially",
}


def _render(template: str, locale: str, role: str = "mentor", **changes: object):  # type: ignore[no-untyped-def]
    context = sample_context(template, **changes)
    return render(
        template, locale, context, mail_values(template, role, context=context, locale=locale)
    )


# -- one template per e-mail -------------------------------------------------------------------


def test_no_template_is_written_per_language() -> None:
    files = sorted(p.relative_to(TEMPLATES_DIR).as_posix() for p in TEMPLATES_DIR.rglob("*"))
    assert all("/" not in name for name in files), files  # no fr/ nor en/ folder, nothing nested
    expected = {f"{name}.{part}.j2" for name in TEMPLATES for part in ("txt", "html")}
    partials = {f"{name}.{part}.j2" for name in ("_layout", "_theme") for part in ("txt", "html")}
    assert set(files) == expected | partials
    assert set(TEMPLATES) == set(CONTEXTS) == set(MailTemplate)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_in_every_locale_from_its_model(template: str, locale: str) -> None:
    for context in sample_contexts(template):
        for role in ("mentor", "mentee"):
            values = mail_values(template, role, context=context, locale=locale)
            mail = render(template, locale, context, values)

            assert mail.subject and "\n" not in mail.subject and len(mail.subject) < 140
            for part in (mail.subject, mail.text, mail.html):
                assert "None" not in part  # an unset optional value never shows
                assert not re.search(r"mail\.[a-z]", part), part  # no key shows
                assert "%(" not in part  # nor a placeholder
            assert "{{" not in mail.text and "{%" not in mail.html
            assert mail.text.startswith(GREETING[locale])
            assert (
                mail.html.startswith("<!DOCTYPE html>") and f'<html lang="{locale}">' in mail.html
            )
            if values.recipient_name:
                assert RECIPIENT in mail.text and RECIPIENT in mail.html
            if values.task_link:
                assert values.task_link in mail.text and f'href="{values.task_link}"' in mail.html
            assert (CONCERN_LABEL[locale] in mail.html) == bool(values.concern_link)
            assert (CONCERN_LABEL[locale] in mail.text) == bool(values.concern_link)
            if locale == "fr":  # French typography: a non-breaking space before : ; ? ! and in « »
                for part in (mail.subject, mail.text, re.sub(r"<[^>]*>", "", mail.html)):
                    assert not re.search(r" [:;?!»]|« ", part), part


def test_templates_in_both_locales_are_really_translated() -> None:
    for template in TEMPLATES:
        fr, en = _render(template, "fr"), _render(template, "en")
        assert fr.subject != en.subject, template
        assert fr.text != en.text and fr.html != en.html, template


# -- what the e-mails say --------------------------------------------------------------------


def test_a_self_assessment_reads_as_before() -> None:
    mail = _render("self_assessment", "fr")
    assert mail.subject == f"Votre auto-évaluation pour le programme «{NBSP}Tandem Printemps{NBSP}»"
    assert "Merci de la compléter d’ici le lundi 11 janvier 2027." in mail.text
    assert f"Compléter mon auto-évaluation{NBSP}:\n{TASK_LINK}" in mail.text
    assert "d’ici le <strong>lundi 11 janvier 2027</strong>." in mail.html
    assert ">Compléter mon auto-évaluation</a>" in mail.html
    assert CONCERN_LINK in mail.text


def test_goals_are_listed_with_their_dates() -> None:
    mail = _render("goals_confirm", "fr")
    assert "- Animer une visioconférence\n" in mail.text and "lundi 1er mars 2027" in mail.text
    assert "<strong>Partager un document</strong>" in mail.html
    assert "vendredi 2 avril 2027" in mail.html
    assert "(aucun objectif pour l’instant)" in _render("goals_confirm", "fr", goals=[]).text


def test_counts_agree_with_their_nouns() -> None:
    assert "a manqué 1 séance consécutive." in _render("at_risk", "fr", missed_in_a_row=1).text
    assert "a manqué 3 séances consécutives." in _render("at_risk", "fr", missed_in_a_row=3).text
    assert "has missed 1 session in a row." in _render("at_risk", "en", missed_in_a_row=1).text
    assert "with 1 session together" in _render("pair_completed", "en", sessions_held=1).text
    assert "avec 12 séances ensemble" in _render("pair_completed", "fr").text
    closed = _render("self_assessment_closed", "en", responded=1)
    assert closed.subject == "Tandem Printemps: self-assessments closed (1 response)"
    assert _render("self_assessment_closed", "fr", responded=0).subject.endswith("(0 réponse)")
    assert "every 14 days" in _render("sessions_scheduled", "en").text
    assert "tous les jours" in _render("sessions_scheduled", "fr", cadence_days=1).text
    assert (
        _render("sessions_scheduled", "en").subject
        == "Your 12 sessions with Jean Dupont are planned"
    )


@pytest.mark.parametrize(
    ("days_left", "fr", "en"),
    [
        (0, "dernier jour pour compléter", "last day to complete"),
        (1, "plus qu’un jour pour compléter", "one day left to complete"),
        (3, "plus que 3 jours pour compléter", "3 days left to complete"),
    ],
)
def test_a_reminder_counts_the_days_left(days_left: int, fr: str, en: str) -> None:
    assert fr in _render("self_assessment_reminder", "fr", days_left=days_left).subject
    assert en in _render("self_assessment_reminder", "en", days_left=days_left).subject
    html = _render("self_assessment_reminder", "en", days_left=3).html
    assert "You have <strong>3 days left</strong> to complete it, until Monday 11 January" in html


def test_optional_pair_and_role_read_naturally() -> None:
    text = _render("concern_raised", "fr", pair_id="").text
    assert "(mentor) a signalé une difficulté." in text and "concernant le binôme" not in text
    text = _render("concern_raised", "en", pair_id="pair-9", participant_role="mentee").text
    assert "(mentee)" in text and "about pair pair-9" in text
    assert "(mentoré(e))" in _render("concern_raised", "fr", participant_role="mentee").text
    text = _render("pair_ended_early", "fr").text
    assert "sur décision de la coordination du programme" in text
    assert "plusieurs séances consécutives n’ont pas eu lieu" not in text  # not a known code
    text = _render("pair_ended_early", "fr", reason="missed_sessions").text
    assert f"(sur décision de la coordination du programme). Motif{NBSP}: plusieurs" in text


def test_matching_review_without_a_task_points_to_the_review_commands() -> None:
    context = sample_context("matching_review")
    values = mail_values("matching_review", linked=False)
    mail = render("matching_review", "fr", context, values)
    assert "tandem matching show tandem-printemps" in mail.text
    assert "tandem matching --help" in mail.text
    assert "<code>tandem matching show tandem-printemps</code>" in mail.html
    assert "<code>approve</code>" in mail.html
    assert "/t/" not in mail.html


def test_a_resumed_pair_without_a_next_session_still_reads_well() -> None:
    mail = _render("pair_resumed", "en", next_session_date="")
    assert mail.subject == "Your pair resumes"
    assert "We will send you the date of your next session shortly." in mail.text
    dated = _render("pair_resumed", "en")
    assert dated.subject == "Your pair resumes: next session on Monday 10 May 2027"


def test_the_session_agenda_follows_who_leads_it() -> None:
    lead = _render("session_reminder", "en", leads_agenda=True).text
    assert "As the mentor, you set the agenda." in lead and "How far has Jean Dupont got" in lead
    follow = _render("session_reminder", "en", leads_agenda=False).text
    assert "Jean Dupont will suggest an agenda." in follow
    # With a planned theme the mentee writes their agenda, and the mentor knows it is coming.
    asked = _render("session_reminder", "en", leads_agenda=False, asks_agenda=True).text
    assert "tell Jean Dupont in two minutes what you have tried" in asked
    assert "Your agenda for this session, in two minutes:" in asked
    assert "will suggest an agenda" not in asked
    assert "Jean Dupont is asked for their agenda too" in lead


@pytest.mark.parametrize("kind", list(TaskKind))
def test_a_nudge_names_the_task_or_says_a_programme_task(kind: TaskKind) -> None:
    subject = _render("task_nudge", "en", task_kind=kind.value).subject
    task = subject.removeprefix("A reminder from the coordinators: ")
    assert task != subject and kind.value not in task and "_" not in task
    unnamed = {TaskKind.MATCHING_REVIEW, TaskKind.CONCERN, TaskKind.PAIR_MANAGE}
    assert (task == "a programme task") == (kind in unnamed)


@pytest.mark.parametrize(
    ("reason", "fr", "en"),
    [
        ("no_compatible_partner", "aucun profil compatible", "no compatible partner"),
        ("no compatible mentor: grade, department", "aucun profil compatible", "no compatible"),
        ("re-pairing limit reached", "aucun autre binôme", "no other partner"),
        ("no_backup_mentor", "aucun autre binôme", "no other partner"),
        ("self_assessment_missed", "auto-évaluation ne nous est pas parvenue", "self-assessment"),
        # Legacy: a notification recorded before the codes carries the activity's sentence.
        (
            "did not answer the self-assessment in time",
            "auto-évaluation ne nous est pas parvenue",
            "we did not receive your self-assessment in time",
        ),
    ],
)
def test_known_reasons_are_worded_in_the_reader_language(reason: str, fr: str, en: str) -> None:
    for locale, expected in (("fr", fr), ("en", en)):
        mail = _render("unmatched", locale, reason=reason)
        assert expected in mail.text and expected in mail.html
        assert "grade" not in mail.text  # matcher diagnostics stay out of the e-mail


@pytest.mark.parametrize("code", list(UnmatchedReason))
def test_every_unmatched_reason_is_worded_in_both_languages(code: UnmatchedReason) -> None:
    for locale, before in (("fr", f"Printemps{NBSP}» ("), ("en", "Printemps programme (")):
        text = _render("unmatched", locale, reason=code.value).text
        assert before in text, text
        assert code.value not in text


@pytest.mark.parametrize("reason", ["I do not get along with them", ""])
def test_unknown_reasons_are_left_out(reason: str) -> None:
    text = _render("pair_ended_early", "fr", reason=reason, ended_by_role="mentee").text
    assert "Motif" not in text and "get along" not in text
    assert "(à la demande de l’autre membre du binôme)." in text
    # The recipient's own role: they ended it.
    text = _render("pair_ended_early", "fr", reason=reason, ended_by_role="mentor").text
    assert "(à votre demande)." in text
    # Someone else (an id): no guess about who.
    text = _render("pair_ended_early", "en", reason=reason, ended_by_role="p-x").text
    assert "Your pair has ended before the planned date." in text and "()" not in text


def test_html_escapes_names_and_text_keeps_them() -> None:
    context = sample_context("chemistry")
    values = mail_values("chemistry", context=context).model_copy(
        update={"partner_name": "<script>alert(1)</script>"}
    )
    mail = render("chemistry", "en", context, values)
    assert "<script>" not in mail.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in mail.html
    assert mail.subject == "Meet your partner, <script>alert(1)</script>"
    assert "<script>alert(1)</script>" in mail.text


# -- a template that cannot render -------------------------------------------------------------


def _failure(template: str, context: dict[str, object], locale: str = "fr") -> RenderFailed:
    with pytest.raises(RenderFailed) as caught:
        render(template, locale, context, mail_values(template, context=sample_context(template)))
    return caught.value


def test_a_missing_or_misspelt_variable_is_a_loud_error() -> None:
    context = sample_context("self_assessment")
    del context["due_date"]
    failure = _failure("self_assessment", context)
    assert failure.code is TemplateFailure.INVALID_CONTEXT and "due_date" in failure.detail
    failure = _failure("session_missed", {**sample_context("session_missed"), "sesion": 3})
    assert failure.code is TemplateFailure.INVALID_CONTEXT and "sesion" in failure.detail
    failure = _failure("pair_paused", {**sample_context("pair_paused"), "until_date": "soon"})
    assert failure.code is TemplateFailure.INVALID_CONTEXT and "until_date" in failure.detail
    assert "soon" not in failure.detail  # a value is never quoted: it may be personal


def test_a_task_template_without_its_link_is_refused() -> None:
    context = sample_context("self_assessment")
    values = mail_values("self_assessment").model_copy(update={"task_link": None})
    with pytest.raises(RenderFailed) as caught:
        render("self_assessment", "fr", context, values)
    assert caught.value.code is TemplateFailure.MISSING_TASK_LINK


def test_an_unknown_template_is_refused() -> None:
    with pytest.raises(RenderFailed) as caught:
        render("no_such_template", "fr", {}, mail_values("enrolment"))
    assert caught.value.code is TemplateFailure.UNKNOWN_TEMPLATE


def _catalogue_without(
    tmp_path: Path, key: str | None = None, broken: dict[str, str] | None = None
) -> Path:
    """The real English catalogues as locale `xx`, `key` left out and `broken` texts swapped in."""
    for domain in ("web", "mail"):
        with (LOCALES_DIR / "en" / "LC_MESSAGES" / f"{domain}.po").open("rb") as po:
            source = read_po(po, locale="en", domain=domain)
        catalog = Catalog(locale="en", domain=domain)
        for message in source:
            if message.id and message.id != key:
                catalog.add(message.id, (broken or {}).get(str(message.id), message.string))
        folder = tmp_path / "xx" / "LC_MESSAGES"
        folder.mkdir(parents=True, exist_ok=True)
        with (folder / f"{domain}.mo").open("wb") as mo:
            write_mo(mo, catalog)
    return tmp_path


def test_a_key_no_catalogue_has_fails_instead_of_showing(tmp_path: Path) -> None:
    # French is every locale's fallback: a key must be missing there too to be missing at all.
    directory = _catalogue_without(tmp_path, "mail.unknown_partner")
    with pytest.raises(RenderFailed) as caught:
        words("xx", directory)("mail.no_such_key")
    assert caught.value.code is TemplateFailure.MISSING_MESSAGE
    assert caught.value.detail == "mail.no_such_key"
    # A key only French has reads French rather than the key.
    assert words("xx", directory)("mail.unknown_partner") == "un(e) collègue"


def test_a_catalogue_text_with_a_wrong_placeholder_fails(tmp_path: Path) -> None:
    directory = _catalogue_without(tmp_path, broken={"mail.greeting": "Hello %(nom)s,"})
    context = sample_context("enrolment")
    with pytest.raises(RenderFailed) as caught:
        render("enrolment", "xx", context, mail_values("enrolment"), directory)
    assert caught.value.code is TemplateFailure.MALFORMED_MESSAGE
    assert caught.value.detail == "mail.greeting"


# -- the catalogues ----------------------------------------------------------------------------


def _catalogue(locale: str) -> dict[str, object]:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "mail.po").open("rb") as po:
        catalog = read_po(po, locale=locale, domain="mail")
    return {str(m.id if isinstance(m.id, str) else m.id[0]): m.string for m in catalog if m.id}


def _keys_in_templates() -> set[str]:
    found: set[str] = set()
    for path in TEMPLATES_DIR.glob("*.j2"):
        with path.open("rb") as source:
            for _, message, _, _ in extract(
                babel_extract,  # type: ignore[arg-type]  # Jinja's extractor, typed loosely
                source,
                keywords={"_": None, "ngettext": (1, 2)},
            ):
                found.add(message if isinstance(message, str) else message[0])
    return found


def _keys_from_code() -> set[str]:
    roles = {f"mail.role.{role.value}" for role in Role} | {"mail.role.coordinator"}
    reasons = {f"mail.reason.{code}" for code in REASONS}
    # A reminder can be sent for what a participant answers; the pair's own page, a concern
    # and the coordinator's review read "a programme task".
    unnamed = {TaskKind.MATCHING_REVIEW, TaskKind.CONCERN, TaskKind.PAIR_MANAGE}
    kinds = {f"mail.task_nudge.task.{kind}" for kind in set(TaskKind) - unnamed}
    kinds.add("mail.task_nudge.task.other")
    mailer = {
        "mail.unknown_partner",
        "mail.invitation.summary",
        "mail.invitation.description",
        "mail.invitation.session_summary",
        "mail.invitation.moved",
        "mail.invitation.moved_from_holiday",
        "mail.holiday.unnamed",
        "mail.calendar_feed.name",  # the feed's name in the reader's list of calendars
        # A session's theme, in its invitation (activities/session_themes.py).
        "mail.invitation.session_summary.theme",
        "mail.invitation.theme",
        "mail.invitation.exercise",
        "mail.theme.review",
    }
    slots = {f"mail.slot.{slot}" for slot in SLOTS}
    return roles | reasons | kinds | mailer | slots


def test_every_key_is_worded_in_every_catalogue_and_none_is_left_over() -> None:
    used = _keys_in_templates() | _keys_from_code()
    for locale in LOCALES:
        catalogue = _catalogue(locale)
        assert set(catalogue) == used, locale
        for key, text in catalogue.items():
            assert all([text] if isinstance(text, str) else text), (locale, key)  # type: ignore[arg-type]


def test_french_typography_in_the_catalogue() -> None:
    for key, text in _catalogue("fr").items():
        for form in [text] if isinstance(text, str) else list(text):  # type: ignore[call-overload]
            assert not re.search(r" [:;?!»]|« |[^\s\u00a0][:;?!](?!\w)", form), (key, form)


def test_task_templates_name_their_action() -> None:
    for template in TASK_TEMPLATES:
        mail = _render(template, "en")
        action = re.search(r'font-weight:bold;">([^<]+)</a>', mail.html)
        assert action is not None and action[1] != "Open the page", template
        assert f"{action[1]}:\n{TASK_LINK}" in mail.text
