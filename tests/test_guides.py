"""The guide library as a coordinator and a participant meet it: an exercise for every skill at
every level in both languages, short, in proper French typography; a programme's own files
override or add to it; a file that is not a guide is named with its line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from control.files import load_programme
from domain.skills import CATALOGUE
from guides.library import (
    BUILT_IN,
    LEVELS,
    LOCALES,
    GuideProblem,
    Onboarding,
    built_in,
    read_guide,
)
from web.guide_texts import onboarding_documents

ROOT = Path(__file__).resolve().parent.parent
EXERCISE_WORDS, ONBOARDING_WORDS = 130, 250
# Before : ; ? ! and inside « », French puts a no-break space; an ASCII apostrophe is a typo.
_FRENCH_SPACING = re.compile(
    r"(?<![\u00a0\u202f])[;:?!](?=\s|$)|«(?![\u00a0\u202f])|(?<![\u00a0\u202f])»"
)
_STEP = re.compile(r"^\d+\. ", re.M)


def _all_guides() -> list[Path]:
    return sorted(BUILT_IN.glob("**/*.md"))


def test_every_skill_of_the_catalogue_has_an_exercise_at_every_level_in_both_languages() -> None:
    assert built_in().missing(CATALOGUE) == []
    # The sample programme's skills among them, and its onboarding texts.
    spec = load_programme(ROOT / "examples/pilote-2027/programme.yaml")
    assert built_in().missing(s.id for s in spec.skills) == []
    for locale in LOCALES:
        for skill in (s.id for s in spec.skills):
            for level in LEVELS:
                guide = built_in().exercise(skill, level, locale)
                assert guide is not None and guide.source is not None
                assert guide.source.name == f"{level}.md"


@pytest.mark.parametrize("path", _all_guides(), ids=lambda p: str(p.relative_to(BUILT_IN)))
def test_each_guide_is_short_and_well_formed(path: Path) -> None:
    guide = read_guide(path)
    words = len(guide.markdown.split())
    limit = ONBOARDING_WORDS if "onboarding" in path.parts else EXERCISE_WORDS
    assert words <= limit, f"{words} words"
    assert "http" not in guide.markdown
    if "exercises" in path.parts:
        assert 3 <= len(_STEP.findall(guide.body)) <= 5
    locale = path.relative_to(BUILT_IN).parts[1] if "review" not in path.parts else path.stem
    if locale == "fr":
        assert "'" not in guide.markdown, "the French apostrophe is ’"
        wrong = [m.group() for m in _FRENCH_SPACING.finditer(guide.markdown)]
        assert not wrong, f"no-break space missing at {wrong}"


@pytest.mark.parametrize("path", sorted(BUILT_IN.glob("exercises/fr/*/*.md")), ids=str)
def test_an_english_exercise_is_its_french_twin(path: Path) -> None:
    twin = BUILT_IN / "exercises/en" / path.parent.name / path.name
    french, english = read_guide(path), read_guide(twin)
    assert len(_STEP.findall(french.body)) == len(_STEP.findall(english.body))


def test_a_programme_s_own_guides_override_and_add(tmp_path: Path) -> None:
    own = tmp_path / "guides"
    (own / "exercises/fr/linkedin").mkdir(parents=True)
    (own / "exercises/fr/linkedin/2.md").write_text(
        "# Notre page entreprise\n\nPubliez sur la page de la maison.\n", encoding="utf-8"
    )
    (own / "exercises/fr/sap").mkdir(parents=True)
    (own / "exercises/fr/sap/0.md").write_text("# Ouvrir SAP\n\n1. Connectez-vous.\n")
    library = built_in().extended(own)
    replaced = library.exercise("linkedin", 2, "fr")
    assert replaced is not None and replaced.title == "Notre page entreprise"
    # The other levels are still the built-in ones; a level without a file takes the one below.
    kept = library.exercise("linkedin", 1, "fr")
    assert kept is not None and kept.source is not None
    assert kept.source.is_relative_to(BUILT_IN)
    added = library.exercise("sap", 3, "fr")
    assert added is not None and added.title == "Ouvrir SAP"
    assert library.exercise("sap", 0, "en") is None
    assert library.missing(["sap"], ["fr"])[:4] == [
        "exercises/fr/sap/1.md",
        "exercises/fr/sap/2.md",
        "exercises/fr/sap/3.md",
        "exercises/fr/sap/4.md",
    ]
    assert library.onboarding(Onboarding.CHARTER, "en") is not None


def test_a_file_that_is_not_a_guide_is_named_with_its_line(tmp_path: Path) -> None:
    untitled = tmp_path / "0.md"
    untitled.write_text("Pas de titre\n", encoding="utf-8")
    with pytest.raises(GuideProblem, match=r"0\.md:1: a guide starts with its title"):
        read_guide(untitled)
    bare = tmp_path / "1.md"
    bare.write_text("# Un titre seul\n", encoding="utf-8")
    with pytest.raises(GuideProblem, match=r"1\.md:2: the guide has a title and no text"):
        read_guide(bare)


def test_the_onboarding_page_reads_the_programmes_own_texts_and_the_library_for_the_rest() -> None:
    spec = {"onboarding": {"texts": {"charter": {"fr": "# Notre charte\n\n- Respect\n- Écoute"}}}}
    charter, guide = onboarding_documents(spec, "mentee", "fr")
    assert charter.title == "Notre charte"
    assert charter.html == "<ul>\n<li>Respect</li>\n<li>Écoute</li>\n</ul>\n"
    mentee = built_in().onboarding(Onboarding.MENTEE, "fr")
    assert mentee is not None and guide.title == mentee.title
    # In English the programme gave no charter: the library's.
    english, _ = onboarding_documents(spec, "mentor", "en")
    library = built_in().onboarding(Onboarding.CHARTER, "en")
    assert library is not None and english.title == library.title
    # Markup in a programme's file is shown as text, never run.
    raw = {"onboarding": {"texts": {"charter": {"fr": "# C\n\n<script>alert(1)</script>"}}}}
    (shown, _) = onboarding_documents(raw, "mentor", "fr")
    assert "<script>" not in shown.html and "&lt;script&gt;" in shown.html
