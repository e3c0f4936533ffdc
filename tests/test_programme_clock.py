"""Programme time: a compressed demo's run read on the programme's calendar, everywhere people read
times (e-mails, pages, the report), and a real programme's times left as they are."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from domain.events import EventType, RecordedEvent
from domain.programme_clock import ProgrammeClock
from domain.read_models import LoggedEvent, ReadModels, fold, programme_clock
from domain.report import TaskTiming, build_report
from i18n.translator import Translator
from tests.event_samples import sample
from web.charts import lines
from web.programme_times import ProgrammeTimes
from web.report import render_html
from workflows.shared import iso_date, iso_moment

E = EventType
STARTS_ON = date(2027, 1, 11)  # a Monday
ORIGIN = datetime(2026, 12, 2, 18, 30, tzinfo=UTC)  # when the demo was launched
DEMO = ProgrammeClock(ORIGIN, STARTS_ON, day_seconds=2)


def _run(days: float) -> datetime:
    """The moment a two-second-day demo reaches programme day `days`."""
    return ORIGIN + timedelta(seconds=2 * days)


def test_a_demo_day_is_a_programme_day_from_the_programme_start() -> None:
    assert DEMO.programme_date(ORIGIN) == STARTS_ON
    assert DEMO.programme_date(_run(7)) == date(2027, 1, 18)
    assert DEMO.programme_time(_run(0.5)) == datetime(2027, 1, 11, 21, 0, tzinfo=DEMO.zone)
    assert DEMO.run_time(DEMO.programme_time(_run(40.25))) == _run(40.25)
    assert DEMO.programme_days(timedelta(seconds=3)) == 1.5


def test_weeks_count_from_the_programme_start() -> None:
    assert [DEMO.programme_week(_run(d)) for d in (0, 6.5, 7, 13.5, 14, 70)] == [1, 1, 2, 2, 3, 11]
    assert DEMO.week_starts_on(1) == STARTS_ON
    assert DEMO.week_starts_on(3) == date(2027, 1, 25)


def test_a_launch_recorded_without_its_clock_reads_its_times_as_they_are() -> None:
    old = ProgrammeClock.recorded(STARTS_ON, origin=None, day_seconds=2)
    moment = datetime(2027, 3, 1, 23, 30, tzinfo=UTC)
    assert old.programme_time(moment) == moment  # the same instant, in Paris
    assert old.programme_date(moment) == date(2027, 3, 2)
    assert old.programme_days(timedelta(days=3)) == 3
    recorded = ProgrammeClock.recorded(STARTS_ON, origin=ORIGIN, day_seconds=2)
    assert recorded == DEMO


def test_workflows_write_programme_dates_and_keep_their_own_without_a_clock() -> None:
    assert iso_date(_run(7), DEMO) == "2027-01-18"
    assert iso_date(_run(7)) == ORIGIN.date().isoformat()  # runs started before the clock
    assert iso_moment(_run(7.5), DEMO) == "2027-01-18T21:00:00+01:00"
    assert iso_moment(_run(7.5)) == _run(7.5).isoformat()


def test_the_read_model_keeps_the_clock_the_launch_recorded() -> None:
    models = ReadModels()
    launched = sample(
        E.PROGRAMME_LAUNCHED, starts_on="2027-01-11", day_seconds=2, clock_origin=ORIGIN.isoformat()
    )
    fold(
        models,
        [LoggedEvent.of(1, "programme-p", E.PROGRAMME_LAUNCHED, launched, "programme:p", None)],
    )
    row = vars(models.programmes["p"])
    assert programme_clock(row) == DEMO
    before = {**row, "clock_origin": None, "day_seconds": 86_400}
    assert programme_clock(before) == ProgrammeClock.recorded(STARTS_ON, origin=None)
    assert programme_clock({**row, "starts_on": None}) is None  # not launched yet


def test_pages_show_recorded_times_on_the_programme_clock() -> None:
    times = ProgrammeTimes(DEMO)
    assert times.stamp(_run(14.25).isoformat()) == "2027-01-25 15:00"
    assert times.stamp(None) == "" and times.at(None) is None
    assert ProgrammeTimes(None).stamp("2026-12-02T18:30:00+00:00") == "2026-12-02 18:30"


def test_a_programme_time_is_said_in_the_programme_s_zone() -> None:
    due = ProgrammeTimes(DEMO).at(_run(7.5))  # 18 January, 21:00 in Paris
    assert Translator("fr").moment(due) == "lundi 18 janvier 2027 à 21:00 (heure de Paris)"
    assert Translator("en").moment(due) == "Monday 18 January 2027 at 21:00 (Paris time)"
    machine = datetime(2027, 1, 18, 20, 0, tzinfo=timezone(timedelta(hours=1)))
    assert Translator("en").moment(machine) == "Monday 18 January 2027 at 19:00 (UTC)"


def _event(position: int, type_: EventType, when: datetime, **data: Any) -> RecordedEvent:
    return RecordedEvent(
        position=position,
        event_id=f"00000000-0000-0000-0000-{position:012d}",
        stream_name="pair-p-0001" if type_ != E.PROGRAMME_LAUNCHED else "programme-p",
        stream_position=position,
        type=type_,
        schema_version=1,
        data=sample(type_, **data),
        metadata={"occurred_at": when.isoformat(), "workflow_id": "pair:p:0001"},
        recorded_at=when,
    )


def test_the_report_of_a_demo_counts_programme_weeks_and_days() -> None:
    launched = _event(
        1,
        E.PROGRAMME_LAUNCHED,
        ORIGIN,
        starts_on="2027-01-11",
        day_seconds=2,
        clock_origin=ORIGIN.isoformat(),
    )
    sessions = []
    for n, day in enumerate((30, 44, 58), start=1):
        at = _run(day)
        sessions.append(
            _event(2 * n, E.SESSION_SCHEDULED, ORIGIN, session_number=n, at=at.isoformat())
        )
        sessions.append(_event(2 * n + 1, E.SESSION_LOGGED, _run(day + 1), session_number=n))
    answered = TaskTiming(kind="chemistry", status="done", issued_at=_run(20), closed_at=_run(23.5))
    report = build_report("p", [launched, *sessions], [answered])
    weeks = report.sessions_by_week
    assert [w.week for w in weeks] == list(range(5, 10))  # quiet weeks between stay on the axis
    assert [(w.planned, w.held) for w in weeks] == [(1, 1), (0, 0), (1, 1), (0, 0), (1, 1)]
    assert weeks[0].starts_on == date(2027, 2, 8)
    assert [(t.kind, t.median_days) for t in report.response_times] == [("chemistry", 3.5)]
    page = render_html(report)
    assert "8 févr." in page and "3,5" in page


def test_a_chart_of_one_week_draws_its_bars_with_their_label() -> None:
    chart = lines("Sessions", ["11 janv."], [("planned", [4.0]), ("held", [2.0])])
    assert chart.count("<rect") == 2 + 2  # two bars, and the legend's two keys
    assert ">4</text>" in chart and ">2</text>" in chart  # each bar's figure above it
    widths = [float(w) for w in re.findall(r'<rect x="[^"]+" y="[^"]+" width="([^"]+)"', chart)]
    assert max(widths) <= 64  # bars, not two slabs filling the chart
    assert ">11 janv.</text>" in chart and "<polyline" not in chart
    assert "11 janv.: planned 4, held 2" in chart


def test_a_long_chart_labels_only_as_many_weeks_as_fit() -> None:
    labels = [f"w{n}" for n in range(40)]
    chart = lines("Sessions", labels, [("planned", [float(n) for n in range(40)])])
    shown = [label for label in labels if f">{label}</text>" in chart]
    assert 5 <= len(shown) < 20 and shown[0] == "w0" and shown[-1] == "w39"
    assert chart.count("<circle") == 40 and "w17 17" in chart  # every figure stays in <desc>
