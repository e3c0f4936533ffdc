"""Simulated participants: what each would answer to a task, and when (DESIGN §9).

Every decision comes from a generator seeded by the run's seed and the task's stable identity
(person, kind, pair, session), never by arrival order, so a seed replays the same programme.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field

from domain.answers import EXCHANGE_TOPICS
from domain.programme import ProgrammeSpec, Role
from domain.tasks import TaskKind

SLOTS = ("mon-am", "mon-pm", "tue-am", "tue-pm", "wed-am", "wed-pm", "thu-am", "thu-pm", "fri-am")


class Knobs(BaseModel):
    """How the simulated cohort behaves; rates are probabilities."""

    silent_rate: float = Field(0.03, ge=0, le=1)  # never answers a given task
    late_rate: float = Field(0.10, ge=0, le=1)  # answers near the deadline
    no_go_rate: float = Field(0.05, ge=0, le=1)
    no_show_rate: float = Field(0.06, ge=0, le=1)  # a session that did not take place
    dropout_rate: float = Field(0.02, ge=0, le=1)  # a pair ended early by a participant
    concern_rate: float = Field(0.01, ge=0, le=1)
    mentor_again_rate: float = Field(0.7, ge=0, le=1)  # a mentor would mentor again


@dataclass(frozen=True)
class Decision:
    after_days: float  # after the task was issued
    kind: TaskKind
    payload: dict[str, Any]


def decide(
    seed: int,
    knobs: Knobs,
    *,
    participant_id: str,
    role: Role,
    kind: TaskKind,
    skills: tuple[str, ...],
    context: dict[str, Any],
    today: date,
) -> Decision | None:
    """The simulated answer to one task, or None when this participant stays silent."""
    where = f"{context.get('pair_id')}:{context.get('session_number')}"
    key = f"{seed}:{participant_id}:{kind.value}:{where}"
    rng = random.Random(key)
    if kind is TaskKind.PAIR_MANAGE:
        if rng.random() >= knobs.dropout_rate:
            return None
        return Decision(rng.uniform(40, 120), kind, {"reason": "Plus assez de disponibilité"})
    if kind is TaskKind.CONCERN:
        if rng.random() >= knobs.concern_rate:
            return None
        return Decision(rng.uniform(20, 100), kind, {"text": "Je souhaite en parler en privé."})
    if rng.random() < knobs.silent_rate:
        return None
    # Answer times keep half a day away from reminders and deadlines, so the simulator's one-day
    # steps cannot tip an answer to the other side of one: a seed replays the same programme.
    late = rng.random() < knobs.late_rate
    delay = rng.uniform(3.3, 4.5) if late else rng.uniform(0.2, 2.4)
    if kind is TaskKind.ONBOARDING and late:
        delay = rng.uniform(3.5, 4.4)  # between its reminder (day 3) and its deadline (day 5)
    if kind is TaskKind.SESSION_AGENDA:
        delay = rng.uniform(0.2, 1.5)  # due when the session begins, two days on
    payload = _answer(rng, knobs, role, kind, skills, context, today)
    return None if payload is None else Decision(delay, kind, payload)


def _levels(rng: random.Random, skills: tuple[str, ...], low: int, high: int) -> dict[str, int]:
    return {s: rng.randint(low, high) for s in skills}


def _answer(
    rng: random.Random,
    knobs: Knobs,
    role: Role,
    kind: TaskKind,
    skills: tuple[str, ...],
    context: dict[str, Any],
    today: date,
) -> dict[str, Any] | None:
    if kind is TaskKind.SELF_ASSESSMENT:
        common = {
            "availability": rng.sample(SLOTS, 4),
            "format": rng.choice(("remote", "onsite", "hybrid")),
            "languages": ["fr"] if rng.random() < 0.7 else ["fr", "en"],
            "exchange": rng.sample(EXCHANGE_TOPICS, 2),
        }
        if role is Role.MENTOR:
            return {
                "levels": _levels(rng, skills, 2, 4),
                "capacity": rng.choice((1, 1, 2)),
                **common,
            }
        current = _levels(rng, skills, 0, 2)
        targets = {s: min(4, v + rng.randint(1, 2)) for s, v in current.items()}
        return {
            "levels": current,
            "targets": targets,
            "priorities": rng.sample(skills, min(3, len(skills))),
            **common,
        }
    if kind is TaskKind.ONBOARDING:
        return {"accepted": True}
    if kind is TaskKind.SESSION_AGENDA:
        return {
            "session_number": context["session_number"],
            "tried": "Un post publié" if rng.random() < 0.6 else "",
            "practise": "Préparer une présentation avec l’assistant",
        }
    if kind is TaskKind.CHEMISTRY:
        go = rng.random() >= knobs.no_go_rate
        return {"go": go, "reason": "" if go else "Pas d'affinité sur les objectifs"}
    if kind is TaskKind.GOALS_PROPOSE:
        return {
            "goals": [
                {
                    "objective": f"Progresser sur {skill}",
                    "kpi": "une publication par semaine",
                    "target_date": (today + timedelta(days=90)).isoformat(),
                }
                for skill in rng.sample(skills, rng.randint(1, min(3, len(skills))))
            ]
        }
    if kind is TaskKind.GOALS_CONFIRM:
        return {"confirmed": True}
    if kind is TaskKind.SESSION_LOG:
        held = rng.random() >= knobs.no_show_rate
        return {
            "session_number": context["session_number"],
            "held": held,
            "minutes": 60 if held else 0,
            "skills_covered": rng.sample(skills, min(2, len(skills))) if held else [],
            "progress_rating": rng.randint(2, 5) if held else None,
        }
    if kind is TaskKind.MIDPOINT_SURVEY:
        return {
            "satisfaction": rng.choice((2, 3, 4, 4, 5, 5)),
            "progress": rng.randint(2, 5),
            "wants_to_continue": rng.random() > 0.03,
        }
    if kind is TaskKind.FINAL_EVALUATION:
        answer: dict[str, Any] = {
            "satisfaction": rng.choice((3, 4, 4, 5, 5)),
            "nps": rng.choice((6, 7, 8, 9, 9, 10, 10)),
        }
        if role is Role.MENTEE:
            answer["levels"] = _levels(rng, skills, 1, 4)
            answer["kpi_attainment"] = [rng.randrange(40, 101, 10)]
        else:
            answer["learned_back"] = "Vision stratégique et prise de parole"
            answer["would_mentor_again"] = rng.random() < knobs.mentor_again_rate
        return answer
    return None


def synthetic_programme(participants: int, seed: int, starts_on: date) -> ProgrammeSpec:
    """A plausible cohort of `participants` people, half junior mentors, half senior mentees."""
    from domain.programme import Locale, MatchingSettings, Participant, participant_id
    from domain.skills import CATALOGUE

    if participants < 2:
        raise ValueError("a programme needs at least one mentor and one mentee")
    rng = random.Random(f"cohort:{seed}:{participants}")
    programme_id = f"simulation-{seed}-{participants}"
    departments = ("finance", "marketing", "operations", "legal", "it", "sales", "hr")
    people: list[Participant] = []
    mentees = participants // 2
    for n in range(participants):
        role = Role.MENTEE if n < mentees else Role.MENTOR
        email = f"{role.value}{n:05d}@example.com"
        manager = None
        if role is Role.MENTEE and n >= 10 and rng.random() < 0.3:
            manager = f"mentee{rng.randrange(0, n):05d}@example.com"
        people.append(
            Participant(
                id=participant_id(programme_id, email),
                email=email,
                name=f"{'Mentee' if role is Role.MENTEE else 'Mentor'} {n:05d}",
                role=role,
                department=rng.choice(departments),
                manager_email=manager,
                grade=rng.randint(6, 9) if role is Role.MENTEE else rng.randint(1, 3),
                locale=Locale.EN if rng.random() < 0.15 else Locale.FR,
            )
        )
    skills = ("linkedin", "generative-ai", "data-visualisation", "automation", "cybersecurity")
    return ProgrammeSpec(
        id=programme_id,
        name=f"Simulation {participants} participants (seed {seed})",
        starts_on=starts_on,
        skills=tuple(CATALOGUE[s] for s in skills),
        participants=tuple(people),
        coordinator_email="coordination@example.com",
        matching=MatchingSettings(auto_approve=True),
    )
