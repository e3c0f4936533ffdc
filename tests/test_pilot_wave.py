"""A programme that follows a pilot (`follows:`): the pilot's willing mentors are invited first,
its pairs are not made again and its coordinator's bans stand; an unknown pilot starts nothing."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest

from activities.matching import MatchingActivities
from contracts.programme import MatchingRequest, MatchingView, ProgrammePhase
from control.files import load_programme
from control.launch import launch_programme
from domain.answers import CoordinatorCommand, PairCommand
from domain.events import EventType, RecordedEvent
from domain.matching import MatchingProposal
from domain.pilot import Person, facts_for_wave, invitation_order, read_pilot
from domain.programme import MatchingSettings, ProgrammeSpec, Role, participant_id
from domain.programme_file import ProgrammeFileError
from domain.tasks import TaskKind, TaskStatus
from store.events import EventStore
from store.programmes import ProgrammeStore
from store.tasks import TaskRecord
from tests.event_samples import sample
from tests.lifecycle_helpers import Run, Stack, small_cohort, tandem_cli
from tests.test_programme_file import PARTICIPANTS, PROGRAMME, write
from tests.test_web_pages import _issue, assert_accessible_form, launch, web

__all__ = ["web"]  # the task pages' client, a fixture
from workflows.programme import ProgrammeWorkflow

REVIEWED = MatchingSettings(auto_approve=False)
E = EventType
FINAL = E.FINAL_EVALUATION_SUBMITTED


def _recorded(n: int, type_: EventType, **data: object) -> RecordedEvent:
    return RecordedEvent.model_validate(
        {
            "position": n,
            "event_id": uuid.uuid4(),
            "stream_name": "pair-pilote-0001",
            "stream_position": n,
            "type": type_,
            "schema_version": 1,
            "data": sample(type_, **data),
            "metadata": {},
            "recorded_at": "2027-05-01T09:00:00+00:00",
        }
    )


def test_the_pilot_s_facts_follow_each_person_to_the_wave_by_address() -> None:
    log = read_pilot(
        [
            _recorded(1, E.PAIR_FORMED, mentor_id="m1", mentee_id="e1"),
            _recorded(2, E.PAIR_FORMED, mentor_id="m2", mentee_id="e2"),
            _recorded(3, E.MATCHING_REVISED, action="ban", mentor_id="m1", mentee_id="e2"),
            _recorded(4, E.MATCHING_REVISED, action="swap", mentor_id=None, mentee_id=None),
            _recorded(5, FINAL, role="mentor", participant_id="m1", would_mentor_again=True),
            _recorded(6, FINAL, role="mentor", participant_id="m2", would_mentor_again=False),
            # A mentee's answer never carries the question.
            _recorded(7, FINAL, role="mentee", participant_id="e1"),
        ]
    )
    pilot = [
        Person("m1", "Lea@example.com", "mentor"),
        Person("m2", "hugo@example.com", "mentor"),
        Person("e1", "isabelle@example.com", "mentee"),
        Person("e2", "marc@example.com", "mentee"),
    ]
    # The same people in the wave under the wave's ids, in the wave's order; Marc did not come.
    wave = [
        Person("w-e1", "isabelle@example.com", "mentee"),
        Person("w-m2", "hugo@example.com", "mentor"),
        Person("w-m1", "lea@example.com", "mentor"),
        Person("w-new", "nina@example.com", "mentor"),
    ]
    facts = facts_for_wave("pilote", log, pilot, wave)
    assert facts.returning == ("w-m1",)
    assert facts.banned == (("w-m1", "w-e1"),) and facts.pilot_pairs == 1
    # The returning mentors' invitations go first, everyone else's after, in the plan's order.
    order = ["w-e1", "w-m2", "w-m1", "w-new"]
    assert invitation_order(order, facts.returning) == ["w-m1", "w-e1", "w-m2", "w-new"]


def test_follows_is_read_with_its_line_and_a_programme_cannot_follow_itself(
    tmp_path: Path,
) -> None:
    spec = load_programme(write(tmp_path, PROGRAMME + "follows: pilote-2026\n"))
    assert (spec.follows, spec.follows_line) == ("pilote-2026", 6)
    assert spec.plan().follows == "pilote-2026"
    with pytest.raises(ProgrammeFileError) as error:
        load_programme(write(tmp_path, PROGRAMME + "follows: test-2027\n"))
    assert [str(p) for p in error.value.problems] == [
        f"{tmp_path / 'programme.yaml'}:6: follows: a programme cannot follow itself: name its "
        "pilot's id"
    ]
    with pytest.raises(ProgrammeFileError) as error:
        load_programme(write(tmp_path, PROGRAMME + "follows: Pilote 2026\n"))
    assert "programme.yaml:6: follows: 'Pilote 2026' is not a valid id" in str(error.value)


async def test_a_wave_whose_pilot_is_unknown_starts_nothing(
    stack: Stack, database_url: str, tmp_path: Path
) -> None:
    wave_id = f"vague-{uuid.uuid4().hex[:6]}"
    text = PROGRAMME.replace("test-2027", wave_id) + "follows: no-such-pilot\n"
    path = write(tmp_path, text, PARTICIPANTS)
    spec = load_programme(path)
    with pytest.raises(ProgrammeFileError) as error:
        await launch_programme(stack.client, stack.pool, spec, stack.task_queue)
    assert [str(p) for p in error.value.problems] == [
        f"{path}:6: follows: unknown pilot 'no-such-pilot': no programme with this id was started "
        "here; name the id in the pilot's programme file (the one `tandem programme status` "
        "takes)"
    ]
    assert await ProgrammeStore(stack.pool).get(wave_id) is None  # nothing was written
    # The coordinator's command line says the same, and starts nothing either.
    for command in ("validate", "start"):
        code, out, err = await tandem_cli(database_url, stack, "programme", command, str(path))
        assert code == 1, (out, err)
        assert f"{path}:6: follows: unknown pilot 'no-such-pilot'" in err
        assert "nothing was started" in err and "Traceback" not in err
    assert await ProgrammeStore(stack.pool).get(wave_id) is None


# ---- a pilot, rehearsed, then its wave --------------------------------------------------------


async def _matching(run: Run) -> MatchingView:
    return await run.handle.query(ProgrammeWorkflow.matching)


def _pairs(proposal: MatchingProposal | None) -> set[tuple[str, str]]:
    assert proposal is not None
    return {(p.mentor_id, p.mentee_id) for p in proposal.pairs}


async def _pilot(stack: Stack) -> tuple[Run, set[tuple[str, str]], tuple[str, str], str]:
    """A pilot of three pairs, rehearsed to its end: the pairs it made (by e-mail), the pair its
    coordinator banned (by e-mail) and the one mentor who would mentor again."""
    # Two sessions: the midpoint survey is over before the final evaluation opens.
    spec = small_cohort(6, seed=5, sessions=2).model_copy(update={"matching": REVIEWED})
    pilot = await stack.launch(spec, seed=5)
    await pilot.until_phase(ProgrammePhase.REVIEW, max_days=10)
    proposed = _pairs((await _matching(pilot)).proposal)
    mentors, mentees = pilot.ids(Role.MENTOR), pilot.ids(Role.MENTEE)
    ban = next((m, e) for m in mentors for e in mentees if (m, e) not in proposed)
    await pilot.handle.execute_update(
        "ban_pair",
        PairCommand(command_id="ban", mentor_id=ban[0], mentee_id=ban[1], reason="même équipe"),
        id="ban",
    )
    await pilot.handle.execute_update(
        "approve_matching", CoordinatorCommand(command_id="approve"), id="approve"
    )
    made = _pairs((await _matching(pilot)).proposal)
    # The mentor of one pair would mentor again, the others would not; they answer by hand.
    willing = sorted(m for m, _ in made)[0]

    def mentor_final(task: TaskRecord) -> bool:
        return task.kind is TaskKind.FINAL_EVALUATION and pilot.role(task.participant_id) is (
            Role.MENTOR
        )

    async def completed() -> bool:
        for task in await pilot.open_tasks(TaskKind.FINAL_EVALUATION):
            if mentor_final(task) and task.task_id not in pilot.answered:
                await pilot.answer(task, would_mentor_again=task.participant_id == willing)
        return (await pilot.summary()).phase is ProgrammePhase.COMPLETED

    await pilot.run_until(completed, "the pilot's end", max_days=80, skip=mentor_final)
    assert (await pilot.summary()).pairs_completed == len(made) == 3
    by_email = pilot.email
    return (
        pilot,
        {(by_email(m), by_email(e)) for m, e in made},
        (by_email(ban[0]), by_email(ban[1])),
        by_email(willing),
    )


def _wave_of(pilot: ProgrammeSpec) -> ProgrammeSpec:
    """The same people again, in a wave of their own that follows the pilot."""
    wave_id = f"vague-{uuid.uuid4().hex[:6]}"
    people = tuple(
        p.model_copy(update={"id": participant_id(wave_id, p.email)}) for p in pilot.participants
    )
    return pilot.model_copy(
        update={"id": wave_id, "participants": people, "follows": pilot.id, "name": "Vague 2"}
    )


async def test_a_wave_invites_the_pilot_s_willing_mentors_first_and_makes_none_of_its_pairs(
    stack: Stack,
) -> None:
    pilot, pilot_pairs, pilot_ban, willing = await _pilot(stack)
    mails_before = len(stack.mails("self_assessment"))
    spec = _wave_of(pilot.spec)
    wave = await stack.launch(spec, seed=5)
    ids = {p.email: p.id for p in spec.participants}

    # The returning mentor's invitation is the first one the wave sends.
    invited = await stack.wait_for_mails("self_assessment", count=mails_before + 6)
    order = [m.message["To"] for m in invited[mails_before:]]
    assert len(order) == 6 and willing in order[0], order
    assert (await wave.summary()).returning_mentor_ids == [ids[willing]]

    # Each answers as they did in the pilot: left to itself, the matching would meet again.
    pilot_answers = {
        pilot.email(t.participant_id): pilot.payload(t)
        for t in await pilot.tasks_ever(TaskKind.SELF_ASSESSMENT)
        if t.status is TaskStatus.DONE
    }
    for task in await wave.open_tasks(TaskKind.SELF_ASSESSMENT):
        same = pilot_answers[wave.email(task.participant_id)]
        await wave.send(
            task,
            same.model_copy(
                update={"task_id": task.task_id, "participant_id": task.participant_id}
            ),
        )
    await wave.until_phase(ProgrammePhase.REVIEW, max_days=10)
    view = await _matching(wave)
    named = {(ids[m], ids[e]) for m, e in pilot_pairs}
    banned = (ids[pilot_ban[0]], ids[pilot_ban[1]])
    assert view.returning == [ids[willing]]
    assert named | {banned} <= {tuple(b) for b in view.banned}
    proposed = _pairs(view.proposal)
    assert proposed and not proposed & (named | {banned})
    # Nor is a pilot pair a backup for a re-pairing after a no-go.
    assert view.proposal is not None
    backups = {(m, mentee) for mentee, ms in view.proposal.backups.items() for m in ms}
    assert not backups & (named | {banned})
    unbanned = await MatchingActivities(EventStore(stack.pool)).run_matching(
        MatchingRequest(plan=spec.plan())
    )
    assert _pairs(unbanned) & named, "without the pilot, the same answers meet again"
    # The wave's history says what it took from the pilot.
    followed = [e for e in await wave.events(f"programme-{spec.id}") if e.type == "PilotFollowed"]
    assert [e.data for e in followed] == [
        {
            "pilot_id": pilot.spec.id,
            "found": True,
            "returning": [ids[willing]],
            "pilot_pairs": 3,
            "pilot_bans": 1,
        }
    ]


async def test_the_mentor_s_final_evaluation_asks_whether_they_would_mentor_again(
    stack: Stack, web: httpx.AsyncClient
) -> None:
    run = await launch(stack)
    mentee, mentor = run.ids(Role.MENTEE)[0], run.ids(Role.MENTOR)[0]
    page = await web.get(await _issue(stack, run, mentor, TaskKind.FINAL_EVALUATION))
    assert page.status_code == 200
    assert_accessible_form(page.text, "fr")
    question = "Seriez-vous prêt(e) à être de nouveau mentor dans une prochaine vague\u00a0?"
    assert question in page.text
    assert page.text.count('name="would_mentor_again"') == 2  # yes and no, as radios
    # A mentee is not asked.
    theirs = await web.get(await _issue(stack, run, mentee, TaskKind.FINAL_EVALUATION))
    assert theirs.status_code == 200 and "would_mentor_again" not in theirs.text
