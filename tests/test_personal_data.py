"""A person's data exported, then erased: nothing of them is left in any table, nor in the logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from contracts.programme import ProgrammePhase
from control.participants import SimulatedCohort, run_until
from control.report import programme_report
from domain.events import EventType, participant_stream
from domain.personal_data import REDACTED, free_texts
from domain.programme import Role
from domain.sealed_text import ERASED, is_sealed, participant_key, sealed_key
from store import audit
from tests.lifecycle_helpers import (
    DAY,
    EVERYONE_ANSWERS,
    SkippingClock,
    Stack,
    eventually,
    opened,
    small_cohort,
)

ROOT = Path(__file__).resolve().parent.parent


def _tandem(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "starter", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, "TANDEM_LOG_FORMAT": "json"},
        timeout=120,
        check=False,
    )


async def test_export_then_erase_leaves_nothing_of_the_person(
    stack: Stack, database_url: str
) -> None:
    spec = small_cohort(4, seed=3, sessions=2)
    run = await stack.launch(spec, seed=3)
    cohort = SimulatedCohort(stack.client, stack.pool, spec, 3, EVERYONE_ANSWERS, 86_400)

    async def finished() -> bool:
        return (await run.summary()).phase is ProgrammePhase.COMPLETED

    await run_until(cohort, SkippingClock(stack.env), finished, DAY, max_steps=120)
    before = await programme_report(stack.pool, spec.id)
    person = next(p for p in spec.participants if p.role is Role.MENTEE)
    pair = next(r for r in (await run.summary()).pairs if r.mentee_id == person.id)
    pair_events = await run.events(await run.pair_stream(int(pair.pair_id)))
    typed = [text for e in pair_events for text in free_texts(e.type, e.data)]
    assert typed, "the pair typed goals and notes"
    # Stored sealed, each under its author's key; the coordinator's pages open them.
    assert all(is_sealed(text) for text in typed)
    theirs = [t for t in typed if sealed_key(t) == participant_key(person.id)]
    partners = [t for t in typed if sealed_key(t) != participant_key(person.id)]
    assert theirs and partners
    their_words = await opened(stack.pool, theirs)
    assert ERASED not in their_words

    # Export: everything held about them, with their own details.
    exported = _tandem(database_url, "participant", "export", person.email)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert [p["email"] for p in document["participants"]] == [person.email]
    assert {t["kind"] for t in document["tasks"]} >= {"self_assessment", "chemistry"}
    assert {e["type"] for e in document["events"]} >= {"SelfAssessmentSubmitted", "PairFormed"}
    exported_texts = json.dumps(document["events"], ensure_ascii=False)
    assert all(words in exported_texts for words in their_words), "their words, as typed"
    assert document["emails_sent"]

    # Erase: the logs of the command name nobody.
    erased = _tandem(database_url, "participant", "erase", person.email, "--yes")
    assert erased.returncode == 0, erased.stderr
    assert "erased 1 participant record(s)" in erased.stdout
    for output in (erased.stdout, erased.stderr):
        assert person.email not in output and person.name not in output

    # No table holds their e-mail or name any more.
    tables = await stack.pool.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    )
    for table in (r["table_name"] for r in tables):
        dump = "\n".join(
            r["t"] for r in await stack.pool.fetch(f'SELECT t::text AS t FROM "{table}" t')
        )
        assert person.email not in dump, table
        assert person.name not in dump, table
    # Their pair's texts are redacted; counts, dates and scores stay.
    after_events = await run.events(await run.pair_stream(int(pair.pair_id)))
    assert [e.type for e in after_events] == [e.type for e in pair_events]
    # Their words read `[erased]` wherever a copy is; their partner's read as typed.
    after_texts = [text for e in after_events for text in free_texts(e.type, e.data)]
    assert sorted(after_texts) == sorted(typed), "nothing rewritten: the key is what is gone"
    assert await opened(stack.pool, theirs) == [REDACTED] * len(theirs)
    assert ERASED not in await opened(stack.pool, partners)

    # The report still works, with the person anonymised.
    after = await programme_report(stack.pool, spec.id)
    assert after.model_dump(exclude={"response_times"}) == before.model_dump(
        exclude={"response_times"}
    )
    recorded = await run.event_types(participant_stream(person.id))
    assert recorded[-2:] == [EventType.PERSONAL_DATA_EXPORTED, EventType.PERSONAL_DATA_ERASED]

    # Both are in the programme's audit trail, naming who ran them and the participant's id only.
    trail = [(e.action, e.target) for e in await audit.read(stack.pool, spec.id)]
    assert trail[:2] == [("erased_participant", person.id), ("exported_participant", person.id)]

    again = _tandem(database_url, "participant", "erase", person.email, "--yes")
    assert again.returncode == 1 and "nobody with the e-mail" in again.stderr
    assert "Traceback" not in again.stderr


async def test_the_event_log_refuses_edits_outside_an_erasure(stack: Stack) -> None:
    spec = small_cohort(2)
    run = await stack.launch(spec)

    async def recorded() -> bool:
        return bool(await run.events())

    await eventually(recorded, "the launch recorded")
    async with stack.pool.acquire() as conn:
        for statement in (
            "UPDATE events SET data = '{}'::jsonb",
            "DELETE FROM events",
        ):
            try:
                await conn.execute(statement)
            except Exception as error:  # asyncpg raises the trigger's restrict_violation
                assert "append-only" in str(error)
            else:
                raise AssertionError(f"{statement} was allowed")
        async with conn.transaction():
            await conn.execute("SET LOCAL tandem.erasure = 'on'")
            try:
                await conn.execute("UPDATE events SET type = 'Forged'")
            except Exception as error:
                assert "append-only" in str(error)
            else:
                raise AssertionError("an erasure changed an event's type")
