"""One event's data per event type, as the code that records it writes it today (key order too).

For the payload models' tests, and for tests that need events of some type without caring which
(the store's): `sample(type_, **changes)`.
"""

from __future__ import annotations

from typing import Any

from domain.events import EventType

E = EventType
_TASK = "0b6c1f55-8d8e-4d3b-9a1a-2f4f7d3c9e10"
_NOTIFICATION = "5d1e9c4a-7b2f-4e8d-8c6a-1a3b5c7d9e21"
_PAIRS = [
    {
        "mentor_id": "m1",
        "mentee_id": "e1",
        "score": 12.5,
        "reasons": ["the mentor is stronger on linkedin"],
        # As the matcher writes a factor now: its code's values next to the sentence.
        "factors": [
            {
                "code": "skills",
                "points": 12.5,
                "text": "can teach linkedin",
                "skills": [{"skill": "linkedin", "priority": 1}],
                "topics": [],
                "slots": 0,
                "formats": None,
                "language": "",
                "departments": None,
            }
        ],
        "forced": False,
    }
]
_UNMATCHED = [
    {
        "participant_id": "e2",
        "reason": "no compatible mentor",
        "code": "no_compatible_mentor",
        "compatible": 0,
        "ruled_out": {"department": 1},
    }
]

SAMPLES: dict[EventType, dict[str, Any]] = {
    E.PROGRAMME_LAUNCHED: {
        "name": "Pilote 2027",
        "starts_on": "2027-01-11",
        "sessions": 12,
        "cadence_days": 14,
        "skills": ["linkedin", "generative-ai"],
        "participants": 8,
        "day_seconds": 2,
        "timezone": "Europe/Paris",
        "clock_origin": "2026-12-02T18:30:00.123456+00:00",
    },
    E.PILOT_FOLLOWED: {
        "pilot_id": "pilote",
        "found": True,
        "returning": ["m1"],
        "pilot_pairs": 3,
        "pilot_bans": 1,
    },
    E.PARTICIPANT_ENROLLED: {
        "programme_id": "pilote",
        "role": "mentee",
        "locale": "fr",
        "late": False,
    },
    E.PARTICIPANT_WITHDRAWN: {
        "reason": "a quitté l'entreprise",
        "pair_id": "0003",
        "phase": "running",
    },
    E.PARTICIPANT_EMAIL_CHANGED: {"links_sent": 2},
    E.TASK_EXTENDED: {
        "task_id": "5b1e7c1e-8a57-4d0b-9a52-0c8f3c1f2a11",
        "kind": "self_assessment",
        "due_at": "2027-03-14T09:00:00Z",
        "reopened": True,
        "new_task_id": "0f3a1f55-1b2c-4c1e-9d7a-3f1b2e4d5c6a",
    },
    E.SELF_ASSESSMENT_OPENED: {"due_at": "2027-01-25T10:29:28.236000+00:00"},
    E.SELF_ASSESSMENT_SUBMITTED: {
        "levels": {"linkedin": 1, "generative-ai": 0},
        "targets": {"linkedin": 3, "generative-ai": 2},
        "priorities": ["linkedin"],
        "capacity": 1,
        "availability": ["mon-am", "thu-pm"],
        "format": "remote",
        "languages": ["fr", "en"],
        "exchange": ["strategy"],
        "exchange_other": "sealed:v1:participant/p-sample:AAAA",
        "role": "mentee",
    },
    E.SELF_ASSESSMENT_MISSED: {},
    E.MATCHING_PROPOSED: {
        "pairs": _PAIRS,
        "unmatched": _UNMATCHED,
        "total_score": 12.5,
        "round": 1,
    },
    E.MATCHING_REVISED: {
        "action": "ban",
        "mentor_id": "m1",
        "mentee_id": "e1",
        "reason": "même équipe",
        "pairs_changed": 1,
        "pairs": _PAIRS,
        "unmatched": _UNMATCHED,
        "total_score": 12.5,
    },
    E.MATCHING_APPROVED: {"by": "auto-approval"},
    E.MATCHING_ABANDONED: {"reminders": 5},
    E.PAIR_FORMED: {
        "mentor_id": "m1",
        "mentee_id": "e1",
        "chemistry_due": "2027-02-01T09:00:00+00:00",
    },
    E.CHEMISTRY_ANSWERED: {"participant_id": "e1", "go": False, "reason": "pas disponible"},
    E.PAIR_DISSOLVED: {"no_go_by": None, "reason": "no answer in time"},
    E.PARTICIPANT_NUDGED: {"participant_id": "m1", "task_id": _TASK, "task_kind": "session_log"},
    E.PARTICIPANT_UNMATCHED: {
        "reason": "no backup mentor is available",
        "code": "no_backup_mentor",
    },
    E.GOALS_PROPOSED: {
        "goals": [
            {
                "objective": "Publier sur LinkedIn",
                "kpi": "une fois par semaine",
                "target_date": "2027-06-30",
            }
        ]
    },
    E.GOALS_CONFIRMED: {"confirmed": True, "comment": ""},
    E.GOALS_DECLINED: {"comment": "Trop vague", "declines": 1, "sent_back": True},
    E.SESSION_SCHEDULED: {"session_number": 1, "at": "2027-02-15T09:00:00+00:00"},
    E.SESSION_RESCHEDULED: {"session_number": 2, "at": "2027-03-02T09:00:00+01:00", "by": "e1"},
    E.ONBOARDING_ACCEPTED: {"pair_id": "0001"},
    E.SESSION_PLAN_MADE: {
        "themes": [
            {"number": 1, "skill": "linkedin", "level": 1},
            {"number": 2, "skill": "generative-ai", "level": 0},
            {"number": 3, "skill": None, "level": 0},
        ]
    },
    E.SESSION_AGENDA_SENT: {
        "participant_id": "e1",
        "session_number": 2,
        "tried": "",
        "practise": "Publier un post",
    },
    E.SESSION_THEME_CHANGED: {
        "session_number": 2,
        "skill": "linkedin",
        "level": 2,
        "by": "e1",
    },
    E.SESSION_LOGGED: {
        "participant_id": "m1",
        "session_number": 1,
        "held": True,
        "minutes": 45,
        "skills_covered": ["linkedin"],
        "notes": "",
        "progress_rating": 4,
    },
    E.SESSION_MISSED: {"session_number": 3},
    E.PAIR_AT_RISK: {"missed_in_a_row": 2},
    E.PAIR_PAUSED: {
        "days": 14,
        "until": "2027-04-12T08:15:00.500000+00:00",
        "by": "m1",
        "reason": "congés",
    },
    E.PAIR_RESUMED: {},
    E.MIDPOINT_ANSWERED: {
        "participant_id": "e1",
        "satisfaction": 2,
        "progress": 3,
        "concerns": "",
        "wants_to_continue": False,
    },
    E.FINAL_EVALUATION_SUBMITTED: {
        "role": "mentee",
        "participant_id": "e1",
        "levels": {"linkedin": 3, "generative-ai": 1},
        "kpi_attainment": [80],
        "satisfaction": 5,
        "nps": 9,
        "learned_back": "",
        "would_mentor_again": None,
    },
    E.CONCERN_RAISED: {
        "concern_id": _TASK,
        "participant_id": "e1",
        "pair_id": None,
        "text": "Mon binôme annule souvent.",
    },
    E.COORDINATOR_ALERTED: {"why": "midpoint"},
    E.PAIR_COMPLETED: {"sessions_held": 11},
    E.PAIR_ENDED_EARLY: {
        "ended_by": "coordinator",
        "ended_by_role": "coordinator",
        "reason": "départ",
    },
    E.PROGRAMME_COMPLETED: {"pairs_completed": 3, "pairs_ended_early": 1, "pairs_dissolved": 0},
    E.PERSONAL_DATA_EXPORTED: {"participant_id": "e1"},
    E.PERSONAL_DATA_ERASED: {"participant_id": "e1"},
    E.PROGRAMME_PURGED: {
        "participants": 24,
        "events_redacted": 57,
        "tasks_cleared": 140,
        "calendar_series": 24,
        "keys_shredded": 25,
    },
    E.TASK_OPENED: {
        "participant_id": "m1",
        "kind": "chemistry",
        "due_at": "2027-02-01T09:00:00+00:00",
    },
    E.TASK_CLOSED: {"status": "expired"},
    E.COORDINATOR_ACTED: {
        "at": "2027-02-03T14:05:09.123456+00:00",
        "actor": "coordinatrice@example.org",
        "action": "banned_pair",
        "outcome": "refused",
        "programme_id": "pilote",
        "target": "0001",
        "detail": "pair_ended",
        "params": {},
    },
    E.NOTIFICATION_FAILED: {
        "notification_id": _NOTIFICATION,
        "template": "chemistry",
        "participant_id": "e1",
        "code": "recipient_refused",
        "smtp_code": 550,
    },
}


def sample(type_: EventType, **changes: Any) -> dict[str, Any]:
    """`type_`'s sample data with `changes` made."""
    return {**SAMPLES[type_], **changes}
