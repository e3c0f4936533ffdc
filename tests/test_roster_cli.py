"""`tandem roster` and `tandem task extend` as a coordinator runs them: real processes against the
time-skipping server, PostgreSQL and the SMTP sink, the exit code and the words read back."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from client.roster import Declined, NotDone, task_to_extend
from contracts.programme import ProgrammePhase
from domain.accounts import AuditAction, AuditOutcome
from domain.programme import Role, participant_id
from domain.programme_clock import DEFAULT_TIMEZONE
from domain.refusals import Refusal
from domain.tasks import TaskKind, TaskStatus
from store import audit
from store.participants import ParticipantStore
from store.programmes import ProgrammeStore
from store.tasks import TaskRecord, TaskStore
from tests.lifecycle_helpers import Stack, eventually, small_cohort, tandem_cli

WITHDREW = AuditAction.WITHDREW_PARTICIPANT


async def test_late_joiners_are_added_only_from_a_file_without_problems(
    stack: Stack, database_url: str, tmp_path: Path
) -> None:
    run = await stack.launch(small_cohort(4, sessions=2))
    programme = run.spec.id
    enrolled = run.spec.participants[0].email
    bad = tmp_path / "late.csv"
    bad.write_text(
        "email,name,role\n"
        "not-an-address,Sans Adresse,mentee\n"
        f"{enrolled.upper()},Déjà Là,mentor\n"
        "late.ok@example.com,Bien Formé,mentee\n",
        encoding="utf-8",
    )
    code, out, err = await tandem_cli(
        database_url, stack, "roster", "add", programme, "--file", str(bad)
    )
    assert code == 1, err
    assert f"{bad}:2: email: malformed e-mail address" in err.splitlines()
    assert f"{bad}:3: email: already enrolled in this programme" in err.splitlines()
    assert "Traceback" not in err and out == ""
    store = ParticipantStore(stack.pool)
    assert await store.get(participant_id(programme, "late.ok@example.com")) is None
    assert (await run.summary()).participants == 4

    good = tmp_path / "good.csv"
    good.write_text(
        "email;name;role;grade\nlate.mentee@example.com;Léa Tard;mentee;8\n"
        "late.mentor@example.com;Marc Tard;mentor;2\n",
        encoding="utf-8",
    )
    args = ("roster", "add", programme, "--file", str(good), "--json")
    code, out, err = await tandem_cli(database_url, stack, *args)
    assert code == 0, err
    shown = json.loads(out)
    assert shown["next"] == "participants_added" and shown["params"]["count"] == 2
    joiner = participant_id(programme, "late.mentee@example.com")
    assert joiner in shown["participant_ids"]
    stored = await store.get(joiner)
    assert stored is not None and stored.name == "Léa Tard" and stored.grade == 8
    summary = await run.summary()
    assert summary.participants == 6 and joiner in summary.late_joiner_ids
    await stack.wait_for_mails("self_assessment", "late.mentee@example.com")

    # A programme known but not running enrols nobody: nothing is kept of the file.
    idle = run.spec.model_copy(update={"id": f"{programme}-idle"})
    await ProgrammeStore(stack.pool).upsert(idle)
    code, out, err = await tandem_cli(
        database_url, stack, "roster", "add", idle.id, "--file", str(good)
    )
    assert code == 1 and f"no programme {idle.id!r} is running" in err
    assert await store.list_for_programme(idle.id) == []


async def test_withdraw_correct_an_address_and_extend_a_task(
    stack: Stack, database_url: str
) -> None:
    run = await stack.launch(small_cohort(4, sessions=2))
    programme = run.spec.id
    first, second = run.ids(Role.MENTEE)
    mentor = run.ids(Role.MENTOR)[0]
    await run.task(TaskKind.SELF_ASSESSMENT, first)
    await stack.wait_for_mails("self_assessment", run.email(first))

    # A corrected address gets the open links (the self-assessment and the concern link).
    code, out, err = await tandem_cli(
        database_url, stack, "roster", "change-email", programme, run.email(first), "x@y"
    )
    assert code == 1 and "malformed e-mail address" in err
    code, out, err = await tandem_cli(
        database_url,
        stack,
        "roster",
        "change-email",
        programme,
        run.email(first).upper(),
        "fixed@example.com",
    )
    assert code == 0, err
    assert "2 links sent to the new address" in out
    renewed = await stack.wait_for_mails("task_link_renewed", "fixed@example.com", count=2)
    assert len(renewed) == 2
    stored = await ParticipantStore(stack.pool).get(first)
    assert stored is not None and stored.email == "fixed@example.com"

    # A withdrawal: an unknown e-mail is refused, a second withdrawal too.
    withdraw = ("roster", "withdraw", programme)
    code, out, err = await tandem_cli(
        database_url, stack, *withdraw, "nobody@example.com", "--reason", "parti"
    )
    assert code == 1 and "nobody with the e-mail nobody@example.com" in err
    assert "Traceback" not in err
    reason = ("--reason", "a quitté le groupe")
    code, out, err = await tandem_cli(database_url, stack, *withdraw, run.email(mentor), *reason)
    assert code == 0, err
    assert (await run.summary()).withdrawn_ids == [mentor]

    async def marked() -> bool:  # so their links answer that they have left
        record = await ParticipantStore(stack.pool).get(mentor)
        return record is not None and record.withdrawn_at is not None

    await eventually(marked, "the participant marked withdrawn")
    code, out, err = await tandem_cli(database_url, stack, *withdraw, run.email(mentor), *reason)
    assert code == 1
    name = next(p.name for p in run.spec.participants if p.id == mentor)
    assert f"{name} has withdrawn from this programme" in err
    # Both attempts are in the programme's audit trail, attributed to the system account.
    trail = [e for e in await audit.read(stack.pool, programme) if e.action is WITHDREW]
    assert [(e.outcome, e.target, e.detail) for e in trail] == [
        (AuditOutcome.REFUSED, None, Refusal.PARTICIPANT_WITHDRAWN.value),
        (AuditOutcome.DONE, mentor, None),
    ]
    assert all(e.actor.startswith("cli:") for e in trail)
    # The workflow cannot count a sealed reason's letters: the command line counts them.
    leaving = (*withdraw, run.email(second), "--reason")
    code, out, err = await tandem_cli(database_url, stack, *leaving, "ok")
    assert code == 1 and "say why" in err, err
    code, out, err = await tandem_cli(database_url, stack, *leaving, "x" * 2001)
    assert code == 1 and "a reason holds at most 2000 characters" in err, err
    assert (await run.summary()).withdrawn_ids == [mentor]

    # A finished task keeps its deadline.
    task = await run.task(TaskKind.SELF_ASSESSMENT, second)
    await run.answer(task)

    async def done() -> bool:
        found = await TaskStore(stack.pool).get(task.task_id)
        return found is not None and found.status is TaskStatus.DONE

    await eventually(done, "the self-assessment recorded as done")
    extend = ("task", "extend", programme, run.email(second), "--days", "3")
    code, out, err = await tandem_cli(database_url, stack, *extend, "--task", "self_assessment")
    assert code == 1 and "this task is already done" in err
    # Without --task: the concern link has no deadline, so nothing is open to extend.
    code, out, err = await tandem_cli(database_url, stack, *extend)
    assert code == 1 and "no open task with a deadline" in err


async def test_a_pair_task_goes_to_its_pair_an_expired_self_assessment_reopens(
    stack: Stack, database_url: str
) -> None:
    run = await stack.launch(small_cohort(4, sessions=2))  # two mentees, two mentors
    late, mentee = run.ids(Role.MENTEE)
    missed = await run.task(TaskKind.SELF_ASSESSMENT, late)
    await run.until_phase(
        ProgrammePhase.RUNNING, max_days=15, skip=lambda t: t.task_id == missed.task_id
    )
    await run.accept_charters()
    task = await run.task(TaskKind.CHEMISTRY, mentee)
    extend = ("task", "extend", run.spec.id, run.email(mentee), "--days", "4")
    code, out, err = await tandem_cli(database_url, stack, *extend, "--json")  # its one open task
    assert code == 0, err
    shown = json.loads(out)
    assert shown["next"] == "task_extended" and shown["kind"] == "chemistry"
    later = task.due_at + timedelta(days=4)
    # The programme's date for it, in the programme's time zone.
    assert (
        shown["params"]["date"] == later.astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date().isoformat()
    )
    await stack.wait_for_mails("task_extended", run.email(mentee))
    moved = await TaskStore(stack.pool).get(task.task_id)
    assert moved is not None and moved.due_at == later
    code, out, err = await tandem_cli(database_url, stack, *extend, "--days", "90")
    assert code == 1 and "at most 60 days" in err

    # The programme reopens an expired self-assessment: a new window, a new link.
    expired = await TaskStore(stack.pool).get(missed.task_id)
    assert expired is not None and expired.status is TaskStatus.EXPIRED
    reopen = ("task", "extend", run.spec.id, run.email(late), "--task", "self_assessment")
    code, out, err = await tandem_cli(database_url, stack, *reopen, "--days", "5")
    assert code == 0, err
    assert "New deadline" in out
    await stack.wait_for_mails("self_assessment", run.email(late), count=2)


def _stored(kind: TaskKind, status: TaskStatus) -> TaskRecord:
    return TaskRecord(
        task_id=uuid.uuid4(),
        programme_id="pilote",
        participant_id="p1",
        kind=kind,
        workflow_id="pair:pilote:0001",
        update_name="answer",
        due_at=datetime(2027, 2, 1, tzinfo=UTC),
        status=status,
        issued_at=datetime(2027, 1, 20, tzinfo=UTC),
        closed_at=None,
    )


def test_thetask_to_extend_is_named_when_several_are_open() -> None:
    chemistry = _stored(TaskKind.CHEMISTRY, TaskStatus.OPEN)
    log = _stored(TaskKind.SESSION_LOG, TaskStatus.OPEN)
    concern = _stored(TaskKind.CONCERN, TaskStatus.OPEN)  # no deadline: never the default
    assert task_to_extend([chemistry, concern], None, "a@example.com") == chemistry
    with pytest.raises(NotDone, match=r"several open tasks \(chemistry, session_log\)"):
        task_to_extend([chemistry, log, concern], None, "a@example.com")
    assert task_to_extend([log, chemistry], TaskKind.CHEMISTRY, "a@example.com") == chemistry
    with pytest.raises(NotDone, match="has no midpoint_survey task"):
        task_to_extend([log], TaskKind.MIDPOINT_SURVEY, "a@example.com")
    cancelled = _stored(TaskKind.CHEMISTRY, TaskStatus.CANCELLED)
    with pytest.raises(Declined) as closed:
        task_to_extend([cancelled], TaskKind.CHEMISTRY, "a@example.com")
    assert closed.value.code is Refusal.TASK_CLOSED
    with pytest.raises(NotDone, match="no open task with a deadline"):
        task_to_extend([cancelled, concern], None, "a@example.com")
