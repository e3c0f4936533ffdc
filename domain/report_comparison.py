"""Two cohorts side by side: a wave against the pilot it follows, figure by figure.

Each row is one figure of `domain.report.ProgrammeReport` for both programmes and its difference
(this programme's minus the other's), None where either has no value (nobody answered yet, a
skill only one of them practised). Rows are codes; the edges word them.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from domain.report import ProgrammeReport, SideOpinion


class Figure(StrEnum):
    PARTICIPANTS = "participants"
    PAIRS_FORMED = "pairs_formed"
    COMPLETION_RATE = "completion_rate"
    SESSIONS_PLANNED = "sessions_planned"
    SESSIONS_HELD = "sessions_held"
    SESSIONS_HELD_RATE = "sessions_held_rate"
    KPI_ATTAINMENT = "kpi_attainment"
    SATISFACTION_MENTOR = "satisfaction_mentor"
    SATISFACTION_MENTEE = "satisfaction_mentee"
    NPS_MENTOR = "nps_mentor"
    NPS_MENTEE = "nps_mentee"
    AT_RISK_EPISODES = "at_risk_episodes"
    REPAIRINGS = "repairings"
    PAIRS_ENDED_EARLY = "pairs_ended_early"
    WITHDRAWN = "withdrawn"
    CONCERNS = "concerns"
    MENTORS_WILLING_AGAIN = "mentors_willing_again"  # of the mentors who answered the question
    UPLIFT = "uplift"  # one row per skill


class Unit(StrEnum):
    COUNT = "count"
    RATIO = "ratio"  # 0-1, shown as a percentage
    PERCENT = "percent"  # 0-100 already
    MEAN = "mean"  # a mean on its own scale (satisfaction 1-5, levels 0-4)
    SCORE = "score"  # NPS, -100 to 100


class ComparedRow(BaseModel):
    model_config = ConfigDict(frozen=True)

    figure: Figure
    unit: Unit
    value: float | None  # this programme's
    compared: float | None  # the other programme's
    difference: float | None  # value - compared
    skill: str | None = None  # for Figure.UPLIFT


class CohortComparison(BaseModel):
    programme_id: str
    name: str
    compared_id: str
    compared_name: str
    rows: list[ComparedRow]


def _held_rate(r: ProgrammeReport) -> float | None:
    return r.sessions_held / r.sessions_planned if r.sessions_planned else None


def _willing_again(r: ProgrammeReport) -> float | None:
    # A share of those asked: a wave's larger cohort must not look keener by its size alone.
    return r.mentors_willing_again / r.mentors_asked_again if r.mentors_asked_again else None


def _side(
    role: str, pick: Callable[[SideOpinion], float | None]
) -> Callable[[ProgrammeReport], float | None]:
    def of(r: ProgrammeReport) -> float | None:
        side = next((o for o in r.opinions if o.role == role), None)
        return None if side is None else pick(side)

    return of


F, U = Figure, Unit
_FIGURES: tuple[tuple[Figure, Unit, Callable[[ProgrammeReport], float | None]], ...] = (
    (F.PARTICIPANTS, U.COUNT, lambda r: r.participants),
    (F.PAIRS_FORMED, U.COUNT, lambda r: r.pairs_formed),
    (F.COMPLETION_RATE, U.RATIO, lambda r: r.completion_rate),
    (F.SESSIONS_PLANNED, U.COUNT, lambda r: r.sessions_planned),
    (F.SESSIONS_HELD, U.COUNT, lambda r: r.sessions_held),
    (F.SESSIONS_HELD_RATE, U.RATIO, _held_rate),
    (F.KPI_ATTAINMENT, U.PERCENT, lambda r: r.kpi_attainment),
    (F.SATISFACTION_MENTOR, U.MEAN, _side("mentor", lambda o: o.satisfaction)),
    (F.SATISFACTION_MENTEE, U.MEAN, _side("mentee", lambda o: o.satisfaction)),
    (F.NPS_MENTOR, U.SCORE, _side("mentor", lambda o: o.nps)),
    (F.NPS_MENTEE, U.SCORE, _side("mentee", lambda o: o.nps)),
    (F.AT_RISK_EPISODES, U.COUNT, lambda r: r.at_risk_episodes),
    (F.REPAIRINGS, U.COUNT, lambda r: r.repairings),
    (F.PAIRS_ENDED_EARLY, U.COUNT, lambda r: r.pairs_ended_early),
    (F.WITHDRAWN, U.COUNT, lambda r: r.withdrawn),
    (F.CONCERNS, U.COUNT, lambda r: r.concerns),
    (F.MENTORS_WILLING_AGAIN, U.RATIO, _willing_again),
)


def _row(
    figure: Figure, unit: Unit, value: float | None, compared: float | None, skill: str | None
) -> ComparedRow:
    difference = None if value is None or compared is None else round(value - compared, 4)
    return ComparedRow(
        figure=figure,
        unit=unit,
        value=value,
        compared=compared,
        difference=difference,
        skill=skill,
    )


def compare_reports(report: ProgrammeReport, other: ProgrammeReport) -> CohortComparison:
    """`report`'s figures beside `other`'s: the headline figures, then each skill's uplift (the
    skills of `report` first, in its order, then those only `other` practised)."""
    rows = [_row(f, u, of(report), of(other), None) for f, u, of in _FIGURES]
    mine = {s.skill: s.uplift for s in report.skills}
    theirs = {s.skill: s.uplift for s in other.skills}
    for skill in [*mine, *(s for s in theirs if s not in mine)]:
        rows.append(_row(F.UPLIFT, U.MEAN, mine.get(skill), theirs.get(skill), skill))
    return CohortComparison(
        programme_id=report.programme_id,
        name=report.name,
        compared_id=other.programme_id,
        compared_name=other.name,
        rows=rows,
    )
