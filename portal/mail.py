"""The one mail service (issue 12, finding 1).

A message goes to the mail server when MAIL_SERVER is set; in development with DEV_MAIL_DIR set and
no mail server, it is written to a file there instead, so `make run` can follow an invitation link.

The database keeps only a delivery record (OutboxMessage): the purpose, when, the kind of recipient
with a keyed reference, and whether it went. Never the address, the text or the link: the system
administrator reads these records and must see no customer's data and no usable token (DOMAIN §1).

`message_sent` (a blinker signal) hands each whole message to listeners in this process; the tests
read links from it. Nothing in the portal listens.
"""
import hashlib
import hmac
import os
import smtplib
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from blinker import Namespace
from flask import current_app

from portal.config import DEVELOPMENT
from portal.extensions import db
from portal.models import OutboxMessage
from portal.models.mail import DeliveryStatus

message_sent = Namespace().signal("message-sent")

# Who a message of each purpose is for, as the administrator may know it.
RECIPIENT_KINDS = {
    "invitation": "staff",
    "password_reset": "staff",
    "signing_link": "plan signer",
    "plan_copy": "customer",
}


@dataclass(frozen=True)
class Message:
    recipient: str
    subject: str
    body: str
    purpose: str
    attachment_names: tuple = field(default=())


def recipient_reference(address):
    """A keyed digest of the address: tells the same recipient again, without saying who it is."""
    key = current_app.config["SECRET_KEY"].encode()
    normalised = (address or "").strip().lower().encode()
    return hmac.new(key, b"mail-recipient:" + normalised, hashlib.sha256).hexdigest()[:12]


def send(recipient, subject, body, *, purpose, attachments=()):
    """`attachments`: (filename, media type, bytes). Returns the DeliveryStatus; a failed send is logged."""
    config = current_app.config
    names = tuple(name for name, _, _ in attachments)
    if names:
        body += "\n\nAttached: " + ", ".join(names)
    message = Message(recipient=recipient, subject=subject, body=body, purpose=purpose, attachment_names=names)
    if config.get("MAIL_SERVER"):
        status = _send_by_smtp(config, message, attachments)
    elif config.get("DEV_MAIL_DIR") and config["PORTAL_ENV"] == DEVELOPMENT:
        status = _write_development_file(Path(config["DEV_MAIL_DIR"]), message)
    else:
        current_app.logger.warning("no MAIL_SERVER: a %s message was not sent", purpose)
        status = DeliveryStatus.NOT_SENT
    db.session.add(OutboxMessage(purpose=purpose, recipient_kind=RECIPIENT_KINDS.get(purpose, "other"),
                                 recipient_ref=recipient_reference(recipient), status=status))
    message_sent.send(current_app._get_current_object(), message=message)
    return status


def _send_by_smtp(config, message, attachments):
    email = EmailMessage()
    email["From"] = config["MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.body)
    for name, media_type, data in attachments:
        maintype, subtype = media_type.split("/", 1)
        email.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(email)
    except (smtplib.SMTPException, OSError) as error:
        current_app.logger.error("the mail server refused a %s message: %s", message.purpose,
                                 error.__class__.__name__)
        return DeliveryStatus.FAILED
    return DeliveryStatus.SENT


def _write_development_file(directory, message):
    """Development only: the whole message in a file only this user can read."""
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    path = directory / f"{stamp}-{message.purpose}.txt"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(f"To: {message.recipient}\nSubject: {message.subject}\n\n{message.body}")
    current_app.logger.info("development mail: a %s message is in %s", message.purpose, path)
    return DeliveryStatus.DEV_FILE
