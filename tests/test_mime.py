"""The e-mail bytes as a mail client reads them back."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage

from activities.mime import Attachment, compose

LONG_SUBJECT = "Votre séance n° 3 avec Élodie approche — pensez à préparer vos questions " * 2


def read(data: bytes) -> EmailMessage:
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def test_names_with_commas_and_accents_and_a_long_subject_read_back_as_written() -> None:
    composed = compose(
        sender="Équipe RH <rh@example.com>",
        to_name="Dupont, Élodie",
        to_address="elodie@example.com",
        subject=LONG_SUBJECT.strip(),
        text="Bonjour Élodie,\nà bientôt.\n",
        html="<p>Bonjour Élodie</p>",
        message_id="<n-1@tandem>",
        extra_headers=[("X-Tandem-Template", "session_reminder")],
    )
    message = read(composed.data)
    assert message["Subject"] == LONG_SUBJECT.strip()
    (to,) = message["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Dupont, Élodie", "elodie@example.com")
    (sender,) = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == ("Équipe RH", "rh@example.com")
    assert message["Message-ID"] == composed.message_id == "<n-1@tandem>"
    assert message["X-Tandem-Template"] == "session_reminder"
    assert message["Date"].datetime is not None
    assert composed.data.isascii() and all(len(line) <= 78 for line in composed.data.splitlines())
    assert composed.data.count(b"MIME-Version") == 1


def test_text_and_html_are_alternatives_and_attachments_keep_their_parameters() -> None:
    invite = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    composed = compose(
        sender="tandem@example.com",
        to_name="",
        to_address="alice@example.com",
        subject="Sessions",
        text="Première ligne\nSeconde ligne\n",
        html="<p>Première ligne</p>",
        message_id="<n-2@tandem>",
        attachments=[Attachment("invitation.ics", "text/calendar; method=REQUEST", invite)],
    )
    message = read(composed.data)
    assert message.get_content_type() == "multipart/mixed"
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content().splitlines() == ["Première ligne", "Seconde ligne"]
    assert html.get_content().strip() == "<p>Première ligne</p>"
    (part,) = message.iter_attachments()
    assert part.get_content_type() == "text/calendar"
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invitation.ics"
    assert part.get_payload(decode=True) == invite
    assert str(message["To"]) == "alice@example.com"


def test_without_attachments_the_message_is_the_two_alternatives() -> None:
    composed = compose(
        sender="Tandem <tandem@example.com>",
        to_name="Bob",
        to_address="bob@example.com",
        subject="Hello",
        text="Hi",
        html="<p>Hi</p>",
        message_id="<n-3@tandem>",
    )
    message = read(composed.data)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert list(message.iter_attachments()) == []
