"""A programme's rules the coordinator meets: the matching review and re-pairing, without Temporal.

`MatchingReview` is the matching as the coordinator's commands see it: whether a command is
allowed now (each check raises `Refused`) and which bans and forced pairs it leaves the matcher.
`backup_mentor` picks whom a mentee is re-paired with after their pair dissolved.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from uuid import UUID

from domain.matching import MatchingProposal
from domain.programme import ProgrammePlan, Role
from domain.refusals import Refusal, Refused
from domain.unmatched import UnmatchedReason

PairIds = tuple[str, str]  # (mentor id, mentee id)


@dataclass(frozen=True)
class Constraints:
    """What the matcher must respect: pairs it may not form, pairs it must."""

    banned: list[PairIds]
    forced: list[PairIds]


@dataclass(frozen=True)
class MatchingReview:
    plan: ProgrammePlan
    phase: str  # the programme's phase, as its value
    in_review: bool  # the programme is in its matching review
    approved: bool
    revising: bool  # a change is being computed
    proposal: MatchingProposal | None
    banned: tuple[PairIds, ...] = ()
    forced: tuple[PairIds, ...] = ()

    # ---- whether a command is allowed now -------------------------------------------------------

    def check_approve(self) -> None:
        self._check_reviewing(approving=True)
        if self.revising:
            raise Refused(Refusal.MATCHING_BEING_COMPUTED)

    def check_ban(self, pair: PairIds) -> None:
        self._check_reviewing()
        self._check_roles(pair)
        if pair in self.banned:
            raise Refused(Refusal.PAIR_ALREADY_BANNED)

    def check_force(self, pair: PairIds) -> None:
        self._check_reviewing()
        self._check_roles(pair)
        if pair in self.banned:
            raise Refused(Refusal.PAIR_BANNED)

    def check_swap(self, mentee_ids: PairIds) -> None:
        self._check_reviewing()
        mentor_of = self.proposed_mentors()
        for mentee_id in mentee_ids:
            if mentee_id not in mentor_of:
                raise Refused(Refusal.MENTEE_NOT_PROPOSED, mentee=mentee_id)
        first, second = mentee_ids
        if mentor_of[first] == mentor_of[second]:
            raise Refused(Refusal.SAME_MENTOR)

    # ---- what a command leaves the matcher ------------------------------------------------------

    def ban(self, pair: PairIds) -> Constraints:
        return Constraints([*self.banned, pair], [f for f in self.forced if f != pair])

    def force(self, pair: PairIds) -> Constraints:
        # A mentee has one mentor: a new force replaces an earlier one for the same mentee.
        forced = [f for f in self.forced if f[1] != pair[1]]
        return Constraints(list(self.banned), [*forced, pair])

    def swap(self, mentee_ids: PairIds) -> Constraints:
        """Each of two proposed mentees gets the other's mentor, both pairs forced."""
        first, second = mentee_ids
        mentor_of = self.proposed_mentors()
        swapped = [(mentor_of[second], first), (mentor_of[first], second)]
        forced = [f for f in self.forced if f[1] not in mentee_ids]
        return Constraints(list(self.banned), [*forced, *swapped])

    def proposed_mentors(self) -> dict[str, str]:
        """Mentee -> mentor in the proposal under review."""
        proposal = self.proposal
        return {p.mentee_id: p.mentor_id for p in proposal.pairs} if proposal else {}

    def _check_reviewing(self, approving: bool = False) -> None:
        if not self.in_review:
            code = Refusal.APPROVAL_OUTSIDE_REVIEW if approving else Refusal.CHANGE_OUTSIDE_REVIEW
            raise Refused(code, phase=self.phase)
        if self.approved:
            raise Refused(Refusal.MATCHING_ALREADY_APPROVED)

    def _check_roles(self, pair: PairIds) -> None:
        for person, role in zip(pair, (Role.MENTOR, Role.MENTEE), strict=True):
            try:
                found = self.plan.participant(person).role
            except KeyError:
                raise Refused(Refusal.NOT_PARTICIPANT, person=person) from None
            if found is not role:
                wrong = Refusal.NOT_A_MENTOR if role is Role.MENTOR else Refusal.NOT_A_MENTEE
                raise Refused(wrong, person=person)


