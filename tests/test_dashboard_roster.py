"""Roster changes from the coordinator's dashboard, in a real browser: late joiners from a CSV
(refused whole with every mistake at FILE:LINE), a withdrawal with its reason, and the counts."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Any

from contracts.programme import ProgrammePhase
from domain.accounts import AuditAction, AuditOutcome
from domain.answers import Acknowledgement, CoordinatorCommand
from domain.events import EventType, RecordedEvent
from domain.programme import Participant, Role, participant_id
from domain.report import build_report
from domain.roster import Enrolled, joining
from store import audit
from store.events import EventStore
from store.participants import ParticipantStore
from store.projections import Projector
from tests.browser_helpers import needs_browser
from tests.lifecycle_helpers import Stack, eventually, small_cohort
from tests.test_dashboard import PASSWORD, SECRET, SETTINGS
from tests.test_web_browser import serving
from web.app import create_app

HEADER = "email,name,role,department,grade,locale\n"
LATE = (
    HEADER
    + "lea.tardive@example.com,Léa Tardive,mentee,communication,8,fr\n"
    + "marc.tardif@example.com,Marc Tardif,mentor,communication,2,fr\n"
)
WRONG = (
    HEADER
    + "lea.tardive@example.com,Léa Tardive,mentee,communication,8,fr\n"
    + "marc.tardif-at-example.com,Marc Tardif,mentor,communication,2,fr\n"
)


@needs_browser
async def test_a_coordinator_adds_late_joiners_and_withdraws_someone(
    stack: Stack, browser: Any, tmp_path: Path
) -> None:
    spec = small_cohort(6, sessions=2)
    run = await stack.launch(spec)
    await run.until_phase(ProgrammePhase.REVIEW, max_days=10)
    approve = CoordinatorCommand(command_id=f"approve-{uuid.uuid4()}")
    await run.handle.execute_update(
        "approve_matching", approve, id=approve.command_id, result_type=Acknowledgement
    )
    await run.until_phase(ProgrammePhase.RUNNING, max_days=2)
    await Projector(stack.pool).catch_up()
    people = ParticipantStore(stack.pool)
    wrong, late = tmp_path / "retardataires.csv", tmp_path / "late.csv"
    wrong.write_text(WRONG, encoding="utf-8")
    late.write_text(LATE, encoding="utf-8")

    app = create_app(client=stack.client, pool=stack.pool, secret=SECRET, dashboard=SETTINGS)
    async with serving(app) as base:
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(f"{base}/coordinator/p/{spec.id}")
        await page.get_by_label("Adresse e-mail du compte").fill("admin")
        await page.get_by_label("Mot de passe").fill(PASSWORD)
        await page.get_by_role("button", name="Se connecter").click()
        assert await page.get_by_role("heading", level=1).inner_text() == spec.name

        # A file with one mistake: every mistake listed where it is, and nobody added.
        upload = page.get_by_label("Fichier CSV des nouveaux participants")
        await upload.set_input_files(str(wrong))
        await page.get_by_role("button", name="Ajouter ces participants").click()
        alert = await page.get_by_role("alert").inner_text()
        assert "Personne n’a été ajouté" in alert, alert
        assert "retardataires.csv:3: email: malformed e-mail address" in alert, alert
        field = page.get_by_label("Fichier CSV des nouveaux participants")
        assert await field.get_attribute("aria-invalid") == "true"
        assert "add-error" in (await field.get_attribute("aria-describedby") or "")
        assert len(await people.list_for_programme(spec.id)) == 6
        assert (await run.summary()).late_joiner_ids == []

        # The corrected file: stored, sent to the programme, the notice says when they match.
        await upload.set_input_files(str(late))
        await page.get_by_role("button", name="Ajouter ces participants").click()
        notice = await page.get_by_role("status").inner_text()
        added = re.fullmatch(
            r"C’est fait\s: 2 participants ajoutés\s; appariement .* le (.+)\.", notice
        )
        assert added, notice
        summary = await run.summary()
        assert summary.next_top_up is not None and len(summary.late_joiner_ids) == 2
        assert re.search(rf"\b{summary.next_top_up.day}\b", added[1]), notice
        roster = page.get_by_role("table").filter(has_text="Léa Tardive")
        row = roster.get_by_role("row", name=re.compile("Léa Tardive"))
        assert "arrivé en cours de programme" in await row.inner_text()
        assert await roster.get_by_role("row", name=re.compile("Marc Tardif")).count() == 1
        assert len(await people.list_for_programme(spec.id)) == 8
        # The same file again: refused before anything is stored.
        await page.get_by_label("Fichier CSV des nouveaux participants").set_input_files(str(late))
        await page.get_by_role("button", name="Ajouter ces participants").click()
        notice = await page.get_by_role("status").inner_text()
        assert notice == "Refusé\u00a0: Léa Tardive participe déjà à ce programme", notice
        assert len(await people.list_for_programme(spec.id)) == 8
        counts = page.locator("#participants + p")
        assert "arrivés en cours de programme\u00a0: 2" in await counts.inner_text()

        # A withdrawal, with its reason: they are shown as having left.
        mentee = summary.pairs[0].mentee_id  # someone in a pair
        name = next(p.name for p in spec.participants if p.id == mentee)
        await page.get_by_role("link", name=f"Retirer {name} du programme").click()
        form_url = page.url
        await page.get_by_label("Pourquoi (conservé au dossier").fill("A quitté l’entreprise")
        await page.get_by_role("button", name=f"Retirer {name}").click()
        notice = await page.get_by_role("status").inner_text()
        assert notice.startswith(
            f"C’est fait\u00a0: {name} a quitté le programme. Départ enregistré"
        ), notice
        row = page.get_by_role("row", name=re.compile(re.escape(name)))
        assert "retiré du programme" in await row.first.inner_text()
        assert await page.get_by_role("link", name=f"Retirer {name} du programme").count() == 0
        assert (await run.summary()).withdrawn_ids == [mentee]
        assert (await counts.inner_text()).startswith("Retirés\u00a0: 1")
        # Their pair's page says they left.
        pair_page = f"/coordinator/p/{spec.id}/pairs/{summary.pairs[0].pair_id}"

        async def pair_projected() -> bool:
            await Projector(stack.pool).catch_up()
            shown = await page.goto(f"{base}{pair_page}")
            return shown is not None and bool(shown.status == 200)

        await eventually(pair_projected, "the pair in the read models")
        assert await page.get_by_text(f"{name} a quitté le programme.").count() == 1

        # The same form again (another tab left open): refused, in words.
        await page.goto(form_url)
        await page.get_by_label("Pourquoi (conservé au dossier").fill("Deuxième fois")
        await page.get_by_role("button", name=f"Retirer {name}").click()
        notice = await page.get_by_role("status").inner_text()
        assert notice == f"Refusé\u00a0: {name} a quitté ce programme", notice

        # The report counts them too, from the programme's log.
        async def logged() -> bool:
            events = await EventStore(stack.pool).read_programme(spec.id)
            return any(e.type == EventType.PARTICIPANT_WITHDRAWN for e in events)

        await eventually(logged, "the withdrawal in the log")
        await page.goto(f"{base}/coordinator/p/{spec.id}/report")
        withdrawn = page.get_by_role("row", name=re.compile("Retirés du programme"))
        assert (await withdrawn.inner_text()).split()[-1] == "1"
        joined = page.get_by_role("row", name=re.compile("^Arrivés en cours de programme"))
        assert (await joined.inner_text()).split()[-1] == "2"

        # The same in English.
        await page.goto(f"{base}/coordinator/p/{spec.id}?lang=en")
        english = await page.locator("#participants + p").inner_text()
        assert english.startswith("Withdrawn: 1 · joined late: 2"), english
        row = page.get_by_role("row", name=re.compile(re.escape(name)))
        assert "withdrawn" in await row.first.inner_text()
        assert await page.get_by_label("CSV file of the new participants").count() == 1
        await context.close()

    entries = await audit.read(stack.pool, spec.id)
    mine = [
        (e.action, e.outcome, e.detail)
        for e in reversed(entries)
        if e.action in (AuditAction.ADDED_PARTICIPANTS, AuditAction.WITHDREW_PARTICIPANT)
    ]
    assert mine == [
        (AuditAction.ADDED_PARTICIPANTS, AuditOutcome.REFUSED, "file_problems"),
        (AuditAction.ADDED_PARTICIPANTS, AuditOutcome.DONE, None),
        (AuditAction.ADDED_PARTICIPANTS, AuditOutcome.REFUSED, "already_enrolled"),
        (AuditAction.WITHDREW_PARTICIPANT, AuditOutcome.DONE, None),
        (AuditAction.WITHDREW_PARTICIPANT, AuditOutcome.REFUSED, "participant_withdrawn"),
    ]


def _event(position: int, stream: str, type_: EventType, **data: Any) -> RecordedEvent:
    return RecordedEvent(
        position=position,
        event_id=uuid.uuid4(),
        stream_name=stream,
        stream_position=0,
        type=type_.value,
        schema_version=1,
        data=data,
        metadata={},
        recorded_at=None,
    )


def test_the_report_counts_late_joiners_withdrawals_and_new_partners() -> None:
    due = "2026-03-02T09:00:00+00:00"
    enrolled = {"programme_id": "p", "locale": "fr"}
    events = [
        _event(1, "participant-a", EventType.PARTICIPANT_ENROLLED, role="mentee", **enrolled),
        _event(2, "participant-m", EventType.PARTICIPANT_ENROLLED, role="mentor", **enrolled),
        _event(3, "participant-n", EventType.PARTICIPANT_ENROLLED, role="mentor", **enrolled),
        _event(4, "pair-1", EventType.PAIR_FORMED, mentor_id="m", mentee_id="a", chemistry_due=due),
        _event(
            5, "participant-l", EventType.PARTICIPANT_ENROLLED, role="mentee", late=True, **enrolled
        ),
        _event(
            6, "participant-k", EventType.PARTICIPANT_ENROLLED, role="mentor", late=True, **enrolled
        ),
        _event(7, "participant-m", EventType.PARTICIPANT_WITHDRAWN, reason="left", phase="running"),
        # The mentee gets the late mentor; the late mentee is paired with the other mentor.
        _event(8, "pair-2", EventType.PAIR_FORMED, mentor_id="k", mentee_id="a", chemistry_due=due),
        _event(9, "pair-3", EventType.PAIR_FORMED, mentor_id="n", mentee_id="l", chemistry_due=due),
    ]
    report = build_report("p", events, [])
    assert (report.withdrawn, report.late_joiners) == (1, 2)
    assert (report.late_joiners_paired, report.partners_repaired) == (2, 1)


def test_a_late_joiner_s_management_chain_reaches_the_people_already_enrolled() -> None:
    def person(email: str, role: Role, manager: str | None = None) -> Participant:
        return Participant(
            id=participant_id("p", email),
            email=email,
            name=email.split("@")[0],
            role=role,
            manager_email=manager,
        )

    boss = person("boss@example.com", Role.MENTOR, manager="chief@example.com")
    junior = person("junior@example.com", Role.MENTEE, manager="boss@example.com")
    chief = person("chief@example.com", Role.MENTOR)
    other = person("other@example.com", Role.MENTEE)
    enrolled = [Enrolled(p.id, p.email, p.manager_email) for p in (junior, chief, other)]
    refs, chains = joining(enrolled, [boss])
    # The new manager sits between two enrolled people: above one, below the other.
    assert [r.above for r in refs] == [(chief.id,)]
    assert chains == {junior.id: tuple(sorted((boss.id, chief.id)))}
