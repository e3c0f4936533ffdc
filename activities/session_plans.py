"""`plan_sessions`: the theme of each of a pair's sessions, from the mentee's self-assessment."""

from __future__ import annotations

from temporalio import activity

from contracts.pair import SessionPlanRequest
from domain.event_payloads import SelfAssessmentSubmitted, payload_as
from domain.events import EventType, participant_stream
from domain.session_plan import SessionPlan, make_plan
from store.events import EventStore


class SessionPlanActivities:
    def __init__(self, events: EventStore) -> None:
        self._events = events

    @activity.defn(name="plan_sessions")
    async def plan_sessions(self, request: SessionPlanRequest) -> SessionPlan:
        stream = participant_stream(request.mentee_id)
        answers = await self._events.latest_by_type(EventType.SELF_ASSESSMENT_SUBMITTED, [stream])
        recorded = answers.get(stream)
        if recorded is None:
            # Paired without an answer on record (a pair the coordinator forced): every skill of
            # the programme in turn, from the first level.
            return make_plan(request.sessions, request.skills, {}, {})
        answer = payload_as(recorded, SelfAssessmentSubmitted)
        return make_plan(
            request.sessions, request.skills, answer.levels, answer.targets, answer.priorities
        )