def changed_pairs(before: MatchingProposal | None, after: MatchingProposal) -> int:
    """How many mentees have a different mentor (or none) than before."""
    was = {p.mentee_id: p.mentor_id for p in before.pairs} if before else {}
    now = {p.mentee_id: p.mentor_id for p in after.pairs}
    return sum(was.get(m) != now.get(m) for m in was.keys() | now.keys())


@dataclass(frozen=True)
class Backup:
    """Whom a mentee is re-paired with, or why they stay without a partner."""

    mentor_id: str | None = None
    unmatched: UnmatchedReason | None = None


def backup_mentor(
    mentee_id: str,
    proposal: MatchingProposal,
    *,
    banned: Iterable[PairIds],
    repairings: Mapping[str, int],
    limit: int,
    active_mentors: Iterable[str],
    unavailable: Collection[str] = (),
) -> Backup:
    """The mentor a mentee is re-paired with after a dissolved pair, or why there is none.

    A backup the matcher proposed, best first, not banned with this mentee, below the re-pairing
    limit, with room left (`active_mentors` names each running pair's mentor once per pair).
    """
    if repairings.get(mentee_id, 0) >= limit:
        return Backup(unmatched=UnmatchedReason.REPAIRING_LIMIT_REACHED)
    excluded = set(banned)
    load = Counter(active_mentors)
    for mentor_id in proposal.backups.get(mentee_id, ()):
        if (mentor_id, mentee_id) in excluded or repairings.get(mentor_id, 0) >= limit:
            continue
        if mentor_id in unavailable:
            continue
        if load[mentor_id] >= proposal.capacities.get(mentor_id, 1):
            continue
        return Backup(mentor_id=mentor_id)
    return Backup(unmatched=UnmatchedReason.NO_BACKUP_MENTOR)


@dataclass(frozen=True)
class WaitingMentee:
    """Whom a mentor freed by a dissolved pair is re-paired with, or why nobody yet."""

    mentee_id: str | None = None
    unmatched: UnmatchedReason | None = None


def mentee_for_mentor(
    mentor_id: str,
    proposal: MatchingProposal,
    *,
    waiting: Iterable[str],
    banned: Iterable[PairIds],
    repairings: Mapping[str, int],
    limit: int,
) -> WaitingMentee:
    """The mentee still without a mentor that a freed mentor is re-paired with, or why none.

    `waiting` are the mentees left unmatched and in no running pair, in the order they were left.
    A mentee qualifies when the matcher ranked this mentor among their compatible backups (so
    every hard constraint allows the pair), the pair is not banned and neither side is at the
    re-pairing limit; the mentee who ranked the mentor highest (the best score) comes first.
    """
    if repairings.get(mentor_id, 0) >= limit:
        return WaitingMentee(unmatched=UnmatchedReason.REPAIRING_LIMIT_REACHED)
    excluded = set(banned)
    best: tuple[int, int, str] | None = None
    for order, mentee_id in enumerate(waiting):
        ranked = proposal.backups.get(mentee_id, ())
        if mentor_id not in ranked or (mentor_id, mentee_id) in excluded:
            continue
        if repairings.get(mentee_id, 0) >= limit:
            continue
        candidate = (ranked.index(mentor_id), order, mentee_id)
        best = candidate if best is None or candidate < best else best
    if best is None:
        return WaitingMentee(unmatched=UnmatchedReason.NO_MENTEE_WAITING)
    return WaitingMentee(mentee_id=best[2])


def check_concern_link(expected: UUID | None, task_id: UUID) -> None:
    """A concern comes through the participant's own confidential link."""
    if expected != task_id:
        raise Refused(Refusal.CONCERN_LINK_INVALID)


def merge_rounds(
    base: MatchingProposal | None, top_up: MatchingProposal, load: Mapping[str, int]
) -> MatchingProposal:
    """The rounds approved so far as one proposal, for re-pairing from its backups.

    A top-up round saw each mentor's room left (`load`: mentees already theirs); the capacities
    kept are whole again, and a mentee matched again keeps the backups of their latest round.
    """
    if base is None:
        return top_up
    capacities = {m: room + load.get(m, 0) for m, room in top_up.capacities.items()}
    return MatchingProposal(
        pairs=(*base.pairs, *top_up.pairs),
        unmatched=top_up.unmatched,
        backups={**base.backups, **top_up.backups},
        capacities={**capacities, **base.capacities},
        total_score=base.total_score + top_up.total_score,
    )
