"""A field people type freely (a goal, notes, a reason): sealed before it leaves the edge.

`Annotated[str, Typed(max_length=5000)]` marks the field for sealing (credentials/sealing.py)
and checks its length as `Field(max_length=…)` would, with the same error types, so forms show the
same words. A sealed value is checked where it was typed, as plain text, before it was sealed: its
ciphertext is longer, and the workflow that receives it never needs its words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, GetCoreSchemaHandler
from pydantic_core import PydanticKnownError, core_schema

from domain.sealed_text import ERASED, is_sealed


@dataclass(frozen=True)
class Typed:
    max_length: int
    min_length: int = 0

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: str) -> str:
        if is_sealed(value) or value == ERASED:
            return value
        if len(value) > self.max_length:
            raise PydanticKnownError("string_too_long", {"max_length": self.max_length})
        if len(value) < self.min_length:
            raise PydanticKnownError("string_too_short", {"min_length": self.min_length})
        return value


def typed_fields(model: type[BaseModel]) -> dict[str, Typed]:
    """The fields of `model` marked `Typed`, by name."""
    return {
        name: marker
        for name, info in model.model_fields.items()
        for marker in info.metadata
        if isinstance(marker, Typed)
    }
