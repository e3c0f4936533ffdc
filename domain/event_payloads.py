"""What each domain event records: one frozen model per `EventType`.

`NewEvent` checks its `data` against the model of its type and keeps the model's JSON, so a key
misspelt, missing or of the wrong type is refused where the event is made: in workflow code, a
failed workflow task that the fix unblocks, rather than a projection quietly reading nothing.

The JSON is what the workflows wrote before these models existed, key for key: fields are
declared in the order the callers pass them, times and dates are written with `isoformat()`,
and numbers and booleans are taken only as they are (no "3" for 3, no 1 for True), so nothing is
silently rewritten. Readers get the typed model with `payload_of(event)`. An event recorded
before a field existed still parses: such fields have a default (see `ParticipantUnmatched`, and
the matching proposals' pairs and unmatched participants in `domain.matching`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal, Protocol, TypeVar
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    PlainSerializer,
    StrictBool,
    StrictFloat,
    StrictInt,
)

from domain.accounts import AuditAction, AuditOutcome
from domain.answers import Goal, MeetingFormat
from domain.delivery import DeliveryFailure
from domain.event_types import EventType
from domain.matching import ProposedPair, Unmatched
from domain.programme import Locale, Role
from domain.refusals import RefusalParam
from domain.tasks import TaskKind, TaskStatus
from domain.unmatched import UnmatchedReason


def _iso(moment: datetime) -> str:
    return moment.isoformat()


# Programme time, as `datetime.isoformat()` writes it ("2027-01-11T09:00:00+00:00"): pydantic's
# own JSON would write "Z", a different text for the same moment.
Moment = Annotated[AwareDatetime, PlainSerializer(_iso, return_type=str, when_used="json")]
# A coordinator's action, timed by the machine that took it.
ActedAt = Annotated[datetime, PlainSerializer(_iso, return_type=str, when_used="json")]
Levels = dict[str, StrictInt]  # skill id -> level, 0 (none) .. 4 (expert)


class EventPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: ClassVar[EventType]


# -- the programme -------------------------------------------------------------------------------


class ProgrammeLaunched(EventPayload):
    event_type = EventType.PROGRAMME_LAUNCHED

    name: str
    starts_on: date
    sessions: StrictInt
    cadence_days: StrictInt
    skills: tuple[str, ...]
    participants: StrictInt
    # The programme's clock (domain.programme_clock): a demo's day lasts `day_seconds`, from the
    # moment the programme launched. Launches recorded before it ran in real time.
    day_seconds: StrictInt = 86_400
    timezone: str = "Europe/Paris"
    clock_origin: Moment | None = None


class PilotFollowed(EventPayload):
    """What a wave took from the pilot it follows, before its first invitations."""

    event_type = EventType.PILOT_FOLLOWED

    pilot_id: str
    found: StrictBool  # False: the store no longer had the pilot, and nothing was carried over
    returning: tuple[str, ...]  # the wave's mentors invited first, in the wave's ids
    pilot_pairs: StrictInt  # the pilot's pairs banned from the wave's matching
    pilot_bans: StrictInt  # the pilot coordinator's other bans, kept in the wave


class ParticipantEnrolled(EventPayload):
    event_type = EventType.PARTICIPANT_ENROLLED

    programme_id: str
    role: Role
    locale: Locale
    late: bool = False  # added after the programme started (`tandem roster add`)


class ParticipantWithdrawn(EventPayload):
    """A participant left the programme (`tandem roster withdraw`), on their own stream."""

    event_type = EventType.PARTICIPANT_WITHDRAWN

    reason: str  # the coordinator's words, for the record
    pair_id: str | None = None  # the running pair it ended, if any
    phase: str  # the programme's phase when they left (a ProgrammePhase value)


class ParticipantEmailChanged(EventPayload):
    """Their address was corrected; the addresses themselves never enter the log."""

    event_type = EventType.PARTICIPANT_EMAIL_CHANGED

    links_sent: StrictInt  # open tasks whose links went to the new address


class TaskExtended(EventPayload):
    """A task's deadline moved (`tandem task extend`), on the participant's stream."""

    event_type = EventType.TASK_EXTENDED

    task_id: UUID  # the task extended
    kind: str  # a TaskKind value
    due_at: datetime  # the new deadline
    reopened: bool  # the task had expired: a new one replaces it
    new_task_id: UUID | None = None  # the task replacing it, when reopened


class SelfAssessmentOpened(EventPayload):
    event_type = EventType.SELF_ASSESSMENT_OPENED

    due_at: Moment


class SelfAssessmentSubmitted(EventPayload):
    """`domain.answers.SelfAssessment` without its ids (the stream names the participant)."""

    event_type = EventType.SELF_ASSESSMENT_SUBMITTED

    levels: Levels
    targets: Levels
    priorities: tuple[str, ...]
    capacity: StrictInt
    availability: tuple[str, ...]
    format: MeetingFormat
    languages: tuple[str, ...]
    exchange: tuple[str, ...]
    exchange_other: str = ""  # sealed; absent from events recorded before it was its own field
    role: Role


class SelfAssessmentMissed(EventPayload):
    event_type = EventType.SELF_ASSESSMENT_MISSED


class MatchingProposed(EventPayload):
    event_type = EventType.MATCHING_PROPOSED

    pairs: tuple[ProposedPair, ...]
    unmatched: tuple[Unmatched, ...]
    total_score: StrictFloat
    round: StrictInt = 1  # 1, then one more per top-up round for late joiners and those left over


class MatchingRevised(EventPayload):
    event_type = EventType.MATCHING_REVISED

    action: Literal["ban", "force", "swap", "withdraw"]
    mentor_id: str | None  # the pair banned or forced; None for a swap
    mentee_id: str | None
    reason: str
    pairs_changed: StrictInt
    pairs: tuple[ProposedPair, ...]
    unmatched: tuple[Unmatched, ...]
    total_score: StrictFloat


class MatchingApproved(EventPayload):
    event_type = EventType.MATCHING_APPROVED

    by: Literal["coordinator", "auto-approval"]


class MatchingAbandoned(EventPayload):
    event_type = EventType.MATCHING_ABANDONED

    reminders: StrictInt


class ParticipantUnmatched(EventPayload):
    event_type = EventType.PARTICIPANT_UNMATCHED

    reason: str  # in English, for people reading the log; never parsed
    code: UnmatchedReason | None = None  # None: recorded before the codes


class ConcernRaised(EventPayload):
    event_type = EventType.CONCERN_RAISED

    concern_id: UUID  # the concern task's id
    participant_id: str
    pair_id: str | None
    text: str


class ProgrammeCompleted(EventPayload):
    event_type = EventType.PROGRAMME_COMPLETED

    pairs_completed: StrictInt
    pairs_ended_early: StrictInt
    pairs_dissolved: StrictInt


# -- a pair ----------------------------------------------------------------------------------------


class PairFormed(EventPayload):
    event_type = EventType.PAIR_FORMED

    mentor_id: str
    mentee_id: str
    chemistry_due: Moment


class ChemistryAnswered(EventPayload):
    event_type = EventType.CHEMISTRY_ANSWERED

    participant_id: str
    go: StrictBool
    reason: str


class PairDissolved(EventPayload):
    event_type = EventType.PAIR_DISSOLVED

    no_go_by: str | None  # who said no-go, "coordinator" for a re-pairing, None for no answer
    reason: str


class ParticipantNudged(EventPayload):
    event_type = EventType.PARTICIPANT_NUDGED

    participant_id: str
    task_id: UUID
    task_kind: TaskKind


class GoalsProposed(EventPayload):
    event_type = EventType.GOALS_PROPOSED

    goals: tuple[Goal, ...]


class GoalsConfirmed(EventPayload):
    event_type = EventType.GOALS_CONFIRMED

    confirmed: StrictBool
    comment: str


class GoalsDeclined(EventPayload):
    """The mentor declined the mentee's goals (once recorded as `GoalsConfirmed`, not confirmed)."""

    event_type = EventType.GOALS_DECLINED

    comment: str
    declines: StrictInt  # the mentor's declines so far, this one included
    sent_back: StrictBool  # the mentee proposes again; otherwise the coordinator steps in


