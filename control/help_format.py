"""`--help` that shows every option's names and default whole, at any width (80 columns too).

Typer's Rich tables squeeze their columns at 80 columns and cut names and defaults with "…";
Click's own layout wraps, but with textwrap's defaults, which split `--no-simulate-everyone` at
its hyphens and `[default: 8000]` in two. Here a word, and a bracketed `[default: …]`, is never cut:
one longer than the line overflows it rather than lose its end.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence

import typer
from typer.core import TyperCommand, TyperGroup

_BRACKETED = re.compile(r"\[[^\]]*\]")
_KEEP_SPACE = "\x00"  # never in help text; stands for a space that must not break a line


# Typer exposes Click's formatter only as this attribute of its public Context.
class HelpFormatter(typer.Context.formatter_class):  # type: ignore[misc,valid-type]
    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for line in wrap(text, max(self.width - self.current_indent, 20)):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_dl(
        self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        widest = max((len(first) for first, _ in rows), default=0)
        first_col = min(widest, col_max) + col_spacing
        indent = self.current_indent
        for first, second in rows:
            self.write(f"{'':>{indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if len(first) <= first_col - col_spacing:
                self.write(" " * (first_col - len(first)))
            else:
                self.write("\n" + " " * (first_col + indent))
            lines = wrap(second, max(self.width - first_col - indent, 20))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + indent}}{line}\n")


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` where its words allow, never cutting one."""
    kept = _BRACKETED.sub(lambda found: found[0].replace(" ", _KEEP_SPACE), text)
    lines: list[str] = []
    for paragraph in re.split(r"\n\s*\n", kept.strip()):
        if lines:
            lines.append("")
        lines += textwrap.wrap(
            " ".join(paragraph.split()),
            width,
            break_on_hyphens=False,
            break_long_words=False,
        )
    return [line.replace(_KEEP_SPACE, " ") for line in lines] or [""]


class HelpContext(typer.Context):
    formatter_class = HelpFormatter


def use_whole_word_help(app: typer.Typer) -> None:
    """Click's layout for `app`'s help (not Rich's tables), wrapped without cutting a word."""
    app.rich_markup_mode = None
    # Every command and group Typer builds gets this context, hence this formatter.
    TyperCommand.context_class = HelpContext
    TyperGroup.context_class = HelpContext
