"""The search attributes workflows set and clients filter on; the server must have them all."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

PROGRAMME_ID = SearchAttributeKey.for_keyword("TandemProgrammeId")
PAIR_ID = SearchAttributeKey.for_keyword("TandemPairId")
PHASE = SearchAttributeKey.for_keyword("TandemPhase")
AT_RISK = SearchAttributeKey.for_bool("TandemAtRisk")
SEARCH_ATTRIBUTES = (PROGRAMME_ID, PAIR_ID, PHASE, AT_RISK)
