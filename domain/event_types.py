"""The names of the domain events, as the event store's `type` column holds them.

Apart from `domain.events` so that the events' payload models (`domain.event_payloads`) and the
events themselves can both name them.
"""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    PROGRAMME_LAUNCHED = "ProgrammeLaunched"
    # A wave read the pilot it follows (domain/pilot.py), on the wave's programme stream.
    PILOT_FOLLOWED = "PilotFollowed"
    PARTICIPANT_ENROLLED = "ParticipantEnrolled"
    PARTICIPANT_WITHDRAWN = "ParticipantWithdrawn"
    PARTICIPANT_EMAIL_CHANGED = "ParticipantEmailChanged"
    TASK_EXTENDED = "TaskExtended"
    SELF_ASSESSMENT_OPENED = "SelfAssessmentOpened"
    SELF_ASSESSMENT_SUBMITTED = "SelfAssessmentSubmitted"
    SELF_ASSESSMENT_MISSED = "SelfAssessmentMissed"
    MATCHING_PROPOSED = "MatchingProposed"
    MATCHING_REVISED = "MatchingRevised"
    MATCHING_APPROVED = "MatchingApproved"
    MATCHING_ABANDONED = "MatchingAbandoned"
    PAIR_FORMED = "PairFormed"
    CHEMISTRY_ANSWERED = "ChemistryAnswered"
    PAIR_DISSOLVED = "PairDissolved"
    PARTICIPANT_NUDGED = "ParticipantNudged"
    PARTICIPANT_UNMATCHED = "ParticipantUnmatched"
    GOALS_PROPOSED = "GoalsProposed"
    GOALS_CONFIRMED = "GoalsConfirmed"
    GOALS_DECLINED = "GoalsDeclined"
    SESSION_SCHEDULED = "SessionScheduled"
    SESSION_RESCHEDULED = "SessionRescheduled"
    ONBOARDING_ACCEPTED = "OnboardingAccepted"
    SESSION_PLAN_MADE = "SessionPlanMade"
    SESSION_AGENDA_SENT = "SessionAgendaSent"
    SESSION_THEME_CHANGED = "SessionThemeChanged"
    SESSION_LOGGED = "SessionLogged"
    SESSION_MISSED = "SessionMissed"
    PAIR_AT_RISK = "PairAtRisk"
    PAIR_PAUSED = "PairPaused"
    PAIR_RESUMED = "PairResumed"
    MIDPOINT_ANSWERED = "MidpointSurveyAnswered"
    FINAL_EVALUATION_SUBMITTED = "FinalEvaluationSubmitted"
    CONCERN_RAISED = "ConcernRaised"
    COORDINATOR_ALERTED = "CoordinatorAlerted"
    PAIR_COMPLETED = "PairCompleted"
    PAIR_ENDED_EARLY = "PairEndedEarly"
    PROGRAMME_COMPLETED = "ProgrammeCompleted"
    PERSONAL_DATA_EXPORTED = "PersonalDataExported"
    PERSONAL_DATA_ERASED = "PersonalDataErased"
    # A programme's personal data purged once its retention ran out (store/retention.py).
    PROGRAMME_PURGED = "ProgrammePurged"
    TASK_OPENED = "TaskOpened"
    TASK_CLOSED = "TaskClosed"
    # The audit trail (domain/accounts.py): a coordinator's action, on an `audit-*` stream.
    COORDINATOR_ACTED = "CoordinatorActed"
    # An e-mail given up (domain/delivery.py), on the programme's stream.
    NOTIFICATION_FAILED = "NotificationFailed"
