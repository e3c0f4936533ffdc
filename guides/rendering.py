"""A guide's Markdown as HTML, for e-mails and pages.

Raw HTML in a file is not passed through (a programme's own guides are text, never markup), so the
result can be inserted into a page as it is.
"""

from __future__ import annotations

from markdown_it import MarkdownIt

_MARKDOWN = MarkdownIt("commonmark", {"html": False})


def guide_html(markdown: str) -> str:
    return str(_MARKDOWN.render(markdown))
