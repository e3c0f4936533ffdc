"""From a task link's token to the task it grants, or the reason it grants nothing.

Every refusal is decided before anything about the task is shown, and none says more than the
holder of the token may know: a forged token learns nothing, a genuine token for someone else's
task learns only that it is not theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from domain.tasks import TaskStatus
from domain.tokens import TokenExpired, TokenInvalid, verify_task_token
from store.participants import ParticipantRecord, ParticipantStore
from store.programmes import ProgrammeRecord, ProgrammeStore
from store.tasks import TaskRecord, TaskStore


class LinkProblem(Enum):
    INVALID = "invalid"  # forged, tampered with, malformed
    EXPIRED = "expired"  # the token's own expiry has passed
    FORBIDDEN = "forbidden"  # genuine, but the task is someone else's
    UNKNOWN_TASK = "unknown_task"  # genuine, but no such task (e.g. another database)
    CLOSED = "closed"  # the task expired or was cancelled
    WITHDRAWN = "withdrawn"  # genuine, but its holder has left the programme
    SUPERSEDED = "superseded"  # genuine, but signed before the holder's address was corrected

    @property
    def status(self) -> int:
        return _PAGES[self][0]

    @property
    def page(self) -> str:
        """The i18n prefix of the page's title and body."""
        return _PAGES[self][1]


# An unknown task reads like a bad link: the holder learns nothing more.
_PAGES = {
    LinkProblem.INVALID: (404, "page.invalid"),
    LinkProblem.EXPIRED: (410, "page.expired"),
    LinkProblem.FORBIDDEN: (403, "page.forbidden"),
    LinkProblem.UNKNOWN_TASK: (404, "page.invalid"),
    LinkProblem.CLOSED: (410, "page.closed"),
    LinkProblem.WITHDRAWN: (410, "page.withdrawn"),
    LinkProblem.SUPERSEDED: (410, "page.superseded"),
}


@dataclass(frozen=True)
class OpenedLink:
    task: TaskRecord
    participant: ParticipantRecord | None  # None once erased on request
    programme: ProgrammeRecord | None


@dataclass(frozen=True)
class RefusedLink:
    problem: LinkProblem
    # Only when the token is genuine and the task is the holder's own: whom to ask, in what
    # language. Never filled for a task of someone else.
    participant_locale: str | None = None
    coordinator_email: str | None = None
    task: TaskRecord | None = None  # for logging its id and kind, never shown


class LinkResolver:
    def __init__(
        self,
        secret: bytes,
        tasks: TaskStore,
        participants: ParticipantStore,
        programmes: ProgrammeStore,
        previous_secrets: Sequence[bytes] = (),
    ) -> None:
        self._secret = secret
        self._previous = tuple(previous_secrets)
        self._tasks = tasks
        self._participants = participants
        self._programmes = programmes

    async def open(self, token: str, now: datetime) -> OpenedLink | RefusedLink:
        try:
            claims = verify_task_token(token, self._secret, now, previous=self._previous)
        except TokenExpired as expired:
            task = await self._tasks.get(expired.claims.task_id)
            if task is None or task.participant_id != expired.claims.participant_id:
                return RefusedLink(LinkProblem.EXPIRED)
            return await self._refused_own(LinkProblem.EXPIRED, task)
        except TokenInvalid:
            return RefusedLink(LinkProblem.INVALID)

        task = await self._tasks.get(claims.task_id)
        if task is None:
            return RefusedLink(LinkProblem.UNKNOWN_TASK)
        if task.participant_id != claims.participant_id:
            return RefusedLink(LinkProblem.FORBIDDEN, task=task)
        participant = await self._participants.get(task.participant_id)
        # Before anything about the task, its answer included: a link mailed to a wrong address
        # may be in a stranger's hands, and one who left the programme has nothing left to do.
        if participant is not None and participant.withdrawn_at is not None:
            return await self._refused_own(LinkProblem.WITHDRAWN, task, participant)
        if participant is not None and claims.generation != participant.link_generation:
            return await self._refused_own(LinkProblem.SUPERSEDED, task, participant)
        if task.status in (TaskStatus.EXPIRED, TaskStatus.CANCELLED):
            return await self._refused_own(LinkProblem.CLOSED, task, participant)
        return OpenedLink(task, participant, await self._programmes.get(task.programme_id))

    async def reload(self, link: OpenedLink) -> OpenedLink:
        """The same link with its task as stored now (after an update, a task may have closed)."""
        task = await self._tasks.get(link.task.task_id)
        return link if task is None else OpenedLink(task, link.participant, link.programme)

    async def _refused_own(
        self, problem: LinkProblem, task: TaskRecord, participant: ParticipantRecord | None = None
    ) -> RefusedLink:
        if participant is None:
            participant = await self._participants.get(task.participant_id)
        programme = await self._programmes.get(task.programme_id)
        return RefusedLink(
            problem,
            participant_locale=participant.locale if participant else None,
            coordinator_email=programme.coordinator_email if programme else None,
            task=task,
        )
