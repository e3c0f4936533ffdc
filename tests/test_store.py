"""The store against a real PostgreSQL: each test gets a fresh, migrated database (conftest)."""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg
import pytest

from domain.events import EventType, NewEvent, pair_stream, programme_stream
from domain.programme import Participant, ProgrammeSpec, Role, Skill
from domain.tasks import TaskClosure, TaskKind, TaskSpec, TaskStatus
from store.db import create_pool, migrate, migration_files
from store.events import ANY, NO_STREAM, ConcurrencyError, EventStore
from store.participants import EmailTaken, ParticipantStore
from store.programmes import ProgrammeStore
from store.sent_mail import SentMailLog
from store.tasks import TaskStore
from tests.event_samples import sample


def ev(stream: str, type_: EventType = EventType.SESSION_MISSED, **data: object) -> NewEvent:
    """An event of `type_` with its sample data, `data` changed."""
    return NewEvent(event_id=uuid4(), stream_name=stream, type=type_, data=sample(type_, **data))


# --- migrations ------------------------------------------------------------------------------


async def test_migrate_again_is_a_no_op(pool: asyncpg.Pool) -> None:
    assert await migrate(pool) == []
    names = [r["name"] for r in await pool.fetch("SELECT name FROM schema_migrations")]
    assert sorted(names) == [p.name for p in migration_files()]


async def test_concurrent_migrations_apply_each_file_once(empty_database: str) -> None:
    pools = [await create_pool(empty_database, max_size=2) for _ in range(3)]
    try:
        results = await asyncio.gather(*(migrate(p) for p in pools))
        expected = [p.name for p in migration_files()]
        assert sorted(results, key=len) == [[], [], expected]
        assert await pools[0].fetchval("SELECT count(*) FROM schema_migrations") == len(expected)
    finally:
        for p in pools:
            await p.close()


# --- events: append and read -----------------------------------------------------------------


async def test_append_then_read_stream_in_order(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    stream = pair_stream("p", "a1")
    when = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)
    events = [ev(stream, EventType.SESSION_SCHEDULED, session_number=i, at=when) for i in range(5)]
    positions = await store.append(events, metadata={"workflow_id": "wf-1"})

    assert positions == sorted(positions) and len(set(positions)) == 5
    read = await store.read_stream(stream)
    assert [e.stream_position for e in read] == [0, 1, 2, 3, 4]
    assert [e.position for e in read] == positions
    assert [e.event_id for e in read] == [e.event_id for e in events]
    assert all(isinstance(e.event_id, UUID) and type(e.event_id) is UUID for e in read)
    assert read[2].type == "SessionScheduled"
    assert read[2].data == {"session_number": 2, "at": when.isoformat()}
    assert read[0].metadata == {"workflow_id": "wf-1"}
    assert read[0].schema_version == 1
    assert read[0].recorded_at.tzinfo is not None
    assert await store.read_stream("pair-nobody") == []


