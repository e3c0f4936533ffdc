"""Signed task links: genuine tokens verify, everything else is refused with a TokenError."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.tokens import (
    MAX_GENERATION,
    TaskClaims,
    TokenError,
    TokenExpired,
    TokenInvalid,
    sign_task_token,
    verify_task_token,
)

SECRET = b"test-secret"
NOW = datetime(2027, 1, 11, 9, 30, tzinfo=UTC)
TASK = UUID("12345678-1234-5678-1234-567812345678")


def _token(
    expires_at: datetime = NOW + timedelta(days=3), participant: str = "p0123456789ab"
) -> str:
    return sign_task_token(TASK, participant, expires_at, SECRET)


def test_round_trip() -> None:
    expires = NOW + timedelta(days=3)
    token = _token(expires)
    assert verify_task_token(token, SECRET, NOW) == TaskClaims(TASK, "p0123456789ab", expires)


def test_token_is_url_safe_and_compact() -> None:
    token = _token()
    assert all(c.isalnum() or c in "-_" for c in token)
    assert len(token) < 100


def test_round_trip_keeps_a_unicode_participant_id_and_truncates_expiry_to_the_second() -> None:
    expires = NOW + timedelta(hours=1, microseconds=999_999)
    claims = verify_task_token(_token(expires, "élève-42"), SECRET, NOW)
    assert claims.participant_id == "élève-42"
    assert claims.expires_at == expires.replace(microsecond=0)


def test_expiry_in_another_timezone_means_the_same_instant() -> None:
    paris = datetime(2027, 1, 11, 13, 0, tzinfo=ZoneInfo("Europe/Paris"))
    claims = verify_task_token(_token(paris), SECRET, NOW)
    assert claims.expires_at == datetime(2027, 1, 11, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("index", range(0, 60, 7))
def test_any_tampered_byte_is_invalid(index: int) -> None:
    raw = bytearray(base64.urlsafe_b64decode(_token() + "=="))
    raw[index % len(raw)] ^= 0x01
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(TokenInvalid):
        verify_task_token(tampered, SECRET, NOW)


def test_tampered_character_is_invalid() -> None:
    token = _token()
    swapped = token[:10] + ("A" if token[10] != "A" else "B") + token[11:]
    with pytest.raises(TokenInvalid):
        verify_task_token(swapped, SECRET, NOW)


def test_non_canonical_or_decorated_encodings_are_invalid() -> None:
    token = _token()
    for variant in (token + "=", " " + token, token + "\n", token[:20] + "." + token[20:]):
        with pytest.raises(TokenInvalid):
            verify_task_token(variant, SECRET, NOW)


def test_wrong_secret_is_invalid() -> None:
    with pytest.raises(TokenInvalid):
        verify_task_token(_token(), b"another-secret", NOW)


def test_expired_token_says_so_and_still_names_the_task() -> None:
    token = _token(NOW - timedelta(seconds=1))
    with pytest.raises(TokenExpired) as caught:
        verify_task_token(token, SECRET, NOW)
    assert caught.value.claims.task_id == TASK
    assert isinstance(caught.value, TokenError)


def test_token_expires_exactly_at_its_expiry() -> None:
    token = _token(NOW)
    with pytest.raises(TokenExpired):
        verify_task_token(token, SECRET, NOW)
    assert verify_task_token(token, SECRET, NOW - timedelta(seconds=1)).task_id == TASK


def test_expired_and_tampered_is_invalid_not_expired() -> None:
    token = _token(NOW - timedelta(days=1))
    with pytest.raises(TokenInvalid):
        verify_task_token(token, b"wrong", NOW)


def test_signing_rejects_naive_datetimes_and_empty_ids() -> None:
    with pytest.raises(ValueError):
        sign_task_token(TASK, "p1", datetime(2027, 1, 1), SECRET)
    with pytest.raises(ValueError):
        sign_task_token(TASK, "", NOW, SECRET)


@given(st.text(max_size=200))
def test_garbage_text_only_raises_token_errors(garbage: str) -> None:
    with pytest.raises(TokenError):
        verify_task_token(garbage, SECRET, NOW)


@given(st.binary(max_size=120))
def test_garbage_well_formed_base64_only_raises_token_errors(garbage: bytes) -> None:
    token = base64.urlsafe_b64encode(garbage).rstrip(b"=").decode()
    with pytest.raises(TokenError):
        verify_task_token(token, SECRET, NOW)


@given(st.uuids(), st.text(min_size=1, max_size=40), st.integers(1, 10**6))
def test_round_trip_for_any_task_and_participant(
    task: UUID, participant: str, seconds: int
) -> None:
    expires = NOW + timedelta(seconds=seconds)
    claims = verify_task_token(sign_task_token(task, participant, expires, SECRET), SECRET, NOW)
    assert (claims.task_id, claims.participant_id) == (task, participant)


def test_a_fresh_uuid_yields_a_distinct_token() -> None:
    assert _token() != sign_task_token(uuid4(), "p0123456789ab", NOW + timedelta(days=3), SECRET)


def test_during_a_rotation_a_link_signed_under_the_previous_secret_still_opens() -> None:
    old_link = _token()
    assert verify_task_token(old_link, b"new-secret", NOW, previous=(SECRET,)).task_id == TASK
    with pytest.raises(TokenInvalid):  # once the previous secret is dropped, it no longer does
        verify_task_token(old_link, b"new-secret", NOW)
    with pytest.raises(TokenExpired):  # and it never outlives its own expiry
        verify_task_token(old_link, b"new-secret", NOW + timedelta(days=4), previous=(SECRET,))
    with pytest.raises(TokenInvalid):  # a secret nobody configured is still refused
        verify_task_token(old_link, b"new-secret", NOW, previous=(b"another",))


# A link as mailed before tokens carried a link generation (version 1), signed under SECRET for
# TASK and "p0123456789ab", expiring at NOW + 3 days.
_VERSION_1_LINK = "ARI0VngSNFZ4EjRWeBI0VngAAAAAa0iVmHAwMTIzNDU2Nzg5YWLLxobc7yJfW5SLzv5S2fu0"


def test_a_version_1_link_still_verifies_as_generation_0() -> None:
    claims = verify_task_token(_VERSION_1_LINK, SECRET, NOW)
    assert claims == TaskClaims(TASK, "p0123456789ab", NOW + timedelta(days=3), 0)
    with pytest.raises(TokenExpired):
        verify_task_token(_VERSION_1_LINK, SECRET, NOW + timedelta(days=3))


def test_new_links_are_version_2_and_carry_their_generation() -> None:
    expires = NOW + timedelta(days=3)
    for generation in (0, 1, 7, MAX_GENERATION):
        token = sign_task_token(TASK, "p0123456789ab", expires, SECRET, generation=generation)
        assert base64.urlsafe_b64decode(token + "==")[0] == 2
        claims = verify_task_token(token, SECRET, NOW)
        assert claims == TaskClaims(TASK, "p0123456789ab", expires, generation)


def test_a_generation_out_of_range_is_refused_when_signing() -> None:
    for generation in (-1, MAX_GENERATION + 1):
        with pytest.raises(ValueError):
            sign_task_token(TASK, "p", NOW, SECRET, generation=generation)


def test_a_tampered_generation_fails_the_signature() -> None:
    token = sign_task_token(TASK, "p0123456789ab", NOW + timedelta(days=3), SECRET, generation=1)
    raw = bytearray(base64.urlsafe_b64decode(token + "=="))
    generation_at = 1 + 16 + 8
    raw[generation_at : generation_at + 2] = (2).to_bytes(2, "big")
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    with pytest.raises(TokenInvalid):
        verify_task_token(tampered, SECRET, NOW)


def test_a_version_2_token_without_a_participant_is_invalid() -> None:
    # Signed correctly, so that only the layout can refuse it.
    payload = bytes([2]) + TASK.bytes + (10**10).to_bytes(8, "big") + (3).to_bytes(2, "big")
    mac = hmac.new(SECRET, b"tandem-task-link\x00" + payload, hashlib.sha256).digest()[:16]
    token = base64.urlsafe_b64encode(payload + mac).rstrip(b"=").decode()
    with pytest.raises(TokenInvalid):
        verify_task_token(token, SECRET, NOW)


@given(st.uuids(), st.text(min_size=1, max_size=40), st.integers(0, MAX_GENERATION))
def test_round_trip_keeps_any_generation(task: UUID, participant: str, generation: int) -> None:
    expires = NOW + timedelta(days=1)
    token = sign_task_token(task, participant, expires, SECRET, generation=generation)
    assert verify_task_token(token, SECRET, NOW).generation == generation
