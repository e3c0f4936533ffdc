"""Why a participant is left without a partner, as a code that crosses layers.

The matcher, the matching activity and the programme workflow record one of these codes; each
reader words it in its own language (the e-mails in `activities.mailer`). The sentence recorded
next to it is for people reading the history, never to be parsed.
"""

from __future__ import annotations

from enum import StrEnum


class UnmatchedReason(StrEnum):
    # Nobody to match against, or nobody compatible.
    SELF_ASSESSMENT_MISSED = "self_assessment_missed"
    NO_MENTOR_AVAILABLE = "no_mentor_available"
    NO_COMPATIBLE_MENTOR = "no_compatible_mentor"
    MENTORS_AT_CAPACITY = "mentors_at_capacity"
    NO_COMPATIBLE_MENTEE = "no_compatible_mentee"
    NO_MENTEE_LEFT = "no_mentee_left"
    # After a pair dissolved at the first meeting.
    REPAIRING_LIMIT_REACHED = "repairing_limit_reached"
    NO_BACKUP_MENTOR = "no_backup_mentor"
    # A mentor freed by a dissolved pair, while no waiting mentee can take them.
    NO_MENTEE_WAITING = "no_mentee_waiting"


# Legacy: events, notifications and proposals recorded before the code existed carry only the
# sentence. Its head (before any ":") is read here, and nowhere else; nothing new is written this
# way, so this table never grows.
_LEGACY_SENTENCES = {
    "did not answer the self-assessment in time": UnmatchedReason.SELF_ASSESSMENT_MISSED,
    "no mentor available": UnmatchedReason.NO_MENTOR_AVAILABLE,
    "no compatible mentor": UnmatchedReason.NO_COMPATIBLE_MENTOR,
    "every compatible mentor is at capacity": UnmatchedReason.MENTORS_AT_CAPACITY,
    "no compatible mentee": UnmatchedReason.NO_COMPATIBLE_MENTEE,
    "no mentee left to pair with": UnmatchedReason.NO_MENTEE_LEFT,
    "re-pairing limit reached": UnmatchedReason.REPAIRING_LIMIT_REACHED,
    "no backup mentor is available": UnmatchedReason.NO_BACKUP_MENTOR,
}


def legacy_unmatched_reason(sentence: object) -> UnmatchedReason | None:
    """The code a sentence recorded before codes existed stood for; None when it is not one."""
    head = str(sentence or "").split(":", 1)[0].strip().lower()
    return _LEGACY_SENTENCES.get(head)


def unmatched_reason(value: object) -> UnmatchedReason | None:
    """The code `value` names, or for a record older than the codes the one its sentence meant."""
    try:
        return UnmatchedReason(str(value))
    except ValueError:
        return legacy_unmatched_reason(value)
