"""Read models folded from the event log, for the dashboard: programmes, pairs, sessions,
participants' tasks and survey answers.

Pure: `fold` applies events, in log order, to rows the caller loaded (store/projections.py loads
the rows a batch touches, folds the batch, and writes the rows back in the same transaction as its
checkpoint). Applying the same events to the same rows always gives the same rows, so a rebuild
from zero equals the incremental result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from domain.events import EventType
from domain.pair_rules import GoalsAlert, GoalsState
from domain.programme_clock import DEFAULT_TIMEZONE, REAL_DAY_SECONDS, ProgrammeClock


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """What a projection needs of a recorded event."""

    position: int
    stream_name: str
    type: str
    data: dict[str, Any]
    # The run's time (ISO 8601), None for events recorded before it; `programme_clock` maps it.
    occurred_at: str | None
    # From the metadata's workflow id: "programme:{id}", "pair:{programme}:{pair}", ...
    programme_id: str | None
    pair_id: str | None

    @classmethod
    def of(
        cls,
        position: int,
        stream_name: str,
        type_: str,
        data: dict[str, Any],
        workflow_id: str,
        occurred_at: str | None,
    ) -> LoggedEvent:
        parts = workflow_id.split(":")
        return cls(
            position=position,
            stream_name=stream_name,
            type=type_,
            data=data,
            occurred_at=occurred_at,
            programme_id=parts[1] if len(parts) >= 2 else None,
            pair_id=parts[2] if parts[0] == "pair" and len(parts) == 3 else None,
        )


@dataclass
class ProgrammeRow:
    programme_id: str
    name: str = ""
    phase: str = "launching"
    participants: int = 0
    enrolled: int = 0
    assessments_submitted: int = 0
    assessments_missed: int = 0
    onboarded: int = 0  # participants who accepted the charter
    matching_score: float | None = None
    pairs_formed: int = 0
    pairs_completed: int = 0
    pairs_ended_early: int = 0
    pairs_dissolved: int = 0
    unmatched: int = 0
    at_risk_alerts: int = 0
    concerns: int = 0
    launched_at: str | None = None
    completed_at: str | None = None
    events: int = 0  # every event of the programme applied: a double application would show
    last_position: int = 0
    # Its clock, as its launch recorded it (domain.programme_clock): see `programme_clock`.
    starts_on: str | None = None
    day_seconds: int = REAL_DAY_SECONDS
    timezone: str = DEFAULT_TIMEZONE
    clock_origin: str | None = None


@dataclass
class PairRow:
    programme_id: str
    pair_id: str
    mentor_id: str = ""
    mentee_id: str = ""
    phase: str = "chemistry"
    go_answers: int = 0
    at_risk: bool = False
    at_risk_episodes: int = 0
    sessions_scheduled: int = 0
    sessions_held: int = 0
    sessions_missed: int = 0
    goals_state: str = GoalsState.AWAITED.value
    paused_until: str | None = None
    formed_at: str | None = None
    ended_at: str | None = None
    end_reason: str = ""
    events: int = 0
    last_event_type: str = ""
    last_event_at: str | None = None


@dataclass
class SessionRow:
    programme_id: str
    pair_id: str
    number: int
    scheduled_at: str | None = None
    status: str = "scheduled"  # scheduled, held, missed
    minutes: int | None = None
    progress_rating: int | None = None
    logged_at: str | None = None


@dataclass
class TaskRow:
    """A participant's task: open, done, expired or cancelled (overdue: open past `due_at`)."""

    task_id: str
    programme_id: str
    participant_id: str = ""
    kind: str = ""
    pair_id: str | None = None
    due_at: str | None = None
    status: str = "open"
    opened_at: str | None = None
    closed_at: str | None = None


@dataclass
class SurveyRow:
    """One answer to the midpoint survey or the final evaluation (scores only, no free text)."""

    programme_id: str
    pair_id: str
    participant_id: str
    survey: str  # midpoint | final
    role: str | None = None
    satisfaction: int | None = None
    progress: int | None = None
    wants_to_continue: bool | None = None
    nps: int | None = None
    kpi_attainment: float | None = None  # mean of the goals' KPI attainment, in %
    answered_at: str | None = None


@dataclass
class ReadModels:
    programmes: dict[str, ProgrammeRow] = field(default_factory=dict)
    pairs: dict[tuple[str, str], PairRow] = field(default_factory=dict)
    sessions: dict[tuple[str, str, int], SessionRow] = field(default_factory=dict)
    tasks: dict[str, TaskRow] = field(default_factory=dict)
    surveys: dict[tuple[str, str, str, str], SurveyRow] = field(default_factory=dict)

    def task(self, programme_id: str, task_id: str) -> TaskRow:
        row = self.tasks.get(task_id)
        if row is None:
            row = self.tasks[task_id] = TaskRow(task_id, programme_id)
        return row

    def programme(self, programme_id: str) -> ProgrammeRow:
        row = self.programmes.get(programme_id)
        if row is None:
            row = self.programmes[programme_id] = ProgrammeRow(programme_id)
        return row

    def pair(self, programme_id: str, pair_id: str) -> PairRow:
        key = (programme_id, pair_id)
        row = self.pairs.get(key)
        if row is None:
            row = self.pairs[key] = PairRow(programme_id, pair_id)
        return row

    def session(self, programme_id: str, pair_id: str, number: int) -> SessionRow:
        key = (programme_id, pair_id, number)
        row = self.sessions.get(key)
        if row is None:
            row = self.sessions[key] = SessionRow(programme_id, pair_id, number)
        return row


