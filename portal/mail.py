"""The one mail service: SMTP when MAIL_SERVER is configured, and always a copy in the outbox table,
which a system administrator can read, so invitations work with no mail server."""
import smtplib
from email.message import EmailMessage

from flask import current_app

from portal.extensions import db
from portal.models import OutboxMessage


def send(recipient, subject, body, *, purpose, attachments=()):
    """`attachments`: (filename, media type, bytes); the outbox keeps their names, not their bytes."""
    config = current_app.config
    if attachments:
        body += "\n\nAttached: " + ", ".join(name for name, _, _ in attachments)
    delivered_by = "outbox"
    if config.get("MAIL_SERVER"):
        message = EmailMessage()
        message["From"] = config["MAIL_FROM"]
        message["To"] = recipient
        message["Subject"] = subject
        message.set_content(body)
        for name, media_type, data in attachments:
            maintype, subtype = media_type.split("/", 1)
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
        delivered_by = "smtp"
    db.session.add(
        OutboxMessage(recipient=recipient, subject=subject, body=body, purpose=purpose, delivered_by=delivered_by)
    )
