"""The tests' mailbox: every message the mail service sent during the test, whole.

The database keeps delivery records only (issue 12, finding 1), so tests read links from here:
portal.mail.message_sent hands each message to `_collect`. conftest empties it before every test.
"""
import re

from portal import mail

SENT = []


def _collect(_app, message):
    SENT.append(message)


mail.message_sent.connect(_collect, weak=False)


def messages(purpose=None, recipient=None):
    return [m for m in SENT if (purpose is None or m.purpose == purpose)
            and (recipient is None or m.recipient == recipient)]


def newest(purpose=None, recipient=None):
    found = messages(purpose, recipient)
    assert found, "no message was sent"
    return found[-1]


def link(path_prefix, recipient=None):
    """The path of the link in the newest message (to `recipient`), as the recipient would click it."""
    message = newest(recipient=recipient)
    match = re.search(rf"https?://[^/\s]+({path_prefix}/[A-Za-z0-9_-]+)", message.body)
    assert match, message.body
    return match.group(1)
