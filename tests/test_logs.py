"""Log lines from workflows and activities carry the ids of the run they come from, never names."""

from __future__ import annotations

import io
import json

from domain.programme import Role
from tests.lifecycle_helpers import Stack, eventually, small_cohort


async def test_workflow_and_activity_lines_carry_their_run(
    stack: Stack, json_lines: io.StringIO
) -> None:
    run = await stack.launch(small_cohort(4))

    def lines() -> list[dict[str, object]]:
        return [json.loads(line) for line in json_lines.getvalue().splitlines() if line.strip()]

    async def both_logged() -> bool:
        found = lines()
        return any(e.get("event") == "programme.phase" for e in found) and any(
            e.get("event") == "mail.sent" for e in found
        )

    await eventually(both_logged, "a workflow line and an activity line")
    found = lines()
    phase = next(e for e in found if e.get("event") == "programme.phase")
    assert phase["workflow_id"] == f"programme:{run.spec.id}"
    assert phase["programme_id"] == run.spec.id and phase["run_id"]
    assert phase["workflow_type"] == "ProgrammeWorkflow"
    sent = next(e for e in found if e.get("event") == "mail.sent")
    assert sent["activity"] == "record_step"
    assert str(sent["workflow_id"]).startswith(f"assessment:{run.spec.id}:")
    assert sent["programme_id"] == run.spec.id and sent["run_id"]
    text = json_lines.getvalue()
    for person in run.spec.participants:
        assert person.email not in text and person.name not in text
    assert run.ids(Role.MENTEE)
