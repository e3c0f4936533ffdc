"""Typed texts sealed under per-owner data keys: opened while the key exists, `[erased]` after,
and the master key rotated without touching a single sealed text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest
from pydantic import ValidationError

from credentials.envelope import (
    KeyUnusable,
    MasterKey,
    generate_master_key,
    open_sealed,
    parse_master_key,
    seal,
)
from credentials.keyring import Keyring, KeyUnavailable, MasterKeyMismatch
from credentials.sealing import sealed
from domain.answers import Goal, GoalsProposal, SessionLog
from domain.sealed_text import (
    ERASED,
    format_sealed,
    is_sealed,
    parse_sealed,
    participant_key,
    programme_key,
)
from domain.typed_text import as_typed
from store import data_keys

ROOT = Path(__file__).resolve().parent.parent
NOTES = "Elle a montré comment résumer une réunion avec l'IA générative."


def _master() -> MasterKey:
    return parse_master_key(generate_master_key())


def test_a_sealed_text_opens_only_under_its_own_key_id() -> None:
    key = os.urandom(32)
    text = seal(key, participant_key("p1"), NOTES)
    assert is_sealed(text) and NOTES not in text
    assert open_sealed(key, text) == NOTES
    # The same ciphertext claimed by someone else's key id does not open.
    _, blob = parse_sealed(text)
    with pytest.raises(KeyUnusable):
        open_sealed(key, format_sealed(participant_key("p2"), blob))
    with pytest.raises(KeyUnusable):
        open_sealed(os.urandom(32), text)


@pytest.mark.parametrize("given", ["", "abc", "not base64 at all!!", "QUJD" * 20])
def test_a_master_key_that_is_not_32_bytes_in_base64_says_how_to_make_one(given: str) -> None:
    with pytest.raises(ValueError, match="tandem keys generate"):
        parse_master_key(given)


def test_a_wrong_master_key_in_the_settings_names_its_variable() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from settings import settings_or_exit; settings_or_exit()"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TANDEM_MASTER_KEY": "too-short"},
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("configuration error: TANDEM_MASTER_KEY: must be 32 random")
    assert "Traceback" not in done.stderr


async def test_an_update_carries_its_typed_fields_sealed_and_its_answers_plain(
    pool: asyncpg.Pool,
) -> None:
    keyring = Keyring(pool, parse_master_key(generate_master_key()))
    log = SessionLog(
        task_id="00000000-0000-0000-0000-000000000001",
        participant_id="p-mentee",
        session_number=3,
        held=True,
        minutes=60,
        notes=NOTES,
        progress_rating=4,
    )
    sent = await sealed(keyring, log, "prog")
    wire = sent.model_dump_json()
    assert NOTES not in wire and '"session_number":3' in wire and '"held":true' in wire
    assert sent.notes.startswith("sealed:v1:participant/p-mentee:")
    # What the workflow receives validates as the model, though its ciphertext is long.
    assert SessionLog.model_validate_json(wire).notes == sent.notes
    assert await keyring.open(sent.notes) == NOTES

    goals = GoalsProposal(
        task_id="00000000-0000-0000-0000-000000000002",
        participant_id="p-mentee",
        goals=(
            Goal(objective="Publier sur LinkedIn" * 20, kpi="2 posts", target_date="2027-03-01"),
        ),
    )
    sealed_goals = await sealed(keyring, goals)
    assert "LinkedIn" not in sealed_goals.model_dump_json()
    assert (await keyring.open_tree(sealed_goals.model_dump(mode="json")))["goals"][0][
        "objective"
    ] == "Publier sur LinkedIn" * 20
    # Nothing typed stays nothing: a blank note is not sealed.
    assert (await sealed(keyring, log.model_copy(update={"notes": "  "}))).notes == ""


async def test_shredding_a_key_erases_every_copy_and_spares_the_partner(
    pool: asyncpg.Pool,
) -> None:
    master = parse_master_key(generate_master_key())
    web, worker = Keyring(pool, master), Keyring(pool, master, cache_seconds=0)
    mine = await web.seal(participant_key("p-erased"), NOTES)
    theirs = await web.seal(participant_key("p-partner"), "Il m'a appris à négocier.")
    coordinator = await web.seal(programme_key("prog"), "fin anticipée")
    record = {"events": [{"notes": mine}, {"notes": theirs}], "reason": coordinator, "n": 3}
    assert await worker.open_tree(record) == {
        "events": [{"notes": NOTES}, {"notes": "Il m'a appris à négocier."}],
        "reason": "fin anticipée",
        "n": 3,
    }

    assert await data_keys.shred(pool, [participant_key("p-erased")]) == 1
    # A process sees it at once when it keeps no keys (and after `cache_seconds` if it does);
    # the copy kept anywhere else is the same ciphertext, so it reads the same.
    opened = await worker.open_tree(record)
    assert opened["events"] == [{"notes": ERASED}, {"notes": "Il m'a appris à négocier."}]
    assert opened["reason"] == "fin anticipée"
    assert await worker.open(mine) == ERASED
    # Someone erased stays erased: a late answer of theirs is not kept under a new key.
    assert await worker.seal(participant_key("p-erased"), "encore") == ERASED
    assert await data_keys.shred(pool, [participant_key("p-erased")]) == 0
    row = await pool.fetchrow(
        "SELECT wrapped, shredded_at FROM data_keys WHERE key_id = $1", participant_key("p-erased")
    )
    assert row is not None and row["wrapped"] is None and row["shredded_at"] is not None


async def test_a_text_that_only_looks_sealed_reads_as_erased_and_crashes_nothing(
    pool: asyncpg.Pool,
) -> None:
    keyring = Keyring(pool, _master(), cache_seconds=0)
    real = await keyring.seal(participant_key("p1"), NOTES)
    damaged = [
        "sealed:v1:x",  # no key id
        "sealed:v1:participant/p1:%%%",  # not base64
        "sealed:v1:participant/p1:QUJD",  # too short for its nonce
        real[:-6],  # cut short
    ]
    assert await keyring.open_tree({"ok": real, "bad": damaged}) == {
        "ok": NOTES,
        "bad": [ERASED] * 4,
    }


def test_at_the_edge_a_text_that_starts_as_a_sealed_one_is_held_to_its_length() -> None:
    forged = "sealed:v1:participant/p1:" + "A" * 6000
    fields = {"task_id": "00000000-0000-0000-0000-000000000001", "participant_id": "p1"}
    log = {**fields, "session_number": 1, "held": True, "minutes": 60, "notes": forged}
    with pytest.raises(ValidationError) as refused:
        as_typed(SessionLog, **log)
    assert refused.value.errors()[0]["type"] == "string_too_long"
    # What a workflow receives was checked as plain text before it was sealed.
    assert SessionLog.model_validate(log).notes == forged


async def test_a_data_key_that_does_not_unwrap_keeps_nothing_as_erased(
    pool: asyncpg.Pool,
) -> None:
    await Keyring(pool, _master()).seal(participant_key("p-other"), "sous une autre clé")
    stranger = Keyring(pool, _master(), cache_seconds=0)
    with pytest.raises(KeyUnavailable):
        await stranger.seal(participant_key("p-other"), NOTES)
    # A participant of its own still seals: only the keys it cannot open are refused.
    assert is_sealed(await stranger.seal(participant_key("p-mine"), NOTES))


async def test_rotating_the_master_key_rewraps_data_keys_and_no_sealed_text(
    pool: asyncpg.Pool,
) -> None:
    old, new = (parse_master_key(generate_master_key()) for _ in range(2))
    before = Keyring(pool, old, cache_seconds=0)
    texts = [await before.seal(participant_key(f"p{i}"), f"note {i}") for i in range(7)]

    # The new key alone does not open them: a configuration error before anything is served.
    with pytest.raises(MasterKeyMismatch, match="TANDEM_MASTER_KEY"):
        await Keyring(pool, new).check()

    # During rotation both are accepted; new keys are wrapped by the new one.
    during = Keyring(pool, new, (old,), cache_seconds=0)
    await during.check()
    assert await during.open_tree(texts) == [f"note {i}" for i in range(7)]
    late = await during.seal(participant_key("p-late"), "arrivée tardive")
    assert await during.rotate() == 7
    assert await during.rotate() == 0  # nothing left to rewrap

    after = Keyring(pool, new, cache_seconds=0)
    await after.check()
    assert await after.open_tree([*texts, late]) == [
        *(f"note {i}" for i in range(7)),
        "arrivée tardive",
    ]
    with pytest.raises(MasterKeyMismatch):
        await Keyring(pool, old).check()


def _tandem(database_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "starter", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url, **env},
        timeout=120,
        check=False,
    )


async def test_tandem_keys_rotate_moves_every_key_to_the_new_master(
    pool: asyncpg.Pool, database_url: str
) -> None:
    old_text, new_text = generate_master_key(), generate_master_key()
    old = Keyring(pool, parse_master_key(old_text))
    texts = [await old.seal(participant_key(f"p{i}"), f"mot {i}") for i in range(3)]

    alone = _tandem(database_url, "keys", "rotate", TANDEM_MASTER_KEY=new_text)
    assert alone.returncode == 2
    assert "TANDEM_MASTER_KEY: does not open the data keys" in alone.stderr
    assert "Traceback" not in alone.stderr

    both = {"TANDEM_MASTER_KEY": new_text, "TANDEM_PREVIOUS_MASTER_KEY": old_text}
    rotated = _tandem(database_url, "keys", "rotate", "--json", **both)
    assert rotated.returncode == 0, rotated.stderr
    assert rotated.stdout.strip() == '{"rewrapped": 3, "left_under_previous": 0}'
    # No sealed text changed, and the new key alone opens them all.
    new = Keyring(pool, parse_master_key(new_text))
    await new.check()
    assert await new.open_tree(texts) == ["mot 0", "mot 1", "mot 2"]
    generated = _tandem(database_url, "keys", "generate")
    assert parse_master_key(generated.stdout.strip()) is not None
