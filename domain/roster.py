"""Changes to a programme's roster once it runs, and whether each is allowed now.

The commands are what a coordinator sends (`tandem roster ...`, `tandem task extend`, the
dashboard); `Roster` answers whether the programme accepts one now, raising `Refused` otherwise.
People are participant ids: e-mails are resolved, and changed, outside the workflows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from domain.answers import CoordinatorCommand
from domain.org_chart import cohort_lines
from domain.programme import Participant, ParticipantRef, participant_ref
from domain.refusals import Refusal, Refused
from domain.tasks import TaskKind
from domain.typed_text import long_enough

# A deadline moves by at most this much at a time: a longer absence is a withdrawal.
MAX_EXTENSION_DAYS = 60
# Tasks with a deadline a coordinator may move; the others (concern, pair management) have none
# a participant could miss.
EXTENDABLE = frozenset(
    {
        TaskKind.SELF_ASSESSMENT,
        TaskKind.CHEMISTRY,
        TaskKind.GOALS_PROPOSE,
        TaskKind.GOALS_CONFIRM,
        TaskKind.SESSION_LOG,
        TaskKind.MIDPOINT_SURVEY,
        TaskKind.FINAL_EVALUATION,
    }
)


class AddParticipants(CoordinatorCommand):
    """Late joiners, already checked and stored like the programme's own participants."""

    participants: tuple[ParticipantRef, ...] = Field(min_length=1, max_length=500)
    # Participants already enrolled whose management chain now includes a late joiner (their
    # new `above`), so no pair ever has one person in the other's chain, either way.
    chains: dict[str, tuple[str, ...]] = Field(default_factory=dict)


class WithdrawParticipant(CoordinatorCommand):
    """One participant leaves: `reason` (required) is the coordinator's, for the record."""

    participant_id: str = Field(min_length=1, max_length=100)


class OpenLink(BaseModel):
    """An open task whose link is sent again, to a corrected address."""

    model_config = ConfigDict(frozen=True)

    task_id: UUID
    kind: TaskKind
    due_at: datetime


class ChangeEmail(CoordinatorCommand):
    """Their address was corrected in the participant table; their open links go to it."""

    participant_id: str = Field(min_length=1, max_length=100)
    open_tasks: tuple[OpenLink, ...] = ()


class ExtendTask(CoordinatorCommand):
    """A later deadline for one task; `expired` says the store found it expired already."""

    participant_id: str = Field(min_length=1, max_length=100)
    task_id: UUID
    kind: TaskKind
    days: int = Field(ge=1)
    expired: bool = False


@dataclass(frozen=True)
class Roster:
    """Who is in the programme now, as its workflow knows it."""

    enrolled: Collection[str]  # participant ids, late joiners included
    withdrawn: Collection[str]
    over: bool  # the programme completed

    def check_add(self, command: AddParticipants) -> None:
        self._check_running()
        for ref in command.participants:
            if ref.id in self.enrolled:
                raise Refused(Refusal.ALREADY_ENROLLED, person=ref.id)

    def check_present(self, participant_id: str) -> None:
        """Someone enrolled and still in the programme."""
        self._check_running()
        if participant_id not in self.enrolled:
            raise Refused(Refusal.NOT_PARTICIPANT, person=participant_id)
        if participant_id in self.withdrawn:
            raise Refused(Refusal.PARTICIPANT_WITHDRAWN, person=participant_id)

    def check_withdraw(self, command: WithdrawParticipant) -> None:
        self.check_present(command.participant_id)
        if not long_enough(command.reason):
            raise Refused(Refusal.REASON_NEEDED)

    def check_extend(self, command: ExtendTask) -> None:
        self.check_present(command.participant_id)
        check_extension(command.kind, command.days)

    def _check_running(self) -> None:
        if self.over:
            raise Refused(Refusal.PROGRAMME_OVER)


def check_extension(kind: TaskKind, days: int) -> None:
    if kind not in EXTENDABLE:
        raise Refused(Refusal.TASK_NOT_EXTENDABLE, kind=kind.value)
    if days > MAX_EXTENSION_DAYS:
        raise Refused(Refusal.EXTENSION_TOO_LONG, max_days=MAX_EXTENSION_DAYS)


@dataclass(frozen=True)
class Enrolled:
    """Someone already in the programme, as the participant table has them."""

    id: str
    email: str
    manager_email: str | None


def joining(
    enrolled: Sequence[Enrolled],
    joiners: Sequence[Participant],
    organisation: Mapping[str, str] | None = None,
) -> tuple[tuple[ParticipantRef, ...], dict[str, tuple[str, ...]]]:
    """The late joiners as the workflow takes them, and the enrolled people whose chain they join.

    Chains are worked out from everyone's `manager_email` (and the programme's organisation file
    when given), so a late joiner managing someone enrolled, or managed by them, is never paired
    with them.
    """
    managers = dict(organisation or {})
    people = [(p.id, p.email, p.manager_email) for p in enrolled]
    people += [(p.id, p.email, p.manager_email) for p in joiners]
    for _, email, manager in people:
        if manager:
            managers[email.lower()] = manager.lower()
    by_email = {email.lower(): id_ for id_, email, _ in people}
    lines = cohort_lines(by_email, managers)
    joined = {p.id for p in joiners}

    def above(email: str) -> tuple[str, ...]:
        return tuple(sorted(by_email[e] for e in lines[email.lower()]))

    refs = tuple(participant_ref(p, by_email, lines) for p in joiners)
    chains = {
        person.id: above(person.email)
        for person in enrolled
        if joined.intersection(above(person.email))
    }
    return refs, chains
