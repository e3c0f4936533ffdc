"""Texts people type, sealed where they are typed and opened only where they are read.

A sealed text is a string `sealed:v1:<key id>:<nonce and ciphertext, base64url>`, so it travels
as any other string through update arguments, workflow state, activity inputs, events and
backups. The key id names the data key it was sealed with: the author's for what a participant
typed, the programme's for what a coordinator typed about it. Deleting that key (erasure,
retention) leaves every copy unreadable at once, and replay still sees the same bytes.

This module knows the format and the key ids; the cipher is in credentials/envelope.py.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any

PREFIX = "sealed:v1:"
# What a sealed text reads as once its key is gone: the same word the older, redacted events have.
ERASED = "[erased]"

_PARTICIPANT = "participant/"
_PROGRAMME = "programme/"


def participant_key(participant_id: str) -> str:
    return _PARTICIPANT + participant_id


def programme_key(programme_id: str) -> str:
    return _PROGRAMME + programme_id


def key_owner(key_id: str) -> tuple[str, str]:
    """("participant", id) or ("programme", id)."""
    kind, _, owner = key_id.partition("/")
    return kind, owner


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def format_sealed(key_id: str, blob: bytes) -> str:
    return PREFIX + key_id + ":" + base64.urlsafe_b64encode(blob).decode().rstrip("=")


def parse_sealed(value: str) -> tuple[str, bytes]:
    """(key id, nonce and ciphertext); ValueError when `value` is not a sealed text."""
    if not value.startswith(PREFIX):
        raise ValueError("not a sealed text")
    key_id, sep, encoded = value[len(PREFIX) :].rpartition(":")
    if not sep or not key_id:
        raise ValueError("a sealed text without its key")
    return key_id, base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4))


def sealed_key(value: str) -> str | None:
    """The key id a sealed text names, or None when it only looks sealed (a damaged copy, or
    someone who typed the prefix): such a text reads as `ERASED`, never as an error."""
    try:
        return parse_sealed(value)[0]
    except ValueError:  # binascii.Error included
        return None


def sealed_in(tree: Any) -> Iterator[str]:
    """Every sealed text anywhere in a JSON-like tree (dicts, lists, tuples, strings)."""
    if is_sealed(tree):
        yield tree
    elif isinstance(tree, dict):
        for item in tree.values():
            yield from sealed_in(item)
    elif isinstance(tree, list | tuple):
        for item in tree:
            yield from sealed_in(item)


def replace_sealed(tree: Any, opened: Callable[[str], str]) -> Any:
    """The tree with each sealed text replaced by `opened(text)`; other values as they are."""
    if is_sealed(tree):
        return opened(tree)
    if isinstance(tree, dict):
        return {k: replace_sealed(v, opened) for k, v in tree.items()}
    if isinstance(tree, list):
        return [replace_sealed(v, opened) for v in tree]
    if isinstance(tree, tuple):
        return tuple(replace_sealed(v, opened) for v in tree)
    return tree