class SessionScheduled(EventPayload):
    event_type = EventType.SESSION_SCHEDULED

    session_number: StrictInt
    at: Moment


class SessionRescheduled(EventPayload):
    event_type = EventType.SESSION_RESCHEDULED

    session_number: StrictInt
    at: Moment
    by: str  # the participant who moved it


class OnboardingAccepted(EventPayload):
    """A participant read the charter and their role's guide, and accepted the charter (their
    stream); `pair_id` is the pair whose chemistry meeting waited for it."""

    event_type = EventType.ONBOARDING_ACCEPTED

    pair_id: str


class PlannedTheme(BaseModel):
    """One session's theme in a plan: a skill from a level, or the review (skill None)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    number: StrictInt
    skill: str | None
    level: StrictInt


class SessionPlanMade(EventPayload):
    """The theme of each session, from the mentee's self-assessment (domain.session_plan)."""

    event_type = EventType.SESSION_PLAN_MADE

    themes: tuple[PlannedTheme, ...]


class SessionAgendaSent(EventPayload):
    """`domain.answers.SessionAgenda` without its task id: the mentee's, for their mentor."""

    event_type = EventType.SESSION_AGENDA_SENT

    participant_id: str
    session_number: StrictInt
    tried: str  # sealed, as every text a participant types
    practise: str


