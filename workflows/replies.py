"""What a workflow answers an update: an acknowledgement with its next step, or a refusal.

Both travel as codes with parameters (domain.next_steps, domain.refusals). The English sentences
here are for engineers reading logs and the Temporal UI, and for the clients that still read
`Acknowledgement.next_step` or a refusal's message; readers get the words their edge chooses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.answers import Acknowledgement
    from domain.next_steps import NextStep, NextStepParam
    from domain.refusals import Refusal, RefusalParam, Refused

R = Refusal
# Today's sentences, word for word: the web's French patterns and the tests still match them.
_REFUSAL_LOG: dict[Refusal, str] = {
    R.SELF_ASSESSMENT_NOT_OPEN: "the self-assessment is not open yet",
    R.SELF_ASSESSMENT_ALREADY_SUBMITTED: "the self-assessment was already submitted",
    R.TARGET_NEEDED_FOR_EVERY_SKILL: "a target level is needed for every skill",
    R.TARGET_BELOW_LEVEL: "a target cannot be below the current level",
    R.PRIORITIES_NOT_SKILLS: "priorities must be skills of the programme",
    R.EXCHANGE_NOT_A_TOPIC: "topics to exchange must be taken from the list",
    R.NOT_YOUR_TASK: "this task is not yours",
    R.TASK_CLOSED: "this task is closed or does not exist",
    R.UNKNOWN_SKILLS: "unknown skills: {skills}",
    R.LEVEL_NEEDED: "a level is needed for: {skills}",
    R.MENTORS_ONLY_QUESTION: "only a mentor says whether they would mentor again",
    R.NOT_POSSIBLE_IN_PHASE: "not possible now: the pair is in phase {phase}",
    R.LINK_FOR_OTHER_SESSION: "this link is for session {session}, not {asked}",
    R.NO_SUCH_SESSION: "there is no such session",
    R.SESSION_ALREADY_TOOK_PLACE: "this session has already taken place",
    R.DATE_NOT_IN_FUTURE: "the new date must be in the future",
    R.SESSION_MUST_FOLLOW_PREVIOUS: (
        "session {session} must come after session {previous} ({previous_date})"
    ),
    R.MOVE_BEYOND_CADENCE: "a session moves by at most one cadence; pause the pair instead",
    R.NOT_A_WORKING_DAY: "sessions take place on working days (Monday to Friday)",
    R.PUBLIC_HOLIDAY: "{date} is a public holiday: choose another day",
    R.SLOT_NOT_OFFERED: "choose one of the pair's slots: {slots}",
    R.DATE_NOT_ON_SLOT_DAY: "the new date must fall on the slot's day ({slots})",
    R.ALREADY_PAUSED: "the pair is already paused",
    R.PAUSE_TOO_LONG: "a pause lasts at most {max_days} days",
    R.PAIR_ALREADY_ENDING: "the pair is already ending",
    R.NO_SESSION_PLAN: "the pair's sessions have no themes to change",
    R.CHARTER_NOT_ACCEPTED: "the charter must be accepted to go on",
    R.THEME_UNCHANGED: "the session already has this theme",
    R.PAIR_ENDED: "the pair has already ended",
    R.WAIT_FOR_CHEMISTRY: "wait for the chemistry answers",
    R.PAIR_AT_FINAL_EVALUATION: "the pair is at its final evaluation: end it instead",
    R.RE_PAIR_REASON_NEEDED: "say why the pair is re-paired",
    R.NUDGE_TOO_SOON: "a reminder for this task went out less than a day ago",
    R.APPROVAL_OUTSIDE_REVIEW: (
        "the matching can be approved during its review, not in phase {phase}"
    ),
    R.CHANGE_OUTSIDE_REVIEW: "the matching can be changed during its review, not in phase {phase}",
    R.MATCHING_ALREADY_APPROVED: "the matching is already approved",
    R.MATCHING_BEING_COMPUTED: (
        "a change to the matching is still being computed: approve once it is done"
    ),
    R.NOT_PARTICIPANT: "{person} is not a participant of this programme",
    R.NOT_A_MENTOR: "{person} is not a mentor",
    R.NOT_A_MENTEE: "{person} is not a mentee",
    R.PAIR_ALREADY_BANNED: "this pair is already banned",
    R.PAIR_BANNED: "this pair is banned (a no-go or your own decision) and cannot be forced",
    R.MENTEE_NOT_PROPOSED: "{mentee} has no mentor in the proposed matching",
    R.SAME_MENTOR: "both mentees already have the same mentor",
    R.MATCHING_CONFLICT: "{detail}",
    R.CONCERN_LINK_INVALID: "this link is not valid for this participant",
    R.PROGRAMME_OVER: "the programme is over: its roster no longer changes",
    R.ALREADY_ENROLLED: "{person} is already enrolled in this programme",
    R.PARTICIPANT_WITHDRAWN: "{person} has withdrawn from this programme",
    R.TASK_NOT_EXTENDABLE: "a {kind} task has no deadline to extend",
    R.TASK_ALREADY_DONE: "this task is already done: there is nothing to extend",
    R.EXTENSION_TOO_LONG: "a deadline moves by at most {max_days} days at a time",
    R.REASON_NEEDED: "say why",
    R.REASON_TOO_LONG: "a reason holds at most {max_length} characters",
}
del R

S = NextStep
# The keys and sentences `next_step` held before the codes, which older pages translate.
_NEXT_STEP_LOG: dict[NextStep, str] = {
    S.MATCHING: "matching",
    S.GOALS: "goals",
    S.RE_PAIRING: "re-pairing",
    S.MENTOR_CONFIRMS_GOALS: "mentor confirms the goals",
    S.SESSIONS: "sessions",
    S.GOALS_SENT_BACK: "goals sent back to the mentee",
    S.GOALS_TO_COORDINATOR: "goals left to the coordinator",
    S.NEXT_SESSION: "next session",
    S.SESSION_MOVED: "session {number} on {date}",
    S.THEME_CHANGED: "session {number} has a new theme",
    S.ONBOARDED: "charter accepted: the chemistry meeting once both have",
    S.AGENDA_SENT: "agenda sent to the mentor",
    S.PAUSED_UNTIL: "paused until {date}",
    S.SESSIONS_CONTINUE: "sessions continue",
    S.PAIR_COMPLETE: "the pair is complete",
    S.PAIR_ENDS_BOTH_TOLD: "the pair ends; both of you are told",
    S.PAIR_ENDS: "the pair ends",
    S.PAIR_DISSOLVED_BACKUP: "the pair is dissolved; the mentee gets a backup mentor",
    S.REMINDER_SENT: "a reminder is on its way",
    S.PAIRS_START_CHEMISTRY: "pairs start their chemistry meeting",
    S.ALREADY_DONE: "already done",
    S.MATCHING_RECOMPUTED: (
        "matching recomputed: {changed} pair(s) changed, {pairs} pairs, "
        "total score {score:g} (was {previous_score:g})"
    ),
    S.COORDINATOR_WILL_CONTACT: "the coordinator will contact you confidentially",
    S.PARTICIPANTS_ADDED: "{count} participant(s) added; top-up matching on {date}",
    S.PARTICIPANT_WITHDRAWN: "withdrawn: their tasks are cancelled and their partner is told",
    S.EMAIL_CHANGED: "{links} link(s) sent to the new address",
    S.TASK_EXTENDED: "new deadline {date}",
}
del S


def log_message(code: Refusal, params: dict[str, RefusalParam]) -> str:
    """The refusal as an English sentence, for logs and the clients that still show it."""
    shown = {k: ", ".join(v) if isinstance(v, list) else v for k, v in params.items()}
    return _REFUSAL_LOG[code].format(**shown)


def refusal_error(refused: Refused) -> ApplicationError:
    """The error a validator raises: the code and parameters as its details, the category as its
    type (which callers branch on), the sentence as its message."""
    return ApplicationError(
        log_message(refused.code, refused.params),
        {"code": refused.code.value, "params": refused.params},
        type=refused.category.value,
    )


def refuse(code: Refusal, **params: RefusalParam) -> ApplicationError:
    return refusal_error(Refused(code, **params))


@contextmanager
def refusing() -> Iterator[None]:
    """Turn a domain rule's `Refused` into the `ApplicationError` Temporal carries to the caller."""
    try:
        yield
    except Refused as refused:
        raise refusal_error(refused) from None


def acknowledge(step: NextStep, **params: NextStepParam) -> Acknowledgement:
    if set(params) != set(step.params):
        raise TypeError(f"{step.value} takes {step.params}, not {params!r}")
    return Acknowledgement(
        next_step=_NEXT_STEP_LOG[step].format(**params), next=step, params=params
    )
