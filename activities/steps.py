"""`record_step`: the one side-effecting activity of a workflow step, idempotent under retries.

Order matters: events and tasks first (a task must exist before its e-mail links to it), e-mails
last, each skipped when its id was already handled, so a retry redoes only what did not happen.

An e-mail that cannot be sent fails the step only once the others are done, and says which in the
failure's details (domain/delivery.py): the workflow records them and goes on.
"""

from __future__ import annotations

import aiosmtplib
import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.mailer import Mailer, Undeliverable
from domain.delivery import NOTIFICATIONS_PENDING, NOTIFICATIONS_REFUSED, DeliveryFailure
from domain.event_payloads import NotificationFailed
from domain.steps import StepInput, StepResult
from domain.task_events import task_events
from domain.tasks import Notification
from store.events import EventStore
from store.participants import ParticipantStore
from store.tasks import TaskStore

log = structlog.get_logger(__name__)


class StepActivities:
    def __init__(
        self,
        events: EventStore,
        tasks: TaskStore,
        mailer: Mailer,
        participants: ParticipantStore,
    ) -> None:
        self._events = events
        self._tasks = tasks
        self._mailer = mailer
        self._participants = participants

    @activity.defn(name="record_step")
    async def record_step(self, step: StepInput) -> StepResult:
        # The tasks' own events go with the step's, in the same transaction (read models).
        events = [*step.events, *task_events(step.open_tasks, step.close_tasks)]
        if events:
            await self._events.append(events, metadata=step.correlation)
        if step.open_tasks:
            await self._tasks.open_many(step.open_tasks)
        if step.close_tasks:
            await self._tasks.close_many(step.close_tasks)
        if step.extend_tasks:
            await self._tasks.extend_many(step.extend_tasks)
        for left in step.withdrawals:
            await self._participants.mark_withdrawn(left.participant_id, left.at)
        sent = 0
        refused: list[NotificationFailed] = []
        reasons: list[str] = []  # what whoever fixes it needs: the template and what failed
        waiting = list(step.notifications)
        try:
            if waiting:
                async with self._mailer.connection() as smtp:
                    while waiting:
                        try:
                            sent += await self._mailer.deliver(waiting[0], smtp=smtp)
                        except Undeliverable as error:
                            refused.append(_failed(waiting[0], error.code, error.smtp_code))
                            reasons.append(error.message)
                            log.warning(
                                "mail.given_up",
                                notification_id=str(waiting[0].notification_id),
                                template=waiting[0].template,
                                participant_id=waiting[0].participant_id,
                                code=error.code.value,
                                **step.correlation,
                            )
                        waiting.pop(0)
        except Exception as error:
            # The mail server (or the database behind the mailer) is out of reach: the step is
            # retried, and whatever is still waiting is what its last attempt could not send.
            code = _waiting_code(error)
            not_sent = [*refused, *(_failed(n, code) for n in waiting)]
            raise ApplicationError(
                f"{len(waiting)} e-mail(s) not sent yet ({type(error).__name__})",
                *(f.model_dump(mode="json") for f in not_sent),
                type=NOTIFICATIONS_PENDING,
            ) from _quotable(error)
        if refused:
            raise ApplicationError(
                f"{len(refused)} e-mail(s) can never be sent as they stand: "
                + "; ".join(dict.fromkeys(reasons)),
                *(f.model_dump(mode="json") for f in refused),
                type=NOTIFICATIONS_REFUSED,
                non_retryable=True,
            )
        log.debug("step recorded", events=len(step.events), emails=sent, **step.correlation)
        return StepResult(events_written=len(events), emails_sent=sent)


def _failed(
    n: Notification, code: DeliveryFailure, smtp_code: int | None = None
) -> NotificationFailed:
    return NotificationFailed(
        notification_id=n.notification_id,
        template=n.template,
        participant_id=n.participant_id,
        code=code,
        smtp_code=smtp_code,
    )


def _quotable(error: Exception) -> Exception | None:
    """`error`, as the failure's cause in the history and the logs, unless it is an SMTP reply,
    which may quote the recipient's address."""
    replies = aiosmtplib.SMTPResponseException | aiosmtplib.SMTPRecipientsRefused
    return None if isinstance(error, replies) else error


def _waiting_code(error: Exception) -> DeliveryFailure:
    if isinstance(error, aiosmtplib.SMTPException | OSError | TimeoutError):
        return DeliveryFailure.MAIL_SERVER_UNAVAILABLE
    return DeliveryFailure.DELIVERY_FAILED
