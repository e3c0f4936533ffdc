"""Sealing an update's typed fields before it is sent, so Temporal only ever holds ciphertext.

Whose key: a model about one person (it has a `participant_id`: their own answer, or a
coordinator's command about them) is sealed with that person's key, so erasing them shreds it;
anything else a coordinator types (why a pair ends, why the matching changed) with the
programme's key, which its retention shreds.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

from credentials.keyring import Keyring
from domain.sealed_text import participant_key, programme_key
from domain.typed_text import typed_fields

M = TypeVar("M", bound=BaseModel)


def key_for(model: BaseModel, programme_id: str | None) -> str:
    person = getattr(model, "participant_id", None)
    if isinstance(person, str) and person:
        return participant_key(person)
    if programme_id is None:
        raise ValueError(f"{type(model).__name__} is about no one: its programme is needed")
    return programme_key(programme_id)


async def sealed(keyring: Keyring | None, model: M, programme_id: str | None = None) -> M:
    """`model` with each `Typed` field (nested models included) sealed; as it is without a
    keyring (a deployment that seals nothing: the benchmark's baseline)."""
    if keyring is None:
        return model
    return await _sealed(keyring, model, key_for(model, programme_id))


async def _sealed(keyring: Keyring, model: M, key_id: str) -> M:
    marked = typed_fields(type(model))
    changes: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if name in marked and isinstance(value, str):
            changes[name] = await keyring.seal(key_id, value)
        elif isinstance(value, BaseModel):
            changes[name] = await _sealed(keyring, value, key_id)
        elif isinstance(value, tuple | list) and any(isinstance(v, BaseModel) for v in value):
            items = [
                await _sealed(keyring, v, key_id) if isinstance(v, BaseModel) else v for v in value
            ]
            changes[name] = type(value)(items)
    # model_copy: the plain texts were validated already; their ciphertext is not re-checked.
    return model.model_copy(update=changes) if changes else model
