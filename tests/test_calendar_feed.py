"""Each participant's calendar feed: the webcal:// link of their session e-mails, fetched the way a
calendar application subscribed to it does, on the real stack (time-skipping Temporal, the worker,
PostgreSQL, the SMTP sink) and the real web app."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest
import recurring_ical_events

from contracts.pair import PairPhase
from domain.answers import EndPair, Reschedule
from domain.programme import Role
from domain.tasks import TaskKind
from domain.tokens import sign_feed_token
from store.participants import ParticipantStore
from tests.lifecycle_helpers import Run, Stack, small_cohort
from web.app import create_app

SECRET = b"lifecycle-tests"  # what `mail_settings` in lifecycle_helpers signs links with
PARIS = ZoneInfo("Europe/Paris")
_FEED = re.compile(r"webcal://127\.0\.0\.1:8000(/calendar/[A-Za-z0-9_-]+\.ics)")


@pytest.fixture
async def web(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(client=stack.client, pool=stack.pool, secret=SECRET)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
        yield c


async def _in_sessions(stack: Stack) -> Run:
    spec = small_cohort(2, sessions=4).model_copy(update={"holidays": "none"})
    run = await stack.launch(spec)
    await run.until_pair_phase(1, PairPhase.SESSIONS.value, max_days=30)
    return run


def _feed_path(stack: Stack, run: Run, who: str) -> str:
    (scheduled,) = stack.mails("sessions_scheduled", run.email(who))
    found = _FEED.search(scheduled.text())
    assert found, "the sessions e-mail has no calendar feed link"
    assert found[1] in scheduled.html()  # the HTML part links it too
    # Its web address too, for online calendars that take no webcal:// link.
    assert f"http://127.0.0.1:8000{found[1]}" in scheduled.text()
    return found[1]


async def _shown(web: httpx.AsyncClient, path: str) -> list[Any]:
    answer = await web.get(path)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/calendar")
    assert "private" in answer.headers["cache-control"]
    calendar = icalendar.Calendar.from_ical(answer.content)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert calendar.decoded("REFRESH-INTERVAL") == timedelta(hours=1)
    assert calendar.walk("VTIMEZONE"), "a feed always holds a component, its time zone at least"
    return list(
        recurring_ical_events.of(calendar).between(datetime(2026, 1, 1), datetime(2029, 1, 1))
    )


async def test_the_feed_shows_the_pairs_sessions_as_they_are_now(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await _in_sessions(stack)
    mentor, mentee = run.ids(Role.MENTOR)[0], run.ids(Role.MENTEE)[0]
    path = _feed_path(stack, run, mentee)
    before = await _shown(web, path)
    assert len(before) == 4
    assert all(not e.get("ATTENDEE") for e in before)  # a feed invites nobody
    assert {str(e["UID"]) for e in before} == {f"{run.pair_id_for(1)}@tandem"}
    assert "séance 1 sur 4" in str(before[0]["SUMMARY"])  # in the reader's language

    # A reschedule: the feed follows, for both partners, without a new subscription.
    first = before[0].decoded("DTSTART").astimezone(PARIS)
    late = next(d for d in (1, 2, 3) if (first + timedelta(days=d)).weekday() < 5)
    manage = await run.task(TaskKind.PAIR_MANAGE, mentor, run.pair_id_for(1))
    await run.send(
        manage,
        Reschedule(
            task_id=manage.task_id,
            participant_id=mentor,
            session_number=1,
            new_date=(first + timedelta(days=late)).date(),
        ),
        update="reschedule",
        update_id=f"{manage.task_id}:reschedule",
    )
    (moved,) = await stack.wait_for_mails("session_rescheduled", run.email(mentee))
    assert _FEED.search(moved.text()), "every session e-mail gives the feed"
    assert "(heure de Paris)" in moved.text()  # the new time, in the programme's zone
    for who in (mentee, mentor):
        after = await _shown(web, _feed_path(stack, run, who))
        assert after[0].decoded("DTSTART").astimezone(PARIS) == first + timedelta(days=late)
        assert len(after) == 4

    # The pair ends: its sessions leave the feed.
    manage = await run.task(TaskKind.PAIR_MANAGE, mentee, run.pair_id_for(1))
    await run.send(manage, EndPair(task_id=manage.task_id, participant_id=mentee, reason="Fin"))
    await stack.wait_for_mails("pair_ended_early", run.email(mentee))
    assert await _shown(web, path) == []


async def test_a_forged_feed_or_one_of_a_former_address_shows_nothing(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await _in_sessions(stack)
    mentee = run.ids(Role.MENTEE)[0]
    path = _feed_path(stack, run, mentee)
    forged = path[:-6] + ("A" if path[-5] != "A" else "B") + path[-5:]
    assert (await web.get(forged)).status_code == 404
    assert (await web.get("/calendar/not-a-token.ics")).status_code == 404
    other_secret = sign_feed_token(mentee, b"another deployment")
    assert (await web.get(f"/calendar/{other_secret}.ics")).status_code == 404
    # The address corrected: the feed mailed to the former one is revoked.
    await ParticipantStore(stack.pool).change_email(mentee, "nouvelle@example.org")
    gone = await web.get(path)
    assert gone.status_code == 410 and "BEGIN:VCALENDAR" not in gone.text
    renewed = sign_feed_token(mentee, SECRET, generation=1)
    assert (await web.get(f"/calendar/{renewed}.ics")).status_code == 200
