"""What a task's form needs beyond the task row: skill labels, the pair's goals, the programme's
limits. Looked up from the programme as filed and the pair's earlier answers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import asyncpg
from pydantic import ValidationError
from temporalio.client import Client, WorkflowQueryFailedError
from temporalio.service import RPCError

from credentials.keyring import Keyring
from domain.programme import Durations
from domain.skills import skill_labels as labels_of
from domain.tasks import TaskKind
from store.participants import ParticipantRecord
from store.programmes import ProgrammeRecord
from store.tasks import TaskRecord
from store.web_queries import proposed_goals
from web.forms import SkillChoice, TaskContext
from web.guide_texts import onboarding_documents

_NEEDS_GOALS = (TaskKind.GOALS_CONFIRM, TaskKind.FINAL_EVALUATION)
# Forms that show the pair's sessions or slots as its workflow has them now.
_ASKS_THE_PAIR = (TaskKind.PAIR_MANAGE, TaskKind.CHEMISTRY)


def skill_labels(programme: ProgrammeRecord | None, locale: str) -> dict[str, str]:
    """Skill id -> label: the programme's own skills first, then the built-in catalogue."""
    return labels_of(programme.spec.get("skills") or () if programme else (), locale)


async def pair_status(client: Client, task: TaskRecord) -> dict[str, Any]:
    """The pair's status, asked of its workflow; empty if it cannot answer now."""
    try:
        status: dict[str, Any] = await client.get_workflow_handle(task.workflow_id).query(
            "status", rpc_timeout=timedelta(seconds=2)
        )
    except (RPCError, WorkflowQueryFailedError):
        return {}
    return status


def upcoming_themes(status: dict[str, Any]) -> tuple[tuple[int, str | None], ...]:
    """The theme (skill id, None for the review) of each session still ahead that has one."""
    return tuple(
        (int(s["number"]), s["theme"].get("skill"))
        for s in status.get("upcoming_sessions") or ()
        if isinstance(s.get("theme"), dict)
    )


def upcoming_sessions(status: dict[str, Any]) -> tuple[tuple[int, datetime], ...]:
    """The pair's sessions still ahead."""
    return tuple(
        (int(s["number"]), datetime.fromisoformat(str(s["at"])))
        for s in status.get("upcoming_sessions") or ()
    )


async def load_task_context(
    client: Client,
    pool: asyncpg.Pool,
    task: TaskRecord,
    participant: ParticipantRecord | None,
    programme: ProgrammeRecord | None,
    locale: str,
    keyring: Keyring,
) -> TaskContext:
    labels = skill_labels(programme, locale)
    spec: dict[str, Any] = programme.spec if programme else {}
    # The self-assessment names its skills; later forms use the programme's.
    skill_ids = task.context.get("skills") or [
        s["id"] for s in spec.get("skills") or () if isinstance(s, dict) and "id" in s
    ]
    role = str(task.context.get("role") or (participant.role if participant else "mentee"))
    goals: list[dict[str, Any]] = []
    if task.kind in _NEEDS_GOALS:
        context_goals = task.context.get("goals")
        goals = (
            list(context_goals)
            if isinstance(context_goals, list)
            else await proposed_goals(pool, task.workflow_id)
        )
        goals = await keyring.open_tree(goals)
    status = await pair_status(client, task) if task.kind in _ASKS_THE_PAIR else {}
    try:
        durations = Durations.model_validate(spec.get("durations") or {})
    except ValidationError:  # a programme filed by a newer version: its limits are not ours
        durations = Durations()
    return TaskContext(
        role=role,
        skills=tuple(SkillChoice(str(s), labels.get(str(s), str(s))) for s in skill_ids),
        goals=tuple(goals),
        sessions=int(spec.get("sessions") or 12),
        max_pause_days=durations.max_pause_days,
        # In programme time already: the pair's status gives them as its e-mails do.
        upcoming=upcoming_sessions(status),
        # The pair's slot now: a partner who answered first may have chosen another one.
        slots=tuple(str(s) for s in status.get("slot_options") or task.context.get("slots") or ()),
        slot=str(status.get("slot") or task.context.get("proposed_slot") or ""),
        themes=upcoming_themes(status),
        documents=onboarding_documents(spec, role, locale)
        if task.kind is TaskKind.ONBOARDING
        else (),
    )