class SessionThemeChanged(EventPayload):
    event_type = EventType.SESSION_THEME_CHANGED

    session_number: StrictInt
    skill: str | None  # None: the session is a review
    level: StrictInt
    by: str  # the participant who changed it


class SessionLogged(EventPayload):
    """`domain.answers.SessionLog` without its task id."""

    event_type = EventType.SESSION_LOGGED

    participant_id: str
    session_number: StrictInt
    held: StrictBool
    minutes: StrictInt | None
    skills_covered: tuple[str, ...]
    notes: str
    progress_rating: StrictInt | None


class SessionMissed(EventPayload):
    event_type = EventType.SESSION_MISSED

    session_number: StrictInt


class PairAtRisk(EventPayload):
    event_type = EventType.PAIR_AT_RISK

    missed_in_a_row: StrictInt


class PairPaused(EventPayload):
    event_type = EventType.PAIR_PAUSED

    days: StrictInt
    until: Moment
    by: str
    reason: str


class PairResumed(EventPayload):
    event_type = EventType.PAIR_RESUMED


class MidpointSurveyAnswered(EventPayload):
    """`domain.answers.MidpointAnswer` without its task id."""

    event_type = EventType.MIDPOINT_ANSWERED

    participant_id: str
    satisfaction: StrictInt
    progress: StrictInt
    concerns: str
    wants_to_continue: StrictBool


class FinalEvaluationSubmitted(EventPayload):
    """`domain.answers.FinalEvaluation` without its task id, with the participant's role."""

    event_type = EventType.FINAL_EVALUATION_SUBMITTED

    role: str  # "mentor" or "mentee"
    participant_id: str
    levels: Levels
    kpi_attainment: tuple[StrictInt, ...]  # % per goal
    satisfaction: StrictInt
    nps: StrictInt
    learned_back: str
    # A mentor's answer (domain.answers.FinalEvaluation); absent from events recorded before.
    would_mentor_again: StrictBool | None = None


class CoordinatorAlerted(EventPayload):
    event_type = EventType.COORDINATOR_ALERTED

    # "goals_declined", "goals_missing": domain.pair_rules.GoalsAlert.
    # "onboarding": a partner had not accepted the charter by its deadline.
    why: Literal["at_risk", "midpoint", "goals_declined", "goals_missing", "onboarding"]


class PairCompleted(EventPayload):
    event_type = EventType.PAIR_COMPLETED

    sessions_held: StrictInt


class PairEndedEarly(EventPayload):
    event_type = EventType.PAIR_ENDED_EARLY

    ended_by: str  # a participant id, or "coordinator"
    ended_by_role: str
    reason: str


# -- people, tasks, the audit trail, e-mails -------------------------------------------------------


class PersonalDataExported(EventPayload):
    event_type = EventType.PERSONAL_DATA_EXPORTED

    participant_id: str


