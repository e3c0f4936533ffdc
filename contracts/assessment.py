"""What the self-assessment workflow takes and returns."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from domain.programme import Durations, Role
from domain.programme_clock import ProgrammeClock


class AssessmentInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    programme_id: str
    participant_id: str
    role: Role
    skills: tuple[str, ...]
    durations: Durations
    day_seconds: int
    concern_task_id: UUID
    concern_due_at: datetime
    # The programme's deadline, the one its matching waits for: every window closes then, so an
    # answer accepted is always in the matching. None in runs started before it was passed.
    due_at: datetime | None = None
    # The programme's clock, so e-mails give programme dates (a demo compresses its days). None
    # in runs started before it: their dates are their own.
    clock: ProgrammeClock | None = None


class AssessmentResult(BaseModel):
    participant_id: str
    responded: bool
