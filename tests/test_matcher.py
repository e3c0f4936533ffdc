"""The matching engine's promises, checked on thousands of generated cohorts (hypothesis)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.answers import MeetingFormat
from domain.compatibility import compatibility
from domain.constraints import Constraint, violation
from domain.matcher import greedy, random_assignment, solve
from domain.matching import (
    MatchingConflict,
    MatchingProblem,
    MatchingProposal,
    MatchingWeights,
    Profile,
)
from domain.scoring import score
from domain.unmatched import UnmatchedReason

SKILLS = ("linkedin", "generative-ai", "automation", "seo")
SLOTS = ("mon-am", "tue-pm", "thu-am")
TOPICS = ("strategy", "leadership", "negotiation")
PEOPLE = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def profiles(draw: st.DrawFn, prefix: str, count: int, mentee: bool) -> list[Profile]:
    found = []
    for n in range(count):
        levels = draw(st.dictionaries(st.sampled_from(SKILLS), st.integers(0, 4), max_size=4))
        targets = (
            {s: draw(st.integers(v, 4)) for s, v in levels.items()} if mentee and levels else {}
        )
        found.append(
            Profile(
                id=f"{prefix}{n}",
                grade=draw(st.none() | st.integers(1, 6)),
                department=draw(st.sampled_from((None, "it", "finance", "sales"))),
                manager_id=None,  # set below, once everyone exists
                languages=tuple(
                    draw(
                        st.lists(
                            st.sampled_from(("fr", "en", "de")), min_size=1, max_size=2, unique=True
                        )
                    )
                ),
                format=draw(st.sampled_from(list(MeetingFormat))),
                availability=tuple(draw(st.lists(st.sampled_from(SLOTS), unique=True, max_size=3))),
                levels=levels,
                targets=targets,
                priorities=tuple(
                    draw(
                        st.lists(st.sampled_from(sorted(levels) or SKILLS), unique=True, max_size=3)
                    )
                )
                if mentee
                else (),
                capacity=draw(st.integers(1, 3)) if not mentee else 1,
                exchange=tuple(draw(st.lists(st.sampled_from(TOPICS), unique=True, max_size=2))),
            )
        )
    return found


@st.composite
def problems(draw: st.DrawFn, max_mentors: int = 4, max_mentees: int = 5) -> MatchingProblem:
    mentors = draw(profiles("m", draw(st.integers(0, max_mentors)), mentee=False))
    mentees = draw(profiles("e", draw(st.integers(0, max_mentees)), mentee=True))
    everyone = [p.id for p in (*mentors, *mentees)]
    # Managers among the participants (cycles included: files are checked, problems may not be)
    # or outside the programme.
    if everyone:
        chosen = {
            p: draw(st.none() | st.sampled_from([*everyone, "outside-boss"])) for p in everyone
        }
        mentors = [m.model_copy(update={"manager_id": chosen[m.id]}) for m in mentors]
        mentees = [e.model_copy(update={"manager_id": chosen[e.id]}) for e in mentees]
    pairs = [(m.id, e.id) for m in mentors for e in mentees]
    banned = frozenset(draw(st.lists(st.sampled_from(pairs), max_size=3))) if pairs else frozenset()
    return MatchingProblem(
        mentors=tuple(mentors),
        mentees=tuple(mentees),
        banned=banned,
        weights=draw(
            st.builds(
                MatchingWeights,
                skills=st.sampled_from((0.0, 1.0, 2.5)),
                exchange=st.sampled_from((0.0, 0.5, 0.3)),
                availability=st.sampled_from((0.25, 0.1)),
                format=st.sampled_from((1.0, 0.0)),
                language=st.sampled_from((0.5, 0.7)),
                department=st.sampled_from((1.0, 0.2)),
            )
        ),
        favour_participation=draw(st.booleans()),
    )


def _manager_of(problem: MatchingProblem) -> dict[str, str | None]:
    return {p.id: p.manager_id for p in (*problem.mentors, *problem.mentees)}


def _assignments(problem: MatchingProblem) -> Iterator[list[tuple[str, str]]]:
    """Every assignment that respects the hard constraints and the capacities."""
    manager_of = _manager_of(problem)
    mentees = list(problem.mentees)

    def extend(
        k: int, room: dict[str, int], chosen: list[tuple[str, str]]
    ) -> Iterator[list[tuple[str, str]]]:
        if k == len(mentees):
            yield list(chosen)
            return
        yield from extend(k + 1, room, chosen)  # this mentee left unmatched
        for mentor in problem.mentors:
            if (
                room[mentor.id]
                and violation(mentor, mentees[k], manager_of, problem.banned) is None
            ):
                room[mentor.id] -= 1
                chosen.append((mentor.id, mentees[k].id))
                yield from extend(k + 1, room, chosen)
                chosen.pop()
                room[mentor.id] += 1

    yield from extend(0, {m.id: m.slots for m in problem.mentors}, [])


def _value(problem: MatchingProblem, pairs: list[tuple[str, str]]) -> tuple[int, float]:
    people = {p.id: p for p in (*problem.mentors, *problem.mentees)}
    total = sum(score(people[m], people[e], problem.weights) for m, e in pairs)
    return (len(pairs) if problem.favour_participation else 0, round(total, 6))


def _pairs(proposal: MatchingProposal) -> list[tuple[str, str]]:
    return [(p.mentor_id, p.mentee_id) for p in proposal.pairs]


@PEOPLE
@given(problems())
def test_no_hard_constraint_is_ever_broken(problem: MatchingProblem) -> None:
    proposal = solve(problem)
    manager_of = _manager_of(problem)
    people = {p.id: p for p in (*problem.mentors, *problem.mentees)}
    for mentor_id, mentee_id in _pairs(proposal):
        assert violation(people[mentor_id], people[mentee_id], manager_of, problem.banned) is None
    assert len({p.mentee_id for p in proposal.pairs}) == len(proposal.pairs)
    for mentor_id, load in Counter(p.mentor_id for p in proposal.pairs).items():
        assert load <= people[mentor_id].slots


@PEOPLE
@given(problems())
def test_the_total_is_the_brute_force_optimum(problem: MatchingProblem) -> None:
    best = max(_value(problem, pairs) for pairs in _assignments(problem))
    found = _value(problem, _pairs(solve(problem)))
    assert found[0] == best[0]
    assert found[1] == pytest.approx(best[1], abs=1e-6)


@PEOPLE
@given(problems(), st.randoms(use_true_random=False))
def test_the_same_input_gives_the_same_answer(problem: MatchingProblem, rng) -> None:  # type: ignore[no-untyped-def]
    shuffled = problem.model_copy(
        update={
            "mentors": tuple(rng.sample(problem.mentors, len(problem.mentors))),
            "mentees": tuple(rng.sample(problem.mentees, len(problem.mentees))),
        }
    )
    assert solve(problem) == solve(problem) == solve(shuffled)


@PEOPLE
@given(problems())
def test_everyone_left_out_is_told_why(problem: MatchingProblem) -> None:
    proposal = solve(problem)
    paired = {p.mentor_id for p in proposal.pairs} | {p.mentee_id for p in proposal.pairs}
    reasons = {u.participant_id: u.reason for u in proposal.unmatched}
    everyone = {p.id for p in (*problem.mentors, *problem.mentees)}
    assert paired | set(reasons) == everyone and not paired & set(reasons)
    manager_of = _manager_of(problem)
    for mentee in problem.mentees:
        if mentee.id not in reasons:
            continue
        broken = {violation(m, mentee, manager_of, problem.banned) for m in problem.mentors}
        if problem.mentors and None not in broken:
            # No mentor could take them: the reason names each constraint that ruled one out.
            assert reasons[mentee.id].startswith("no compatible mentor: ")
            for constraint in broken - {None}:
                assert isinstance(constraint, Constraint)
                assert constraint.value in reasons[mentee.id]
        elif problem.mentors:
            assert reasons[mentee.id].startswith("every compatible mentor is at capacity")
    # The same, as the code every reader words for itself.
    codes = {u.participant_id: u.code for u in proposal.unmatched}
    for mentee in problem.mentees:
        if mentee.id not in codes:
            continue
        broken = {violation(m, mentee, manager_of, problem.banned) for m in problem.mentors}
        if not problem.mentors:
            assert codes[mentee.id] is UnmatchedReason.NO_MENTOR_AVAILABLE
        elif None not in broken:
            assert codes[mentee.id] is UnmatchedReason.NO_COMPATIBLE_MENTOR
        else:
            assert codes[mentee.id] is UnmatchedReason.MENTORS_AT_CAPACITY
    for mentor in problem.mentors:
        if mentor.id in codes:
            assert codes[mentor.id] in {
                UnmatchedReason.NO_COMPATIBLE_MENTEE,
                UnmatchedReason.NO_MENTEE_LEFT,
            }


@PEOPLE
@given(problems())
def test_the_matrix_engine_scores_and_forbids_exactly_like_the_definition(
    problem: MatchingProblem,
) -> None:
    c = compatibility(problem)
    manager_of = _manager_of(problem)
    for i, mentee in enumerate(c.mentees):
        for j, mentor in enumerate(c.mentors):
            assert c.score[i, j] == pytest.approx(score(mentor, mentee, problem.weights), abs=1e-9)
            allowed = violation(mentor, mentee, manager_of, problem.banned) is None
            assert bool(c.feasible[i, j]) is allowed


@PEOPLE
@given(problems())
def test_backups_are_compatible_other_mentors_best_first(problem: MatchingProblem) -> None:
    proposal = solve(problem)
    people = {p.id: p for p in (*problem.mentors, *problem.mentees)}
    manager_of = _manager_of(problem)
    own = {p.mentee_id: p.mentor_id for p in proposal.pairs}
    for mentee_id, backups in proposal.backups.items():
        mentee = people[mentee_id]
        assert own.get(mentee_id) not in backups
        assert len(backups) <= problem.backups_per_mentee
        scores = [score(people[m], mentee, problem.weights) for m in backups]
        assert scores == sorted(scores, reverse=True)
        for m in backups:
            assert violation(people[m], mentee, manager_of, problem.banned) is None


@PEOPLE
@given(problems())
def test_optimal_beats_greedy_and_random(problem: MatchingProblem) -> None:
    best = _value(problem, _pairs(solve(problem)))
    for baseline in (greedy(problem), random_assignment(problem, seed=3)):
        other = _value(problem, _pairs(baseline))
        assert best >= (other[0], other[1] - 1e-6)


@PEOPLE
@given(problems(), st.data())
def test_a_forced_pair_is_honoured_or_refused_with_the_reason(
    problem: MatchingProblem, data: st.DataObject
) -> None:
    if not problem.mentors or not problem.mentees:
        return
    mentor = data.draw(st.sampled_from(problem.mentors))
    mentee = data.draw(st.sampled_from(problem.mentees))
    forced = problem.model_copy(update={"forced": ((mentor.id, mentee.id),)})
    broken = violation(mentor, mentee, _manager_of(problem), problem.banned)
    if broken is None:
        proposal = solve(forced)
        kept = [p for p in proposal.pairs if p.mentee_id == mentee.id]
        assert [(p.mentor_id, p.forced) for p in kept] == [(mentor.id, True)]
    else:
        with pytest.raises(MatchingConflict, match="cannot be paired"):
            solve(forced)


def test_each_pair_says_why_in_plain_words() -> None:
    mentor = Profile(
        id="m1",
        department="it",
        languages=("fr", "en"),
        format=MeetingFormat.REMOTE,
        availability=("mon-am", "thu-am"),
        levels={"generative-ai": 4, "linkedin": 3},
        capacity=1,
        exchange=("strategy",),
    )
    mentee = Profile(
        id="e1",
        department="finance",
        languages=("fr",),
        format=MeetingFormat.HYBRID,
        availability=("mon-am",),
        levels={"generative-ai": 1, "linkedin": 1},
        targets={"generative-ai": 3, "linkedin": 2},
        priorities=("generative-ai",),
        exchange=("strategy", "leadership"),
    )
    proposal = solve(MatchingProblem(mentors=(mentor,), mentees=(mentee,)))
    (pair,) = proposal.pairs
    # generative-ai: gap 2, first priority (x3) = 6; linkedin: gap 1 = 1
    assert pair.reasons[0] == "can teach generative-ai (priority 1), linkedin"
    assert pair.factors[0].points == 7.0
    assert pair.score == 7.0 + 0.5 + 0.25 + 1.0 + 0.5 + 1.0
    assert "different departments (it, finance)" in [f.text for f in pair.factors]
    assert len(pair.reasons) == 3


def test_a_mentee_nobody_may_mentor_is_told_which_rules_ruled_them_out() -> None:
    boss = Profile(id="m-boss", grade=2, languages=("fr",))
    senior = Profile(id="m-senior", grade=9, languages=("fr",))
    mentee = Profile(id="e1", grade=5, manager_id="m-boss", languages=("fr",))
    proposal = solve(MatchingProblem(mentors=(boss, senior), mentees=(mentee,)))
    reasons = {u.participant_id: u.reason for u in proposal.unmatched}
    assert reasons["e1"] == "no compatible mentor: grade (1), reporting line (1)"
    assert reasons["m-boss"].startswith("no compatible mentee: reporting line (1)")
    left_out = {u.participant_id: u for u in proposal.unmatched}
    assert left_out["e1"].code is UnmatchedReason.NO_COMPATIBLE_MENTOR
    assert left_out["e1"].ruled_out == {"grade": 1, "reporting line": 1}
    assert left_out["m-boss"].code is UnmatchedReason.NO_COMPATIBLE_MENTEE
