"""The programme report: its figures against the event log read independently, and its files."""

from __future__ import annotations

import csv
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from contracts.programme import ProgrammePhase
from control.participants import SimulatedCohort, run_until
from control.report import programme_report
from domain.events import EventType
from domain.report import ProgrammeReport, nps
from domain.simulation import Knobs
from i18n.formatting import long_date, short_date
from store import audit
from store.events import EventStore
from store.projections import Projector
from tests.dashboard_helpers import sign_in
from tests.lifecycle_helpers import DAY, EVERYONE_ANSWERS, SkippingClock, Stack, small_cohort
from tests.test_dashboard import PASSWORD, SECRET, SETTINGS
from tests.test_web_browser import serving
from web.app import create_app
from web.report import render_html, safe_cell, write_csv

ROOT = Path(__file__).resolve().parent.parent
_STAMP = re.compile(r'<span class="when">([^<]+)</span>')


async def test_the_report_tells_what_the_event_log_says(
    stack: Stack, database_url: str, tmp_path: Path
) -> None:
    spec = small_cohort(14, seed=11, sessions=4)
    run = await stack.launch(spec, seed=11)
    knobs = Knobs(no_show_rate=0.2, no_go_rate=0.15, late_rate=0.2, dropout_rate=0.05)
    cohort = SimulatedCohort(stack.client, stack.pool, spec, 11, knobs, 86_400)

    async def finished() -> bool:
        return (await run.summary()).phase is ProgrammePhase.COMPLETED

    await run_until(cohort, SkippingClock(stack.env), finished, DAY, max_steps=200)
    summary = await run.handle.result()
    report = await programme_report(stack.pool, spec.id)

    # The workflows' own count agrees with the report's.
    assert (report.pairs_formed, report.pairs_completed) == (
        summary.pairs_formed,
        summary.pairs_completed,
    )
    assert (report.pairs_dissolved, report.pairs_ended_early, report.repairings) == (
        summary.pairs_dissolved,
        summary.pairs_ended_early,
        summary.repairings,
    )
    assert report.sessions_held == summary.sessions_held
    assert report.participants == len(spec.participants)

    # Skill uplift and opinions, recomputed here straight from the events.
    events = await EventStore(stack.pool).read_programme(spec.id)
    baseline = {
        e.stream_name.removeprefix("participant-"): e.data["levels"]
        for e in events
        if e.type == EventType.SELF_ASSESSMENT_SUBMITTED
    }
    finals = [e.data for e in events if e.type == EventType.FINAL_EVALUATION_SUBMITTED]
    gains: dict[str, list[int]] = defaultdict(list)
    for final in finals:
        if final["role"] != "mentee":
            continue
        for skill, level in final["levels"].items():
            if skill in baseline[final["participant_id"]]:
                gains[skill].append(level - baseline[final["participant_id"]][skill])
    assert gains, "the simulated mentees re-assess their skills"
    assert {s.skill: (s.mentees, s.uplift) for s in report.skills} == {
        skill: (len(g), round(statistics.fmean(g), 2)) for skill, g in gains.items()
    }
    for side in report.opinions:
        scores = [f["nps"] for f in finals if f["role"] == side.role]
        assert side.answers == len(scores)
        assert side.nps == nps(scores)
    held_by_week = sum(w.held for w in report.sessions_by_week)
    assert held_by_week == report.sessions_held
    assert {t.kind for t in report.response_times} >= {"self_assessment", "chemistry"}

    _check_files(report, spec.id, database_url, tmp_path)
    # Each export from the command line is in the programme's audit trail.
    exports = [e for e in await audit.read(stack.pool, spec.id) if e.action == "exported_report"]
    assert len(exports) == 2 and all(e.actor.startswith("cli:") for e in exports)


