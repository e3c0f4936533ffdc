"""What each e-mail needs: one typed context per notification template, checked where it is made.

A workflow journals a notification with keyword values (`Journal.notify`); they are checked here
against the template's model before anything is recorded, so a misspelt or missing variable fails
in the workflow that wrote it, with the template and the variable named, instead of as an e-mail
that cannot render days later. What travels on is the context exactly as given (it is already
JSON: ISO strings, numbers, booleans, lists), so recorded histories and activity inputs do not
change.

The mailer adds values of its own at sending time (`MailValues`: names, links), typed separately:
they are personal and never cross the workflow.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, NonNegativeInt, ValidationError

from domain.programme import Role
from domain.tasks import TaskKind


class MailTemplate(StrEnum):
    ENROLMENT = "enrolment"
    SELF_ASSESSMENT = "self_assessment"
    SELF_ASSESSMENT_REMINDER = "self_assessment_reminder"
    SELF_ASSESSMENT_CLOSED = "self_assessment_closed"
    MATCHING_REVIEW = "matching_review"
    UNMATCHED = "unmatched"
    ONBOARDING = "onboarding"
    ONBOARDING_REMINDER = "onboarding_reminder"
    ONBOARDING_OVERDUE = "onboarding_overdue"
    CHEMISTRY = "chemistry"
    CHEMISTRY_REMINDER = "chemistry_reminder"
    PAIR_DISSOLVED = "pair_dissolved"
    GOALS_PROPOSE = "goals_propose"
    GOALS_CONFIRM = "goals_confirm"
    SESSION_REMINDER = "session_reminder"
    TASK_NUDGE = "task_nudge"
    SESSION_LOG = "session_log"
    SESSION_MISSED = "session_missed"
    AT_RISK = "at_risk"
    SESSIONS_SCHEDULED = "sessions_scheduled"
    SESSION_RESCHEDULED = "session_rescheduled"
    SESSION_THEME_CHANGED = "session_theme_changed"
    SESSION_AGENDA = "session_agenda"
    PAIR_PAUSED = "pair_paused"
    PAIR_RESUMED = "pair_resumed"
    MIDPOINT_SURVEY = "midpoint_survey"
    MIDPOINT_ALERT = "midpoint_alert"
    GOALS_ALERT = "goals_alert"
    FINAL_EVALUATION = "final_evaluation"
    PAIR_COMPLETED = "pair_completed"
    PAIR_ENDED_EARLY = "pair_ended_early"
    CONCERN_RAISED = "concern_raised"
    PROGRAMME_COMPLETED = "programme_completed"
    # Roster changes (domain/roster.py).
    WITHDRAWAL_CONFIRMED = "withdrawal_confirmed"
    PARTNER_WITHDREW = "partner_withdrew"
    TASK_LINK_RENEWED = "task_link_renewed"
    TASK_EXTENDED = "task_extended"


# These e-mails exist to hand over a task: without its link they would be useless to the reader.
# (`matching_review` is not one: the coordinator can also act from the dashboard.)
TASK_TEMPLATES = frozenset(
    {
        MailTemplate.SELF_ASSESSMENT,
        MailTemplate.SELF_ASSESSMENT_REMINDER,
        MailTemplate.ONBOARDING,
        MailTemplate.ONBOARDING_REMINDER,
        MailTemplate.CHEMISTRY,
        MailTemplate.CHEMISTRY_REMINDER,
        MailTemplate.GOALS_PROPOSE,
        MailTemplate.GOALS_CONFIRM,
        MailTemplate.SESSION_LOG,
        MailTemplate.MIDPOINT_SURVEY,
        MailTemplate.TASK_NUDGE,
        MailTemplate.FINAL_EVALUATION,
        MailTemplate.TASK_LINK_RENEWED,
        MailTemplate.TASK_EXTENDED,
    }
)


class TemplateFailure(StrEnum):
    """Why an e-mail could not be rendered: never something a retry would mend.

    The mailer gives such an e-mail up (`DeliveryFailure.TEMPLATE_FAILED`, not retried) with one
    detail: `template`, `participant_id` (None: the coordinator), `notification_id`, `code` (one
    of these) and `detail` (variable, key or field names; never a value)."""

    UNKNOWN_TEMPLATE = "unknown_template"
    INVALID_CONTEXT = "invalid_context"  # the context does not match the template's model
    MISSING_TASK_LINK = "missing_task_link"
    UNDEFINED_VARIABLE = "undefined_variable"  # the template uses a value nobody gave it
    MISSING_MESSAGE = "missing_message"  # a key no catalogue words
    MALFORMED_MESSAGE = "malformed_message"  # a catalogue text whose placeholders do not fit
    RENDERING_ERROR = "rendering_error"


class InvalidNotification(ValueError):
    """A workflow journalled an e-mail whose template or values are wrong: a bug in its code."""


def _iso_date(value: str) -> str:
    # A date ("2027-03-01") or a moment ("2027-03-01T09:00:00+00:00"): both render as a day.
    try:
        if "T" in value:
            datetime.fromisoformat(value)
        else:
            date.fromisoformat(value)
    except ValueError:
        raise ValueError("not an ISO date") from None  # the value itself is never quoted
    return value


IsoDate = Annotated[str, AfterValidator(_iso_date)]
# An empty string where a date is optional: the workflows write "" for "not known yet".
OptionalIsoDate = IsoDate | Literal[""]


class NotificationContext(BaseModel):
    """What a workflow gives one e-mail's template; one subclass per template (`CONTEXTS`)."""

    # Strict: the values are the JSON the workflow records; nothing is converted on the way, so
    # what is checked is what is sent. Enums accept their value (the workflows pass `.value`).
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ThemeLine(NotificationContext):
    """A session's theme (domain.session_plan.SessionTheme): a skill from a level, or the
    review (skill None)."""

    number: int
    skill: str | None
    level: int = Field(ge=0, le=4)


