"""Coordinator accounts: who may see and do what, how guessing is throttled, what is audited.

Pure rules: the store keeps the rows, the web pages and the CLI ask these functions.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from domain.refusals import RefusalParam

# The account of TANDEM_COORDINATOR_PASSWORD_HASH: a name, not an address, so that it can never
# clash with a real coordinator's account.
BOOTSTRAP_ACCOUNT = "admin"

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class Role(StrEnum):
    ADMIN = "admin"  # everything, in every programme, and the accounts themselves
    COORDINATOR = "coordinator"  # everything in the programmes that name them
    VIEWER = "viewer"  # reads the programmes that name them, never a concern's words


class Permission(StrEnum):
    READ = "read"
    ACT = "act"  # matching review, nudges, re-pairing, ending a pair
    READ_CONCERNS = "read_concerns"
    MANAGE_ACCOUNTS = "manage_accounts"


_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.COORDINATOR: frozenset({Permission.READ, Permission.ACT, Permission.READ_CONCERNS}),
    Role.VIEWER: frozenset({Permission.READ}),
}


@dataclass(frozen=True)
class Account:
    email: str
    role: Role
    # Programmes granted by `tandem coordinator add --programme` and those whose file names the
    # account under `coordinators:`; an admin sees every programme whatever this holds.
    programmes: frozenset[str] = frozenset()

    def may(self, permission: Permission, programme_id: str | None = None) -> bool:
        """Whether the account has `permission`, on `programme_id` when one is concerned."""
        if permission not in _PERMISSIONS[self.role]:
            return False
        return programme_id is None or self.sees(programme_id)

    def sees(self, programme_id: str) -> bool:
        return self.role is Role.ADMIN or programme_id in self.programmes

    def visible(self, programme_ids: Iterable[str]) -> list[str]:
        return [p for p in programme_ids if self.sees(p)]


class AccountProblem(StrEnum):
    """Why an account command was refused; worded at the edge."""

    INVALID_EMAIL = "invalid_email"
    RESERVED_NAME = "reserved_name"
    UNKNOWN_ROLE = "unknown_role"
    PASSWORD_TOO_SHORT = "password_too_short"
    EXISTS = "exists"
    UNKNOWN = "unknown"
    PROGRAMMES_FOR_ADMIN = "programmes_for_admin"


MIN_PASSWORD_CHARS = 12


def normalise_email(email: str) -> str:
    # NUL can be typed into a form but never stored (PostgreSQL refuses it): no account has one.
    return email.replace("\x00", "").strip().lower()


def email_problem(email: str) -> AccountProblem | None:
    if email == BOOTSTRAP_ACCOUNT:
        return AccountProblem.RESERVED_NAME
    if len(email) > 254 or not _EMAIL.fullmatch(email):
        return AccountProblem.INVALID_EMAIL
    return None


def password_problem(password: str) -> AccountProblem | None:
    return AccountProblem.PASSWORD_TOO_SHORT if len(password) < MIN_PASSWORD_CHARS else None


# --- Throttling sign-ins -------------------------------------------------------------------------

WINDOW = timedelta(minutes=15)
LOCK_AFTER = 10  # failures within WINDOW: locked until the oldest of them leaves it
BACKOFF_AFTER = 4  # failures within WINDOW after which each attempt must wait longer


def retry_after(failures: Iterable[datetime], now: datetime) -> timedelta | None:
    """How long a scope (an account, a client address) must wait before its next attempt.

    None: it may try now. From the fourth failure in the window the next attempt waits 1, 2, 4,
    ... 32 seconds after the previous failure; from the tenth the scope is locked until the
    window holds fewer than ten. Only attempts that were checked count, so waiting costs nothing.
    """
    recent = sorted(f for f in failures if f > now - WINDOW)
    if len(recent) >= LOCK_AFTER:
        return recent[len(recent) - LOCK_AFTER] + WINDOW - now
    if len(recent) > BACKOFF_AFTER - 1:
        wait = timedelta(seconds=2 ** (len(recent) - BACKOFF_AFTER))
        until = recent[-1] + wait
        if until > now:
            return until - now
    return None


def is_lockout(failures: Iterable[datetime], now: datetime) -> bool:
    return sum(f > now - WINDOW for f in failures) >= LOCK_AFTER


def whole_seconds(wait: timedelta) -> int:
    """A `Retry-After` value: never 0 while a wait remains."""
    return max(1, math.ceil(wait.total_seconds()))


def account_scope(email: str) -> str:
    return f"account:{email}"


def address_scope(address: str) -> str:
    """An IPv4 address, or the /64 network of an IPv6 one: whoever holds one address of a /64
    usually holds them all, and one scope per address would let them guess without limit."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"address:{address}"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address):
        return f"address:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"address:{ip}"


# --- Sessions ------------------------------------------------------------------------------------

SESSION_IDLE = timedelta(minutes=30)
SESSION_ABSOLUTE = timedelta(hours=8)  # a working day


# --- The audit trail -----------------------------------------------------------------------------