def keys(event: LoggedEvent) -> tuple[str | None, tuple[str, str] | None, int | None]:
    """The programme, pair and session an event touches, for loading their rows first."""
    programme, pair = event.programme_id, event.pair_id
    number = event.data.get("session_number")
    return (
        programme,
        (programme, pair) if programme and pair else None,
        number if isinstance(number, int) else None,
    )


E = EventType
_PAIR_END = {
    E.PAIR_COMPLETED: "completed",
    E.PAIR_ENDED_EARLY: "ended_early",
    E.PAIR_DISSOLVED: "dissolved",
}


def fold(models: ReadModels, events: list[LoggedEvent]) -> None:
    for event in events:
        programme_id = event.programme_id
        if programme_id is None:
            continue
        programme = models.programme(programme_id)
        programme.events += 1
        programme.last_position = event.position
        _programme(programme, event)
        pair_id = event.pair_id
        task_id = task_of(event)
        if task_id is not None:
            _task(models.task(programme_id, task_id), event)
        elif pair_id is not None:
            _pair(models, models.pair(programme_id, pair_id), event)
            if event.type in _SURVEYS:
                _survey(models, programme_id, pair_id, event)


def task_of(event: LoggedEvent) -> str | None:
    """The task a TaskOpened or TaskClosed event is about (its stream is `task-{id}`)."""
    if event.type in (E.TASK_OPENED, E.TASK_CLOSED):
        return event.stream_name.removeprefix("task-")
    return None


def _task(row: TaskRow, event: LoggedEvent) -> None:
    d = event.data
    if event.type == E.TASK_OPENED:
        row.participant_id, row.kind = str(d["participant_id"]), str(d["kind"])
        row.due_at, row.opened_at, row.pair_id = str(d["due_at"]), event.occurred_at, event.pair_id
    else:
        row.status, row.closed_at = str(d["status"]), event.occurred_at


_SURVEYS = {E.MIDPOINT_ANSWERED: "midpoint", E.FINAL_EVALUATION_SUBMITTED: "final"}


def _survey(models: ReadModels, programme_id: str, pair_id: str, event: LoggedEvent) -> None:
    d = event.data
    participant_id, survey = str(d.get("participant_id", "")), _SURVEYS[EventType(event.type)]
    kpis = [float(k) for k in d.get("kpi_attainment") or ()]
    models.surveys[(programme_id, pair_id, participant_id, survey)] = SurveyRow(
        programme_id=programme_id,
        pair_id=pair_id,
        participant_id=participant_id,
        survey=survey,
        role=d.get("role"),
        satisfaction=d.get("satisfaction"),
        progress=d.get("progress"),
        wants_to_continue=d.get("wants_to_continue"),
        nps=d.get("nps"),
        kpi_attainment=round(sum(kpis) / len(kpis), 2) if kpis else None,
        answered_at=event.occurred_at,
    )


# Events that only count: the programme row's field each one adds 1 to.
_PROGRAMME_COUNTS: dict[str, str] = {
    E.PARTICIPANT_ENROLLED: "enrolled",
    E.SELF_ASSESSMENT_SUBMITTED: "assessments_submitted",
    E.SELF_ASSESSMENT_MISSED: "assessments_missed",
    E.ONBOARDING_ACCEPTED: "onboarded",
    E.PAIR_FORMED: "pairs_formed",
    E.PAIR_COMPLETED: "pairs_completed",
    E.PAIR_ENDED_EARLY: "pairs_ended_early",
    E.PAIR_DISSOLVED: "pairs_dissolved",
    E.PARTICIPANT_UNMATCHED: "unmatched",
    E.PAIR_AT_RISK: "at_risk_alerts",
    E.CONCERN_RAISED: "concerns",
}


