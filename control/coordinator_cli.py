"""`tandem coordinator`: the dashboard's named accounts; `tandem audit`: what coordinators did."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from control.cli import JsonOpt, Refused, err, out, refuse, run
from domain.accounts import (
    AccountProblem,
    AuditAction,
    AuditEntry,
    Role,
    email_problem,
    normalise_email,
    password_problem,
)

coordinator_app = typer.Typer(
    help="The coordinator dashboard's accounts: add, list, remove, set a password.",
    no_args_is_help=True,
)

_PROBLEMS = {
    AccountProblem.INVALID_EMAIL: "not an e-mail address",
    AccountProblem.RESERVED_NAME: (
        "`admin` is the bootstrap account (TANDEM_COORDINATOR_PASSWORD_HASH)"
    ),
    AccountProblem.PASSWORD_TOO_SHORT: "use at least 12 characters",
    AccountProblem.EXISTS: "an account with this e-mail exists already",
    AccountProblem.UNKNOWN: "no account has this e-mail",
    AccountProblem.PROGRAMMES_FOR_ADMIN: (
        "an admin sees every programme: --programme is for the other roles"
    ),
}

RoleOpt = Annotated[
    Role,
    typer.Option(
        "--role",
        help="admin: everything, and the accounts; coordinator: the programmes that name them; "
        "viewer: read-only, never a concern's words.",
        case_sensitive=False,
    ),
]
ProgrammeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--programme",
        help="A programme this account may see, besides those whose file names it under "
        "`coordinators:` (repeat for several).",
    ),
]


def _read_password(prompt: str) -> str:
    """Typed twice at a terminal, or one line on stdin: never an argument (shell history)."""
    import getpass

    if sys.stdin.isatty():
        password = getpass.getpass(f"{prompt}: ")
        if getpass.getpass("Again: ") != password:
            refuse("the two passwords differ; nothing was changed")
    else:
        password = sys.stdin.readline().rstrip("\n")
    problem = password_problem(password)
    if problem is not None:
        refuse(_PROBLEMS[problem])
    return password


def _email(email: str) -> str:
    email = normalise_email(email)
    problem = email_problem(email)
    if problem is not None:
        refuse(f"{email}: {_PROBLEMS[problem]}")
    return email


@coordinator_app.command("hash-password")
def hash_password() -> None:
    """Read a password (typed, or piped on stdin) and print the hash to set as
    TANDEM_COORDINATOR_PASSWORD_HASH (the bootstrap account `admin`); the password is never
    stored."""
    from credentials.passwords import hash_password as make_hash

    print(make_hash(_read_password("Coordinator password")))


@coordinator_app.command("add")
def add(
    email: str,
    role: RoleOpt = Role.COORDINATOR,
    programme: ProgrammeOpt = None,
    sso_only: Annotated[
        bool, typer.Option("--sso-only", help="No password: this account signs in by SSO.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Create an account; its password is read from the terminal or stdin."""
    from control.cli_audit import record_cli
    from control.connect import database
    from credentials.passwords import hash_password as make_hash
    from store.accounts import AccountStore

    address = _email(email)
    programmes = sorted(set(programme or ()))
    if role is Role.ADMIN and programmes:
        refuse(_PROBLEMS[AccountProblem.PROGRAMMES_FOR_ADMIN])
    hashed = None if sso_only else make_hash(_read_password("Password for " + address))

    async def go() -> None:
        async with database() as pool:
            if not await AccountStore(pool).add(address, role, hashed, programmes):
                raise Refused(f"{address}: {_PROBLEMS[AccountProblem.EXISTS]}")
            await record_cli(pool, AuditAction.ADDED_ACCOUNT, None, address, None)

    run(go())
    if as_json:
        print(json.dumps({"email": address, "role": str(role), "programmes": programmes}))
    else:
        out.print(f"[green]added[/green] {address} ({role})")