class AuditAction(StrEnum):
    """Every coordinator action the audit trail records; worded at the edge."""

    SIGNED_IN = "signed_in"
    SIGNED_OUT = "signed_out"
    SIGN_IN_LOCKED = "sign_in_locked"
    APPROVED_MATCHING = "approved_matching"
    BANNED_PAIR = "banned_pair"
    FORCED_PAIR = "forced_pair"
    SWAPPED_MENTORS = "swapped_mentors"
    RE_PAIRED = "re_paired"
    ENDED_PAIR = "ended_pair"
    NUDGED = "nudged"
    ADDED_PARTICIPANTS = "added_participants"
    WITHDREW_PARTICIPANT = "withdrew_participant"
    OPENED_CONCERN = "opened_concern"
    EXPORTED_REPORT = "exported_report"
    EXPORTED_PARTICIPANT = "exported_participant"
    ERASED_PARTICIPANT = "erased_participant"
    PURGED_PROGRAMME = "purged_programme"
    ADDED_ACCOUNT = "added_account"
    REMOVED_ACCOUNT = "removed_account"
    SET_PASSWORD = "set_password"
    # Typed texts opened through the codec endpoint (an engineer's token: actor `codec-token`).
    DECODED_PAYLOADS = "decoded_payloads"


class AuditOutcome(StrEnum):
    DONE = "done"
    REFUSED = "refused"


class AuditDetail(StrEnum):
    """Why the dashboard itself refused an action, or what a lockout held: an entry's `detail`
    when it is not a workflow's refusal (domain/refusals.py `Refusal`)."""

    READ_ONLY = "read_only"  # the account may only read
    CSRF = "csrf"  # a form not from this session
    REASON_NEEDED = "reason_needed"  # ending or re-pairing without saying why
    CHOOSE = "choose"  # a matching change naming nobody
    SELF_ASSESSMENT = "self_assessment"  # reminded automatically, not by hand
    NOT_DELIVERED = "not_delivered"  # no workflow there to take the action
    FILE_PROBLEMS = "file_problems"  # a late joiners' file with mistakes: nothing added
    UNKNOWN = "unknown"  # a workflow's refusal that names no code this version knows
    ACCOUNT = "account"  # a lockout of one account
    ADDRESS = "address"  # a lockout of one client address


# Account changes and sign-ins concern no programme: they go to the accounts' own audit stream,
# named with a colon, which no programme id can hold (a programme may well be called "accounts").
ACCOUNTS_AUDIT = "audit:accounts"


def audit_stream(programme_id: str | None) -> str:
    return ACCOUNTS_AUDIT if programme_id is None else f"audit-{programme_id}"


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str  # an account's e-mail, or `cli:<user>` for the command line
    action: AuditAction
    outcome: AuditOutcome = AuditOutcome.DONE
    programme_id: str | None = None
    target: str | None = None  # a pair, task, participant or account id: never a name
    # A refusal's code (a `Refusal` or an `AuditDetail`) and the refusal's parameters. Entries
    # recorded before the codes may hold a refusal's English sentence instead: shown as it is.
    detail: str | None = None
    params: dict[str, RefusalParam] = field(default_factory=dict)

    @classmethod
    def attempt(
        cls,
        at: datetime,
        actor: str,
        action: AuditAction,
        programme_id: str | None,
        target: str | None = None,
        refused: str | None = None,
        params: dict[str, RefusalParam] | None = None,
    ) -> AuditEntry:
        """An action done, or refused for `refused` (the refusal's code, with its `params`)."""
        outcome = AuditOutcome.REFUSED if refused is not None else AuditOutcome.DONE
        return cls(at, actor, action, outcome, programme_id, target, refused, dict(params or {}))

    def to_data(self) -> dict[str, object]:
        """As the event stores it and `tandem audit --json` prints it."""
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": str(self.action),
            "outcome": str(self.outcome),
            "programme_id": self.programme_id,
            "target": self.target,
            "detail": self.detail,
            "params": dict(self.params),
        }

    @classmethod
    def from_data(cls, data: dict[str, object]) -> AuditEntry:
        def text(key: str) -> str | None:
            value = data.get(key)
            return None if value is None else str(value)

        return cls(
            at=datetime.fromisoformat(str(data["at"])),
            actor=str(data["actor"]),
            action=AuditAction(str(data["action"])),
            outcome=AuditOutcome(str(data.get("outcome", AuditOutcome.DONE))),
            programme_id=text("programme_id"),
            target=text("target"),
            detail=text("detail"),
            params=_params(data.get("params")),
        )


def _params(value: object) -> dict[str, RefusalParam]:
    """A stored entry's refusal parameters: JSON strings, integers and lists of strings."""
    found: dict[str, RefusalParam] = {}
    if isinstance(value, dict):
        for name, item in value.items():
            if isinstance(item, list):
                found[str(name)] = [str(v) for v in item]
            elif isinstance(item, int | str) and not isinstance(item, bool):
                found[str(name)] = item
    return found
