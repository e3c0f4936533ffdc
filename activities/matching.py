"""`run_matching`: builds the matching problem from the recorded self-assessments and solves it."""

from __future__ import annotations

import asyncio

from temporalio import activity
from temporalio.exceptions import ApplicationError

from contracts.programme import MatchingRequest
from domain.event_payloads import SelfAssessmentSubmitted, payload_as
from domain.events import EventType, participant_stream
from domain.matcher import solve
from domain.matching import (
    MatchingConflict,
    MatchingProblem,
    MatchingProposal,
    Profile,
    Unmatched,
)
from domain.programme import ParticipantRef, Role
from domain.unmatched import UnmatchedReason
from store.events import EventStore

NO_ANSWER = "did not answer the self-assessment in time"  # for people reading the history
# A window closes by recording its answer or its miss, a moment after the deadline. Until each has,
# the matching is retried (the answer accepted in the last second may still be on its way); after
# this many attempts a window that never closed (a run lost or terminated) counts as missed.
WAIT_FOR_WINDOWS_ATTEMPTS = 5


def profile(ref: ParticipantRef, answer: SelfAssessmentSubmitted) -> Profile:
    return Profile(
        id=ref.id,
        grade=ref.grade,
        department=ref.department,
        manager_id=ref.manager_id,
        above=ref.above,
        languages=answer.languages or (ref.locale.value,),
        format=answer.format,
        availability=answer.availability,
        levels=answer.levels,
        targets=answer.targets,
        priorities=answer.priorities,
        capacity=answer.capacity,
        exchange=answer.exchange,
    )


class MatchingActivities:
    def __init__(self, events: EventStore) -> None:
        self._events = events

    @activity.defn(name="run_matching")
    async def run_matching(self, request: MatchingRequest) -> MatchingProposal:
        plan = request.plan
        wanted = None if request.participant_ids is None else set(request.participant_ids)
        people = [p for p in plan.participants if wanted is None or p.id in wanted]
        streams = [participant_stream(p.id) for p in people]
        answers = await self._events.latest_by_type(EventType.SELF_ASSESSMENT_SUBMITTED, streams)
        missed = await self._events.latest_by_type(EventType.SELF_ASSESSMENT_MISSED, streams)
        still_open = [s for s in streams if s not in answers and s not in missed]
        if still_open and activity.info().attempt < WAIT_FOR_WINDOWS_ATTEMPTS:
            raise ApplicationError(
                f"{len(still_open)} self-assessment window(s) not closed yet",
                type="SelfAssessmentsOpen",
            )
        mentors: list[Profile] = []
        mentees: list[Profile] = []
        missing: list[Unmatched] = []
        for ref in people:
            recorded = answers.get(participant_stream(ref.id))
            if recorded is None:
                missing.append(
                    Unmatched(
                        participant_id=ref.id,
                        reason=NO_ANSWER,
                        code=UnmatchedReason.SELF_ASSESSMENT_MISSED,
                    )
                )
                continue
            answer = payload_as(recorded, SelfAssessmentSubmitted)
            if ref.role is Role.MENTEE:
                mentees.append(profile(ref, answer))
                continue
            # A top-up round offers a mentor only the room their running pairs leave.
            mentor = profile(ref, answer)
            room = mentor.slots - request.load.get(ref.id, 0)
            if room > 0:
                mentors.append(mentor.model_copy(update={"capacity": room}))
        problem = MatchingProblem(
            mentors=tuple(mentors),
            mentees=tuple(mentees),
            weights=plan.matching.weights,
            banned=frozenset(request.banned),
            forced=request.forced,
            backups_per_mentee=plan.matching.backups_per_mentee,
            favour_participation=plan.matching.favour_participation,
        )
        try:
            # CPU work off the event loop, so heartbeats and other activities keep flowing.
            proposal = await asyncio.to_thread(solve, problem)
        except MatchingConflict as conflict:
            raise ApplicationError(
                str(conflict), type="MatchingConflict", non_retryable=True
            ) from None
        availability = {p.id: p.availability for p in (*mentors, *mentees) if p.availability}
        return proposal.model_copy(
            update={"unmatched": (*proposal.unmatched, *missing), "availability": availability}
        )
