"""The built-in catalogue of digital skills programmes choose from, and the self-assessment scale.

A programme file names skills by id; it may also define its own (see `domain.programme_file`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from domain.programme import Skill

_SKILLS = (
    Skill(id="linkedin", label_fr="LinkedIn", label_en="LinkedIn"),
    Skill(id="instagram", label_fr="Instagram", label_en="Instagram"),
    Skill(id="tiktok", label_fr="TikTok", label_en="TikTok"),
    Skill(id="generative-ai", label_fr="IA générative", label_en="Generative AI"),
    Skill(
        id="spreadsheets",
        label_fr="Tableurs (Excel, Google Sheets)",
        label_en="Spreadsheets (Excel, Google Sheets)",
    ),
    Skill(
        id="data-visualisation", label_fr="Visualisation de données", label_en="Data visualisation"
    ),
    Skill(id="automation", label_fr="Automatisation des tâches", label_en="Task automation"),
    Skill(
        id="collaboration-tools",
        label_fr="Outils collaboratifs (Teams, Slack, Notion)",
        label_en="Collaboration tools (Teams, Slack, Notion)",
    ),
    Skill(id="video-calls", label_fr="Visioconférence", label_en="Video calls"),
    Skill(
        id="seo",
        label_fr="Référencement naturel (SEO)",
        label_en="Search engine optimisation (SEO)",
    ),
    Skill(id="e-commerce", label_fr="Commerce en ligne", label_en="E-commerce"),
    Skill(id="cybersecurity", label_fr="Cybersécurité", label_en="Cybersecurity"),
)

CATALOGUE: dict[str, Skill] = {skill.id: skill for skill in _SKILLS}

# Self-assessed level of a skill: 0 (never used it) to 4 (could teach it); the pages word each
# one from the catalogue (`level.{n}`).
LEVELS = range(0, 5)


def skill_labels(programme_skills: Iterable[object], locale: str) -> dict[str, str]:
    """Skill id -> label in `locale`: the programme's own skills (as its stored file has them:
    dicts with `id`, `label_fr`, `label_en`) over the built-in catalogue."""
    labels = {s.id: s.label_en if locale == "en" else s.label_fr for s in CATALOGUE.values()}
    for skill in programme_skills:
        if isinstance(skill, Mapping) and "id" in skill:
            label = skill.get("label_en" if locale == "en" else "label_fr") or skill["id"]
            labels[str(skill["id"])] = str(label)
    return labels
