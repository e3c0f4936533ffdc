"""What happens after an accepted action, as a code the edge words for its reader.

An update's `Acknowledgement` carries one of these with its parameters (`PARAMS`); dates are ISO
strings, scores floats.
"""

from __future__ import annotations

from enum import StrEnum

NextStepParam = str | int | float


class NextStep(StrEnum):
    MATCHING = "matching"  # a self-assessment is in: the matching comes next
    ONBOARDED = "onboarded"  # the charter accepted: the chemistry meeting once both have
    GOALS = "goals"  # a chemistry "go": the mentee proposes goals next
    RE_PAIRING = "re_pairing"  # a chemistry "no-go": the coordinators look for another pair
    MENTOR_CONFIRMS_GOALS = "mentor_confirms_goals"
    SESSIONS = "sessions"  # goals confirmed: the sessions go on
    GOALS_SENT_BACK = "goals_sent_back"  # goals declined: the mentee proposes them again
    GOALS_TO_COORDINATOR = "goals_to_coordinator"  # declined again: the coordinator steps in
    NEXT_SESSION = "next_session"  # a session logged
    SESSION_MOVED = "session_moved"
    AGENDA_SENT = "agenda_sent"  # the mentee's agenda went to their mentor
    THEME_CHANGED = "theme_changed"  # a session's theme changed: both get the invitation again
    PAUSED_UNTIL = "paused_until"
    SESSIONS_CONTINUE = "sessions_continue"  # the midpoint survey answered
    PAIR_COMPLETE = "pair_complete"  # a final evaluation in
    PAIR_ENDS_BOTH_TOLD = "pair_ends_both_told"  # a participant ended the pair
    PAIR_ENDS = "pair_ends"  # the coordinator ended the pair
    PAIR_DISSOLVED_BACKUP = "pair_dissolved_backup"  # re-paired: the mentee gets a backup mentor
    REMINDER_SENT = "reminder_sent"
    PAIRS_START_CHEMISTRY = "pairs_start_chemistry"  # the matching approved
    ALREADY_DONE = "already_done"  # the same coordinator command, sent again
    MATCHING_RECOMPUTED = "matching_recomputed"
    COORDINATOR_WILL_CONTACT = "coordinator_will_contact"  # a confidential concern raised
    PARTICIPANTS_ADDED = "participants_added"  # late joiners: their self-assessment, a top-up round
    PARTICIPANT_WITHDRAWN = "participant_withdrawn"  # their tasks cancelled, their partner told
    EMAIL_CHANGED = "email_changed"  # their open tasks' links sent to the new address
    TASK_EXTENDED = "task_extended"  # a new deadline, and a link to it

    @property
    def params(self) -> dict[str, type]:
        """The parameters this step takes, by name, with their type."""
        return PARAMS.get(self, {})


# Steps without an entry take no parameters.
PARAMS: dict[NextStep, dict[str, type]] = {
    NextStep.SESSION_MOVED: {"number": int, "date": str},  # the session, its new ISO date
    NextStep.THEME_CHANGED: {"number": int},  # the session
    NextStep.PAUSED_UNTIL: {"date": str},  # the ISO date the pair resumes
    NextStep.MATCHING_RECOMPUTED: {
        "changed": int,  # mentees whose mentor changed
        "pairs": int,  # pairs in the new proposal
        "score": float,  # its total score
        "previous_score": float,  # the total score before the change
    },
    NextStep.PARTICIPANTS_ADDED: {"count": int, "date": str},  # joiners, the top-up's ISO date
    NextStep.EMAIL_CHANGED: {"links": int},  # links sent to the new address
    NextStep.TASK_EXTENDED: {"date": str},  # the new ISO deadline
}
