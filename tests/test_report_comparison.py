"""`tandem report WAVE --compare PILOT`: two cohorts side by side, figure by figure, with the
difference per row, as a coordinator reads it in a browser, a spreadsheet or a script."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from contracts.programme import ProgrammePhase
from control.participants import SimulatedCohort, run_until
from control.report import programme_report
from domain.report import ProgrammeReport, SideOpinion, SkillUplift
from domain.report_comparison import CohortComparison, Figure, compare_reports
from domain.simulation import Knobs
from tests.lifecycle_helpers import DAY, SkippingClock, Stack, small_cohort
from tests.test_report import _report
from web.report_comparison import render_comparison_html


def _made(programme_id: str, name: str, **figures: Any) -> ProgrammeReport:
    base: dict[str, Any] = {
        "programme_id": programme_id,
        "name": name,
        "participants": 10,
        "pairs_formed": 5,
        "pairs_completed": 4,
        "pairs_ended_early": 1,
        "pairs_dissolved": 0,
        "completion_rate": 0.8,
        "repairings": 0,
        "unmatched": 0,
        "at_risk_episodes": 2,
        "concerns": 1,
        "sessions_planned": 40,
        "sessions_held": 30,
        "sessions_missed": 10,
        "sessions_by_week": [],
        "skills": [],
        "kpi_attainment": 60.0,
        "opinions": [],
        "response_times": [],
    }
    return ProgrammeReport.model_validate({**base, **figures})


def test_each_figure_is_set_beside_the_other_cohort_s_with_its_difference() -> None:
    pilot = _made(
        "pilote",
        "Pilote",
        skills=[SkillUplift(skill="linkedin", mentees=3, baseline=1, final=2, uplift=1.0)],
        opinions=[SideOpinion(role="mentee", answers=4, satisfaction=4.0, nps=25.0)],
        mentors_asked_again=4,
        mentors_willing_again=3,
    )
    wave = _made(
        "vague-2",
        "Vague 2",
        participants=24,
        completion_rate=0.9,
        sessions_held=36,
        kpi_attainment=None,  # nobody has reached the final evaluation yet
        skills=[
            SkillUplift(skill="generative-ai", mentees=5, baseline=0.5, final=2, uplift=1.5),
            SkillUplift(skill="linkedin", mentees=6, baseline=1, final=2.5, uplift=1.5),
        ],
        opinions=[SideOpinion(role="mentee", answers=10, satisfaction=4.5, nps=40.0)],
    )
    compared = compare_reports(wave, pilot)
    rows = {(r.figure, r.skill): r for r in compared.rows}
    assert (compared.name, compared.compared_name) == ("Vague 2", "Pilote")
    assert rows[Figure.PARTICIPANTS, None].difference == 14
    assert rows[Figure.COMPLETION_RATE, None].difference == 0.1
    assert rows[Figure.SESSIONS_HELD_RATE, None].value == 0.9
    assert rows[Figure.KPI_ATTAINMENT, None].difference is None
    assert (rows[Figure.NPS_MENTEE, None].value, rows[Figure.NPS_MENTEE, None].difference) == (
        40.0,
        15.0,
    )
    assert rows[Figure.NPS_MENTOR, None].value is None  # no mentor answered in either
    # The pilot's mentors said whether they would mentor again; the wave's have not been asked.
    again = rows[Figure.MENTORS_WILLING_AGAIN, None]
    assert (again.value, again.compared, again.difference) == (None, 0.75, None)
    # Every skill either practised, the wave's first; one the pilot lacked has no difference.
    uplift = [(r.skill, r.difference) for r in compared.rows if r.figure is Figure.UPLIFT]
    assert uplift == [("generative-ai", None), ("linkedin", 0.5)]

    french = render_comparison_html(compared)
    assert french.count("<svg") == 2 and "Vague 2 comparé à Pilote" in french
    assert '<td class="n">+10\u00a0pts</td>' in french  # a rate's difference, in points
    assert '<td class="n">+14</td>' in french
    assert '<th scope="row">IA générative</th><td class="n">–</td>' in french
    assert '<th scope="row">Mentors prêts à recommencer</th><td class="n">75\u00a0%</td>' in french
    # The chart draws no bar where the pilot has no figure, and says so in words.
    assert "IA générative: Pilote –, Vague 2 1,5" in french
    english = render_comparison_html(compared, "en")
    assert "Vague 2 compared with Pilote" in english and "+10 pts" in english


async def _rehearsed(stack: Stack, people: int, seed: int) -> str:
    spec = small_cohort(people, seed=seed, sessions=3)
    run = await stack.launch(spec, seed=seed)
    cohort = SimulatedCohort(stack.client, stack.pool, spec, seed, Knobs(no_show_rate=0.2), 86_400)

    async def finished() -> bool:
        return (await run.summary()).phase is ProgrammePhase.COMPLETED

    await run_until(cohort, SkippingClock(stack.env), finished, DAY, max_steps=200)
    return spec.id


async def test_the_command_line_compares_two_rehearsed_cohorts(
    stack: Stack, database_url: str, tmp_path: Path, browser: Any
) -> None:
    pilot = await _rehearsed(stack, 6, seed=3)
    wave = await _rehearsed(stack, 10, seed=4)
    expected = compare_reports(
        await programme_report(stack.pool, wave), await programme_report(stack.pool, pilot)
    )
    out = tmp_path / "comparison"
    done = _report(
        database_url,
        wave,
        "--compare",
        pilot,
        "--out",
        str(out / "c.html"),
        "--csv",
        str(out),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert CohortComparison.model_validate_json(done.stdout) == expected
    shown = json.loads(done.stdout)
    assert shown["rows"][0] == {
        "figure": "participants",
        "unit": "count",
        "value": 10.0,
        "compared": 6.0,
        "difference": 4.0,
        "skill": None,
    }
    with (out / "comparison.csv").open(encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [r["figure"] for r in table][:3] == ["participants", "pairs_formed", "completion_rate"]
    assert table[0][pilot] == "6.0" and table[0][wave] == "10.0"

    # As a coordinator opens it: both cohorts' figures in one table, the charts drawn.
    page = await browser.new_page()
    await page.goto((out / "c.html").as_uri())
    heading = await page.get_by_role("heading", level=1).inner_text()
    assert pilot in heading or expected.compared_name in heading
    row = page.locator("tr", has=page.get_by_role("rowheader", name="Participants", exact=True))
    assert await row.inner_text() == "Participants\t6\t10\t+4"
    assert await page.locator("svg.chart").count() == 2
    await page.close()

    # The console's table, in words; bad input changes nothing and says why.
    console = _report(database_url, wave, "--compare", pilot)
    assert console.returncode == 0 and "Pairs completed" in console.stdout
    itself = _report(database_url, wave, "--compare", wave)
    assert itself.returncode == 1 and "--compare names" in itself.stderr
    unknown = _report(database_url, wave, "--compare", "no-such-pilot")
    assert unknown.returncode == 1 and "no programme 'no-such-pilot'" in unknown.stderr
    assert "Traceback" not in unknown.stderr + itself.stderr
