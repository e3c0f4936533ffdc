"""A field people type freely (a goal, notes, a reason): sealed before it leaves the edge.

`Annotated[str, Typed(max_length=5000)]` marks the field for sealing (credentials/sealing.py)
and checks its length as `Field(max_length=…)` would, with the same error types, so forms show the
same words. A sealed value is checked where it was typed, as plain text, before it was sealed: its
ciphertext is longer, and the workflow that receives it never needs its words. Where people type
(a form, the command line), validation runs with `AS_TYPED`, so a text that merely starts like a
sealed one is held to the same length as any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, TypeVar

from pydantic import BaseModel, GetCoreSchemaHandler, ValidationInfo
from pydantic_core import PydanticKnownError, core_schema

from domain.sealed_text import ERASED, is_sealed

M = TypeVar("M", bound=BaseModel)

# The validation context of a model read from what someone has just typed.
AS_TYPED: Final = {"typed_text": "as typed"}
# The fewest characters of a reason a coordinator must give (a withdrawal, a re-pairing).
REASON_MIN_LENGTH: Final = 3


@dataclass(frozen=True)
class Typed:
    max_length: int
    min_length: int = 0

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_after_validator_function(self._check, handler(source))

    def _check(self, value: str, info: ValidationInfo) -> str:
        typed_here = info.context is not None and info.context.get("typed_text") == "as typed"
        if not typed_here and (is_sealed(value) or value == ERASED):
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


def as_typed(model: type[M], **values: Any) -> M:
    """`model` validated from what someone just typed (`ValidationError` as usual)."""
    return model.model_validate(values, context=AS_TYPED)


def long_enough(text: str, minimum: int = REASON_MIN_LENGTH) -> bool:
    """Whether a typed text holds `minimum` characters besides blanks. A sealed one was checked
    where it was typed, before it was sealed, so a workflow takes it as given."""
    return is_sealed(text) or text == ERASED or len(text.strip()) >= minimum
