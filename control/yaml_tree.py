"""YAML bytes into a `domain.tree`: values with the line each starts on, or every syntax problem.

Coordinators write YAML by hand: a syntax mistake is a `Problem` at FILE:LINE like any other, and
the tree keeps the lines that the checks in domain/ point their problems at.
"""

from __future__ import annotations

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.error import Mark

from domain.file_problems import Problem, ProgrammeFileError, Report, decode
from domain.tree import Kind, ListNode, MapNode, Node, Scalar

_KINDS = {
    "tag:yaml.org,2002:null": Kind.NULL,
    "tag:yaml.org,2002:bool": Kind.BOOL,
    "tag:yaml.org,2002:int": Kind.INT,
    "tag:yaml.org,2002:float": Kind.FLOAT,
}


def yaml_tree(name: str, data: bytes, *, merge_keys: bool = False) -> Node:
    """The document in a YAML file's bytes; `name` is what problems call the file.

    With `merge_keys`, `<<: *alias` entries are merged in as YAML's own loader does. Raises
    `ProgrammeFileError` with every problem; never raises anything else.
    """
    problems: list[Problem] = []
    report = Report(name, problems)
    try:
        root = _root(data, report, merge_keys)
    except Exception as exc:
        # A bug here must still reach the coordinator as a line, not as a traceback; the chained
        # exception keeps the traceback for whoever debugs it.
        report.add(0, "file", f"unexpected error while reading: {exc!r}")
        raise ProgrammeFileError(problems) from exc
    if root is None or problems:
        raise ProgrammeFileError(sorted(problems, key=lambda p: p.line))
    return root


def _root(data: bytes, report: Report, merge_keys: bool) -> Node | None:
    text = decode(data, report)
    if text is None:
        return None
    node = _compose(text, report)
    if node is None:
        if not report.problems:
            report.add(0, "file", "the file is empty")
        return None
    try:
        return _Converter(merge_keys).tree(node)
    except RecursionError:
        report.add(0, "syntax", "the YAML is nested too deeply")
    except ConstructorError as exc:  # a merge key naming something that is not a mapping
        report.add(_mark_line(exc.problem_mark or exc.context_mark), "syntax", _message(exc))
    return None


def _compose(text: str, report: Report) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        report.add(_mark_line(exc.problem_mark or exc.context_mark), "syntax", _message(exc))
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        report.add(line, "syntax", f"character U+{exc.character:04X} is not allowed in YAML")
    except yaml.YAMLError as exc:
        report.add(0, "syntax", str(exc))
    except RecursionError:
        report.add(0, "syntax", "the YAML is nested too deeply")
    return None


def _mark_line(mark: Mark | None) -> int:
    return mark.line + 1 if mark is not None else 0


def _message(exc: yaml.MarkedYAMLError) -> str:
    message = exc.problem or exc.context or "invalid YAML"
    if exc.problem and exc.context:
        message = f"{exc.problem} ({exc.context})"
    if "'\\t'" in message:
        message += "; indent with spaces, not tabs"
    return message


class _Converter:
    """Builds each YAML node once, so an alias is the same node again (and a cycle stays one)."""

    def __init__(self, merge_keys: bool) -> None:
        self._merge_keys = merge_keys
        self._constructor = SafeConstructor()
        self._built: dict[int, Node] = {}

    def tree(self, node: yaml.Node) -> Node:
        if id(node) in self._built:
            return self._built[id(node)]
        line = _mark_line(node.start_mark)
        if isinstance(node, yaml.SequenceNode):
            sequence = ListNode(line)
            self._built[id(node)] = sequence
            sequence.items.extend(self.tree(item) for item in node.value)
            return sequence
        if isinstance(node, yaml.MappingNode):
            mapping = MapNode(line)
            self._built[id(node)] = mapping
            if self._merge_keys:
                self._constructor.flatten_mapping(node)
            mapping.entries.extend((self.tree(k), self.tree(v)) for k, v in node.value)
            return mapping
        scalar = Scalar(line, str(node.value), _KINDS.get(node.tag, Kind.OTHER), self._value(node))
        self._built[id(node)] = scalar
        return scalar

    def _value(self, node: yaml.Node) -> object:
        try:
            return self._constructor.construct_object(node)
        except Exception:
            return str(node.value)  # kept as typed: the checks in domain/ say what is wrong