@coordinator_app.command("list")
def list_accounts(as_json: JsonOpt = False) -> None:
    """Every account: its role, the programmes granted to it, its last sign-in."""
    from control.connect import database
    from store.accounts import AccountStore

    async def go() -> list[dict[str, object]]:
        async with database() as pool:
            store = AccountStore(pool)
            found = []
            for row in await store.all():
                account = await store.account(row.email)
                found.append(
                    {
                        "email": row.email,
                        "role": str(row.role),
                        "programmes": sorted(account.programmes) if account else [],
                        "password": row.password_hash is not None,
                        "bootstrap": row.bootstrap,
                        "last_sign_in": row.last_sign_in.isoformat() if row.last_sign_in else None,
                    }
                )
            return found

    rows = run(go())
    if as_json:
        print(json.dumps({"accounts": rows}))
        return
    table = Table("account", "role", "programmes", "password", "last sign-in")
    for row in rows:
        programmes = row["programmes"]
        table.add_row(
            str(row["email"]),
            str(row["role"]),
            "all" if row["role"] == "admin" else ", ".join(map(str, programmes or [])),  # type: ignore[call-overload]
            "yes" if row["password"] else "SSO only",
            str(row["last_sign_in"] or "never"),
        )
    out.print(table)


@coordinator_app.command("remove")
def remove(email: str) -> None:
    """Delete an account: its sessions end at once."""
    from control.cli_audit import record_cli
    from control.connect import database
    from store.accounts import AccountStore

    address = normalise_email(email)

    async def go() -> None:
        async with database() as pool:
            if not await AccountStore(pool).remove(address):
                raise Refused(f"{address}: {_PROBLEMS[AccountProblem.UNKNOWN]}")
            await record_cli(pool, AuditAction.REMOVED_ACCOUNT, None, address, None)

    run(go())
    out.print(f"[green]removed[/green] {address}: its sessions are over")


@coordinator_app.command("set-password")
def set_password(email: str) -> None:
    """Set an account's password (read from the terminal or stdin): its sessions end."""
    from control.cli_audit import record_cli
    from control.connect import database
    from credentials.passwords import hash_password as make_hash
    from store.accounts import AccountStore

    address = _email(email)
    hashed = make_hash(_read_password("New password for " + address))

    async def go() -> None:
        async with database() as pool:
            if not await AccountStore(pool).set_password(address, hashed):
                raise Refused(f"{address}: {_PROBLEMS[AccountProblem.UNKNOWN]}")
            await record_cli(pool, AuditAction.SET_PASSWORD, None, address, None)

    run(go())
    out.print(f"[green]password set[/green] for {address}: its sessions are over")


def audit(
    programme_id: Annotated[
        str | None, typer.Argument(help="The programme; leave out with --accounts.")
    ] = None,
    accounts: Annotated[
        bool, typer.Option("--accounts", help="Sign-ins and account changes instead.")
    ] = False,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 1000,
    as_json: JsonOpt = False,
) -> None:
    """What coordinators did in a programme: who, when, what, on what, and the outcome."""
    from control.connect import database
    from store import audit as trail

    if (programme_id is None) == (not accounts):
        err.print("[red]name a programme, or give --accounts[/red]")
        raise typer.Exit(1)

    async def go() -> list[AuditEntry]:
        async with database() as pool:
            return await trail.read(pool, None if accounts else programme_id, limit)

    entries = run(go())
    if as_json:
        print(json.dumps({"programme_id": programme_id, "entries": [e.to_data() for e in entries]}))
        return
    title = f"Audit: {programme_id or 'accounts'}"
    table = Table("when (UTC)", "who", "action", "on", "outcome", title=title)
    for e in entries:
        outcome = str(e.outcome) + (f" ({e.detail})" if e.detail else "")
        table.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, str(e.action), e.target or "", outcome)
    out.print(table)
    if not entries:
        out.print("no action recorded")
