"""Pages from Jinja2 templates, every one autoescaped, with the headers every page carries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from i18n.jinja import localised_environment
from web.i18n import Translator

TEMPLATES_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

_LOADER = FileSystemLoader(TEMPLATES_DIR)


def environment(t: Translator) -> Environment:
    """The pages' templates in the reader's language (`_()` reads `t`'s catalogue)."""
    return localised_environment(
        _LOADER,
        t.locale,
        t.directory,
        autoescape=True,  # every template, whatever its name: participants' text is never markup
        undefined=StrictUndefined,  # a variable a page forgot is a bug to see, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
    )


# Pages carry a personal token in their URL and personal data in their body: no caching, no
# referrer to anywhere, no framing, nothing loaded from elsewhere.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


def render_page(
    template: str,
    t: Translator,
    status: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    html = environment(t).get_template(template).render(t=t, **context)
    return HTMLResponse(html, status_code=status, headers={**PAGE_HEADERS, **(headers or {})})
