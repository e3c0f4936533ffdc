"""A pair's sessions each get a theme: the mentee's priorities first, skills in turn, levels
rising towards the target, and the last session a review."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from domain.session_plan import MAX_LEVEL, plan_themes

SKILLS = ("linkedin", "generative-ai", "data-visualisation", "automation", "cybersecurity")
LEVELS = {"linkedin": 1, "generative-ai": 0, "data-visualisation": 2, "automation": 1}
TARGETS = {"linkedin": 3, "generative-ai": 3, "data-visualisation": 3, "automation": 2}


def test_twelve_sessions_follow_the_mentee_s_priorities_and_end_with_a_review() -> None:
    plan = plan_themes(12, SKILLS, LEVELS, TARGETS, ("generative-ai", "linkedin"))
    assert [t.number for t in plan] == list(range(1, 13))
    assert plan[-1].is_review and not any(t.is_review for t in plan[:-1])
    themes = [t.skill for t in plan[:-1]]
    # Priorities open the programme; the skill with the most way to go gets the most sessions.
    assert themes[:2] == ["generative-ai", "linkedin"]
    counts = Counter(themes)
    assert counts["generative-ai"] > counts["linkedin"] > counts["automation"] >= 1
    # Nothing to learn on cybersecurity (no target): no session on it.
    assert "cybersecurity" not in counts
    # Never the same skill twice running while another one has sessions left.
    assert all(a != b for a, b in pairwise(themes))
    # Levels rise from the mentee's own towards the target.
    ai = [t.level for t in plan if t.skill == "generative-ai"]
    assert ai == sorted(ai) and ai[0] == 0 and ai[-1] < TARGETS["generative-ai"]


def test_a_short_programme_has_no_review_and_a_mentee_with_no_target_practises_everything() -> None:
    plan = plan_themes(2, SKILLS, {}, {})
    assert [(t.skill, t.level) for t in plan] == [("linkedin", 0), ("generative-ai", 0)]
    assert plan_themes(0, SKILLS, {}, {}) == () and plan_themes(4, (), {}, {}) == ()


def test_a_priority_that_is_not_a_skill_of_the_programme_is_left_out() -> None:
    plan = plan_themes(3, SKILLS, LEVELS, TARGETS, ("cobol", "automation"))
    assert [t.skill for t in plan] == ["automation", "generative-ai", None]


@given(
    sessions=st.integers(1, 30),
    levels=st.dictionaries(st.sampled_from(SKILLS), st.integers(0, MAX_LEVEL)),
    targets=st.dictionaries(st.sampled_from(SKILLS), st.integers(0, MAX_LEVEL)),
    priorities=st.lists(st.sampled_from(SKILLS), max_size=3, unique=True),
)
def test_every_session_gets_one_theme_within_the_programme(
    sessions: int,
    levels: dict[str, int],
    targets: dict[str, int],
    priorities: list[str],
) -> None:
    plan = plan_themes(sessions, SKILLS, levels, targets, priorities)
    assert [t.number for t in plan] == list(range(1, sessions + 1))
    assert all(t.skill in SKILLS for t in plan if not t.is_review)
    assert all(0 <= t.level <= MAX_LEVEL for t in plan)
    assert sum(t.is_review for t in plan) == (1 if sessions >= 3 else 0)
    for t in plan:
        if t.skill is not None:
            assert t.level >= min(levels.get(t.skill, 0), MAX_LEVEL)
