"""How the files a coordinator writes by hand report their mistakes: FILE:LINE: field: message.

Shared by the programme file, its participants file and the matching problem file: every mistake is
a `Problem`, all of them are reported at once, and `ProgrammeFileError` carries them.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from domain.text import TextFault, TextRefusal
from domain.tree import Kind, ListNode, MapNode, Node


@dataclass(frozen=True)
class Problem:
    """One mistake in a programme file or its participants file; line 0 when it has no line.

    Shown as FILE:LINE: field: message, or FILE: field: message when it has no line.
    """

    file: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        if self.line == 0:
            # About the file as a whole: no line to name, and a field "file" would say it twice
            # (`nope.yaml: file not found`, not `nope.yaml:0: file: file not found`).
            if self.field == "file":
                return f"{self.file}: {self.message}"
            return f"{self.file}: {self.field}: {self.message}"
        return f"{self.file}:{self.line}: {self.field}: {self.message}"


class ProgrammeFileError(Exception):
    """Every problem found in a programme file and its participants file."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        # The problems are the only argument so that the exception survives pickling.
        super().__init__(list(problems))
        self.problems: list[Problem] = list(problems)

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)


@dataclass(frozen=True)
class Report:
    """Adds problems about one file to the shared list."""

    file: str
    problems: list[Problem]

    def add(self, line: int, field: str, message: str) -> None:
        self.problems.append(Problem(self.file, line, field, message))

    def at(self, node: Node, field: str, message: str) -> None:
        self.add(node.line, field, message)


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def describe(node: Node) -> str:
    """What the file holds where something else was expected, in a few words."""
    if isinstance(node, ListNode):
        return "a list"
    if isinstance(node, MapNode):
        return "a mapping"
    if node.kind is Kind.NULL:
        return "nothing"
    text = node.text
    return repr(text if len(text) <= 40 else text[:37] + "...")


def decode(data: bytes, report: Report, hint: str = "") -> str | None:
    """The text of a UTF-8 file (BOM or not), or None after reporting why it is not text."""
    if data.startswith(b"PK\x03\x04"):
        report.add(1, "encoding", f"this is a zip archive (an Excel workbook?), not text{hint}")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        report.add(line, "encoding", f"not UTF-8 text (byte 0x{data[exc.start]:02x}){hint}")
        return None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        report.add(line, "encoding", f"binary data (a NUL byte), not text{hint}")
        return None
    return text


def refusal_message(refused: TextRefusal) -> str:
    """The English words for a `domain.text` refusal; the character is named, never shown."""
    if refused.fault == TextFault.EMPTY:
        return "has no visible character, only spaces or invisible characters"
    what = {
        TextFault.INVISIBLE: "an invisible character",
        TextFault.BIDI: "a character that reverses the display direction",
        TextFault.CONTROL: "a control character",
    }[refused.fault]
    return f"contains {what} ({refused.code_point}); type the text again without it"