class PersonalDataErased(EventPayload):
    event_type = EventType.PERSONAL_DATA_ERASED

    participant_id: str


class ProgrammePurged(EventPayload):
    """Everyone's personal data in a programme erased at once, on the programme's stream: what
    was changed, in counts, never whose."""

    event_type = EventType.PROGRAMME_PURGED

    participants: StrictInt
    events_redacted: StrictInt
    tasks_cleared: StrictInt
    calendar_series: StrictInt
    keys_shredded: StrictInt


class TaskOpened(EventPayload):
    event_type = EventType.TASK_OPENED

    participant_id: str
    kind: TaskKind
    due_at: Moment


class TaskClosed(EventPayload):
    event_type = EventType.TASK_CLOSED

    status: TaskStatus


class CoordinatorActed(EventPayload):
    """`domain.accounts.AuditEntry.to_data()`."""

    event_type = EventType.COORDINATOR_ACTED

    at: ActedAt
    actor: str
    action: AuditAction
    outcome: AuditOutcome = AuditOutcome.DONE
    programme_id: str | None
    target: str | None
    detail: str | None  # a refusal's code (or, before codes, its sentence)
    params: dict[str, RefusalParam] = {}  # the refusal's parameters; absent before codes


class NotificationFailed(EventPayload):
    """An e-mail given up (domain/delivery.py): which, to whom, and why."""

    event_type = EventType.NOTIFICATION_FAILED

    notification_id: UUID
    template: str
    participant_id: str | None  # None: the programme's coordinator
    code: DeliveryFailure
    smtp_code: StrictInt | None = None  # the mail server's reply, when it gave one


PAYLOADS: Mapping[EventType, type[EventPayload]] = {
    model.event_type: model
    for model in (
        ProgrammeLaunched,
        PilotFollowed,
        ParticipantEnrolled,
        ParticipantWithdrawn,
        ParticipantEmailChanged,
        TaskExtended,
        SelfAssessmentOpened,
        SelfAssessmentSubmitted,
        SelfAssessmentMissed,
        MatchingProposed,
        MatchingRevised,
        MatchingApproved,
        MatchingAbandoned,
        ParticipantUnmatched,
        ConcernRaised,
        ProgrammeCompleted,
        PairFormed,
        ChemistryAnswered,
        PairDissolved,
        ParticipantNudged,
        GoalsProposed,
        GoalsConfirmed,
        GoalsDeclined,
        SessionScheduled,
        SessionRescheduled,
        OnboardingAccepted,
        SessionPlanMade,
        SessionThemeChanged,
        SessionAgendaSent,
        SessionLogged,
        SessionMissed,
        PairAtRisk,
        PairPaused,
        PairResumed,
        MidpointSurveyAnswered,
        FinalEvaluationSubmitted,
        CoordinatorAlerted,
        PairCompleted,
        PairEndedEarly,
        PersonalDataExported,
        PersonalDataErased,
        ProgrammePurged,
        TaskOpened,
        TaskClosed,
        CoordinatorActed,
        NotificationFailed,
    )
}


def payload_model(event_type: str) -> type[EventPayload]:
    """The model of `event_type`'s data; ValueError for a type this code does not know."""
    try:
        return PAYLOADS[EventType(event_type)]
    except ValueError:
        raise ValueError(f"unknown event type {event_type!r}") from None


def checked_data(event_type: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` as the event of `event_type` records it; pydantic's ValidationError if it is not
    that event's data."""
    return payload_model(event_type).model_validate(data).model_dump(mode="json")


class _Event(Protocol):
    @property
    def type(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any]: ...


P = TypeVar("P", bound=EventPayload)


def payload_of(event: _Event) -> EventPayload:
    """The typed data of a new or recorded event (`isinstance` tells which)."""
    return payload_model(event.type).model_validate(event.data)


def payload_as(event: _Event, model: type[P]) -> P:
    """The typed data of an event the caller knows to be of `model`'s type."""
    if event.type != model.event_type:
        raise ValueError(f"a {event.type} event is not a {model.event_type}")
    return model.model_validate(event.data)
