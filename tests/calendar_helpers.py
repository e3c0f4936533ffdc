"""Reading the calendar invitation an e-mail carries, the way a calendar application would.

Returned as `Any`: icalendar's property values are a wide union that tests index freely.
"""

from __future__ import annotations

from typing import Any

import icalendar

from devstack.smtp_sink import ReceivedMail


def invitation(mail: ReceivedMail) -> Any:
    (part,) = [
        p for p in mail.message.iter_attachments() if p.get_content_type() == "text/calendar"
    ]
    assert part.get_filename() == "invitation.ics"
    calendar = icalendar.Calendar.from_ical(bytes(part.get_payload(decode=True)))
    # The MIME part names the iTIP method too: some mail clients read only that one.
    assert part.get_param("method") == str(calendar["METHOD"])
    return calendar


def events(calendar: Any) -> list[Any]:
    return list(calendar.walk("VEVENT"))