class CalendarInvite(NotificationContext):
    """The pair's sessions as the mailer turns them into an ICS file (see `domain.calendar`)."""

    uid: str
    sequence: NonNegativeInt
    method: Literal["REQUEST", "CANCEL"]
    cadence_seconds: NonNegativeInt
    # [number, planned ISO moment, current ISO moment] per session, and the ISO date of the
    # public holiday it moved from when it did.
    sessions: list[list[int | str]] = Field(min_length=1)
    minutes: NonNegativeInt = 60
    # The programme's time zone (IANA) the sessions are given in, and its holidays' region:
    # absent from pairs planned before sessions kept to working hours.
    timezone: str | None = None
    holidays: str | None = None
    # Each session's theme; absent from pairs planned before sessions had themes.
    themes: list[ThemeLine] = Field(default_factory=list)


class GoalLine(NotificationContext):
    objective: str
    kpi: str
    target_date: IsoDate


class Enrolment(NotificationContext):
    pass


class SelfAssessment(NotificationContext):
    due_date: IsoDate


class SelfAssessmentReminder(NotificationContext):
    due_date: IsoDate
    days_left: int


class SelfAssessmentClosed(NotificationContext):
    responded: NonNegativeInt
    missing: NonNegativeInt


class MatchingReview(NotificationContext):
    pairs: NonNegativeInt
    unmatched: NonNegativeInt
    due_date: IsoDate
    auto_approve: bool


class Unmatched(NotificationContext):
    # A code (`UnmatchedReason`, or a wording code), "" when none is known; records older than
    # the codes carry a sentence. The mailer words only what it recognises.
    reason: str


class Onboarding(NotificationContext):
    """The charter and the reader's role guide to read and accept before meeting their partner."""

    partner_id: str
    due_date: IsoDate


class OnboardingReminder(Onboarding):
    pass


class OnboardingOverdue(NotificationContext):
    """To the coordinator: the pair's chemistry meeting went ahead without these acceptances."""

    pair_id: str
    not_accepted: list[Literal["mentor", "mentee"]] = Field(min_length=1)  # Role values


class Chemistry(NotificationContext):
    partner_id: str
    due_date: IsoDate
    # The weekly slot proposed for the sessions ("tue-pm"), and whether both partners gave it
    # (otherwise it is a default, and they are asked to choose).
    slot: str | None = None
    slot_shared: bool = True


class ChemistryReminder(Chemistry):
    pass


class PairDissolved(NotificationContext):
    partner_id: str
    will_repair: bool
    # Why no new partner is coming yet (an UnmatchedReason value), when the programme knows.
    no_partner_reason: str | None = None
    by_coordinator: bool = False
    calendar: CalendarInvite | None = None  # a cancellation, when sessions had been planned


class GoalsPropose(NotificationContext):
    partner_id: str
    due_date: IsoDate
    # Goals the mentor sent back: their comment and the proposal declined. The first request
    # has none of these.
    comment: str = ""
    previous_goals: list[GoalLine] = Field(default_factory=list)
    last_round: bool = False  # another decline goes to the coordinator


class GoalsConfirm(NotificationContext):
    partner_id: str
    goals: list[GoalLine]
    due_date: IsoDate


class SessionReminder(NotificationContext):
    session_number: int
    sessions_total: int
    session_date: IsoDate
    partner_id: str
    leads_agenda: bool
    theme: ThemeLine | None = None  # None in pairs planned before sessions had themes
    # The mentee's reminder links to their agenda for the session (its task), not the pair page;
    # the mentor's says it is coming.
    asks_agenda: bool = False
    agenda_coming: bool = False


