"""Each participant's calendar feed: `/calendar/TOKEN.ics`, the sessions of their pairs as the last
invitations gave them, for a calendar application to subscribe to (webcal://) and fetch again.

The token (domain.tokens) is the feed's only credential: a forged one and one of a former address
answer without a calendar, and nothing about the participant.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import asyncpg
import structlog
from fastapi import FastAPI
from starlette.responses import PlainTextResponse, Response

from activities.invitation_words import session_series
from activities.mail_rendering import words
from activities.session_themes import calendar_themes, programme_library
from domain.calendar import Attendee, CalendarMethod, SessionSeries, feed_ics
from domain.programme_clock import DEFAULT_TIMEZONE
from domain.skills import skill_labels
from domain.tokens import TokenError, verify_feed_token
from store.calendar_feeds import CalendarFeedStore
from store.participants import ParticipantRecord, ParticipantStore
from store.programmes import ProgrammeStore

log = structlog.get_logger(__name__)
# Calendar applications poll; a feed is personal, so no shared cache may keep it.
# How often calendar applications are asked to fetch it again: a moved session shows within it.
_REFRESH = timedelta(hours=1)
_HEADERS = {"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"}


def add_calendar_feed(
    app: FastAPI,
    *,
    pool: asyncpg.Pool,
    secret: bytes,
    previous_secrets: Sequence[bytes],
    now: Callable[[], datetime],
) -> None:
    participants, programmes = ParticipantStore(pool), ProgrammeStore(pool)
    feeds = CalendarFeedStore(pool)

    @app.get("/calendar/{token}.ics", include_in_schema=False)
    async def calendar_feed(token: str) -> Response:
        try:
            claims = verify_feed_token(token, secret, previous=previous_secrets)
        except TokenError:
            return _gone(404, "no such calendar")
        person = await participants.get(claims.participant_id)
        if person is None or claims.generation != person.link_generation:
            # Erased, or an address corrected since: the old address's feed is revoked.
            log.info("calendar_feed.refused", participant_id=claims.participant_id)
            return _gone(410, "this calendar is no longer available")
        word = words(person.locale)
        series: list[SessionSeries] = []
        for row in await feeds.of_participant(person.id):
            if row.calendar.get("method") == CalendarMethod.CANCEL.value:
                continue  # the pair ended: its sessions leave the calendar
            programme = await programmes.get(row.programme_id)
            coordinator = programme.coordinator_email if programme else None
            partner = await participants.get(row.partner_id) if row.partner_id else None
            labels = skill_labels(
                programme.spec.get("skills") or () if programme else (), person.locale
            )
            series.append(
                session_series(
                    row.calendar,
                    word,
                    locale=person.locale,
                    partner=partner.name if partner else word("mail.unknown_partner"),
                    programme=programme.name if programme else "",
                    organizer=_organizer(coordinator, person),
                    attendees=(),
                    stamp=now(),
                    method=CalendarMethod.PUBLISH,
                    themes=calendar_themes(
                        row.calendar,
                        labels,
                        person.locale,
                        word,
                        programme_library(programme.spec) if programme else None,
                    ),
                )
            )
        name = word("mail.calendar_feed.name")
        zone = next((s.timezone for s in series if s.timezone), DEFAULT_TIMEZONE)
        body = feed_ics(series, name, zone, _REFRESH)
        return Response(body, media_type="text/calendar; charset=utf-8", headers=_HEADERS)


def _organizer(coordinator_email: str | None, person: ParticipantRecord) -> Attendee:
    # PUBLISH names an organiser: the programme's coordinator, else the reader themselves.
    return Attendee(coordinator_email) if coordinator_email else Attendee(person.email, person.name)


def _gone(status: int, text: str) -> Response:
    return PlainTextResponse(text, status_code=status, headers={"Cache-Control": "no-store"})
