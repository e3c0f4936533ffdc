"""The coordinator's matching review from the command line: show, approve, ban, force, swap.

Every change is a workflow update with a validator (workflows/programme.py): a refused command
changes nothing and comes back as `Refused` with the workflow's reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from pydantic import BaseModel, ValidationError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from client.refusals import refusal_of
from client.updates import execute_update
from contracts.ids import programme_workflow_id
from contracts.programme import MatchingView
from contracts.queries import MATCHING
from control.cli import CLI_LOCALE, Refused
from control.cli_audit import record_cli
from control.connect import connected
from credentials.sealing import sealed
from domain.accounts import AuditAction, AuditDetail
from domain.answers import Acknowledgement, CoordinatorCommand, PairCommand, SwapCommand
from domain.refusals import Refusal
from domain.typed_text import as_typed, typed_fields
from i18n.refusals import refusal_words
from i18n.translator import Translator
from runtime.keys import checked_keyring
from store.participants import ParticipantRecord, ParticipantStore


class Review(BaseModel):
    view: MatchingView
    names: dict[str, str]  # participant id -> name, for people the coordinator recognises


Resolve = Callable[[str], str]


def _resolver(programme_id: str, people: list[ParticipantRecord]) -> Resolve:
    """Participants named by e-mail (as in the participants file) or by participant id."""
    by_email = {p.email.lower(): p.id for p in people}

    def resolve(who: str) -> str:
        if "@" not in who:
            return who
        found = by_email.get(who.strip().lower())
        if found is None:
            raise Refused(f"nobody with the e-mail {who} takes part in {programme_id}")
        return found

    return resolve


async def review(programme_id: str) -> Review:
    async with connected() as (client, pool, _):
        handle = client.get_workflow_handle(programme_workflow_id(programme_id))
        try:
            view = await handle.query(MATCHING, result_type=MatchingView)
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise Refused(f"no programme {programme_id!r} was started") from None
            raise RuntimeError(str(error)) from None
        people = await ParticipantStore(pool).list_for_programme(programme_id)
        return Review(view=view, names={p.id: p.name for p in people})


async def send(
    programme_id: str, update: str, build: Callable[[Resolve], CoordinatorCommand]
) -> tuple[CoordinatorCommand, Acknowledgement]:
    """Send the command `build` makes (with e-mails resolved to participant ids)."""
    async with connected() as (client, pool, settings):
        people = await ParticipantStore(pool).list_for_programme(programme_id)
        keyring = await checked_keyring(pool, settings)
        command = await sealed(keyring, build(_resolver(programme_id, people)), programme_id)
        handle = client.get_workflow_handle(programme_workflow_id(programme_id))
        action = _AUDITED[update]
        target = " ".join(_ids(command)) or None
        try:
            ack: Acknowledgement = await execute_update(
                handle, update, command, id=command.command_id, result_type=Acknowledgement
            )
        except WorkflowUpdateFailedError as error:
            found = refusal_of(error)
            refused = found.code.value if found else AuditDetail.UNKNOWN
            params = found.params if found else None
            await record_cli(pool, action, programme_id, target, refused, params)
            words = refusal_words(
                Translator(CLI_LOCALE),
                found.code if found else None,
                params,
                people={p.id: p.name for p in people},
            )
            raise Refused(words) from None
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                raise Refused(f"no programme {programme_id!r} is running") from None
            raise RuntimeError(str(error)) from None
        await record_cli(pool, action, programme_id, target)
        return command, ack


_AUDITED = {
    "approve_matching": AuditAction.APPROVED_MATCHING,
    "ban_pair": AuditAction.BANNED_PAIR,
    "force_pair": AuditAction.FORCED_PAIR,
    "swap_mentors": AuditAction.SWAPPED_MENTORS,
}


def _ids(command: CoordinatorCommand) -> list[str]:
    """The participant ids a command is about, for the audit trail (never names)."""
    if isinstance(command, SwapCommand):
        return list(command.mentee_ids)
    if isinstance(command, PairCommand):
        return [command.mentor_id, command.mentee_id]
    return []


def command_id(given: str | None, action: str) -> str:
    """The caller's id makes a retried command one effect; otherwise each call is a new one."""
    return given or f"{action}-{uuid.uuid4()}"


def approve(given_id: str | None = None) -> Callable[[Resolve], CoordinatorCommand]:
    return lambda _: CoordinatorCommand(command_id=command_id(given_id, "approve"))


def pair_command(
    action: str, mentor: str, mentee: str, reason: str, given_id: str | None
) -> Callable[[Resolve], CoordinatorCommand]:
    def build(resolve: Resolve) -> CoordinatorCommand:
        try:
            return as_typed(
                PairCommand,
                command_id=command_id(given_id, action),
                mentor_id=resolve(mentor),
                mentee_id=resolve(mentee),
                reason=reason,
            )
        except ValidationError:
            limit = typed_fields(PairCommand)["reason"].max_length
            code, params = Refusal.REASON_TOO_LONG, {"max_length": limit}
            raise Refused(refusal_words(Translator(CLI_LOCALE), code, params)) from None

    return build


def swap_command(
    first: str, second: str, given_id: str | None
) -> Callable[[Resolve], CoordinatorCommand]:
    return lambda resolve: SwapCommand(
        command_id=command_id(given_id, "swap"), mentee_ids=(resolve(first), resolve(second))
    )
