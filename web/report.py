"""The programme report as a printable HTML page (inline SVG charts) and as CSV files."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from domain.programme import Locale
from domain.report import ProgrammeReport
from domain.skills import CATALOGUE
from web.charts import grouped_bars, lines
from web.i18n import DEFAULT_LOCALE, LOCALES, Translator
from web.rendering import environment


def _figures(t: Translator) -> tuple[Callable[[float | None], str], Callable[[float | None], str]]:
    """Numbers and ratios as the reader writes them (Babel: "4,5" and "42 %" in French)."""

    def num(value: float | None) -> str:
        return "–" if value is None else t.number(value)

    def pct(ratio: float | None) -> str:
        return "–" if ratio is None else t.percent(ratio)

    return num, pct


def render_html(report: ProgrammeReport, locale: str | Translator = DEFAULT_LOCALE) -> str:
    """The printable report in `locale` (French by default, as Tandem is), or in a translator's
    language."""
    if isinstance(locale, Translator):
        t = locale
    else:
        t = Translator(locale if locale in LOCALES else DEFAULT_LOCALE)
    # Skill labels are the skills catalogue's data, in the languages it has.
    labels = Locale(t.locale) if t.locale in LOCALES else Locale(DEFAULT_LOCALE)

    def skill(skill_id: str) -> str:
        known = CATALOGUE.get(skill_id)
        return skill_id if known is None else known.label(labels)

    uplift = grouped_bars(
        t("report.uplift.chart"),
        [skill(s.skill) for s in report.skills],
        [
            (t("report.before"), [s.baseline for s in report.skills]),
            (t("report.after"), [s.final for s in report.skills]),
        ],
        maximum=4,
    )
    weeks = report.sessions_by_week
    planned, held, so_far_planned, so_far_held = [], [], 0, 0
    for w in weeks:
        so_far_planned += w.planned
        so_far_held += w.held
        planned.append(float(so_far_planned))
        held.append(float(so_far_held))
    sessions = lines(
        t("report.over_time.chart"),
        [t.short_date(w.starts_on) for w in weeks],  # each programme week by its first day
        [(t("report.planned"), planned), (t("report.held"), held)],
    )
    num, pct = _figures(t)
    return (
        environment(t)
        .get_template("programme_report.html")
        .render(
            r=report,
            t=t,
            skill=skill,
            uplift_chart=uplift,
            sessions_chart=sessions,
            num=num,
            pct=pct,
        )
    )


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """A cell a spreadsheet will not run: text starting like a formula is quoted with '."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(report: ProgrammeReport, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    tables: dict[str, tuple[list[str], list[list[object]]]] = {
        "skills.csv": (
            ["skill", "mentees", "baseline", "final", "uplift"],
            [[s.skill, s.mentees, s.baseline, s.final, s.uplift] for s in report.skills],
        ),
        "sessions_by_week.csv": (
            ["week", "starts_on", "planned", "held"],
            [[w.week, w.starts_on.isoformat(), w.planned, w.held] for w in report.sessions_by_week],
        ),
        "opinions.csv": (
            ["role", "answers", "satisfaction", "nps"],
            [[o.role, o.answers, o.satisfaction, o.nps] for o in report.opinions],
        ),
        "response_times.csv": (
            ["task", "answered", "median_days"],
            [[t.kind, t.answered, t.median_days] for t in report.response_times],
        ),
        "summary.csv": (
            ["figure", "value"],
            [
                [key, value]
                for key, value in report.model_dump().items()
                if not isinstance(value, list)
            ],
        ),
    }
    return [write_table(directory / name, header, rows) for name, (header, rows) in tables.items()]


def write_table(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    """One CSV file, its cells made safe for spreadsheets."""
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows([[safe_cell(v) for v in row] for row in rows])
    return path
