"""Query names, so a client asks a workflow by name without importing the workflow's code."""

from __future__ import annotations

# ProgrammeWorkflow: answers a MatchingView, a ProgrammeSummary.
MATCHING = "matching"
PROGRAMME_SUMMARY = "summary"
# PairWorkflow: answers a PairStatus.
PAIR_STATUS = "status"
