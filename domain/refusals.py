"""Why a participant's or coordinator's action is refused: codes with typed parameters.

A workflow's validator refuses an update with one of these codes; the page, the CLI or the e-mail
words it in the reader's language. Each code belongs to a category, the `type` of the Temporal
`ApplicationError` that carries it, which callers already branch on (`WrongPhase`, `WrongTask`...).

Parameters are plain JSON values, so they cross Temporal unchanged: `str`, `int`, `list[str]`
(names of skills or people), and dates as ISO strings (`"2027-03-14"`, typed `IsoDate` below).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

RefusalParam = str | int | list[str]
IsoDate = NewType("IsoDate", str)  # a calendar date, `date.isoformat()`


class Category(StrEnum):
    """The kind of refusal, as callers branch on it (the `ApplicationError.type`)."""

    WRONG_PHASE = "WrongPhase"  # not at this step of the programme or the pair
    WRONG_TASK = "WrongTask"  # a task that is closed, someone else's, or for something else
    INVALID = "Invalid"  # the answer itself does not fit the programme
    NOT_READY = "NotReady"
    BUSY = "Busy"
    ALREADY_DONE = "AlreadyDone"
    BANNED = "Banned"
    NOT_PROPOSED = "NotProposed"
    NO_CHANGE = "NoChange"
    UNKNOWN_PARTICIPANT = "UnknownParticipant"
    WRONG_ROLE = "WrongRole"
    TOO_SOON = "TooSoon"
    MATCHING_CONFLICT = "MatchingConflict"


class Refusal(StrEnum):
    """One code per distinct refusal; `PARAMS` below says which parameters each one takes."""

    # The self-assessment.
    SELF_ASSESSMENT_NOT_OPEN = "self_assessment_not_open"
    SELF_ASSESSMENT_ALREADY_SUBMITTED = "self_assessment_already_submitted"
    TARGET_NEEDED_FOR_EVERY_SKILL = "target_needed_for_every_skill"
    TARGET_BELOW_LEVEL = "target_below_level"
    PRIORITIES_NOT_SKILLS = "priorities_not_skills"
    EXCHANGE_NOT_A_TOPIC = "exchange_not_a_topic"
    # Any answer to a task.
    NOT_YOUR_TASK = "not_your_task"
    TASK_CLOSED = "task_closed"
    UNKNOWN_SKILLS = "unknown_skills"
    LEVEL_NEEDED = "level_needed"
    MENTORS_ONLY_QUESTION = "mentors_only_question"
    # A pair's participants.
    NOT_POSSIBLE_IN_PHASE = "not_possible_in_phase"
    LINK_FOR_OTHER_SESSION = "link_for_other_session"
    NO_SUCH_SESSION = "no_such_session"
    SESSION_ALREADY_TOOK_PLACE = "session_already_took_place"
    DATE_NOT_IN_FUTURE = "date_not_in_future"
    SESSION_MUST_FOLLOW_PREVIOUS = "session_must_follow_previous"
    MOVE_BEYOND_CADENCE = "move_beyond_cadence"
    NOT_A_WORKING_DAY = "not_a_working_day"
    PUBLIC_HOLIDAY = "public_holiday"
    SLOT_NOT_OFFERED = "slot_not_offered"
    DATE_NOT_ON_SLOT_DAY = "date_not_on_slot_day"
    ALREADY_PAUSED = "already_paused"
    PAUSE_TOO_LONG = "pause_too_long"
    PAIR_ALREADY_ENDING = "pair_already_ending"
    NO_SESSION_PLAN = "no_session_plan"
    CHARTER_NOT_ACCEPTED = "charter_not_accepted"
    THEME_UNCHANGED = "theme_unchanged"
    # A pair's coordinator.
    PAIR_ENDED = "pair_ended"
    WAIT_FOR_CHEMISTRY = "wait_for_chemistry"
    PAIR_AT_FINAL_EVALUATION = "pair_at_final_evaluation"
    RE_PAIR_REASON_NEEDED = "re_pair_reason_needed"
    NUDGE_TOO_SOON = "nudge_too_soon"
    # The matching review.
    APPROVAL_OUTSIDE_REVIEW = "approval_outside_review"
    CHANGE_OUTSIDE_REVIEW = "change_outside_review"
    MATCHING_ALREADY_APPROVED = "matching_already_approved"
    MATCHING_BEING_COMPUTED = "matching_being_computed"
    NOT_PARTICIPANT = "not_participant"
    NOT_A_MENTOR = "not_a_mentor"
    NOT_A_MENTEE = "not_a_mentee"
    PAIR_ALREADY_BANNED = "pair_already_banned"
    PAIR_BANNED = "pair_banned"
    MENTEE_NOT_PROPOSED = "mentee_not_proposed"
    SAME_MENTOR = "same_mentor"
    MATCHING_CONFLICT = "matching_conflict"
    # The programme's confidential concern link.
    CONCERN_LINK_INVALID = "concern_link_invalid"
    # Roster changes: people joining late, withdrawing, a corrected address, a longer deadline.
    PROGRAMME_OVER = "programme_over"
    ALREADY_ENROLLED = "already_enrolled"
    PARTICIPANT_WITHDRAWN = "participant_withdrawn"
    TASK_NOT_EXTENDABLE = "task_not_extendable"
    TASK_ALREADY_DONE = "task_already_done"
    EXTENSION_TOO_LONG = "extension_too_long"
    REASON_NEEDED = "reason_needed"
    REASON_TOO_LONG = "reason_too_long"

    @property
    def category(self) -> Category:
        return CATEGORIES[self]

    @property
    def params(self) -> dict[str, type]:
        """The parameters this code takes, by name, with their JSON type."""
        return PARAMS.get(self, {})


C = Category
R = Refusal
CATEGORIES: dict[Refusal, Category] = {
    R.SELF_ASSESSMENT_NOT_OPEN: C.NOT_READY,
    R.SELF_ASSESSMENT_ALREADY_SUBMITTED: C.WRONG_PHASE,
    R.TARGET_NEEDED_FOR_EVERY_SKILL: C.INVALID,
    R.TARGET_BELOW_LEVEL: C.INVALID,
    R.PRIORITIES_NOT_SKILLS: C.INVALID,
    R.EXCHANGE_NOT_A_TOPIC: C.INVALID,
    R.NOT_YOUR_TASK: C.WRONG_TASK,
    R.TASK_CLOSED: C.WRONG_TASK,
    R.UNKNOWN_SKILLS: C.INVALID,
    R.LEVEL_NEEDED: C.INVALID,
    R.MENTORS_ONLY_QUESTION: C.WRONG_ROLE,
    R.NOT_POSSIBLE_IN_PHASE: C.WRONG_PHASE,
    R.LINK_FOR_OTHER_SESSION: C.WRONG_TASK,
    R.NO_SUCH_SESSION: C.INVALID,
    R.SESSION_ALREADY_TOOK_PLACE: C.WRONG_PHASE,
    R.DATE_NOT_IN_FUTURE: C.INVALID,
    R.SESSION_MUST_FOLLOW_PREVIOUS: C.INVALID,
    R.MOVE_BEYOND_CADENCE: C.INVALID,
    R.NOT_A_WORKING_DAY: C.INVALID,
    R.PUBLIC_HOLIDAY: C.INVALID,
    R.SLOT_NOT_OFFERED: C.INVALID,
    R.DATE_NOT_ON_SLOT_DAY: C.INVALID,
    R.ALREADY_PAUSED: C.WRONG_PHASE,
    R.PAUSE_TOO_LONG: C.INVALID,
    R.PAIR_ALREADY_ENDING: C.WRONG_PHASE,
    R.NO_SESSION_PLAN: C.WRONG_PHASE,
    R.CHARTER_NOT_ACCEPTED: C.INVALID,
    R.THEME_UNCHANGED: C.NO_CHANGE,
    R.PAIR_ENDED: C.WRONG_PHASE,
    R.WAIT_FOR_CHEMISTRY: C.WRONG_PHASE,
    R.PAIR_AT_FINAL_EVALUATION: C.WRONG_PHASE,
    R.RE_PAIR_REASON_NEEDED: C.INVALID,
    R.NUDGE_TOO_SOON: C.TOO_SOON,
    R.APPROVAL_OUTSIDE_REVIEW: C.WRONG_PHASE,
    R.CHANGE_OUTSIDE_REVIEW: C.WRONG_PHASE,
    R.MATCHING_ALREADY_APPROVED: C.WRONG_PHASE,
    R.MATCHING_BEING_COMPUTED: C.BUSY,
    R.NOT_PARTICIPANT: C.UNKNOWN_PARTICIPANT,
    R.NOT_A_MENTOR: C.WRONG_ROLE,
    R.NOT_A_MENTEE: C.WRONG_ROLE,
    R.PAIR_ALREADY_BANNED: C.ALREADY_DONE,
    R.PAIR_BANNED: C.BANNED,
    R.MENTEE_NOT_PROPOSED: C.NOT_PROPOSED,
    R.SAME_MENTOR: C.NO_CHANGE,
    R.MATCHING_CONFLICT: C.MATCHING_CONFLICT,
    R.CONCERN_LINK_INVALID: C.WRONG_TASK,
    R.PROGRAMME_OVER: C.WRONG_PHASE,
    R.ALREADY_ENROLLED: C.ALREADY_DONE,
    R.PARTICIPANT_WITHDRAWN: C.ALREADY_DONE,
    R.TASK_NOT_EXTENDABLE: C.WRONG_TASK,
    R.TASK_ALREADY_DONE: C.WRONG_TASK,
    R.EXTENSION_TOO_LONG: C.INVALID,
    R.REASON_NEEDED: C.INVALID,
    R.REASON_TOO_LONG: C.INVALID,
}

# Codes without an entry take no parameters. `list` is a list of str; an IsoDate is a str.
PARAMS: dict[Refusal, dict[str, type]] = {
    R.UNKNOWN_SKILLS: {"skills": list},  # the skill ids the programme does not have
    R.LEVEL_NEEDED: {"skills": list},  # the skill ids left without a level
    R.NOT_POSSIBLE_IN_PHASE: {"phase": str},  # a PairPhase value
    R.LINK_FOR_OTHER_SESSION: {"session": int, "asked": int},  # the link's, the answer's
    R.SESSION_MUST_FOLLOW_PREVIOUS: {"session": int, "previous": int, "previous_date": str},
    R.PAUSE_TOO_LONG: {"max_days": int},
    R.REASON_TOO_LONG: {"max_length": int},
    R.PUBLIC_HOLIDAY: {"date": str},  # the holiday, an IsoDate
    R.SLOT_NOT_OFFERED: {"slots": list},  # the slots the pair may choose ("tue-pm")
    R.DATE_NOT_ON_SLOT_DAY: {"slots": list},  # the slot chosen, whose day the date is not
    R.APPROVAL_OUTSIDE_REVIEW: {"phase": str},  # a ProgrammePhase value
    R.CHANGE_OUTSIDE_REVIEW: {"phase": str},
    R.NOT_PARTICIPANT: {"person": str},  # a participant id
    R.NOT_A_MENTOR: {"person": str},
    R.NOT_A_MENTEE: {"person": str},
    R.MENTEE_NOT_PROPOSED: {"mentee": str},
    # The matcher's own account of the forced pairs it cannot honour (diagnostics, in English).
    R.MATCHING_CONFLICT: {"detail": str},
    R.ALREADY_ENROLLED: {"person": str},  # a participant id
    R.PARTICIPANT_WITHDRAWN: {"person": str},
    R.TASK_NOT_EXTENDABLE: {"kind": str},  # a TaskKind value
    R.EXTENSION_TOO_LONG: {"max_days": int},
}
del C, R


class Refused(Exception):
    """A rule's refusal: its code and parameters, raised by domain rules, carried to the edge."""

    def __init__(self, code: Refusal, **params: RefusalParam) -> None:
        expected = code.params
        if set(params) != set(expected) or any(
            not isinstance(value, expected[name])
            or (isinstance(value, list) and not all(isinstance(v, str) for v in value))
            for name, value in params.items()
        ):
            raise TypeError(f"{code.value} takes {expected}, not {params!r}")
        super().__init__(code.value, params)
        self.code = code
        self.params: dict[str, RefusalParam] = {
            name: list(value) if isinstance(value, list) else value
            for name, value in params.items()
        }

    @property
    def category(self) -> Category:
        return self.code.category

    def __str__(self) -> str:
        return f"{self.code.value} {self.params}" if self.params else self.code.value
