"""What activities need of the keyring (credentials/keyring.py): opening the texts they quote."""

from __future__ import annotations

from typing import Protocol, TypeVar

from domain.sealed_text import ERASED, replace_sealed

T = TypeVar("T")


class TextOpener(Protocol):
    async def open_tree(self, tree: T) -> T: ...


class UnopenedTexts:
    """No keyring: every sealed text reads `[erased]`."""

    async def open_tree(self, tree: T) -> T:
        result: T = replace_sealed(tree, lambda _: ERASED)
        return result
