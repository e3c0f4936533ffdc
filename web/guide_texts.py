"""The texts the onboarding task gives to read: the programme's charter, then the reader's role
guide, in their language, from the programme's own files when it has them (`onboarding:` in the
programme file), else from the guide library shipped with Tandem."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from guides.library import Guide, Onboarding, built_in
from guides.rendering import guide_html
from web.form_spec import Document


def onboarding_documents(spec: Mapping[str, Any], role: str, locale: str) -> tuple[Document, ...]:
    wanted = (Onboarding.CHARTER, Onboarding.MENTOR if role == "mentor" else Onboarding.MENTEE)
    documents = []
    library = built_in().with_texts(spec.get("guides") or {})
    for text in wanted:
        guide = _own(spec, text, locale) or library.onboarding(text, locale)
        if guide is not None:
            documents.append(Document(guide.title, guide_html(guide.body)))
    return tuple(documents)


def _own(spec: Mapping[str, Any], text: Onboarding, locale: str) -> Guide | None:
    """The programme's own text, as its file gave it: `onboarding.texts.<text>.<locale>`, the
    Markdown with its title line."""
    texts = (spec.get("onboarding") or {}).get("texts") or {}
    markdown = (texts.get(text.value) or {}).get(locale)
    if not isinstance(markdown, str):
        return None
    first, _, rest = markdown.strip().partition("\n")
    return Guide(title=first.removeprefix("# ").strip(), body=rest.strip())
