"""`tandem match` (the engine offline, on a problem file) and `tandem matching` (the review)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from control.cli import CLI_LOCALE, JsonOpt, err, out, run
from domain.answers import CoordinatorCommand
from domain.matching import MatchingProposal
from domain.programme_file import ProgrammeFileError

if TYPE_CHECKING:  # the client side loads Temporal and the stores: only when a command runs
    from control.matching import Resolve

matching_app = typer.Typer(
    help="Review a programme's proposed matching: show it, ban, force or swap pairs, approve it.",
    no_args_is_help=True,
)

IdOpt = Annotated[
    str | None,
    typer.Option(
        "--id", help="A command id of your own: repeating the command with it changes nothing."
    ),
]
ReasonOpt = Annotated[str, typer.Option(help="Why, for the programme's record.")]


def match(file: Path, as_json: JsonOpt = False) -> None:
    """Run the matching engine on a matching problem file (format: docs/matching.md)."""
    from control.files import load_matching_problem
    from domain.matcher import greedy, solve
    from domain.matching import MatchingConflict

    try:
        problem = load_matching_problem(file)
    except ProgrammeFileError as error:
        for problem_line in error.problems:
            print(problem_line, file=sys.stderr)
        err.print(f"[red]{len(error.problems)} problem(s); nothing was matched.[/red]")
        raise typer.Exit(1) from None
    try:
        proposal = solve(problem)
    except MatchingConflict as conflict:
        print(f"{file}: forced: {conflict}", file=sys.stderr)
        raise typer.Exit(1) from None
    baseline = greedy(problem)
    if as_json:
        print(
            json.dumps(
                {
                    **proposal.model_dump(mode="json"),
                    "mentors": len(problem.mentors),
                    "mentees": len(problem.mentees),
                    "greedy_total_score": baseline.total_score,
                    "greedy_pairs": len(baseline.pairs),
                }
            )
        )
        return
    _print_proposal(proposal, {}, set())
    out.print(
        f"{len(proposal.pairs)} pairs of {len(problem.mentees)} mentees, total score "
        f"{proposal.total_score:g} (best pair first, by hand: {len(baseline.pairs)} pairs, "
        f"{baseline.total_score:g})"
    )


@matching_app.command("show")
def show(programme_id: str, as_json: JsonOpt = False) -> None:
    """The proposed pairs with why each was made, who is left out and why, your decisions."""
    from control.matching import review

    found = run(review(programme_id))
    view = found.view
    if as_json:
        print(found.model_dump_json())
        return
    if view.proposal is None:
        out.print(f"{programme_id}: no matching yet (phase {view.phase.value}).")
        return
    state = "approved" if view.approved else f"phase {view.phase.value}"
    deadline = (
        f", review until {view.review_deadline:%Y-%m-%d %H:%M} UTC"
        if (view.review_deadline and not view.approved)
        else ""
    )
    out.print(f"[bold]{programme_id}[/bold] — matching {state}{deadline}")
    _print_proposal(view.proposal, found.names, set(view.forced), set(view.returning))
    for label, pairs in (("banned", view.banned), ("forced", view.forced)):
        if pairs:
            named = ", ".join(
                f"{found.names.get(m, m)} + {found.names.get(e, e)}" for m, e in pairs
            )
            out.print(f"{label}: {named}")
    out.print(f"{len(view.proposal.pairs)} pairs, total score {view.proposal.total_score:g}")


def _print_proposal(
    proposal: MatchingProposal,
    names: dict[str, str],
    forced: set[tuple[str, str]],
    returning: frozenset[str] | set[str] = frozenset(),
) -> None:
    from i18n.matching import TOP_FACTORS, factor_words, unmatched_words
    from i18n.translator import Translator

    t = Translator(CLI_LOCALE)
    table = Table("mentee", "mentor", "score", "why", title="Proposed pairs")
    for p in proposal.pairs:
        mark = " (forced)" if p.forced or (p.mentor_id, p.mentee_id) in forced else ""
        if p.mentor_id in returning:  # a wave's mentor back from its pilot
            mark += " (returning)"
        table.add_row(
            names.get(p.mentee_id, p.mentee_id),
            names.get(p.mentor_id, p.mentor_id) + mark,
            f"{p.score:g}",
            "; ".join(f"{factor_words(t, f)} (+{f.points:g})" for f in p.factors[:TOP_FACTORS])
            or "; ".join(p.reasons),
        )
    out.print(table)
    if proposal.unmatched:
        left = Table("participant", "why", title="Left unmatched")
        for u in proposal.unmatched:
            left.add_row(names.get(u.participant_id, u.participant_id), unmatched_words(t, u))
        out.print(left)


def _send(
    programme_id: str, update: str, build: Callable[[Resolve], CoordinatorCommand], as_json: bool
) -> None:
    from control.matching import send
    from i18n.next_steps import next_step_words
    from i18n.translator import Translator

    command, ack = run(send(programme_id, update, build))
    if as_json:
        print(json.dumps({"command_id": command.command_id, **ack.model_dump()}))
    else:
        out.print(
            f"[green]done:[/green] {next_step_words(Translator(CLI_LOCALE), ack.next, ack.params)}"
        )


@matching_app.command("approve")
def approve(programme_id: str, command_id: IdOpt = None, as_json: JsonOpt = False) -> None:
    """Approve the matching as it stands: the pairs start their chemistry meeting."""
    from control.matching import approve as approve_command

    _send(programme_id, "approve_matching", approve_command(command_id), as_json)


MentorArg = Annotated[str, typer.Argument(help="The mentor's e-mail or participant id.")]
MenteeArg = Annotated[str, typer.Argument(help="The mentee's e-mail or participant id.")]


def _pair_change(
    programme_id: str, action: str, mentor: str, mentee: str, reason: str,
    command_id: str | None, as_json: bool,
) -> None:  # fmt: skip
    from control.matching import pair_command

    command = pair_command(action, mentor, mentee, reason, command_id)
    _send(programme_id, f"{action}_pair", command, as_json)


@matching_app.command("ban")
def ban(
    programme_id: str,
    mentor: MentorArg,
    mentee: MenteeArg,
    reason: ReasonOpt = "",
    command_id: IdOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Never pair these two; the matching is recomputed without them."""
    _pair_change(programme_id, "ban", mentor, mentee, reason, command_id, as_json)


@matching_app.command("force")
def force(
    programme_id: str,
    mentor: MentorArg,
    mentee: MenteeArg,
    reason: ReasonOpt = "",
    command_id: IdOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Pair these two (if no hard constraint forbids it); the rest is recomputed around them."""
    _pair_change(programme_id, "force", mentor, mentee, reason, command_id, as_json)


@matching_app.command("swap")
def swap(
    programme_id: str,
    first: Annotated[str, typer.Argument(help="A mentee's e-mail or participant id.")],
    second: Annotated[str, typer.Argument(help="Another mentee's e-mail or participant id.")],
    command_id: IdOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Give two mentees each other's mentor (refused if a hard constraint forbids it)."""
    from control.matching import swap_command

    _send(programme_id, "swap_mentors", swap_command(first, second, command_id), as_json)
