"""E-mails given up: why, as codes, and how the step that tried to send them tells its workflow.

A step (`record_step`) writes its events and tasks, then sends its e-mails. An e-mail that can
never be sent as it stands (a template that cannot render, an address the mail server refuses for
good) holds up neither the step's other e-mails nor the workflow: the step fails, not retried,
with `NOTIFICATIONS_REFUSED`. While the mail server cannot be reached, the step fails with
`NOTIFICATIONS_PENDING` and is retried; its retries are bounded (workflows/retries.py). Either
way the failure's details list one `NotificationFailed` payload (domain/event_payloads.py) per
e-mail not sent, and the workflow records them as events and goes on.
"""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID, uuid5

# The `type` of the ApplicationError `record_step` fails with, its details the e-mails not sent.
NOTIFICATIONS_REFUSED = "NotificationsRefused"  # not retried: the same attempt fails again
NOTIFICATIONS_PENDING = "NotificationsPending"  # retried: the mail server may come back


class DeliveryFailure(StrEnum):
    # Never sendable as they stand: given up at once.
    UNKNOWN_TEMPLATE = "unknown_template"
    TEMPLATE_FAILED = "template_failed"  # the template cannot render the notification's context
    ADDRESS_UNUSABLE = "address_unusable"  # the address cannot go into an SMTP envelope
    RECIPIENT_REFUSED = "recipient_refused"  # the mail server refused the recipient (5xx)
    MESSAGE_REFUSED = "message_refused"  # the mail server refused the message itself (5xx)
    # Given up when the step's retries ran out.
    MAIL_SERVER_UNAVAILABLE = "mail_server_unavailable"  # unreachable, or deferring it (4xx)
    DELIVERY_FAILED = "delivery_failed"  # anything else, e.g. the database out of reach


PERMANENT = frozenset(
    {
        DeliveryFailure.UNKNOWN_TEMPLATE,
        DeliveryFailure.TEMPLATE_FAILED,
        DeliveryFailure.ADDRESS_UNUSABLE,
        DeliveryFailure.RECIPIENT_REFUSED,
        DeliveryFailure.MESSAGE_REFUSED,
    }
)

# Fixed forever: a failure's event id is derived from its notification's, so recording it mints
# no id in the workflow (which would shift every id minted after it) and a repeat writes nothing.
_NAMESPACE = UUID("0c7d4f3e-9a51-4d1b-8f0e-3b6a2c9e5d17")


def failure_event_id(notification_id: UUID) -> UUID:
    return uuid5(_NAMESPACE, f"{notification_id}/failed")
