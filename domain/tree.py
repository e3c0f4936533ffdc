"""A document a coordinator wrote (a programme or matching file), as values with their lines.

The parsers in domain/ check these trees and point every problem at FILE:LINE; control.yaml_tree
builds them from YAML. Nodes are mutable only so that a document whose aliases refer back to
themselves can be represented as it is: nothing changes a tree once it is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum


class Kind(Enum):
    """What a scalar is in the document's own terms: `12` is a number, `"12"` is text."""

    NULL = "null"
    BOOL = "bool"
    INT = "int"
    FLOAT = "float"
    OTHER = "other"  # text, dates and whatever else is read as typed


@dataclass(eq=False)
class Scalar:
    line: int
    text: str  # as typed
    kind: Kind = Kind.OTHER
    value: object = None  # what the document means by it: None, a bool, an int, a date, the text


@dataclass(eq=False)
class ListNode:
    line: int
    items: list[Node] = field(default_factory=list)


@dataclass(eq=False)
class MapNode:
    line: int
    entries: list[tuple[Node, Node]] = field(default_factory=list)


Node = Scalar | ListNode | MapNode


def entry_at(root: Node, loc: Sequence[int | str]) -> tuple[Node | None, Node, bool]:
    """The key and value of the deepest entry that `loc` (keys and list positions, as in a
    pydantic error) reaches, and whether it reaches its end: a missing entry's mapping is where
    its problem is reported."""
    key: Node | None = None
    node = root
    for part in loc:
        entry: tuple[Node | None, Node] | None = None
        if isinstance(node, MapNode):
            entry = next(
                ((k, v) for k, v in node.entries if isinstance(k, Scalar) and k.text == str(part)),
                None,
            )
        elif isinstance(node, ListNode) and isinstance(part, int) and part < len(node.items):
            entry = (None, node.items[part])
        if entry is None:
            return key, node, False
        key, node = entry
    return key, node, True


class KeyNotAName(Exception):
    """A mapping key that is a list or a mapping: no plain value can hold it."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


def plain(root: Node) -> object:
    """The tree as dicts, lists and scalars' values; what an alias repeats is built once.

    Raises `KeyNotAName` for a key that is a list or a mapping.
    """
    built: dict[int, object] = {}

    def build(node: Node) -> object:
        if id(node) in built:
            return built[id(node)]
        if isinstance(node, Scalar):
            return node.value
        if isinstance(node, ListNode):
            items: list[object] = []
            built[id(node)] = items
            items.extend(build(item) for item in node.items)
            return items
        mapping: dict[object, object] = {}
        built[id(node)] = mapping
        for key, value in node.entries:
            if not isinstance(key, Scalar):
                raise KeyNotAName(key.line)
            mapping[key.value] = build(value)
        return mapping

    return build(root)