async def test_event_metadata_wins_over_call_metadata(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    event = NewEvent(
        event_id=uuid4(),
        stream_name="pair-m",
        type=EventType.PAIR_FORMED,
        data=sample(EventType.PAIR_FORMED),
        metadata={"actor": "coordinator"},
    )
    await store.append([event], metadata={"actor": "system", "workflow_id": "wf"})
    (read,) = await store.read_stream("pair-m")
    assert read.metadata == {"actor": "coordinator", "workflow_id": "wf"}


async def test_reappending_the_same_events_returns_the_original_positions(
    pool: asyncpg.Pool,
) -> None:
    store = EventStore(pool)
    events = [ev("pair-r") for _ in range(3)]
    first = await store.append(events)
    assert await store.append(events) == first
    assert await store.append(list(reversed(events))) == list(reversed(first))
    assert await store.count() == 3


async def test_a_partially_new_batch_writes_only_the_new_events(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    old = [ev("pair-p") for _ in range(2)]
    old_positions = await store.append(old)
    new = [ev("pair-p") for _ in range(2)]
    positions = await store.append([old[0], new[0], old[1], new[1]])

    assert positions[0] == old_positions[0] and positions[2] == old_positions[1]
    assert old_positions[1] < positions[1] < positions[3]
    read = await store.read_stream("pair-p")
    assert [e.event_id for e in read] == [old[0].event_id, old[1].event_id] + [
        e.event_id for e in new
    ]
    assert [e.stream_position for e in read] == [0, 1, 2, 3]


async def test_an_id_repeated_within_a_batch_is_written_once(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    a, b = ev("pair-d"), ev("pair-d")
    positions = await store.append([a, b, a])
    assert positions[0] == positions[2] != positions[1]
    assert await store.count() == 2


async def test_a_batch_may_span_streams_with_any(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    events = [ev("pair-x"), ev("participant-y"), ev("pair-x")]
    positions = await store.append(events)
    assert positions == sorted(positions)
    assert [e.stream_position for e in await store.read_stream("pair-x")] == [0, 1]
    assert [e.stream_position for e in await store.read_stream("participant-y")] == [0]


async def test_expected_version_needs_a_single_stream(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    with pytest.raises(ValueError, match="single stream"):
        await store.append([ev("pair-x"), ev("pair-y")], expected_version=NO_STREAM)
    with pytest.raises(ValueError):
        await store.append([ev("pair-x")], expected_version=-3)
    assert await store.count() == 0


async def test_empty_append_is_a_no_op(pool: asyncpg.Pool) -> None:
    assert await EventStore(pool).append([]) == []


# --- events: optimistic concurrency ----------------------------------------------------------


async def test_expected_version(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    stream = programme_stream("p1")
    first = [ev(stream, EventType.PROGRAMME_LAUNCHED)]
    await store.append(first, expected_version=NO_STREAM)

    with pytest.raises(ConcurrencyError) as no_stream:
        await store.append([ev(stream)], expected_version=NO_STREAM)
    assert "programme-p1" in str(no_stream.value) and "actual version 0" in str(no_stream.value)
    assert (no_stream.value.expected, no_stream.value.actual) == (NO_STREAM, 0)

    await store.append([ev(stream), ev(stream)], expected_version=0)
    with pytest.raises(ConcurrencyError) as wrong:
        await store.append([ev(stream), ev(stream)], expected_version=1)
    assert (wrong.value.stream_name, wrong.value.expected, wrong.value.actual) == (stream, 1, 2)
    assert "expected version 1" in str(wrong.value)
    assert await store.count() == 3  # nothing written by the refused appends

    # A retry of a committed append succeeds whatever the stream's version has become since.
    assert await store.append(first, expected_version=NO_STREAM) == [
        (await store.read_stream(stream))[0].position
    ]


async def test_expected_version_is_checked_for_a_partially_new_batch(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    old = ev("pair-v")
    await store.append([old], expected_version=NO_STREAM)
    with pytest.raises(ConcurrencyError):
        await store.append([old, ev("pair-v")], expected_version=NO_STREAM)
    await store.append([old, ev("pair-v")], expected_version=0)
    assert await store.count("pair-v") == 2


async def test_concurrent_appends_to_one_stream_are_gap_free(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    stream = pair_stream("p", "busy")
    batches = [[ev(stream, session_number=b) for _ in range(3)] for b in range(20)]
    await asyncio.gather(*(store.append(batch, expected_version=ANY) for batch in batches))

    read = await store.read_stream(stream)
    assert [e.stream_position for e in read] == list(range(60))
    positions = [e.position for e in read]
    assert positions == sorted(positions)  # stream order and global order agree
    # Appends are serialised: each batch lands contiguously.
    for chunk in range(0, 60, 3):
        assert len({e.data["session_number"] for e in read[chunk : chunk + 3]}) == 1
    everything = await store.read_all()
    assert all(a.position < b.position for a, b in itertools.pairwise(everything))
    assert len(everything) == 60


async def test_appends_never_scan_the_log(pool: asyncpg.Pool) -> None:
    """An append finds the ids it carries by their index: PL/pgSQL keeps the plan it made while
    the log was small, and a scan of the log in it would cost more at every append."""
    store = EventStore(pool)
    await store.append([ev(f"pair-old{n}") for n in range(200)])
    scans = "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'events'"
    # In one transaction: a backend's counts reach pg_stat_xact_user_tables as they happen, and
    # leave it (for pg_stat_user_tables) only once the backend is idle outside a transaction.
    async with pool.acquire() as conn, conn.transaction():
        before = await conn.fetchval(scans)
        on_one_connection = EventStore(conn)
        for n in range(20):
            await on_one_connection.append([ev("pair-scan")], expected_version=n - 1)
        await on_one_connection.append([ev("pair-scan"), ev("pair-other")])
        assert await conn.fetchval(scans) == before


async def test_only_one_of_racing_appends_with_the_same_expected_version_wins(
    pool: asyncpg.Pool,
) -> None:
    store = EventStore(pool)
    await store.append([ev("pair-race")])
    results = await asyncio.gather(
        *(store.append([ev("pair-race")], expected_version=0) for _ in range(8)),
        return_exceptions=True,
    )
    assert sum(isinstance(r, list) for r in results) == 1
    assert sum(isinstance(r, ConcurrencyError) for r in results) == 7
    assert await store.count() == 2


async def test_a_reader_following_positions_never_skips_an_event(pool: asyncpg.Pool) -> None:
    """Projections read `after_position=last_seen`; a late commit of a smaller position would be
    lost to them. Appends race a polling reader; the reader must see every event."""
    store = EventStore(pool)
    done = asyncio.Event()
    seen: list[int] = []

    async def follow() -> None:
        last = 0
        while True:
            finished = done.is_set()
            batch = await store.read_all(after_position=last, limit=50)
            seen.extend(e.position for e in batch)
            if batch:
                last = batch[-1].position
            elif finished:
                return

    async def write(n: int) -> None:
        for i in range(10):
            await store.append([ev(f"pair-w{n}", session_number=i), ev(f"participant-w{n}")])

    reader = asyncio.create_task(follow())
    await asyncio.gather(*(write(n) for n in range(8)))
    done.set()
    await reader
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 160
    assert seen == [e.position for e in await store.read_all(limit=1000)]


# --- events: append-only ---------------------------------------------------------------------


async def test_events_cannot_be_updated_or_deleted(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    await store.append([ev("pair-ro")])
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await pool.execute("UPDATE events SET type = 'Forged'")
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await pool.execute("DELETE FROM events")
    assert [e.type for e in await store.read_stream("pair-ro")] == ["SessionMissed"]


# --- events: queries -------------------------------------------------------------------------


async def test_read_all_pages_by_position(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    positions = await store.append([ev(f"pair-{i % 3}") for i in range(10)])
    page1 = await store.read_all(limit=4)
    page2 = await store.read_all(after_position=page1[-1].position, limit=4)
    page3 = await store.read_all(after_position=page2[-1].position, limit=4)
    assert [e.position for e in page1 + page2 + page3] == positions
    assert len(page3) == 2
    assert await store.read_all(after_position=positions[-1]) == []


async def test_a_batch_of_a_thousand_events(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    events = [ev(f"pair-{i % 50}", session_number=i) for i in range(1000)]
    started = time.perf_counter()
    positions = await store.append(events)
    elapsed = time.perf_counter() - started
    assert positions == sorted(positions) and len(positions) == 1000
    assert [e.stream_position for e in await store.read_stream("pair-7")] == list(range(20))
    assert elapsed < 5, f"1,000 events took {elapsed:.2f}s"


async def test_count_and_stream_names_by_prefix(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    await store.append(
        [ev("pair-a"), ev("pair-a"), ev("pair-b"), ev("participant-a"), ev("pairXc")]
    )
    assert await store.count() == 5
    assert await store.count("pair-") == 3
    assert await store.count("participant-") == 1
    assert await store.count("nothing-") == 0
    assert await store.stream_names("pair-") == ["pair-a", "pair-b"]
    # "_" and "%" are literal characters of a prefix, not LIKE wildcards.
    await store.append([ev("pair_z"), ev("pa%r-q")])
    assert await store.stream_names("pair_") == ["pair_z"]
    assert await store.count("pa%") == 1


async def test_latest_by_type(pool: asyncpg.Pool) -> None:
    store = EventStore(pool)
    a, b, c = pair_stream("p", "a"), pair_stream("p", "b"), pair_stream("p", "c")
    await store.append(
        [
            ev(a, EventType.SESSION_LOGGED, session_number=1),
            ev(b, EventType.SESSION_LOGGED, session_number=1),
            ev(a, EventType.SESSION_LOGGED, session_number=2),
            ev(a, EventType.PAIR_AT_RISK),
            ev(c, EventType.PAIR_FORMED),
        ]
    )
    latest = await store.latest_by_type(EventType.SESSION_LOGGED, [a, b, c, "pair-none"])
    assert set(latest) == {a, b}
    assert latest[a].data["session_number"] == 2 and latest[b].data["session_number"] == 1
    assert await store.latest_by_type("SessionLogged", []) == {}


# --- programmes and participants -------------------------------------------------------------


def _participants(programme_id: str, n: int) -> list[Participant]:
    return [
        Participant(
            id=f"p{i:05d}",
            email=f"person{i}@example.org",
            name=f"Person {i}",
            role=Role.MENTOR if i % 2 else Role.MENTEE,
            department="IT" if i % 3 else None,
            manager_email=f"boss{i % 7}@example.org" if i % 5 else None,
            grade=i % 10 if i % 4 else None,
        )
        for i in range(n)
    ]


def _programme(programme_id: str = "prog-1") -> ProgrammeSpec:
    return ProgrammeSpec(
        id=programme_id,
        name="Tandem 2025",
        starts_on=date(2025, 3, 3),
        skills=(Skill(id="ai", label_fr="IA", label_en="AI"),),
        participants=tuple(_participants(programme_id, 2)),
        coordinator_email="coord@example.org",
        coordinators=("Coord@Example.org", "anne@example.org"),
    )


async def test_programme_upsert_inserts_once(pool: asyncpg.Pool) -> None:
    store = ProgrammeStore(pool)
    spec = _programme()
    assert await store.upsert(spec) is True
    assert await store.upsert(spec.model_copy(update={"name": "Renamed"})) is False
    record = await store.get("prog-1")
    assert record is not None
    assert (record.name, record.locale, record.coordinator_email) == (
        "Tandem 2025",
        "fr",
        "coord@example.org",
    )
    assert "participants" not in record.spec
    assert record.spec["starts_on"] == "2025-03-03"
    stored = ProgrammeSpec.model_validate({**record.spec, "participants": []})
    assert stored.skills == spec.skills
    # Which coordinator accounts see the programme is read back from the stored spec.
    assert stored.coordinators == ("coord@example.org", "anne@example.org")
    old = {key: value for key, value in record.spec.items() if key != "coordinators"}
    assert ProgrammeSpec.model_validate({**old, "participants": []}).coordinators == ()
    assert await store.get("missing") is None


async def test_participants_upsert_five_thousand(pool: asyncpg.Pool) -> None:
    store = ParticipantStore(pool)
    people = _participants("prog-1", 5000)
    started = time.perf_counter()
    assert await store.upsert_many("prog-1", people) == 5000
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"5,000 participants took {elapsed:.2f}s"

    p = await store.get("p00007")
    assert p is not None
    assert (p.programme_id, p.email, p.name, p.role, p.locale) == (
        "prog-1",
        "person7@example.org",
        "Person 7",
        "mentor",
        "fr",
    )
    assert (p.department, p.manager_email, p.grade) == ("IT", "boss0@example.org", 7)
    empty = await store.get("p00000")
    assert empty is not None and (empty.department, empty.manager_email, empty.grade) == (
        None,
        None,
        None,
    )
    assert await store.get("nobody") is None

    many = await store.get_many(["p00001", "p04999", "nobody"])
    assert set(many) == {"p00001", "p04999"}
    assert len(await store.list_for_programme("prog-1")) == 5000
    assert await store.list_for_programme("other") == []
    assert await store.get_many([]) == {}


async def test_participants_upsert_updates_existing_rows(pool: asyncpg.Pool) -> None:
    store = ParticipantStore(pool)
    people = _participants("prog-1", 3)
    await store.upsert_many("prog-1", people)
    renamed = people[1].model_copy(update={"name": "New Name", "email": "new@example.org"})
    # A repeated id in one call keeps its last occurrence.
    assert await store.upsert_many("prog-1", [people[1], renamed]) == 1
    p = await store.get(people[1].id)
    assert p is not None and (p.name, p.email) == ("New Name", "new@example.org")
    assert await store.upsert_many("prog-1", []) == 0


async def test_change_email_raises_the_link_generation(pool: asyncpg.Pool) -> None:
    store = ParticipantStore(pool)
    await store.upsert_many("prog-1", _participants("prog-1", 3))
    before = await store.get("p00001")
    assert before is not None and (before.link_generation, before.withdrawn_at) == (0, None)

    changed = await store.change_email("p00001", " corrected@example.org ")
    assert changed is not None
    assert (changed.email, changed.link_generation) == ("corrected@example.org", 1)
    assert changed.model_copy(update={"email": before.email, "link_generation": 0}) == before
    assert await store.get("p00001") == changed
    again = await store.change_email("p00001", "twice@example.org")
    assert again is not None and again.link_generation == 2
    # The same address again (a retried correction) keeps the links mailed since.
    assert await store.change_email("p00001", "twice@example.org") == again
    # Nobody else moves.
    other = await store.get("p00002")
    assert other is not None and other.link_generation == 0
    assert await store.change_email("nobody", "x@example.org") is None


async def test_change_email_refuses_an_address_another_participant_has(
    pool: asyncpg.Pool,
) -> None:
    store = ParticipantStore(pool)
    await store.upsert_many("prog-1", _participants("prog-1", 3))
    await store.upsert_many(
        "prog-2",
        [
            _participants("prog-2", 1)[0].model_copy(
                update={"id": "q1", "email": "elsewhere@example.org"}
            )
        ],
    )
    with pytest.raises(EmailTaken) as refused:
        await store.change_email("p00001", "Person2@Example.org")
    assert refused.value.participant_id == "p00002"
    unchanged = await store.get("p00001")
    assert unchanged is not None
    assert (unchanged.email, unchanged.link_generation) == ("person1@example.org", 0)
    # Another programme's participant with that address is no obstacle.
    moved = await store.change_email("p00001", "elsewhere@example.org")
    assert moved is not None and moved.link_generation == 1


async def test_concurrent_changes_to_one_address_let_one_win(pool: asyncpg.Pool) -> None:
    store = ParticipantStore(pool)
    await store.upsert_many("prog-1", _participants("prog-1", 3))
    results = await asyncio.gather(
        store.change_email("p00001", "shared@example.org"),
        store.change_email("p00002", "shared@example.org"),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["EmailTaken", "ParticipantRecord"]
    holders = [
        p.id for p in await store.list_for_programme("prog-1") if p.email == "shared@example.org"
    ]
    assert len(holders) == 1


async def test_mark_withdrawn_keeps_the_first_time(pool: asyncpg.Pool) -> None:
    store = ParticipantStore(pool)
    await store.upsert_many("prog-1", _participants("prog-1", 2))
    first = datetime(2025, 4, 2, 10, tzinfo=UTC)
    await store.mark_withdrawn("p00001", first)
    await store.mark_withdrawn("p00001", first + timedelta(days=1))
    gone = await store.get("p00001")
    assert gone is not None and gone.withdrawn_at == first
    stays = await store.get("p00000")
    assert stays is not None and stays.withdrawn_at is None
    await store.mark_withdrawn("nobody", first)  # nothing to mark, nothing raised
    # Importing the file again leaves both the withdrawal and the link generation as they are.
    await store.change_email("p00001", "corrected@example.org")
    await store.upsert_many("prog-1", _participants("prog-1", 2))
    again = await store.get("p00001")
    assert again is not None and (again.withdrawn_at, again.link_generation) == (first, 1)


# --- tasks -----------------------------------------------------------------------------------


def _task(participant: str = "p1", kind: TaskKind = TaskKind.SESSION_LOG) -> TaskSpec:
    return TaskSpec(
        task_id=uuid4(),
        programme_id="prog-1",
        participant_id=participant,
        kind=kind,
        workflow_id="pair-a",
        update_name="log_session",
        due_at=datetime(2025, 4, 1, 12, tzinfo=UTC),
        context={"session": 3, "when": datetime(2025, 3, 30, tzinfo=UTC)},
    )


async def test_tasks_open_is_idempotent(pool: asyncpg.Pool) -> None:
    store = TaskStore(pool)
    tasks = [_task(), _task(kind=TaskKind.CHEMISTRY)]
    assert await store.open_many(tasks) == 2
    assert await store.open_many([*tasks, _task()]) == 1
    assert await store.open_many([]) == 0

    record = await store.get(tasks[0].task_id)
    assert record is not None
    assert record.model_dump(include=set(TaskSpec.model_fields) - {"issued_at"}) == {
        **tasks[0].model_dump(exclude={"issued_at"}),
        "context": {"session": 3, "when": "2025-03-30 00:00:00+00:00"},
    }
    assert record.issued_at is not None  # unset in the spec: the store's clock
    assert record.status == TaskStatus.OPEN and record.closed_at is None
    assert type(record.task_id) is UUID
    assert await store.get(uuid4()) is None
    listed = await store.list_open("prog-1")
    assert len(listed) == 3
    assert [(t.issued_at, t.task_id) for t in listed] == sorted(
        (t.issued_at, t.task_id) for t in listed
    )


async def test_tasks_close_only_open_ones(pool: asyncpg.Pool) -> None:
    store = TaskStore(pool)
    a, b = _task(), _task()
    await store.open_many([a, b])
    assert await store.close_many([TaskClosure(task_id=a.task_id, status=TaskStatus.DONE)]) == 1
    # Already closed: neither its status nor its closing time changes.
    closed = await store.get(a.task_id)
    assert closed is not None and closed.status == TaskStatus.DONE and closed.closed_at
    changed = await store.close_many(
        [
            TaskClosure(task_id=a.task_id, status=TaskStatus.EXPIRED),
            TaskClosure(task_id=b.task_id, status=TaskStatus.CANCELLED),
            TaskClosure(task_id=uuid4(), status=TaskStatus.DONE),
        ]
    )
    assert changed == 1
    assert await store.get(a.task_id) == closed
    again = await store.get(b.task_id)
    assert again is not None and again.status == TaskStatus.CANCELLED
    assert await store.list_open("prog-1") == []
    assert await store.close_many([]) == 0
    with pytest.raises(ValueError):
        await store.close_many([TaskClosure(task_id=b.task_id, status=TaskStatus.OPEN)])


async def test_open_of_kind_returns_the_newest_open_task(pool: asyncpg.Pool) -> None:
    store = TaskStore(pool)
    older = _task("p1", TaskKind.SESSION_LOG)
    await store.open_many([older])
    newer = _task("p1", TaskKind.SESSION_LOG)
    await store.open_many([newer, _task("p1", TaskKind.CHEMISTRY), _task("p2")])

    found = await store.open_of_kind("p1", TaskKind.SESSION_LOG)
    assert found is not None and found.task_id == newer.task_id
    await store.close_many([TaskClosure(task_id=newer.task_id, status=TaskStatus.DONE)])
    found = await store.open_of_kind("p1", "session_log")
    assert found is not None and found.task_id == older.task_id
    assert await store.open_of_kind("p1", TaskKind.GOALS_CONFIRM) is None


# --- sent mail -------------------------------------------------------------------------------


async def test_sent_mail_is_recorded_once(pool: asyncpg.Pool) -> None:
    log = SentMailLog(pool)
    n1, n2 = uuid4(), uuid4()
    assert await log.was_sent(n1) is False
    await log.record(n1, "prog-1", "p1", "welcome", "<m1@tandem>")
    await log.record(n1, "prog-1", "p1", "welcome", "<m1-retry@tandem>")
    await log.record(n2, "prog-2", None, "coordinator_alert", "<m2@tandem>")
    assert await log.was_sent(n1) is True
    assert await log.count() == 2
    assert await log.count("prog-1") == 1
    assert await log.count("prog-3") == 0
    first = await pool.fetchval("SELECT message_id FROM sent_mail WHERE notification_id = $1", n1)
    assert first == "<m1@tandem>"


async def test_due_at_round_trips_as_an_aware_datetime(pool: asyncpg.Pool) -> None:
    store = TaskStore(pool)
    task = _task().model_copy(
        update={"due_at": datetime(2025, 4, 1, 14, tzinfo=UTC) + timedelta(minutes=5)}
    )
    await store.open_many([task])
    record = await store.get(task.task_id)
    assert record is not None and record.due_at == task.due_at
    assert record.due_at.tzinfo is not None


async def test_tasks_keep_the_programme_time_they_were_issued_at(pool: asyncpg.Pool) -> None:
    # A compressed demo or a simulation runs the workflows' clock far ahead of the database's.
    store = TaskStore(pool)
    later = datetime(2031, 5, 4, 9, 0, tzinfo=UTC)
    task = _task().model_copy(update={"issued_at": later})
    await store.open_many([task])
    record = await store.get(task.task_id)
    assert record is not None and record.issued_at == later


async def test_a_closed_task_keeps_its_answer_and_programme_closing_time(
    pool: asyncpg.Pool,
) -> None:
    store = TaskStore(pool)
    task = _task()
    await store.open_many([task])
    closed_at = datetime(2031, 5, 6, 10, 30, tzinfo=UTC)
    answer = {"held": True, "notes": "<b>Prompt engineering</b> & Excel"}
    closure = TaskClosure(
        task_id=task.task_id, status=TaskStatus.DONE, closed_at=closed_at, answer=answer
    )
    await store.close_many([closure])
    # A late retry with another answer rewrites nothing.
    await store.close_many([closure.model_copy(update={"answer": {"held": False}})])
    record = await store.get(task.task_id)
    assert record is not None
    assert (record.status, record.closed_at, record.answer) == (TaskStatus.DONE, closed_at, answer)
