"""The coordinator's matching review when the programme file does not auto-approve."""

from __future__ import annotations

import json

import pytest
from temporalio.client import WorkflowUpdateFailedError

from contracts.programme import MatchingView, ProgrammePhase
from domain.answers import Acknowledgement, CoordinatorCommand, PairCommand, SwapCommand
from domain.events import EventType, programme_stream
from domain.programme import MatchingSettings
from tests.lifecycle_helpers import (
    Run,
    Stack,
    small_cohort,
    tandem_cli,
)
from workflows.programme import ProgrammeWorkflow


async def _launch_for_review(stack: Stack) -> Run:
    spec = small_cohort(4)
    spec = spec.model_copy(update={"matching": MatchingSettings(auto_approve=False)})
    return await stack.launch(spec)


async def _approve(run: Run, command_id: str) -> None:
    await run.handle.execute_update(
        ProgrammeWorkflow.approve_matching, CoordinatorCommand(command_id=command_id)
    )


async def test_nothing_starts_until_the_coordinator_approves(stack: Stack) -> None:
    run = await _launch_for_review(stack)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await _approve(run, "too-early")  # still in self-assessment
    assert "during its review" in str(refused.value.cause)

    await run.until_phase(ProgrammePhase.REVIEW, max_days=10)
    await stack.wait_for_mails("matching_review")
    # A whole review window with no answer: a reminder, and still no pair.
    await run.run_days(4)
    summary = await run.summary()
    assert summary.phase is ProgrammePhase.REVIEW and summary.pairs_formed == 0
    assert len(stack.mails("matching_review")) == 2

    await _approve(run, "approve-1")
    await run.until_phase(ProgrammePhase.RUNNING, max_days=1)
    approved = [
        e
        for e in await run.events(programme_stream(run.spec.id))
        if e.type == EventType.MATCHING_APPROVED
    ]
    assert [e.data["by"] for e in approved] == ["coordinator"]
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await _approve(run, "approve-2")
    assert "not in phase running" in str(refused.value.cause)  # approved once, nothing twice
    assert (await run.summary()).pairs_formed >= 1


async def _matching(run: Run) -> MatchingView:
    return await run.handle.query(ProgrammeWorkflow.matching)


def _proposed(view: MatchingView) -> dict[str, str]:
    assert view.proposal is not None
    return {p.mentee_id: p.mentor_id for p in view.proposal.pairs}


async def _command(run: Run, update: str, command: CoordinatorCommand) -> Acknowledgement:
    ack: Acknowledgement = await run.handle.execute_update(
        update, command, id=command.command_id, result_type=Acknowledgement
    )
    return ack


