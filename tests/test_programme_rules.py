"""The matching review's, re-pairing's and self-assessment's rules, without Temporal."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.answers import SelfAssessment
from domain.assessment_rules import AssessmentWindow
from domain.matching import MatchingProposal, ProposedPair
from domain.programme import ParticipantRef, ProgrammePlan, Role, Skill
from domain.programme_rules import (
    Backup,
    Constraints,
    MatchingReview,
    WaitingMentee,
    backup_mentor,
    changed_pairs,
    check_concern_link,
    mentee_for_mentor,
)
from domain.refusals import Refusal, Refused
from domain.unmatched import UnmatchedReason

MENTORS = ("m1", "m2", "m3")
MENTEES = ("e1", "e2", "e3")
PLAN = ProgrammePlan(
    id="prog",
    name="Tandem",
    starts_on=date(2027, 1, 4),
    sessions=4,
    cadence_days=14,
    skills=(Skill(id="ia", label_fr="IA", label_en="AI"),),
    participants=tuple(
        [ParticipantRef(id=m, role=Role.MENTOR) for m in MENTORS]
        + [ParticipantRef(id=e, role=Role.MENTEE) for e in MENTEES]
    ),
)


def _proposal(*pairs: tuple[str, str], **extra: object) -> MatchingProposal:
    return MatchingProposal(
        pairs=tuple(ProposedPair(mentor_id=m, mentee_id=e, score=1.0) for m, e in pairs),
        **extra,
    )


PROPOSAL = _proposal(("m1", "e1"), ("m2", "e2"), ("m2", "e3"))


def _review(**changes: object) -> MatchingReview:
    fields: dict[str, object] = {
        "plan": PLAN,
        "phase": "matching_review",
        "in_review": True,
        "approved": False,
        "revising": False,
        "proposal": PROPOSAL,
    }
    return MatchingReview(**{**fields, **changes})  # type: ignore[arg-type]


def _refused(check: object, *args: object) -> tuple[Refusal, dict[str, object]]:
    with pytest.raises(Refused) as refused:
        check(*args)  # type: ignore[operator]
    return refused.value.code, dict(refused.value.params)


# ---- the matching review ---------------------------------------------------------------------


def test_the_matching_is_changed_or_approved_only_during_its_review_and_once() -> None:
    running = _review(phase="running", in_review=False)
    assert _refused(running.check_approve) == (
        Refusal.APPROVAL_OUTSIDE_REVIEW,
        {"phase": "running"},
    )
    assert _refused(running.check_ban, ("m1", "e1")) == (
        Refusal.CHANGE_OUTSIDE_REVIEW,
        {"phase": "running"},
    )
    approved = _review(approved=True)
    assert _refused(approved.check_swap, ("e1", "e2")) == (Refusal.MATCHING_ALREADY_APPROVED, {})
    assert _refused(_review(revising=True).check_approve) == (Refusal.MATCHING_BEING_COMPUTED, {})
    _review().check_approve()


def test_a_ban_or_a_force_names_a_mentor_and_a_mentee_of_the_programme() -> None:
    review = _review()
    assert _refused(review.check_ban, ("nobody", "e1")) == (
        Refusal.NOT_PARTICIPANT,
        {"person": "nobody"},
    )
    assert _refused(review.check_force, ("e2", "e1")) == (Refusal.NOT_A_MENTOR, {"person": "e2"})
    assert _refused(review.check_force, ("m1", "m2")) == (Refusal.NOT_A_MENTEE, {"person": "m2"})


def test_a_banned_pair_is_banned_once_and_never_forced() -> None:
    review = _review(banned=(("m1", "e1"),))
    assert _refused(review.check_ban, ("m1", "e1")) == (Refusal.PAIR_ALREADY_BANNED, {})
    assert _refused(review.check_force, ("m1", "e1")) == (Refusal.PAIR_BANNED, {})
    review.check_force(("m3", "e1"))


def test_a_ban_lifts_the_same_force_and_a_force_replaces_the_mentee_s_earlier_one() -> None:
    review = _review(banned=(("m3", "e3"),), forced=(("m1", "e1"), ("m2", "e2")))
    assert review.ban(("m1", "e1")) == Constraints(
        banned=[("m3", "e3"), ("m1", "e1")], forced=[("m2", "e2")]
    )
    assert review.force(("m3", "e2")) == Constraints(
        banned=[("m3", "e3")], forced=[("m1", "e1"), ("m3", "e2")]
    )


def test_a_swap_gives_each_proposed_mentee_the_other_s_mentor() -> None:
    review = _review(forced=(("m2", "e2"), ("m3", "e9")))
    assert _refused(review.check_swap, ("e1", "e9")) == (
        Refusal.MENTEE_NOT_PROPOSED,
        {"mentee": "e9"},
    )
    assert _refused(review.check_swap, ("e2", "e3")) == (Refusal.SAME_MENTOR, {})
    review.check_swap(("e1", "e2"))
    assert review.swap(("e1", "e2")) == Constraints(
        banned=[], forced=[("m3", "e9"), ("m2", "e1"), ("m1", "e2")]
    )


def test_changed_pairs_counts_the_mentees_whose_mentor_changed() -> None:
    after = _proposal(("m2", "e1"), ("m2", "e2"))
    assert changed_pairs(None, after) == 2
    assert changed_pairs(PROPOSAL, PROPOSAL) == 0
    assert changed_pairs(PROPOSAL, after) == 2  # e1 moved, e3 lost their mentor


# ---- re-pairing ------------------------------------------------------------------------------


def test_a_mentee_is_re_paired_with_the_best_backup_that_is_free_and_allowed() -> None:
    proposal = _proposal(
        ("m1", "e1"),
        backups={"e1": ("m1", "m2", "m3")},
        capacities={"m1": 1, "m2": 1, "m3": 2},
    )

    def backup(**kw: object) -> Backup:
        args: dict[str, object] = {
            "banned": [("m1", "e1")],
            "repairings": {},
            "limit": 2,
            "active_mentors": ["m2"],
        }
        return backup_mentor("e1", proposal, **{**args, **kw})  # type: ignore[arg-type]

    # m1 is banned with e1 (their pair dissolved), m2 is at capacity: m3 it is.
    assert backup() == Backup(mentor_id="m3")
    assert backup(active_mentors=[]) == Backup(mentor_id="m2")
    assert backup(repairings={"m3": 2}) == Backup(unmatched=UnmatchedReason.NO_BACKUP_MENTOR)
    assert backup(repairings={"e1": 2}) == Backup(unmatched=UnmatchedReason.REPAIRING_LIMIT_REACHED)


@given(
    loads=st.dictionaries(st.sampled_from(MENTORS), st.integers(0, 3)),
    banned=st.sets(st.sampled_from(MENTORS)),
    repairings=st.dictionaries(st.sampled_from((*MENTORS, "e1")), st.integers(0, 3)),
)
def test_a_backup_is_never_banned_full_or_past_the_limit(
    loads: dict[str, int], banned: set[str], repairings: dict[str, int]
) -> None:
    capacities = {"m1": 1, "m2": 2, "m3": 3}
    proposal = _proposal(backups={"e1": MENTORS}, capacities=capacities)
    active = [m for m, n in loads.items() for _ in range(n)]
    found = backup_mentor(
        "e1",
        proposal,
        banned=[(m, "e1") for m in banned],
        repairings=repairings,
        limit=2,
        active_mentors=active,
    )
    allowed = [
        m
        for m in MENTORS
        if m not in banned and repairings.get(m, 0) < 2 and loads.get(m, 0) < capacities[m]
    ]
    if repairings.get("e1", 0) >= 2:
        assert found == Backup(unmatched=UnmatchedReason.REPAIRING_LIMIT_REACHED)
    elif allowed:
        assert found == Backup(mentor_id=allowed[0])  # the best one allowed
    else:
        assert found == Backup(unmatched=UnmatchedReason.NO_BACKUP_MENTOR)


def test_a_concern_comes_through_the_participant_s_own_link() -> None:
    link = uuid4()
    check_concern_link(link, link)
    assert _refused(check_concern_link, link, uuid4()) == (Refusal.CONCERN_LINK_INVALID, {})
    assert _refused(check_concern_link, None, link) == (Refusal.CONCERN_LINK_INVALID, {})


# ---- the self-assessment ---------------------------------------------------------------------

SKILLS = ("ia", "linkedin")
TASK = uuid4()


def _window(role: Role = Role.MENTEE, **changes: object) -> AssessmentWindow:
    fields: dict[str, object] = {
        "participant_id": "e1",
        "role": role,
        "skills": SKILLS,
        "task_id": TASK,
        "answered": False,
    }
    return AssessmentWindow(**{**fields, **changes})  # type: ignore[arg-type]


def _answer(**changes: object) -> SelfAssessment:
    fields: dict[str, object] = {
        "task_id": TASK,
        "participant_id": "e1",
        "levels": {"ia": 1, "linkedin": 2},
        "targets": {"ia": 3, "linkedin": 2},
        "priorities": ("ia",),
    }
    return SelfAssessment(**{**fields, **changes})


@pytest.mark.parametrize(
    ("window", "answer", "refusal"),
    [
        (_window(task_id=None), _answer(), (Refusal.SELF_ASSESSMENT_NOT_OPEN, {})),
        (_window(answered=True), _answer(), (Refusal.SELF_ASSESSMENT_ALREADY_SUBMITTED, {})),
        (_window(), _answer(participant_id="e2"), (Refusal.NOT_YOUR_TASK, {})),
        (_window(), _answer(task_id=uuid4()), (Refusal.NOT_YOUR_TASK, {})),
        (
            _window(),
            _answer(levels={"ia": 1, "linkedin": 2, "rust": 3}),
            (Refusal.UNKNOWN_SKILLS, {"skills": ["rust"]}),
        ),
        (_window(), _answer(levels={"ia": 1}), (Refusal.LEVEL_NEEDED, {"skills": ["linkedin"]})),
        (_window(), _answer(targets={"ia": 3}), (Refusal.TARGET_NEEDED_FOR_EVERY_SKILL, {})),
        (_window(), _answer(targets={"ia": 0, "linkedin": 2}), (Refusal.TARGET_BELOW_LEVEL, {})),
        (_window(), _answer(priorities=("cobol",)), (Refusal.PRIORITIES_NOT_SKILLS, {})),
        # A topic of one's own goes in the typed `exchange_other`: matching compares only codes.
        (_window(), _answer(exchange=("Mes propres mots",)), (Refusal.EXCHANGE_NOT_A_TOPIC, {})),
    ],
    ids=lambda v: v[0].value if isinstance(v, tuple) else "-",
)
def test_a_self_assessment_is_refused_with_its_reason(
    window: AssessmentWindow,
    answer: SelfAssessment,
    refusal: tuple[Refusal, dict[str, object]],
) -> None:
    assert _refused(window.check, answer) == refusal


def test_a_mentor_s_self_assessment_needs_levels_but_no_targets() -> None:
    _window(Role.MENTOR).check(_answer(targets={}, priorities=()))
    _window().check(_answer())


def test_a_freed_mentor_takes_the_waiting_mentee_who_ranked_them_highest() -> None:
    proposal = MatchingProposal(
        pairs=(),
        backups={"e1": ("m2", "m1"), "e2": ("m1",), "e3": ("m3",)},
    )

    def choose(**kw: object) -> WaitingMentee:
        args: dict[str, object] = {
            "waiting": ["e1", "e2", "e3"],
            "banned": [],
            "repairings": {},
            "limit": 2,
        }
        return mentee_for_mentor("m1", proposal, **{**args, **kw})  # type: ignore[arg-type]

    # e2 ranked m1 first, e1 second: e2 it is; then e1 once e2 is banned or no longer waiting.
    assert choose() == WaitingMentee(mentee_id="e2")
    assert choose(banned=[("m1", "e2")]) == WaitingMentee(mentee_id="e1")
    assert choose(waiting=["e1", "e3"]) == WaitingMentee(mentee_id="e1")
    assert choose(repairings={"e2": 2}) == WaitingMentee(mentee_id="e1")
    # Nobody whose constraints allow m1 (e3 never had m1 among their compatible mentors).
    no_one = WaitingMentee(unmatched=UnmatchedReason.NO_MENTEE_WAITING)
    assert choose(waiting=["e3"]) == no_one
    assert choose(waiting=[]) == no_one
    limit = WaitingMentee(unmatched=UnmatchedReason.REPAIRING_LIMIT_REACHED)
    assert choose(repairings={"m1": 2}) == limit