def _programme(row: ProgrammeRow, event: LoggedEvent) -> None:
    t, d = event.type, event.data
    counted = _PROGRAMME_COUNTS.get(t)
    if counted is not None:
        setattr(row, counted, getattr(row, counted) + 1)
    elif t == E.PROGRAMME_LAUNCHED:
        row.name, row.participants = str(d.get("name", "")), int(d.get("participants", 0))
        row.phase, row.launched_at = "self_assessment", event.occurred_at
        row.starts_on = str(d["starts_on"]) if d.get("starts_on") else None
        row.day_seconds = int(d.get("day_seconds", REAL_DAY_SECONDS))
        row.timezone = str(d.get("timezone", DEFAULT_TIMEZONE))
        row.clock_origin = str(d["clock_origin"]) if d.get("clock_origin") else None
    elif t in (E.MATCHING_PROPOSED, E.MATCHING_REVISED):
        row.phase, row.matching_score = "matching_review", float(d.get("total_score", 0.0))
    elif t == E.MATCHING_APPROVED:
        row.phase = "running"
    elif t in (E.MATCHING_ABANDONED, E.PROGRAMME_COMPLETED):
        row.phase, row.completed_at = "completed", event.occurred_at


def programme_clock(row: Mapping[str, Any]) -> ProgrammeClock | None:
    """The clock of a programme's row (`ProgrammeRow`'s fields), to show its recorded times as
    programme times; None before its launch is projected."""
    if not row.get("starts_on"):
        return None
    origin = row.get("clock_origin")
    return ProgrammeClock.recorded(
        date.fromisoformat(str(row["starts_on"])),
        origin=datetime.fromisoformat(str(origin)) if origin else None,
        timezone=str(row.get("timezone") or DEFAULT_TIMEZONE),
        day_seconds=int(row.get("day_seconds") or REAL_DAY_SECONDS),
    )


def _pair(models: ReadModels, row: PairRow, event: LoggedEvent) -> None:
    t, d = event.type, event.data
    row.events += 1
    row.last_event_type, row.last_event_at = t, event.occurred_at
    if t == E.PAIR_FORMED:
        row.mentor_id, row.mentee_id = str(d["mentor_id"]), str(d["mentee_id"])
        row.phase, row.formed_at = "chemistry", event.occurred_at
    elif t == E.CHEMISTRY_ANSWERED and d.get("go"):
        row.go_answers += 1
        if row.go_answers == 2:
            row.phase = "goals"
    elif t in _GOALS_EVENTS:
        row.goals_state = _goals_state(event) or row.goals_state
    elif t == E.SESSION_SCHEDULED:
        session = models.session(row.programme_id, row.pair_id, int(d["session_number"]))
        if session.scheduled_at is None:
            row.sessions_scheduled += 1
        session.scheduled_at = str(d["at"])
        row.phase = "sessions"
    elif t == E.SESSION_RESCHEDULED:
        session = models.session(row.programme_id, row.pair_id, int(d["session_number"]))
        session.scheduled_at = str(d["at"])
    elif t == E.SESSION_LOGGED:
        session = models.session(row.programme_id, row.pair_id, int(d["session_number"]))
        held = bool(d.get("held"))
        _count_session(row, session.status, -1)
        session.status = "held" if held else "missed"
        _count_session(row, session.status, +1)
        session.minutes, session.progress_rating = d.get("minutes"), d.get("progress_rating")
        session.logged_at = event.occurred_at
        if held:
            row.at_risk = False
    elif t == E.SESSION_MISSED:
        session = models.session(row.programme_id, row.pair_id, int(d["session_number"]))
        _count_session(row, session.status, -1)
        session.status = "missed"
        _count_session(row, session.status, +1)
    elif t == E.PAIR_AT_RISK:
        row.at_risk, row.at_risk_episodes = True, row.at_risk_episodes + 1
    elif t == E.PAIR_PAUSED:
        row.paused_until = str(d.get("until") or "") or None
    elif t == E.PAIR_RESUMED:
        row.paused_until = None
    elif t == E.FINAL_EVALUATION_SUBMITTED:
        row.phase = "final"
    elif t in _PAIR_END:
        row.phase, row.ended_at = _PAIR_END[EventType(t)], event.occurred_at
        row.end_reason = str(d.get("reason") or "")
        row.at_risk = False


_GOALS_EVENTS = {E.GOALS_PROPOSED, E.GOALS_CONFIRMED, E.GOALS_DECLINED, E.COORDINATOR_ALERTED}


def _goals_state(event: LoggedEvent) -> str | None:
    """Where the goals stand after this event, as domain.pair_rules.PairRules has them then."""
    t, d = event.type, event.data
    if t == E.GOALS_PROPOSED:
        return GoalsState.PROPOSED.value
    if t == E.GOALS_CONFIRMED:
        # Declines were recorded as GoalsConfirmed(confirmed=false) before GoalsDeclined existed.
        return (GoalsState.CONFIRMED if d.get("confirmed") else GoalsState.DECLINED).value
    if t == E.GOALS_DECLINED:
        return (GoalsState.DECLINED if d.get("sent_back") else GoalsState.DISPUTED).value
    if t == E.COORDINATOR_ALERTED and d.get("why") == GoalsAlert.MISSING:
        return GoalsState.MISSING.value
    return None  # an alert about something else


def _count_session(row: PairRow, status: str, delta: int) -> None:
    if status == "held":
        row.sessions_held += delta
    elif status == "missed":
        row.sessions_missed += delta
