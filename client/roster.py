"""Roster changes on a running programme, as the coordinator's tools send them.

Late joiners, a withdrawal, a corrected address, a later deadline: each is checked here against
the stores (a file's problems, an unknown e-mail, a finished task), then sent as the workflow
update whose validator has the last word. Names and e-mails stay here and in the participant
table: the workflows see participant ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field

import asyncpg
from pydantic import ValidationError
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from client.refusals import RefusalInfo, refusal_of
from client.updates import execute_update
from contracts.ids import programme_workflow_id
from contracts.roster import ADD_PARTICIPANTS, CHANGE_EMAIL, EXTEND_TASK, WITHDRAW_PARTICIPANT
from domain.answers import Acknowledgement, CoordinatorCommand
from domain.file_problems import Problem, ProgrammeFileError
from domain.participants_file import email_lines, looks_like_email, parse_participants
from domain.programme import Locale, Participant
from domain.refusals import Refusal, RefusalParam
from domain.roster import (
    EXTENDABLE,
    AddParticipants,
    ChangeEmail,
    Enrolled,
    ExtendTask,
    OpenLink,
    WithdrawParticipant,
    joining,
)
from domain.tasks import TaskKind, TaskStatus
from domain.typed_text import as_typed, long_enough, typed_fields
from store.participants import EmailTaken, ParticipantRecord, ParticipantStore
from store.programmes import ProgrammeStore
from store.tasks import TaskRecord, TaskStore


class NotDone(Exception):
    """The change was understood and not made; the message says why (the CLI's English)."""


@dataclass
class Declined(Exception):
    """A refusal by its code (`None`: an update refused for an undeclared reason); `people`
    names the participant ids it may mention."""

    code: Refusal | None
    params: dict[str, RefusalParam] = field(default_factory=dict)
    people: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.code.value if self.code else "refused"


@dataclass(frozen=True)
class Added:
    joiners: Sequence[Participant]
    chains: dict[str, tuple[str, ...]]
    ack: Acknowledgement


@dataclass(frozen=True)
class Sent:
    participant: ParticipantRecord
    ack: Acknowledgement
    task: TaskRecord | None = None


# The command with its typed fields sealed.
Sealer = Callable[[CoordinatorCommand], Awaitable[CoordinatorCommand]]


def new_command_id(given: str | None, action: str) -> str:
    """The caller's id makes a retried command one effect; otherwise each call is a new one."""
    return given or f"{action}-{uuid.uuid4()}"


class Roster:
    """One programme's roster, through the stores and its workflows."""

    def __init__(
        self,
        client: Client,
        pool: asyncpg.Pool,
        programme_id: str,
        sealer: Sealer | None = None,
    ) -> None:
        self._client = client
        # Seals the coordinator's typed reasons before they are sent (credentials/sealing.py).
        self._sealer = sealer
        self._pool = pool
        self.programme_id = programme_id
        self._people = ParticipantStore(pool)
        self._tasks = TaskStore(pool)

    async def add(self, file_name: str, data: bytes, given_id: str | None = None) -> Added:
        """Late joiners from a participants CSV. Raises ProgrammeFileError with every problem
        (then nothing is stored or sent)."""
        programme = await ProgrammeStore(self._pool).get(self.programme_id)
        if programme is None:
            raise NotDone(f"no programme {self.programme_id!r} was started")
        problems: list[Problem] = []
        joiners = parse_participants(
            file_name, data, problems, self.programme_id, Locale(programme.locale), both_roles=False
        )
        enrolled = await self._people.list_for_programme(self.programme_id)
        known = {p.email.lower() for p in enrolled}
        lines = email_lines(data)
        for person in joiners or ():
            if person.email.lower() in known:
                line = lines.get(person.email.lower(), 0)
                problems.append(
                    Problem(file_name, line, "email", "already enrolled in this programme")
                )
        if problems or not joiners:
            raise ProgrammeFileError(sorted(problems, key=lambda p: p.line))
        refs, chains = joining(
            [Enrolled(p.id, p.email, p.manager_email) for p in enrolled], joiners
        )
        await self._people.upsert_many(self.programme_id, joiners)
        command = AddParticipants(
            command_id=new_command_id(given_id, "add"), participants=refs, chains=chains
        )
        names = {p.id: p.name for p in enrolled} | {p.id: p.name for p in joiners}
        try:
            ack = await self._send(
                programme_workflow_id(self.programme_id), ADD_PARTICIPANTS, command, names
            )
        except (Declined, NotDone):
            # Refused, so nobody was enrolled: rows kept would make the same file look enrolled.
            await self._people.remove_new(self.programme_id, [p.id for p in joiners])
            raise
        return Added(joiners, chains, ack)

    async def withdraw(self, email: str, reason: str, given_id: str | None = None) -> Sent:
        person = await self._by_email(email)
        if not long_enough(reason):  # the workflow cannot count a sealed reason's letters
            raise Declined(Refusal.REASON_NEEDED, people=_named(person))
        try:
            command = as_typed(
                WithdrawParticipant,
                command_id=new_command_id(given_id, "withdraw"),
                participant_id=person.id,
                reason=reason,
            )
        except ValidationError:
            limit = typed_fields(WithdrawParticipant)["reason"].max_length
            raise Declined(Refusal.REASON_TOO_LONG, {"max_length": limit}, _named(person)) from None
        ack = await self._send(
            programme_workflow_id(self.programme_id), WITHDRAW_PARTICIPANT, command, _named(person)
        )
        return Sent(person, ack)

    async def change_email(self, old: str, new: str, given_id: str | None = None) -> Sent:
        new = new.strip()
        if not looks_like_email(new):
            raise NotDone(f"{new}: malformed e-mail address")
        person = await self._by_email(old)
        try:
            changed = await self._people.change_email(person.id, new)
        except EmailTaken as taken:
            raise NotDone(f"{new} is already the address of another participant") from taken
        if changed is None:
            raise NotDone(f"nobody with the e-mail {old} takes part in {self.programme_id}")
        links = tuple(
            OpenLink(task_id=t.task_id, kind=t.kind, due_at=t.due_at)
            for t in await self._tasks.list_open(self.programme_id)
            if t.participant_id == person.id
        )
        command = ChangeEmail(
            command_id=new_command_id(given_id, "email"), participant_id=person.id, open_tasks=links
        )
        ack = await self._send(
            programme_workflow_id(self.programme_id), CHANGE_EMAIL, command, _named(changed)
        )
        return Sent(changed, ack)

    async def extend(
        self, email: str, kind: TaskKind | None, days: int, given_id: str | None = None
    ) -> Sent:
        person = await self._by_email(email)
        task = task_to_extend(await self._tasks.for_participant(person.id), kind, email)
        command = ExtendTask(
            command_id=new_command_id(given_id, "extend"),
            participant_id=person.id,
            task_id=task.task_id,
            kind=task.kind,
            days=days,
            expired=task.status is TaskStatus.EXPIRED,
        )
        # A self-assessment window of its own is the programme's to reopen; every other task
        # with a deadline belongs to the pair that issued it.
        workflow_id = (
            programme_workflow_id(self.programme_id)
            if task.kind is TaskKind.SELF_ASSESSMENT
            else task.workflow_id
        )
        ack = await self._send(workflow_id, EXTEND_TASK, command, _named(person))
        return Sent(person, ack, task)

    async def _by_email(self, email: str) -> ParticipantRecord:
        wanted = email.strip().lower()
        for person in await self._people.list_for_programme(self.programme_id):
            if person.email.lower() == wanted:
                return person
        raise NotDone(f"nobody with the e-mail {email} takes part in {self.programme_id}")

    async def _send(
        self, workflow_id: str, update: str, command: CoordinatorCommand, people: Mapping[str, str]
    ) -> Acknowledgement:
        handle = self._client.get_workflow_handle(workflow_id)
        if self._sealer is not None:
            command = await self._sealer(command)
        try:
            return await execute_update(
                handle, update, command, id=command.command_id, result_type=Acknowledgement
            )
        except WorkflowUpdateFailedError as error:
            found: RefusalInfo | None = refusal_of(error)
            raise Declined(
                found.code if found else None, dict(found.params) if found else {}, people
            ) from None
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                if workflow_id == programme_workflow_id(self.programme_id):
                    raise NotDone(f"no programme {self.programme_id!r} is running") from None
                raise Declined(Refusal.PAIR_ENDED) from None  # its workflow completed
            raise RuntimeError(str(error)) from None


def _named(person: ParticipantRecord) -> dict[str, str]:
    return {person.id: person.name}


def task_to_extend(tasks: Sequence[TaskRecord], kind: TaskKind | None, email: str) -> TaskRecord:
    """The newest task of `kind`, or the participant's one open task with a deadline."""
    if kind is not None:
        mine = [t for t in tasks if t.kind is kind]
        if not mine:
            raise NotDone(f"{email} has no {kind.value} task")
        task = mine[0]
    else:
        open_ones = [t for t in tasks if t.status is TaskStatus.OPEN and t.kind in EXTENDABLE]
        if not open_ones:
            raise NotDone(f"{email} has no open task with a deadline; name one with --task")
        kinds = sorted({t.kind.value for t in open_ones})
        if len(open_ones) > 1:
            raise NotDone(
                f"{email} has several open tasks ({', '.join(kinds)}); choose one with --task"
            )
        task = open_ones[0]
    if task.status is TaskStatus.DONE:
        raise Declined(Refusal.TASK_ALREADY_DONE)
    if task.status is TaskStatus.CANCELLED:
        raise Declined(Refusal.TASK_CLOSED)
    return task
