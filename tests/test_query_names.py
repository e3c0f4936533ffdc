"""Clients (the dashboard, `tandem programme status`, matching review) query workflows by the names
in contracts/queries.py, without importing workflow code: those names must be the workflows'."""

from __future__ import annotations

from contracts.ids import programme_workflow_id
from contracts.pair import PairPhase, PairStatus
from contracts.programme import MatchingView, ProgrammeSummary
from contracts.queries import MATCHING, PAIR_STATUS, PROGRAMME_SUMMARY
from tests.lifecycle_helpers import Stack, small_cohort


async def test_queries_by_contract_name_answer_what_the_workflows_report(stack: Stack) -> None:
    run = await stack.launch(small_cohort(2))
    await run.until_pair_phase(1, PairPhase.CHEMISTRY.value, max_days=30)
    # Untyped handles, as a client holds them: only the workflow id and the query's name.
    programme = stack.client.get_workflow_handle(programme_workflow_id(run.spec.id))
    pair = stack.client.get_workflow_handle(run.pair_id_for(1))

    summary = await programme.query(PROGRAMME_SUMMARY, result_type=ProgrammeSummary)
    assert summary == await run.summary()
    assert summary.pairs_formed == 1
    view = await programme.query(MATCHING, result_type=MatchingView)
    assert view.proposal is not None and len(view.proposal.pairs) == 1
    status = await pair.query(PAIR_STATUS, result_type=PairStatus)
    assert status == await run.pair_status(1)
    assert status.phase is PairPhase.CHEMISTRY
