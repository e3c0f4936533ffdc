"""A refused update's code and parameters, read back from the error the client received.

Decoding only: the edge chooses the words. Anything that is not a refusal a workflow declared
(an outage, a bug, a code this client does not know yet) gives None, and the edge shows a
generic message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from temporalio.exceptions import ApplicationError

from domain.refusals import Category, Refusal, RefusalParam


@dataclass(frozen=True)
class RefusalInfo:
    code: Refusal
    params: dict[str, RefusalParam] = field(default_factory=dict)

    @property
    def category(self) -> Category:
        return self.code.category


def refusal_of(error: BaseException) -> RefusalInfo | None:
    """The refusal somewhere in `error`'s chain (a WorkflowUpdateFailedError's cause, an
    ApplicationError's details), or None."""
    for link in _chain(error):
        if not isinstance(link, ApplicationError):
            continue
        for detail in link.details:
            found = _decode(detail)
            if found is not None:
                return found
    return None


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        # Temporal's errors keep their cause in `.cause`; Python's chaining in `__cause__`.
        current = getattr(current, "cause", None) or current.__cause__


def _decode(detail: object) -> RefusalInfo | None:
    if not isinstance(detail, Mapping):
        return None
    code, params = detail.get("code"), detail.get("params", {})
    if not isinstance(code, str) or not isinstance(params, Mapping):
        return None
    try:
        refusal = Refusal(code)
    except ValueError:
        return None
    decoded: dict[str, RefusalParam] = {}
    for name, kind in refusal.params.items():
        value = params.get(name)
        if kind is list and isinstance(value, list):
            decoded[name] = [str(v) for v in value]
        elif isinstance(value, kind) and isinstance(value, int | str) and type(value) is not bool:
            decoded[name] = value
        else:
            return None  # not the parameters this code declares: not ours to word
    return RefusalInfo(refusal, decoded)
