"""Two cohorts' reports side by side, as a printable HTML page with its charts and as CSV."""

from __future__ import annotations

import math
from pathlib import Path

from domain.programme import Locale
from domain.report_comparison import CohortComparison, ComparedRow, Figure, Unit
from domain.skills import CATALOGUE
from web.charts import grouped_bars
from web.i18n import DEFAULT_LOCALE, LOCALES, Translator
from web.rendering import environment
from web.report import write_table

# The figures the rates chart draws, each a share of 100.
_RATES = (
    Figure.COMPLETION_RATE,
    Figure.SESSIONS_HELD_RATE,
    Figure.KPI_ATTAINMENT,
    Figure.MENTORS_WILLING_AGAIN,
)


def _as_percent(row: ComparedRow, value: float | None) -> float | None:
    if value is None:
        return None
    return value * 100 if row.unit is Unit.RATIO else value


class RowWords:
    """How one row reads in the reader's language."""

    def __init__(self, t: Translator) -> None:
        self.t = t
        labels = Locale(t.locale) if t.locale in LOCALES else Locale(DEFAULT_LOCALE)
        self._labels = labels

    def skill(self, skill_id: str | None) -> str:
        known = CATALOGUE.get(skill_id or "")
        return skill_id or "" if known is None else known.label(self._labels)

    def skill_of(self, row: ComparedRow) -> str:
        return self.skill(row.skill)

    def label(self, row: ComparedRow) -> str:
        if row.figure is Figure.UPLIFT:
            return self.t("compare.figure.uplift", skill=self.skill(row.skill))
        return self.t(f"compare.figure.{row.figure.value}")

    def value(self, row: ComparedRow, value: float | None) -> str:
        if value is None:
            return "–"
        if row.unit is Unit.COUNT:
            return self.t.number(int(value))
        if row.unit is Unit.RATIO:
            return self.t.percent(value)
        if row.unit is Unit.PERCENT:
            return self.t.percent(value / 100)
        return self.t.number(round(value, 2))

    def difference(self, row: ComparedRow) -> str:
        d = row.difference
        if d is None:
            return "–"
        if row.unit in (Unit.RATIO, Unit.PERCENT):
            points = round(d * 100 if row.unit is Unit.RATIO else d, 1)
            shown = self.t("compare.points", points=self.t.number(abs(points)))
            d = points
        else:
            shown = self.t.number(abs(int(d)) if row.unit is Unit.COUNT else abs(round(d, 2)))
        return ("+" if d > 0 else "−" if d < 0 else "±") + shown


def render_comparison_html(
    comparison: CohortComparison, locale: str | Translator = DEFAULT_LOCALE
) -> str:
    t = (
        locale
        if isinstance(locale, Translator)
        else Translator(locale if locale in LOCALES else DEFAULT_LOCALE)
    )
    words = RowWords(t)
    rows = comparison.rows
    uplift = [r for r in rows if r.figure is Figure.UPLIFT]
    rates = [r for r in rows if r.figure in _RATES]
    series_names = (comparison.compared_name, comparison.name)
    top_uplift = max((abs(v) for r in uplift for v in (r.value, r.compared) if v), default=1.0)
    uplift_chart = grouped_bars(
        t("compare.chart.uplift"),
        [words.skill(r.skill) for r in uplift],
        [
            (series_names[0], [r.compared for r in uplift]),
            (series_names[1], [r.value for r in uplift]),
        ],
        maximum=float(math.ceil(top_uplift)),
        figures=True,
        shown=lambda v: t.number(round(v, 2)),
    )
    rates_chart = grouped_bars(
        t("compare.chart.rates"),
        [words.label(r) for r in rates],
        [
            (series_names[0], [_as_percent(r, r.compared) for r in rates]),
            (series_names[1], [_as_percent(r, r.value) for r in rates]),
        ],
        maximum=100,
        figures=True,
        shown=lambda v: t.number(round(v)),
    )
    return (
        environment(t)
        .get_template("programme_comparison.html")
        .render(
            c=comparison,
            t=t,
            w=words,
            uplift_chart=uplift_chart if uplift else "",
            rates_chart=rates_chart,
        )
    )


def write_comparison_csv(comparison: CohortComparison, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    header = ["figure", "skill", comparison.compared_id, comparison.programme_id, "difference"]
    rows: list[list[object]] = [
        [r.figure.value, r.skill or "", r.compared, r.value, r.difference] for r in comparison.rows
    ]
    return write_table(directory / "comparison.csv", header, rows)