class TaskNudge(NotificationContext):
    task_kind: TaskKind = Field(strict=False)
    due_date: IsoDate
    partner_id: str


class SessionLog(NotificationContext):
    session_number: int
    session_date: IsoDate
    due_date: IsoDate


class SessionMissed(NotificationContext):
    session_number: int
    missed_in_a_row: int


class AtRisk(NotificationContext):
    pair_id: str
    missed_in_a_row: int


class SessionsScheduled(NotificationContext):
    partner_id: str
    sessions_total: int
    first_session_date: IsoDate
    cadence_days: int
    calendar: CalendarInvite
    slot: str | None = None  # the weekly slot the sessions are at
    slot_shared: bool = True  # one both partners gave (else the default they kept, or chose)


class SessionRescheduled(NotificationContext):
    session_number: int
    session_date: IsoDate
    partner_id: str
    calendar: CalendarInvite


class SessionAgendaSent(NotificationContext):
    """To the mentor: their mentee's agenda for the next session."""

    session_number: int
    session_date: IsoDate
    partner_id: str
    tried: str  # the mentee's words (sealed in the workflow, opened by the mailer)
    practise: str
    theme: ThemeLine | None = None


class SessionThemeChanged(NotificationContext):
    session_number: int
    session_date: IsoDate
    partner_id: str
    changed_by_partner: bool  # the reader's partner changed it (else the reader did)
    theme: ThemeLine
    calendar: CalendarInvite


class PairPaused(NotificationContext):
    until_date: IsoDate
    partner_id: str
    calendar: CalendarInvite


class PairResumed(NotificationContext):
    next_session_date: OptionalIsoDate


class MidpointSurvey(NotificationContext):
    due_date: IsoDate


class MidpointAlert(NotificationContext):
    pair_id: str
    satisfaction: int | None = None
    wants_to_continue: bool | None = None


class GoalsAlert(NotificationContext):
    pair_id: str
    why: Literal["goals_declined", "goals_missing"]  # domain.pair_rules.GoalsAlert
    comment: str = ""  # the mentor's last comment, when they declined
    has_goals: bool = False  # the sessions go on with the last proposal (else without goals)


class FinalEvaluation(NotificationContext):
    due_date: IsoDate


class PairCompleted(NotificationContext):
    sessions_held: NonNegativeInt


class PairEndedEarly(NotificationContext):
    partner_id: str
    # A code or the participant's own words: only a recognised code is ever shown.
    reason: str
    # "mentor", "mentee", "coordinator", or the id of whoever ended it.
    ended_by_role: str
    calendar: CalendarInvite | None = None


class ConcernRaised(NotificationContext):
    participant_role: Role = Field(strict=False)
    pair_id: str = ""


class ProgrammeCompleted(NotificationContext):
    pairs_completed: NonNegativeInt
    pairs_ended_early: NonNegativeInt


class WithdrawalConfirmed(NotificationContext):
    """To the person who left: their tasks are cancelled, their sessions too."""

    calendar: CalendarInvite | None = None  # a cancellation, when sessions had been planned


class PartnerWithdrew(NotificationContext):
    """To the partner of someone who left: a new partner, or none yet and why."""

    partner_id: str
    will_repair: bool
    no_partner_reason: str | None = None  # an UnmatchedReason value
    calendar: CalendarInvite | None = None


class TaskLinkRenewed(NotificationContext):
    """An open task's link, sent again to a corrected address."""

    task_kind: TaskKind = Field(strict=False)
    due_date: IsoDate


class TaskExtended(NotificationContext):
    """A task's new deadline, with its link (a new one when the task had expired)."""

    task_kind: TaskKind = Field(strict=False)
    due_date: IsoDate