async def test_a_compressed_run_reports_and_writes_in_programme_time(stack: Stack) -> None:
    """A demo's day lasts seconds: its e-mails, report and response times still speak in the
    programme's days and weeks, not in the few minutes the run took."""
    day_seconds = 60
    spec = small_cohort(8, seed=5, sessions=4)
    run = await stack.launch(spec, seed=5, day_seconds=day_seconds)
    cohort = SimulatedCohort(stack.client, stack.pool, spec, 5, EVERYONE_ANSWERS, day_seconds)

    async def finished() -> bool:
        return (await run.summary()).phase is ProgrammePhase.COMPLETED

    step = timedelta(seconds=day_seconds)
    await run_until(cohort, SkippingClock(stack.env), finished, step, max_steps=400)
    await run.handle.result()

    # The first e-mail's deadline is the programme's: its first day plus the window's seven.
    mentee = spec.participants[0]
    mail = stack.mails("self_assessment", to=mentee.email)[0]
    due = spec.starts_on + timedelta(days=spec.durations.self_assessment_days)
    assert long_date(due, "fr") in mail.text()

    report = await programme_report(stack.pool, spec.id)
    assert report.sessions_held == 4 * report.pairs_completed > 0
    weeks = report.sessions_by_week
    # Sessions a fortnight apart fall in weeks of their own, weeks after the programme began.
    planned = [w for w in weeks if w.planned]
    assert len(planned) >= spec.sessions
    assert weeks[-1].week - weeks[0].week >= 2 * (spec.sessions - 1)
    assert all(w.starts_on == spec.starts_on + timedelta(weeks=w.week - 1) for w in weeks)
    assert weeks[0].starts_on > spec.starts_on
    assert sum(w.planned for w in weeks) == report.sessions_planned
    # Answers took programme days (a run of seconds would make every median 0.0).
    medians = {t.kind: t.median_days for t in report.response_times}
    assert medians["self_assessment"] >= 0.5 and medians["chemistry"] >= 0.5
    assert all(m < 30 for m in medians.values())

    html = render_html(report)
    assert "<polyline" in html and short_date(weeks[0].starts_on, "fr") in html

    # A pair's timeline on the dashboard runs over the programme's weeks, not one minute.
    await Projector(stack.pool).catch_up()
    app = create_app(client=stack.client, pool=stack.pool, secret=SECRET, dashboard=SETTINGS)
    async with serving(app) as base, httpx.AsyncClient(base_url=base) as http:
        assert (await sign_in(http, "admin", PASSWORD)).status_code == 303
        page = (await http.get(f"/coordinator/p/{spec.id}/pairs/0001")).text
    stamps = [datetime.strptime(w, "%Y-%m-%d %H:%M") for w in _STAMP.findall(page)]
    assert len(stamps) >= 15 and stamps == sorted(stamps)
    assert stamps[0].date() >= spec.starts_on
    assert (stamps[-1] - stamps[0]).days >= spec.cadence_days * (spec.sessions - 1)


def _check_files(
    report: ProgrammeReport, programme_id: str, database_url: str, tmp_path: Path
) -> None:
    html = render_html(report)  # French, Tandem's default
    assert html.count("<svg") == 2 and "<title>Niveaux avant et après" in html
    assert '<html lang="fr">' in html and "Progression des compétences" in html
    assert report.name in html
    english = render_html(report, "en")
    assert "<title>Skill levels before and after" in english and "Skill uplift" in english

    out = tmp_path / f"report-{programme_id}"
    result = _report(
        database_url,
        programme_id,
        "--out",
        str(out / "r.html"),
        "--csv",
        str(out / "csv"),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    assert ProgrammeReport.model_validate_json(result.stdout) == report
    assert (out / "r.html").read_text(encoding="utf-8") == html  # the programme's language
    in_english = _report(database_url, programme_id, "--out", str(out / "en.html"), "--lang", "en")
    assert in_english.returncode == 0, in_english.stderr
    assert (out / "en.html").read_text(encoding="utf-8") == english
    wrong = _report(database_url, programme_id, "--lang", "de")
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    with (out / "csv" / "skills.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["skill"] for r in rows] == [s.skill for s in report.skills]

    missing = _report(database_url, "no-such-programme")
    assert missing.returncode == 1 and "no programme 'no-such-programme'" in missing.stderr
    assert "Traceback" not in missing.stderr

    (tmp_path / "a-file").write_text("not a folder")
    unwritable = _report(database_url, programme_id, "--out", str(tmp_path / "a-file" / "r.html"))
    assert unwritable.returncode == 1 and "cannot write the report" in unwritable.stderr
    assert "Traceback" not in unwritable.stderr


def _report(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`tandem report` as the coordinator runs it, against this test's database."""
    return subprocess.run(
        [sys.executable, "-m", "starter", "report", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url},
        timeout=120,
        check=False,
    )


def test_csv_cells_cannot_run_as_formulas(tmp_path: Path) -> None:
    for dangerous in ('=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("linkedin") == "linkedin" and safe_cell(-2) == -2
    report = ProgrammeReport.model_validate(
        {
            **{k: 0 for k in ("participants", "pairs_formed", "pairs_completed")},
            "programme_id": "p",
            "name": "=cmd|' /C calc'!A0",
            "pairs_ended_early": 0,
            "pairs_dissolved": 0,
            "completion_rate": None,
            "repairings": 0,
            "unmatched": 0,
            "at_risk_episodes": 0,
            "concerns": 0,
            "sessions_planned": 0,
            "sessions_held": 0,
            "sessions_missed": 0,
            "sessions_by_week": [],
            "skills": [{"skill": "=1+1", "mentees": 1, "baseline": 1, "final": 2, "uplift": 1}],
            "kpi_attainment": None,
            "opinions": [],
            "response_times": [],
        }
    )
    write_csv(report, tmp_path)
    text = (tmp_path / "skills.csv").read_text(encoding="utf-8")
    assert "'=1+1" in text and "\n=1+1" not in text
    assert "'=cmd|" in (tmp_path / "summary.csv").read_text(encoding="utf-8")
