"""Contexts for every e-mail built from its model (`domain.notifications`), and the values the
mailer adds, for the rendering tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from activities.mail_rendering import words
from activities.session_themes import theme_words
from domain.notifications import (
    CONTEXTS,
    SESSION_TEMPLATES,
    TASK_TEMPLATES,
    MailTemplate,
    MailValues,
)
from domain.skills import skill_labels
from domain.tasks import TaskKind

BASE_URL = "https://tandem.example"
PROGRAMME_NAME = "Tandem Printemps"
PROGRAMME_ID = "tandem-printemps"
RECIPIENT = "Claire Dubois"
PARTNER = "Jean Dupont"
TASK_LINK = f"{BASE_URL}/t/TASK"
CONCERN_LINK = f"{BASE_URL}/t/CONCERN"
FEED_LINK = "webcal://127.0.0.1:8000/calendar/FEED.ics"
FEED_WEB_LINK = f"{BASE_URL}/calendar/FEED.ics"

GOALS = [
    {"objective": "Animer une visioconférence", "kpi": "3 réunions", "target_date": "2027-03-01"},
    {"objective": "Partager un document", "kpi": "1 dossier partagé", "target_date": "2027-04-02"},
]
CALENDAR = {
    "uid": "pair:tandem-printemps:0003@tandem",
    "sequence": 1,
    "method": "REQUEST",
    "cadence_seconds": 14 * 86_400,
    "sessions": [
        [1, "2027-03-16T14:00:00+01:00", "2027-03-16T14:00:00+01:00"],
        # Planned on Easter Monday, moved to the next working day.
        [2, "2027-03-29T14:00:00+02:00", "2027-03-30T14:00:00+02:00", "2027-03-29"],
    ],
    "minutes": 60,
    "timezone": "Europe/Paris",
    "holidays": "FR",
    "themes": [
        {"number": 1, "skill": "generative-ai", "level": 1},
        {"number": 2, "skill": None, "level": 0},
    ],
}
# An invitation from before sessions kept to the programme's zone and holidays.
UTC_CALENDAR = {
    "uid": "pair:tandem-printemps:0003@tandem",
    "sequence": 1,
    "method": "REQUEST",
    "cadence_seconds": 14 * 86_400,
    "sessions": [[1, "2027-02-01T09:00:00+00:00", "2027-02-01T09:00:00+00:00"]],
}

# One plausible value per field of any template's model, by the field's name.
SAMPLES: dict[str, Any] = {
    "due_date": "2027-01-11",
    "days_left": 3,
    "responded": 41,
    "missing": 2,
    "pairs": 20,
    "unmatched": 1,
    "auto_approve": True,
    "reason": "no_compatible_partner",
    "partner_id": "p-jean",
    "will_repair": False,
    "no_partner_reason": "no_mentee_waiting",
    "by_coordinator": False,
    "calendar": CALENDAR,
    "goals": GOALS,
    "session_number": 2,
    "sessions_total": 12,
    "session_date": "2027-02-22T10:00:00+01:00",
    "leads_agenda": True,
    "task_kind": "session_log",
    "missed_in_a_row": 2,
    "pair_id": "pair-3",
    "first_session_date": "2027-02-01T09:00:00+00:00",
    "cadence_days": 14,
    "until_date": "2027-05-03",
    "next_session_date": "2027-05-10",
    "satisfaction": 2,
    "wants_to_continue": False,
    "sessions_held": 12,
    "ended_by_role": "coordinator",
    "participant_role": "mentor",
    "pairs_completed": 18,
    "pairs_ended_early": 2,
    "comment": "Trop vague, précisez la mesure de réussite",
    "previous_goals": GOALS,
    "last_round": True,
    "why": "goals_declined",
    "has_goals": True,
    "slot": "tue-pm",
    "slot_shared": True,
    "theme": {"number": 2, "skill": "generative-ai", "level": 2},
    "changed_by_partner": True,
    "not_accepted": ["mentee"],
    "asks_agenda": False,
    "agenda_coming": True,
    "tried": "Deux posts publiés",
    "practise": "Écrire un prompt pour mon rapport mensuel",
}
# Other values worth reading, one field changed at a time.
VARIANTS: dict[str, list[Any]] = {
    "days_left": [0, 1],
    "responded": [0, 1],
    "missing": [0],
    "pairs": [1],
    "auto_approve": [False],
    "reason": ["", "self_assessment_missed", "no_backup_mentor", "I do not get along with them"],
    "will_repair": [True],
    "no_partner_reason": [None, "repairing_limit_reached", "no_backup_mentor"],
    "by_coordinator": [True],
    "goals": [[]],
    "sessions_total": [1],
    "leads_agenda": [False],
    "task_kind": [kind.value for kind in TaskKind],
    "missed_in_a_row": [1, 3],
    "cadence_days": [1, 7],
    "next_session_date": [""],
    "satisfaction": [None, 5],
    "wants_to_continue": [True, None],
    "sessions_held": [0, 1],
    "ended_by_role": ["mentor", "mentee", "p-someone", ""],
    "participant_role": ["mentee"],
    "pair_id": [""],
    "pairs_ended_early": [0],
    "comment": [""],
    "previous_goals": [[]],
    "last_round": [False],
    "slot": [None, "mon-am"],
    "slot_shared": [False],
    "calendar": [UTC_CALENDAR],
    # The review, and a programme's own skill the guide library has no exercise for.
    "theme": [
        {"number": 12, "skill": None, "level": 0},
        {"number": 2, "skill": "podcasts", "level": 0},
    ],
    "changed_by_partner": [False],
    "not_accepted": [["mentor", "mentee"]],
    "asks_agenda": [True],
    "agenda_coming": [False],
    "tried": [""],
    "why": ["goals_missing"],
    "has_goals": [False],
}
COORDINATOR_TEMPLATES = frozenset(
    {
        MailTemplate.SELF_ASSESSMENT_CLOSED,
        MailTemplate.MATCHING_REVIEW,
        MailTemplate.AT_RISK,
        MailTemplate.MIDPOINT_ALERT,
        MailTemplate.GOALS_ALERT,
        MailTemplate.ONBOARDING_OVERDUE,
        MailTemplate.CONCERN_RAISED,
        MailTemplate.PROGRAMME_COMPLETED,
    }
)
# E-mails sent with the pair's own page (reschedule, pause, end): their link is optional.
MANAGE_TEMPLATES = frozenset(
    {
        MailTemplate.SESSION_REMINDER,
        MailTemplate.SESSION_MISSED,
        MailTemplate.SESSIONS_SCHEDULED,
        MailTemplate.SESSION_RESCHEDULED,
        MailTemplate.SESSION_THEME_CHANGED,
        MailTemplate.SESSION_AGENDA,
        MailTemplate.PAIR_PAUSED,
        MailTemplate.PAIR_RESUMED,
    }
)


def sample_context(template: str, **changes: Any) -> dict[str, Any]:
    """Every field of the template's model, from SAMPLES, checked by the model itself."""
    model = CONTEXTS[template]
    context = {name: SAMPLES[name] for name in model.model_fields}
    context.update(changes)
    model.model_validate(context)
    return context


