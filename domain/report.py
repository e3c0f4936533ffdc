"""The programme report's figures, computed from the event log alone (and task timings).

Pure: `build_report` takes the programme's events in log order and its tasks' timings; the same
inputs always give the same report. Published reverse-mentoring programmes report satisfaction;
this report also measures skill uplift: each mentee's final levels against their own baseline.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from pydantic import BaseModel

from domain.event_payloads import (
    FinalEvaluationSubmitted,
    PairFormed,
    ParticipantEnrolled,
    ParticipantWithdrawn,
    ProgrammeLaunched,
    SelfAssessmentSubmitted,
    SessionLogged,
    SessionMissed,
    SessionRescheduled,
    SessionScheduled,
    payload_as,
    payload_of,
)
from domain.events import EventType, RecordedEvent
from domain.programme_clock import ProgrammeClock

E = EventType


class TaskTiming(BaseModel):
    kind: str
    status: str
    issued_at: datetime
    closed_at: datetime | None


class SkillUplift(BaseModel):
    skill: str
    mentees: int  # with both a baseline and a final level
    baseline: float  # mean level before, 0-4
    final: float  # mean level after
    uplift: float  # mean of each mentee's final - baseline


class SideOpinion(BaseModel):
    role: str
    answers: int
    satisfaction: float | None  # mean, 1-5
    nps: float | None  # % promoters (9-10) - % detractors (0-6)


class WeekSessions(BaseModel):
    week: int  # the programme's week, 1 from its first day (domain.programme_clock)
    starts_on: date  # that week's first day, on the programme's calendar
    planned: int  # sessions scheduled in that week (by their latest date)
    held: int  # sessions logged as held in that week


class ResponseTime(BaseModel):
    kind: str
    answered: int
    median_days: float


class ProgrammeReport(BaseModel):
    programme_id: str
    name: str
    participants: int
    pairs_formed: int
    pairs_completed: int
    pairs_ended_early: int
    pairs_dissolved: int
    completion_rate: float | None  # completed / pairs that went past the chemistry meeting
    repairings: int
    unmatched: int
    at_risk_episodes: int
    concerns: int
    sessions_planned: int
    sessions_held: int
    sessions_missed: int
    sessions_by_week: list[WeekSessions]
    skills: list[SkillUplift]
    kpi_attainment: float | None  # mean over every goal's KPI, 0-100 %
    opinions: list[SideOpinion]
    response_times: list[ResponseTime]
    # Roster changes: who joined late (and was paired), who left, who got a new partner.
    withdrawn: int = 0
    late_joiners: int = 0
    late_joiners_paired: int = 0
    partners_repaired: int = 0
    # Mentors who answered the final evaluation's "would you mentor again?", and those who said
    # yes: the returning mentors a following wave invites first (domain/pilot.py).
    mentors_asked_again: int = 0
    mentors_willing_again: int = 0


def nps(scores: Sequence[int]) -> float | None:
    if not scores:
        return None
    promoters = sum(s >= 9 for s in scores)
    detractors = sum(s <= 6 for s in scores)
    return round(100 * (promoters - detractors) / len(scores), 1)


def _mean(values: Iterable[float]) -> float | None:
    found = list(values)
    return round(statistics.fmean(found), 2) if found else None


_READ = frozenset(
    {
        E.PROGRAMME_LAUNCHED,
        E.PARTICIPANT_ENROLLED,
        E.PARTICIPANT_WITHDRAWN,
        E.SELF_ASSESSMENT_SUBMITTED,
        E.PAIR_FORMED,
        E.SESSION_SCHEDULED,
        E.SESSION_RESCHEDULED,
        E.SESSION_LOGGED,
        E.SESSION_MISSED,
        E.FINAL_EVALUATION_SUBMITTED,
    }
)


def _pair_of(event: RecordedEvent) -> str:
    return str(event.metadata.get("workflow_id", event.stream_name))


def build_report(
    programme_id: str, events: Sequence[RecordedEvent], tasks: Sequence[TaskTiming]
) -> ProgrammeReport:
    types = Counter(e.type for e in events)
    name, participants = programme_id, 0
    baseline: dict[str, dict[str, int]] = {}  # participant -> skill -> level, latest answer
    finals: dict[str, dict[str, int]] = {}
    roles: dict[str, str] = {}
    kpis: list[int] = []
    mentor_again: dict[str, bool] = {}  # mentor -> their latest "would mentor again"
    satisfaction: dict[str, list[int]] = defaultdict(list)
    promoter_scores: dict[str, list[int]] = defaultdict(list)
    mentees_paired: Counter[str] = Counter()
    partnered: Counter[str] = Counter()  # pairs formed per participant, either side
    late: set[str] = set()
    withdrawn: set[str] = set()
    # Programme time: a compressed demo's weeks pass in minutes (domain.programme_clock).
    clock = _clock(events)
    sessions: dict[tuple[str, int], tuple[int | None, str]] = {}  # (pair, n) -> (week, status)
    held_in_week: Counter[int] = Counter()

    for e in events:
        if e.type not in _READ:
            continue  # parsed only when read: a programme's log is mostly task events
        p = payload_of(e)
        if isinstance(p, ProgrammeLaunched):
            name, participants = p.name, p.participants
        elif isinstance(p, ParticipantEnrolled):
            roles[e.stream_name.removeprefix("participant-")] = p.role.value
            if p.late:
                late.add(e.stream_name.removeprefix("participant-"))
        elif isinstance(p, ParticipantWithdrawn):
            withdrawn.add(e.stream_name.removeprefix("participant-"))
        elif isinstance(p, SelfAssessmentSubmitted):
            baseline[e.stream_name.removeprefix("participant-")] = p.levels
        elif isinstance(p, PairFormed):
            mentees_paired[p.mentee_id] += 1
            partnered.update((p.mentor_id, p.mentee_id))
        elif isinstance(p, SessionScheduled | SessionRescheduled):
            key = (_pair_of(e), p.session_number)
            sessions[key] = (clock.programme_week(p.at), sessions.get(key, (None, "planned"))[1])
        elif isinstance(p, SessionLogged):
            key = (_pair_of(e), p.session_number)
            sessions[key] = (sessions.get(key, (None, ""))[0], "held" if p.held else "missed")
            if p.held and e.metadata.get("occurred_at"):
                logged = datetime.fromisoformat(str(e.metadata["occurred_at"]))
                held_in_week[clock.programme_week(logged)] += 1
        elif isinstance(p, SessionMissed):
            key = (_pair_of(e), p.session_number)
            sessions[key] = (sessions.get(key, (None, ""))[0], "missed")
        elif isinstance(p, FinalEvaluationSubmitted):
            satisfaction[p.role].append(p.satisfaction)
            promoter_scores[p.role].append(p.nps)
            if p.role == "mentee":
                finals[p.participant_id] = p.levels
                kpis.extend(p.kpi_attainment)
            elif p.would_mentor_again is not None:
                mentor_again[p.participant_id] = p.would_mentor_again

    formed = types[E.PAIR_FORMED]
    completed, dissolved = types[E.PAIR_COMPLETED], types[E.PAIR_DISSOLVED]
    statuses = Counter(status for _, status in sessions.values())
    planned_in_week = Counter(week for week, _ in sessions.values() if week is not None)
    # Every week from the first to the last, the quiet ones too: the chart's axis is time.
    weeks = planned_in_week.keys() | held_in_week.keys()
    span = range(min(weeks), max(weeks) + 1) if weeks else range(0)
    return ProgrammeReport(
        programme_id=programme_id,
        name=name,
        participants=participants,
        pairs_formed=formed,
        pairs_completed=completed,
        pairs_ended_early=types[E.PAIR_ENDED_EARLY],
        pairs_dissolved=dissolved,
        completion_rate=round(completed / (formed - dissolved), 3) if formed > dissolved else None,
        repairings=sum(n - 1 for n in mentees_paired.values()),
        unmatched=types[E.PARTICIPANT_UNMATCHED],
        at_risk_episodes=types[E.PAIR_AT_RISK],
        concerns=types[E.CONCERN_RAISED],
        sessions_planned=len(sessions),
        sessions_held=statuses["held"],
        sessions_missed=statuses["missed"],
        sessions_by_week=[
            WeekSessions(
                week=w,
                starts_on=clock.week_starts_on(w),
                planned=planned_in_week[w],
                held=held_in_week[w],
            )
            for w in span
        ],
        skills=_uplift(baseline, finals),
        kpi_attainment=_mean(kpis),
        opinions=[
            SideOpinion(
                role=role,
                answers=len(satisfaction[role]),
                satisfaction=_mean(satisfaction[role]),
                nps=nps(promoter_scores[role]),
            )
            for role in ("mentee", "mentor")
        ],
        response_times=_response_times(tasks, clock),
        withdrawn=len(withdrawn),
        late_joiners=len(late),
        late_joiners_paired=sum(1 for who in late if partnered[who]),
        partners_repaired=sum(n - 1 for n in partnered.values()),
        mentors_asked_again=len(mentor_again),
        mentors_willing_again=sum(mentor_again.values()),
    )


def _uplift(
    baseline: dict[str, dict[str, int]], finals: dict[str, dict[str, int]]
) -> list[SkillUplift]:
    before: dict[str, list[int]] = defaultdict(list)
    after: dict[str, list[int]] = defaultdict(list)
    for who, levels in finals.items():
        start = baseline.get(who, {})
        for skill, level in levels.items():
            if skill in start:
                before[skill].append(start[skill])
                after[skill].append(level)
    return [
        SkillUplift(
            skill=skill,
            mentees=len(after[skill]),
            baseline=round(statistics.fmean(before[skill]), 2),
            final=round(statistics.fmean(after[skill]), 2),
            uplift=round(
                statistics.fmean(a - b for a, b in zip(after[skill], before[skill], strict=True)), 2
            ),
        )
        for skill in sorted(after)
    ]


def _clock(events: Sequence[RecordedEvent]) -> ProgrammeClock:
    """The clock the programme's launch recorded; a log without its launch is read as real time,
    from its first event."""
    for e in events:
        if e.type == E.PROGRAMME_LAUNCHED:
            p = payload_as(e, ProgrammeLaunched)
            return ProgrammeClock.recorded(
                p.starts_on, origin=p.clock_origin, timezone=p.timezone, day_seconds=p.day_seconds
            )
    first = next(
        (str(e.metadata["occurred_at"]) for e in events if e.metadata.get("occurred_at")), None
    )
    starts_on = datetime.fromisoformat(first).date() if first else date(2000, 1, 3)
    return ProgrammeClock.recorded(starts_on, origin=None)


def _response_times(tasks: Sequence[TaskTiming], clock: ProgrammeClock) -> list[ResponseTime]:
    by_kind: dict[str, list[float]] = defaultdict(list)
    for t in tasks:
        if t.status == "done" and t.closed_at is not None:
            by_kind[t.kind].append(clock.programme_days(t.closed_at - t.issued_at))
    return [
        ResponseTime(kind=kind, answered=len(days), median_days=round(statistics.median(days), 2))
        for kind, days in sorted(by_kind.items())
    ]
