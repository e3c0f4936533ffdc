"""Every event's data has a model: checked where the event is made, recorded as it always was."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from temporalio import workflow
from temporalio.api.enums.v1 import EventType as HistoryEventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.event_payloads import (
    PAYLOADS,
    MatchingProposed,
    ParticipantUnmatched,
    SelfAssessmentSubmitted,
    SessionLogged,
    SessionScheduled,
    checked_data,
    payload_as,
    payload_of,
)
from domain.events import EventType, NewEvent, RecordedEvent, pair_stream
from domain.personal_data import REDACTED, redact
from domain.read_models import LoggedEvent, ReadModels, fold
from tests.event_samples import SAMPLES, sample
from tests.lifecycle_helpers import eventually
from workflows.shared import Journal

E = EventType
HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_every_event_type_has_its_model() -> None:
    assert set(PAYLOADS) == set(EventType)
    assert all(model.event_type is event_type for event_type, model in PAYLOADS.items())
    assert all(model.model_config.get("extra") == "forbid" for model in PAYLOADS.values())
    assert all(model.model_config.get("frozen") for model in PAYLOADS.values())
    assert set(SAMPLES) == set(EventType)


@pytest.mark.parametrize("event_type", list(EventType), ids=str)
def test_the_json_of_every_event_type_round_trips(event_type: EventType) -> None:
    data = SAMPLES[event_type]
    # Made: what is recorded is what the caller wrote, key for key and in the same order.
    event = NewEvent(event_id=uuid.uuid4(), stream_name="s", type=event_type, data=data)
    assert json.dumps(event.data) == json.dumps(data)
    # Sent to the activity and read back there, unchanged.
    assert NewEvent.model_validate_json(event.model_dump_json()).data == data
    # Read back from the store as a typed model, which gives the same JSON.
    recorded = _recorded(event_type, data)
    assert payload_of(recorded).model_dump(mode="json") == data
    assert type(payload_of(recorded)) is PAYLOADS[event_type]


def test_a_misspelt_key_is_refused_where_the_event_is_made() -> None:
    with pytest.raises(ValidationError) as refused:
        NewEvent(
            event_id=uuid.uuid4(),
            stream_name=pair_stream("pilote", "0001"),
            type=EventType.SESSION_MISSED,
            data={"sesion_number": 3},
        )
    assert "sesion_number" in str(refused.value)  # the key it does not know
    assert "session_number" in str(refused.value)  # and the one it misses


@pytest.mark.parametrize(
    ("event_type", "changes"),
    [
        (E.SESSION_MISSED, {"session_number": "3"}),  # a number as text
        (E.SESSION_LOGGED, {"held": 1}),  # a number for a yes/no
        (E.CHEMISTRY_ANSWERED, {"go": "true"}),
        (E.MATCHING_APPROVED, {"by": "someone"}),  # not one of its values
        (E.PARTICIPANT_ENROLLED, {"role": "boss"}),
        (E.SESSION_SCHEDULED, {"at": "2027-02-15T09:00:00"}),  # a time without its zone
        (E.SESSION_SCHEDULED, {"at": "in two weeks"}),
        (E.NOTIFICATION_FAILED, {"code": "it broke"}),  # codes, not sentences
    ],
)
def test_a_value_of_the_wrong_kind_is_refused_not_rewritten(
    event_type: EventType, changes: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError):
        checked_data(event_type, sample(event_type, **changes))


def test_a_time_or_date_given_as_such_is_written_as_the_workflows_write_it() -> None:
    at = datetime(2027, 2, 15, 9, 0, tzinfo=UTC)
    assert checked_data(E.SESSION_SCHEDULED, {"session_number": 1, "at": at}) == {
        "session_number": 1,
        "at": at.isoformat(),  # "+00:00", not pydantic's "Z"
    }


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from(
            [UTC, timezone(timedelta(hours=2)), timezone(-timedelta(hours=5))]
        ),
    )
)
def test_any_moment_written_with_isoformat_is_recorded_as_it_was(moment: datetime) -> None:
    data = {"session_number": 1, "at": moment.isoformat()}
    assert checked_data(E.SESSION_SCHEDULED, data) == data
    assert payload_as(_recorded(E.SESSION_SCHEDULED, data), SessionScheduled).at == moment


def test_every_event_in_the_recorded_histories_parses_and_keeps_its_json() -> None:
    """The steps' inputs in the histories are events as earlier versions recorded them."""
    found = _history_events()
    assert len({t for t, _ in found}) >= 15, "the histories hold events of most types"
    for event_type, data in found:
        recorded = payload_of(_recorded(event_type, data))
        # Nothing read is lost or rewritten; fields newer than the event take their default.
        assert recorded.model_dump(mode="json", exclude_unset=True) == data, event_type


def test_events_recorded_before_a_field_existed_still_parse() -> None:
    unmatched = payload_as(
        _recorded(E.PARTICIPANT_UNMATCHED, {"reason": "no mentee left to pair with"}),
        ParticipantUnmatched,
    )
    assert unmatched.code is None
    old_proposal = {
        "pairs": [{"mentor_id": "m1", "mentee_id": "e1", "score": 16.0, "reasons": ["x"]}],
        "unmatched": [{"participant_id": "e2", "reason": "no compatible mentor"}],
        "total_score": 16.0,
    }
    proposal = payload_as(_recorded(E.MATCHING_PROPOSED, old_proposal), MatchingProposed)
    assert proposal.pairs[0].factors == () and proposal.unmatched[0].code is None


@pytest.mark.parametrize("event_type", list(EventType), ids=str)
def test_an_erased_event_still_parses(event_type: EventType) -> None:
    erased = redact(event_type, SAMPLES[event_type]) or SAMPLES[event_type]
    payload_of(_recorded(event_type, erased))