async def test_the_coordinator_bans_forces_and_swaps_before_approving(stack: Stack) -> None:
    spec = small_cohort(6)  # three mentees, three mentors, every pair allowed
    run = await stack.launch(
        spec.model_copy(update={"matching": MatchingSettings(auto_approve=False)})
    )
    await run.until_phase(ProgrammePhase.REVIEW, max_days=10)
    first = _proposed(await _matching(run))
    assert len(first) == 3
    mentee_a, mentee_b, mentee_c = sorted(first)

    # Ban a proposed pair: the matching is re-solved without it.
    banned = (first[mentee_a], mentee_a)
    ban = PairCommand(
        command_id="ban-1", mentor_id=banned[0], mentee_id=banned[1], reason="same team"
    )
    ack = await _command(run, "ban_pair", ban)
    assert ack.next_step.startswith("matching recomputed: ")
    view = await _matching(run)
    assert _proposed(view)[mentee_a] != banned[0]
    assert view.banned == [banned]
    # The same command again (a retried CLI call) is one effect, with the same answer.
    assert await _command(run, "ban_pair", ban) == ack
    # A banned pair cannot be forced.
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await _command(
            run,
            "force_pair",
            PairCommand(command_id="force-0", mentor_id=banned[0], mentee_id=mentee_a),
        )
    assert "banned" in str(refused.value.cause)

    # Force a pair: it is kept, marked forced, and everyone else is re-matched around it.
    wanted = _proposed(view)[mentee_b]
    force = PairCommand(command_id="force-1", mentor_id=wanted, mentee_id=mentee_c)
    await _command(run, "force_pair", force)
    view = await _matching(run)
    assert view.proposal is not None
    kept = [p for p in view.proposal.pairs if p.mentee_id == mentee_c]
    assert [(p.mentor_id, p.forced) for p in kept] == [(wanted, True)]

    # Swap two mentees' mentors; a swap onto a banned pair is refused with the reason.
    before = _proposed(view)
    holder = next(m for m, mentor in before.items() if mentor == banned[0])
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await _command(
            run, "swap_mentors", SwapCommand(command_id="swap-0", mentee_ids=(mentee_a, holder))
        )
    assert "cannot be paired: the pair is banned" in str(refused.value.cause)
    assert _proposed(await _matching(run)) == before
    x, y = next(
        (x, y)
        for x in sorted(before)
        for y in sorted(before)
        if x < y and {(before[y], x), (before[x], y)}.isdisjoint(view.banned)
    )
    await _command(run, "swap_mentors", SwapCommand(command_id="swap-1", mentee_ids=(x, y)))
    after = _proposed(await _matching(run))
    assert (after[x], after[y]) == (before[y], before[x])

    # Mistakes are refused with the reason, and change nothing.
    for update, command, reason in (
        (
            "ban_pair",
            PairCommand(command_id="b", mentor_id=mentee_a, mentee_id=mentee_b),
            "is not a mentor",
        ),
        (
            "force_pair",
            PairCommand(command_id="f", mentor_id="p-nobody", mentee_id=mentee_a),
            "not a participant",
        ),
        ("swap_mentors", SwapCommand(command_id="s", mentee_ids=(x, x)), "same mentor"),
    ):
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await _command(run, update, command)
        assert reason in str(refused.value.cause)
    assert _proposed(await _matching(run)) == after

    revised = [
        e.data["action"]
        for e in await run.events(programme_stream(run.spec.id))
        if e.type == EventType.MATCHING_REVISED
    ]
    assert revised == ["ban", "force", "swap"]

    # Approval starts exactly the pairs the coordinator saw.
    await _approve(run, "approve-after-changes")
    await run.until_phase(ProgrammePhase.RUNNING, max_days=1)
    summary = await run.summary()
    assert {r.mentee_id: r.mentor_id for r in summary.pairs} == after
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await _command(
            run, "ban_pair", PairCommand(command_id="late", mentor_id=after[x], mentee_id=x)
        )
    assert "during its review" in str(refused.value.cause)


async def test_the_review_from_the_command_line(stack: Stack, database_url: str) -> None:
    spec = small_cohort(6)
    run = await stack.launch(
        spec.model_copy(update={"matching": MatchingSettings(auto_approve=False)})
    )
    await run.until_phase(ProgrammePhase.REVIEW, max_days=10)
    programme = run.spec.id

    code, out, err = await tandem_cli(database_url, stack, "matching", "show", programme, "--json")
    assert code == 0, err
    shown = json.loads(out)
    pairs = {p["mentee_id"]: p["mentor_id"] for p in shown["view"]["proposal"]["pairs"]}
    assert pairs == _proposed(await _matching(run))
    mentee = sorted(pairs)[0]
    assert shown["names"][mentee] == next(p.name for p in spec.participants if p.id == mentee)

    # People are named by e-mail, as in the participants file.
    args = ("matching", "ban", programme, run.email(pairs[mentee]), run.email(mentee))
    code, out, err = await tandem_cli(database_url, stack, *args, "--id", "cli-ban", "--json")
    assert code == 0, err
    assert json.loads(out)["next_step"].startswith("matching recomputed")
    assert _proposed(await _matching(run))[mentee] != pairs[mentee]
    # The same command id again: one effect.
    code, _, _ = await tandem_cli(database_url, stack, *args, "--id", "cli-ban")
    assert code == 0
    assert (await _matching(run)).banned == [(pairs[mentee], mentee)]

    code, out, err = await tandem_cli(
        database_url, stack, "matching", "force", programme, "nobody@example.com", run.email(mentee)
    )
    assert code == 1
    assert "refused: nobody with the e-mail nobody@example.com" in err and "Traceback" not in err
    # A reason too long to keep, even one that starts like a sealed text: refused in words.
    pair = (run.email(pairs[mentee]), run.email(mentee))
    long_reason = ("--reason", "sealed:v1:participant/p1:" + "A" * 2000)
    code, out, err = await tandem_cli(
        database_url, stack, "matching", "ban", programme, *pair, *long_reason
    )
    assert code == 1 and "a reason holds at most 2000 characters" in err, err
    assert (await _matching(run)).banned == [(pairs[mentee], mentee)]

    code, out, err = await tandem_cli(database_url, stack, "matching", "show", programme)
    assert code == 0 and "Proposed pairs" in out and "banned:" in out

    code, out, err = await tandem_cli(database_url, stack, "matching", "approve", programme)
    assert code == 0, err
    await run.until_phase(ProgrammePhase.RUNNING, max_days=1)