def sample_contexts(template: str) -> Iterator[dict[str, Any]]:
    """The sample context, then each variant of a field it has, then without each optional."""
    model = CONTEXTS[template]
    yield sample_context(template)
    for name, field in model.model_fields.items():
        for value in VARIANTS.get(name, []):
            yield sample_context(template, **{name: value})
        if not field.is_required():
            context = sample_context(template)
            del context[name]
            yield context


def mail_values(
    template: str,
    role: str | None = "mentor",
    linked: bool = True,
    context: dict[str, Any] | None = None,
    locale: str = "fr",
) -> MailValues:
    """What the mailer adds: a coordinator's e-mail has no name, no role and no concern link."""
    coordinator = template in COORDINATOR_TEMPLATES
    link = linked and (
        template in TASK_TEMPLATES
        or template in MANAGE_TEMPLATES
        or template == MailTemplate.MATCHING_REVIEW
    )
    given = context if context is not None else sample_context(template)
    has_partner = "partner_id" in given
    about_sessions = "calendar" in given or template in SESSION_TEMPLATES
    return MailValues(
        programme_name=PROGRAMME_NAME,
        programme_id=PROGRAMME_ID,
        recipient_name=None if coordinator else RECIPIENT,
        recipient_role=None if coordinator else role,
        task_link=TASK_LINK if link else None,
        concern_link=None if coordinator else CONCERN_LINK,
        partner_name=PARTNER if has_partner else None,
        calendar_feed=FEED_LINK if about_sessions else None,
        calendar_feed_web=FEED_WEB_LINK if about_sessions else None,
        # As the mailer finds them: the built-in skills' labels and the guide library's exercise.
        theme_words=theme_words(given["theme"], skill_labels((), locale), locale, words(locale))
        if given.get("theme")
        else None,
    )
