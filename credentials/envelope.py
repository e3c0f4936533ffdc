"""Envelope encryption: texts sealed with a data key, data keys wrapped by the master key.

AES-256-GCM throughout (`cryptography`). The key id is the associated data of both layers, so a
wrapped key or a sealed text moved under another id does not open. The master key never touches
a text: rotating it rewraps the data keys (a few hundred bytes each) and no payload changes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.sealed_text import format_sealed, parse_sealed

KEY_BYTES = 32
_NONCE_BYTES = 12


class KeyUnusable(ValueError):
    """A wrapped key or a sealed text that the key at hand does not open."""


@dataclass(frozen=True, repr=False)
class MasterKey:
    secret: bytes

    @property
    def fingerprint(self) -> str:
        """What a wrapped key records of its master: enough to tell masters apart, nothing more."""
        return hashlib.sha256(b"tandem master key\0" + self.secret).hexdigest()[:16]

    def __repr__(self) -> str:  # never the secret, in a log or a traceback
        return f"MasterKey({self.fingerprint})"


def generate_master_key() -> str:
    """A new master key as the settings take it (base64url, 32 random bytes)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


def parse_master_key(text: str) -> MasterKey:
    """ValueError (what to write instead) unless `text` is 32 bytes in base64."""
    cleaned = text.strip()
    try:
        raw = base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ValueError(
            f"must be {KEY_BYTES} random bytes in base64 (make one with `tandem keys generate`)"
        )
    return MasterKey(raw)


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def wrap(master: MasterKey, key_id: str, data_key: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(master.secret).encrypt(nonce, data_key, key_id.encode())


def unwrap(master: MasterKey, key_id: str, wrapped: bytes) -> bytes:
    try:
        return AESGCM(master.secret).decrypt(
            wrapped[:_NONCE_BYTES], wrapped[_NONCE_BYTES:], key_id.encode()
        )
    except InvalidTag as error:
        raise KeyUnusable(f"the master key does not open data key {key_id}") from error


def seal(data_key: bytes, key_id: str, text: str) -> str:
    nonce = os.urandom(_NONCE_BYTES)
    blob = nonce + AESGCM(data_key).encrypt(nonce, text.encode(), key_id.encode())
    return format_sealed(key_id, blob)


def open_sealed(data_key: bytes, sealed: str) -> str:
    try:
        key_id, blob = parse_sealed(sealed)
    except ValueError as error:
        raise KeyUnusable("a text that looks sealed but is not one") from error
    try:
        return (
            AESGCM(data_key)
            .decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], key_id.encode())
            .decode()
        )
    # ValueError: a blob too short to hold its nonce.
    except (InvalidTag, UnicodeDecodeError, ValueError) as error:
        raise KeyUnusable(f"a text sealed under {key_id} that its key does not open") from error