CONTEXTS: Mapping[str, type[NotificationContext]] = {
    MailTemplate.ENROLMENT: Enrolment,
    MailTemplate.SELF_ASSESSMENT: SelfAssessment,
    MailTemplate.SELF_ASSESSMENT_REMINDER: SelfAssessmentReminder,
    MailTemplate.SELF_ASSESSMENT_CLOSED: SelfAssessmentClosed,
    MailTemplate.MATCHING_REVIEW: MatchingReview,
    MailTemplate.UNMATCHED: Unmatched,
    MailTemplate.ONBOARDING: Onboarding,
    MailTemplate.ONBOARDING_REMINDER: OnboardingReminder,
    MailTemplate.ONBOARDING_OVERDUE: OnboardingOverdue,
    MailTemplate.CHEMISTRY: Chemistry,
    MailTemplate.CHEMISTRY_REMINDER: ChemistryReminder,
    MailTemplate.PAIR_DISSOLVED: PairDissolved,
    MailTemplate.GOALS_PROPOSE: GoalsPropose,
    MailTemplate.GOALS_CONFIRM: GoalsConfirm,
    MailTemplate.SESSION_REMINDER: SessionReminder,
    MailTemplate.TASK_NUDGE: TaskNudge,
    MailTemplate.SESSION_LOG: SessionLog,
    MailTemplate.SESSION_MISSED: SessionMissed,
    MailTemplate.AT_RISK: AtRisk,
    MailTemplate.SESSIONS_SCHEDULED: SessionsScheduled,
    MailTemplate.SESSION_RESCHEDULED: SessionRescheduled,
    MailTemplate.SESSION_THEME_CHANGED: SessionThemeChanged,
    MailTemplate.SESSION_AGENDA: SessionAgendaSent,
    MailTemplate.PAIR_PAUSED: PairPaused,
    MailTemplate.PAIR_RESUMED: PairResumed,
    MailTemplate.MIDPOINT_SURVEY: MidpointSurvey,
    MailTemplate.MIDPOINT_ALERT: MidpointAlert,
    MailTemplate.GOALS_ALERT: GoalsAlert,
    MailTemplate.FINAL_EVALUATION: FinalEvaluation,
    MailTemplate.PAIR_COMPLETED: PairCompleted,
    MailTemplate.PAIR_ENDED_EARLY: PairEndedEarly,
    MailTemplate.CONCERN_RAISED: ConcernRaised,
    MailTemplate.PROGRAMME_COMPLETED: ProgrammeCompleted,
    MailTemplate.WITHDRAWAL_CONFIRMED: WithdrawalConfirmed,
    MailTemplate.PARTNER_WITHDREW: PartnerWithdrew,
    MailTemplate.TASK_LINK_RENEWED: TaskLinkRenewed,
    MailTemplate.TASK_EXTENDED: TaskExtended,
}


# E-mails about a pair's sessions: each gives its reader's calendar feed.
SESSION_TEMPLATES = frozenset(
    {
        MailTemplate.SESSIONS_SCHEDULED,
        MailTemplate.SESSION_REMINDER,
        MailTemplate.SESSION_LOG,
        MailTemplate.SESSION_MISSED,
        MailTemplate.SESSION_RESCHEDULED,
        MailTemplate.SESSION_THEME_CHANGED,
        MailTemplate.SESSION_AGENDA,
        MailTemplate.PAIR_PAUSED,
        MailTemplate.PAIR_RESUMED,
    }
)


class ThemeWords(BaseModel):
    """A session's theme as its reader sees it: the skill's label (or the review's title) and
    the guide library's exercise for it, as text and as HTML."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    label: str
    exercise_title: str = ""  # "" when the library has no exercise for the skill
    exercise_text: str = ""
    exercise_html: str = ""


class MailValues(BaseModel):
    """What the mailer adds to a notification's context when it sends it: looked up, not recorded.

    `partner_name` is there only for a context with a `partner_id`.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    programme_name: str
    programme_id: str
    recipient_name: str | None  # None: the coordinator, whose address has no name
    recipient_role: Role | None = Field(strict=False)  # None: the coordinator
    task_link: str | None
    concern_link: str | None
    partner_name: str | None = None
    # The recipient's calendar feed (a webcal:// address), in e-mails that carry an invitation.
    calendar_feed: str | None = None
    calendar_feed_web: str | None = None  # the same feed at its http(s) address
    # The session's theme in the reader's words, in e-mails about one session that has one.
    theme_words: ThemeWords | None = None


def context_errors(error: ValidationError) -> str:
    """Where and how a context is wrong, without the values (they may be personal)."""
    return "; ".join(
        f"{'.'.join(str(part) for part in e['loc']) or '(context)'}: {e['msg']}"
        for e in error.errors(include_input=False, include_url=False)
    )


def checked_context(template: str, context: Mapping[str, Any]) -> NotificationContext:
    """The context as its template's model; `InvalidNotification` names what is wrong."""
    model = CONTEXTS.get(template)
    if model is None:
        raise InvalidNotification(f"unknown e-mail template {template!r}")
    try:
        return model.model_validate(context)
    except ValidationError as e:
        raise InvalidNotification(f"e-mail {template!r}: {context_errors(e)}") from None


def notification_context(template: str, context: Mapping[str, Any]) -> dict[str, Any]:
    """`context` checked against `template`'s model, passed on exactly as given.

    A value its model would have to convert (a datetime for an ISO string, a tuple for a list)
    is refused: it would not be the JSON the mailer reads back.
    """
    checked = checked_context(template, context)
    if checked.model_dump(mode="json", exclude_unset=True) != dict(context):
        raise InvalidNotification(
            f"e-mail {template!r}: give its values as JSON (ISO strings for dates, lists)"
        )
    return dict(context)
