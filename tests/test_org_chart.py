"""The whole management chain, any depth, both ways, through people outside the cohort: no pair
ever has one person above the other, and a chain that loops is refused where it is written."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from control.files import load_matching_problem, load_programme
from domain.constraints import Constraint, violation
from domain.file_problems import ProgrammeFileError
from domain.matcher import solve
from domain.matching import MatchingProblem, Profile
from domain.org_chart import chain_above, cohort_lines, reporting_cycles, same_line
from domain.programme import participant_id
from domain.unmatched import UnmatchedReason
from i18n.matching import unmatched_words
from i18n.translator import Translator

# -- the chain function --------------------------------------------------------------------------


def test_a_chain_goes_to_the_top_through_anyone() -> None:
    manager_of = {"junior": "lead", "lead": "head", "head": "ceo", "ceo": None}
    assert chain_above("junior", manager_of) == ("lead", "head", "ceo")
    assert chain_above("ceo", manager_of) == ()
    assert cohort_lines(["junior", "ceo", "other"], manager_of) == {
        "ceo": (),
        "junior": ("ceo",),
        "other": (),
    }
    assert same_line("junior", ("ceo",), "ceo", ()) and same_line("ceo", (), "junior", ("ceo",))


def test_a_chain_that_loops_stops_and_the_loop_is_found() -> None:
    manager_of = {"a": "b", "b": "c", "c": "a", "x": "a", "self": "self"}
    assert chain_above("x", manager_of) == ("a", "b", "c")
    assert sorted(sorted(c) for c in reporting_cycles(manager_of)) == [["a", "b", "c"], ["self"]]


@st.composite
def forests(draw: st.DrawFn) -> tuple[dict[str, str | None], list[str], list[str]]:
    """An organisation (each person's manager comes before them) with mentors and mentees."""
    n = draw(st.integers(2, 14))
    people = [f"p{k:02d}" for k in range(n)]
    manager_of: dict[str, str | None] = {
        p: (None if k == 0 else draw(st.one_of(st.none(), st.sampled_from(people[:k]))))
        for k, p in enumerate(people)
    }
    roles = draw(st.lists(st.sampled_from(["mentor", "mentee", "outside"]), min_size=n, max_size=n))
    mentors = [p for p, r in zip(people, roles, strict=True) if r == "mentor"]
    mentees = [p for p, r in zip(people, roles, strict=True) if r == "mentee"]
    return manager_of, mentors, mentees


def _naive_above(person: str, manager_of: Mapping[str, str | None]) -> set[str]:
    found: set[str] = set()
    while (person := manager_of.get(person) or "") and person not in found:
        found.add(person)
    return found


@settings(max_examples=150, deadline=None)
@given(forests())
def test_no_proposed_pair_is_within_one_chain(
    case: tuple[dict[str, str | None], list[str], list[str]],
) -> None:
    manager_of, mentor_ids, mentee_ids = case
    cohort = {*mentor_ids, *mentee_ids}
    lines = cohort_lines(cohort, manager_of)

    def profile(p: str) -> Profile:
        # As a programme plan carries it: the manager only when enrolled, the rest in `above`.
        manager = manager_of[p]
        return Profile(id=p, manager_id=manager if manager in cohort else None, above=lines[p])

    problem = MatchingProblem(
        mentors=tuple(profile(p) for p in mentor_ids),
        mentees=tuple(profile(p) for p in mentee_ids),
    )
    proposal = solve(problem)
    for pair in proposal.pairs:
        assert pair.mentor_id not in _naive_above(pair.mentee_id, manager_of)
        assert pair.mentee_id not in _naive_above(pair.mentor_id, manager_of)
    # Every pair the chains allow is allowed: the rule excludes nothing else.
    people = {p.id: p for p in (*problem.mentors, *problem.mentees)}
    ids = {p.id: p.manager_id for p in people.values()}
    for mentor in mentor_ids:
        for mentee in mentee_ids:
            within = mentor in _naive_above(mentee, manager_of) or mentee in _naive_above(
                mentor, manager_of
            )
            broken = violation(people[mentor], people[mentee], ids, frozenset())
            assert (broken is Constraint.REPORTING_LINE) == within
    # Everyone who can be paired is: as many pairs as the chains allow.
    if mentor_ids and mentee_ids:
        free = [
            (m, e)
            for m in mentor_ids
            for e in mentee_ids
            if m not in _naive_above(e, manager_of) and e not in _naive_above(m, manager_of)
        ]
        assert bool(proposal.pairs) == bool(free)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdefgh"), st.sampled_from("abcdefgh"), max_size=8))
def test_every_cycle_is_found_once(successor: dict[str, str]) -> None:
    cycles = reporting_cycles(successor)
    on_cycles = [p for c in cycles for p in c]
    assert len(on_cycles) == len(set(on_cycles))
    for person in successor:
        looped = person in _naive_above(person, successor)
        assert looped == (person in on_cycles)


# -- tandem match problem files ------------------------------------------------------------------

THREE_LEVELS = """\
mentors:
  - id: junior
    grade: 1
    manager: team.lead          # not in the matching
    levels: {linkedin: 4, generative-ai: 4}
  - id: other
    grade: 2
    levels: {linkedin: 2}
mentees:
  - id: ceo
    grade: 9
    levels: {linkedin: 0, generative-ai: 0}
    targets: {linkedin: 4, generative-ai: 4}
    priorities: [generative-ai]
  - id: cfo
    grade: 8
    manager: ceo
    levels: {linkedin: 1}
    targets: {linkedin: 2}
organisation:
  - {id: team.lead, manager: director}
  - {id: director, manager: ceo}
"""


def test_the_best_pair_three_levels_apart_is_never_proposed_and_everyone_is_paired(
    tmp_path: Path,
) -> None:
    path = tmp_path / "problem.yaml"
    path.write_text(THREE_LEVELS, encoding="utf-8")
    problem = load_matching_problem(path)
    # Without the organisation the junior would be the chief executive's best mentor.
    alone = problem.model_copy(
        update={"mentors": tuple(m.model_copy(update={"above": ()}) for m in problem.mentors)}
    )
    assert ("junior", "ceo") in {(p.mentor_id, p.mentee_id) for p in solve(alone).pairs}

    proposal = solve(problem)
    assert {(p.mentor_id, p.mentee_id) for p in proposal.pairs} == {
        ("other", "ceo"),
        ("junior", "cfo"),
    }
    assert proposal.unmatched == ()


def test_an_excluded_pair_is_explained_as_the_same_reporting_line(tmp_path: Path) -> None:
    path = tmp_path / "problem.yaml"
    path.write_text(THREE_LEVELS.replace("manager: ceo\n    levels", "levels"), encoding="utf-8")
    problem = load_matching_problem(path)
    only_junior = problem.model_copy(
        update={
            "mentors": tuple(m for m in problem.mentors if m.id == "junior"),
            "mentees": tuple(e for e in problem.mentees if e.id == "ceo"),
        }
    )
    (left, _) = solve(only_junior).unmatched
    assert left.code is UnmatchedReason.NO_COMPATIBLE_MENTOR
    assert left.ruled_out == {Constraint.REPORTING_LINE.value: 1}
    assert (
        unmatched_words(Translator("en"), left) == "no compatible mentor: same reporting line (1)"
    )
    assert "même ligne hiérarchique (1)" in unmatched_words(Translator("fr"), left)


def _match_problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "problem.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProgrammeFileError) as caught:
        load_matching_problem(path)
    return [str(p).removeprefix(f"{path}:") for p in caught.value.problems]


def test_a_cycle_through_people_outside_the_matching_is_refused_at_its_line(
    tmp_path: Path,
) -> None:
    looped = THREE_LEVELS.replace("{id: director, manager: ceo}", "{id: director, manager: junior}")
    assert _match_problems(tmp_path, looped) == [
        "21: organisation: reporting-line cycle: team.lead -> director -> junior -> team.lead "
        "(each one's manager is the next)"
    ]


def test_someone_of_the_matching_is_not_listed_in_the_organisation(tmp_path: Path) -> None:
    listed = THREE_LEVELS + "  - {id: cfo, manager: director}\n  - {id: director}\n"
    assert _match_problems(tmp_path, listed) == [
        "23: organisation[2].id: 'cfo' is in the matching: give their manager in their own entry",
        "24: organisation[3].id: 'director' is already listed (organisation[1])",
    ]


# -- programme files -----------------------------------------------------------------------------

PROGRAMME = """\
id: org-2027
name: "Org programme"
starts_on: 2027-01-11
skills: [linkedin]
participants: participants.csv
organisation: org.csv
"""

PARTICIPANTS = """\
email,name,role,manager_email,grade
junior@example.com,Junior,mentor,lead@example.com,1
other@example.com,Other,mentor,,2
ceo@example.com,Chief,mentee,,9
cfo@example.com,Finance,mentee,ceo@example.com,8
"""

ORG = """\
email;manager_email;name;title
lead@example.com;head@example.com;Lead;Team lead
head@example.com;ceo@example.com;Head;Director
ceo@example.com;;Chief;CEO
"""


def _programme(tmp_path: Path, org: str = ORG, programme: str = PROGRAMME) -> Path:
    (tmp_path / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    (tmp_path / "org.csv").write_text(org, encoding="utf-8")
    path = tmp_path / "programme.yaml"
    path.write_text(programme, encoding="utf-8")
    return path


def _programme_problems(path: Path) -> list[str]:
    with pytest.raises(ProgrammeFileError) as caught:
        load_programme(path)
    return [str(p).replace(f"{path.parent}/", "") for p in caught.value.problems]


def test_a_manager_outside_the_programme_links_the_chain(tmp_path: Path) -> None:
    spec = load_programme(_programme(tmp_path))
    plan = spec.plan()
    pid = {p.email: p.id for p in spec.participants}
    above = {p.id: p.above for p in plan.participants}
    # The junior's manager is not enrolled: the chain reaches the chief executive through the org.
    assert above[pid["junior@example.com"]] == (pid["ceo@example.com"],)
    assert above[pid["cfo@example.com"]] == (pid["ceo@example.com"],)
    assert above[pid["ceo@example.com"]] == ()
    # No one outside the programme reaches the plan, not even as an opaque id.
    outside = {participant_id(spec.id, e) for e in ("lead@example.com", "head@example.com")}
    assert not outside & {i for p in plan.participants for i in (p.id, *p.above)}


def test_without_an_organisation_file_the_chain_stops_at_people_outside(tmp_path: Path) -> None:
    spec = load_programme(
        _programme(tmp_path, programme=PROGRAMME.replace("organisation: org.csv\n", ""))
    )
    assert spec.organisation == {}
    junior = next(
        p
        for p in spec.plan().participants
        if p.manager_id is None and p.role == "mentor" and p.grade == 1
    )
    assert junior.above == ()


def test_a_cycle_through_the_organisation_file_is_refused_at_its_row(tmp_path: Path) -> None:
    looped = ORG.replace("head@example.com;ceo@example.com", "head@example.com;junior@example.com")
    assert _programme_problems(_programme(tmp_path, looped)) == [
        "org.csv:2: organisation: reporting-line cycle: someone is, through 3 manager(s), their "
        "own manager (rows of this file in the cycle: lines 2, 3)"
    ]


def test_the_organisation_file_needs_its_columns_and_ignores_others(tmp_path: Path) -> None:
    wrong = "mail,boss,name\nlead@example.com,head@example.com,Lead\n"
    assert _programme_problems(_programme(tmp_path, wrong)) == [
        "org.csv:1: email: missing column email: the first line must be a header with email and "
        "manager_email columns",
        "org.csv:1: manager_email: missing column manager_email: the first line must be a header "
        "with email and manager_email columns",
    ]


def test_organisation_rows_are_checked_without_quoting_them(tmp_path: Path) -> None:
    bad = (
        "email,manager_email\n"
        "lead@example.com,head@exam ple.com\n"
        "le\u200bad@example.com,\n"
        "lead@example.com,\n"
        "junior@example.com,someone.else@example.com\n"
    )
    assert _programme_problems(_programme(tmp_path, bad)) == [
        "org.csv:2: manager_email: malformed e-mail address",
        "org.csv:3: email: malformed e-mail address",
        "org.csv:4: email: duplicate e-mail (first on line 2)",
        "org.csv:5: manager_email: differs from this person's manager_email in the participants "
        "file",
    ]


def test_an_organisation_file_outside_the_folder_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "programme"
    folder.mkdir()
    (tmp_path / "org.csv").write_text(ORG, encoding="utf-8")
    path = _programme(folder, programme=PROGRAMME.replace("org.csv", "../org.csv"))
    (problem,) = _programme_problems(path)
    assert problem.startswith("programme.yaml:6: organisation: '../org.csv' is outside the folder")


def test_the_sample_programme_keeps_pairs_out_of_chains_through_people_outside() -> None:
    spec = load_programme(
        Path(__file__).resolve().parent.parent / "examples/pilote-2027/programme.yaml"
    )
    email = {p.id: p.email for p in spec.participants}
    above = {email[p.id]: {email[a] for a in p.above} for p in spec.plan().participants}
    # Manon Robert's manager and Camille Petit's are not enrolled; their managers' managers are.
    assert "nathalie.blanc@example.com" in above["manon.robert@example.com"]
    assert above["camille.petit@example.com"] == {"francoise.rousseau@example.com"}