def test_erasure_removes_a_topic_of_one_s_own_from_a_self_assessment_recorded_before() -> None:
    """Before `exchange_other`, "another topic" was typed into `exchange`, beside the codes."""
    old = {**SAMPLES[E.SELF_ASSESSMENT_SUBMITTED], "exchange": ["strategy", "Mon réseau à moi"]}
    del old["exchange_other"]
    erased = redact(E.SELF_ASSESSMENT_SUBMITTED, old)
    assert erased is not None and erased["exchange"] == ["strategy", REDACTED]
    assert payload_as(_recorded(E.SELF_ASSESSMENT_SUBMITTED, old), SelfAssessmentSubmitted)
    # Only codes, and a sealed text of its own: nothing to rewrite.
    assert redact(E.SELF_ASSESSMENT_SUBMITTED, SAMPLES[E.SELF_ASSESSMENT_SUBMITTED]) is None


def test_payload_as_refuses_an_event_of_another_type() -> None:
    with pytest.raises(ValueError, match="SessionMissed"):
        payload_as(_recorded(E.SESSION_MISSED, SAMPLES[E.SESSION_MISSED]), SessionLogged)


def test_the_read_models_read_the_keys_the_events_have() -> None:
    """Folded from the samples, every value a projection copies arrives (a reader's misspelt
    key would leave it empty)."""
    pair = [
        E.PAIR_FORMED,
        E.CHEMISTRY_ANSWERED,
        E.SESSION_SCHEDULED,
        E.SESSION_LOGGED,
        E.PAIR_PAUSED,
        E.MIDPOINT_ANSWERED,
        E.FINAL_EVALUATION_SUBMITTED,
        E.PAIR_ENDED_EARLY,
    ]
    launch = [E.PROGRAMME_LAUNCHED, E.MATCHING_PROPOSED]
    events = [
        LoggedEvent.of(n, "pair-pilote-0001", t, SAMPLES[t], "pair:pilote:0001", "2027-05-01")
        for n, t in enumerate(pair, start=1)
    ] + [
        LoggedEvent.of(n, "programme-pilote", t, SAMPLES[t], "programme:pilote", "2027-01-20")
        for n, t in enumerate(launch, start=len(pair) + 1)
    ]
    models = ReadModels()
    fold(models, events)
    row = models.pairs[("pilote", "0001")]
    assert (row.mentor_id, row.mentee_id) == ("m1", "e1")
    assert row.paused_until == SAMPLES[E.PAIR_PAUSED]["until"]
    assert row.end_reason == "départ"
    session = models.sessions[("pilote", "0001", 1)]
    assert session.scheduled_at == SAMPLES[E.SESSION_SCHEDULED]["at"]
    assert (session.status, session.minutes, session.progress_rating) == ("held", 45, 4)
    midpoint = models.surveys[("pilote", "0001", "e1", "midpoint")]
    assert (midpoint.satisfaction, midpoint.progress, midpoint.wants_to_continue) == (2, 3, False)
    final = models.surveys[("pilote", "0001", "e1", "final")]
    assert (final.role, final.nps, final.kpi_attainment) == ("mentee", 9, 80.0)
    programme = models.programmes["pilote"]
    assert (programme.name, programme.participants) == ("Pilote 2027", 8)
    assert programme.matching_score == 12.5


# ---- the journal, in a workflow ---------------------------------------------------------------


@workflow.defn(sandboxed=False)
class MisspeltEvent:
    @workflow.run
    async def run(self) -> None:
        journal = Journal("pilote")
        journal.event(pair_stream("pilote", "0001"), EventType.SESSION_MISSED, sesion_number=3)
        await journal.flush("never reached")


async def test_a_workflow_recording_a_misspelt_key_stops_there_and_records_nothing(
    env: WorkflowEnvironment,
) -> None:
    """The workflow task fails (and is retried, so a fix deployed unblocks the run): nothing
    is scheduled, nothing reaches the store."""
    queue = f"payloads-{uuid.uuid4().hex[:8]}"
    async with Worker(env.client, task_queue=queue, workflows=[MisspeltEvent]):
        handle = await env.client.start_workflow(
            MisspeltEvent.run, id=f"misspelt-{uuid.uuid4().hex[:8]}", task_queue=queue
        )

        async def task_failure() -> str | None:
            async for event in handle.fetch_history_events():
                if event.event_type == HistoryEventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                    return event.workflow_task_failed_event_attributes.failure.message
            return None

        message = await eventually(task_failure, "the workflow task failing")
        kinds = {e.event_type async for e in handle.fetch_history_events()}
        await handle.terminate()
    assert "sesion_number" in message
    assert HistoryEventType.EVENT_TYPE_MARKER_RECORDED not in kinds  # no step ran
    assert HistoryEventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED not in kinds


# ---- helpers ----------------------------------------------------------------------------------


def _recorded(event_type: EventType, data: dict[str, Any]) -> RecordedEvent:
    return RecordedEvent(
        position=1,
        event_id=uuid.uuid4(),
        stream_name="s",
        stream_position=0,
        type=event_type.value,
        schema_version=1,
        data=data,
        metadata={},
        recorded_at=None,
    )


def _history_events() -> list[tuple[EventType, dict[str, Any]]]:
    found = []
    for path in HISTORIES:
        for event in json.loads(path.read_text())["events"]:
            scheduled = event.get("activityTaskScheduledEventAttributes")
            if not scheduled:
                continue
            for payload in scheduled.get("input", {}).get("payloads", []):
                step = json.loads(base64.b64decode(payload["data"]))
                for recorded in step.get("events", []) if isinstance(step, dict) else []:
                    found.append((EventType(recorded["type"]), recorded["data"]))
    return found
