"""Issue 12, finding 1 (DOMAIN §1): the system administrator sees that mail goes out, never what it said.

Stored copies of messages kept invitation, password-reset and signing links with their tokens, and
customers' names and addresses, on a page the administrator reads: one accepted a provider's staff
invitation from there and read that provider's caseload. Now the database keeps delivery records
only; development mail goes to files, and only in development.
"""
import os
import re
import smtplib
import stat
from urllib.parse import urljoin, urlparse

import pytest
from sqlalchemy import select

from portal import create_app, mail
from portal.extensions import db
from portal.models import OutboxMessage, Plan, ReferralStatus
from tests import mailbox
from tests.conftest import test_config
from tests.factories import make_customer, sign_in_as
from tests.test_plans import _ready_for_signature

CUSTOMER_FIRST, CUSTOMER_LAST = "Marigold", "Quenby"
CUSTOMER_EMAIL = "marigold.quenby@mail.example"
INVITEE_EMAIL = "rowan.tallis@ses.example"
TOKEN_LINK = re.compile(r"/(?:invitation|reset-password|sign)/([A-Za-z0-9_-]{20,})")


def _send_every_kind_of_message(client, app, world):
    """An invitation, a password reset, a signing link and a plan copy, each through the portal."""
    manager, adviser = world.users["ses_manager"], world.users["ses_adviser"]
    sign_in_as(client, manager)
    assert client.post("/staff/invite", data={"name": "Rowan Tallis", "email": INVITEE_EMAIL,
                                              "role": "adviser"}).status_code == 302
    assert app.test_client().post("/forgot-password", data={"email": adviser.email}).status_code == 200

    customer = make_customer(world.orgs["ses"], "SES", status=ReferralStatus.STARTED, adviser=adviser,
                             first_name=CUSTOMER_FIRST, last_name=CUSTOMER_LAST, email=CUSTOMER_EMAIL)
    sign_in_as(client, adviser)
    assert client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}").status_code == 302
    version = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id)).versions[0]
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    response = client.post(f"/customers/{customer.id}/plan/{version.id}/signing-link/{party.id}",
                           data={"email": CUSTOMER_EMAIL})
    assert response.status_code == 302
    # A copy of the plan as the copies service sends it, named and addressed to the customer.
    mail.send(CUSTOMER_EMAIL, "Individual Support Plan", f"Dear {CUSTOMER_FIRST} {CUSTOMER_LAST}, your plan.",
              purpose="plan_copy", attachments=[("plan.pdf", "application/pdf", b"%PDF-1.7")])
    db.session.commit()
    assert {m.purpose for m in mailbox.SENT} == {"invitation", "password_reset", "signing_link", "plan_copy"}
    tokens = sorted({token for m in mailbox.SENT for token in TOKEN_LINK.findall(m.body)})  # the signing email links twice (cy, en)
    assert len(tokens) == 3
    return tokens


def _admin_pages(client):
    """Every page the administrator can reach by following links from the start page (GET only)."""
    seen, queue, pages = set(), ["/"], {}
    while queue and len(seen) < 200:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code in (301, 302, 303):
            queue.append(urlparse(response.headers["Location"]).path)
            continue
        pages[path] = response.get_data(as_text=True) + str(response.headers)
        for href in re.findall(r'href="([^"#]+)"', pages[path]):
            target = urlparse(urljoin("http://localhost" + path, href))
            if target.netloc == "localhost" and not target.path.startswith(("/static/", "/sign-out")):
                queue.append(target.path)
    return pages


def test_finding_1_no_admin_page_holds_a_token_or_a_customers_name_or_address(client, app, world):
    tokens = _send_every_kind_of_message(client, app, world)
    secrets = [*tokens, CUSTOMER_FIRST, CUSTOMER_LAST, CUSTOMER_EMAIL, INVITEE_EMAIL, "mail.example"]

    admin = app.test_client()
    sign_in_as(admin, world.users["admin"])
    pages = _admin_pages(admin)
    assert "/admin/outbox" in pages and "/admin/organisations" in pages
    for path, text in pages.items():
        for secret in secrets:
            assert secret not in text, f"{secret!r} on {path}"

    # Delivery status stays visible: purpose, when, recipient kind, what happened.
    outbox = pages["/admin/outbox"]
    for words in ("Invitation", "Password reset", "Signing link", "Copy of a plan", "Customer", "Staff",
                  "Not sent: no mail server configured"):
        assert words in outbox


def test_finding_1_the_stored_delivery_records_hold_no_token_no_address_and_no_text(client, app, world):
    tokens = _send_every_kind_of_message(client, app, world)
    rows = db.session.scalars(select(OutboxMessage)).all()
    assert len(rows) == 4
    stored = " ".join(str(getattr(row, column.name)) for row in rows for column in OutboxMessage.__table__.columns)
    for secret in [*tokens, CUSTOMER_FIRST, CUSTOMER_LAST, CUSTOMER_EMAIL, INVITEE_EMAIL, "@", "http"]:
        assert secret not in stored
    assert {c.name for c in OutboxMessage.__table__.columns} == {
        "id", "created_at", "purpose", "recipient_kind", "recipient_ref", "status"}
    by_purpose = {row.purpose: row for row in rows}
    assert by_purpose["plan_copy"].recipient_kind == "customer"
    assert by_purpose["invitation"].recipient_kind == by_purpose["password_reset"].recipient_kind == "staff"
    # The same address gets the same reference, so support can tell repeated messages apart.
    assert by_purpose["signing_link"].recipient_ref == by_purpose["plan_copy"].recipient_ref


def test_finding_1_development_mail_goes_to_private_files_never_to_the_database(database_url, tmp_path):
    folder = tmp_path / "dev-mail"
    app = create_app(test_config(database_url, DEV_MAIL_DIR=str(folder)))
    with app.app_context():
        assert mail.send("someone@ses.example", "Hello", "Your link: http://127.0.0.1:5000/invitation/abc",
                         purpose="invitation") == "dev_file"
        db.session.commit()
        files = list(folder.iterdir())
        assert len(files) == 1 and "/invitation/abc" in files[0].read_text()
        assert stat.S_IMODE(os.stat(files[0]).st_mode) == 0o600
        assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
        record = db.session.scalars(select(OutboxMessage)).one()
        assert record.status == "dev_file" and record.recipient_kind == "staff"


def test_finding_1_a_mail_server_gets_the_whole_message_and_a_refusal_is_recorded_not_raised(
        app, app_context, world, monkeypatch):
    delivered = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            self.host = host

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def starttls(self):
            pass

        def send_message(self, message):
            if self.host == "refusing.example":
                raise smtplib.SMTPRecipientsRefused({})
            delivered.append(message)

    monkeypatch.setattr(mail.smtplib, "SMTP", FakeSMTP)
    monkeypatch.setitem(app.config, "MAIL_SERVER", "smtp.example")
    assert mail.send(CUSTOMER_EMAIL, "Subject", "Body with http://x/sign/token", purpose="signing_link") == "sent"
    assert delivered[0]["To"] == CUSTOMER_EMAIL and "/sign/token" in delivered[0].get_content()
    monkeypatch.setitem(app.config, "MAIL_SERVER", "refusing.example")
    assert mail.send(CUSTOMER_EMAIL, "Subject", "Body", purpose="signing_link") == "failed"
    db.session.commit()
    assert [r.status for r in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))] == [
        "sent", "failed"]


@pytest.mark.parametrize("environment", ["production"])
def test_finding_1_production_refuses_a_development_mail_folder(monkeypatch, database_url, tmp_path, environment):
    from portal.config import UnsafeConfiguration

    monkeypatch.setenv("PORTAL_ENV", environment)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    monkeypatch.setenv("TOTP_ENCRYPTION_KEY", "t" * 64)
    monkeypatch.setenv("FLASK_DEBUG", "0")
    monkeypatch.setenv("DEV_MAIL_DIR", str(tmp_path))
    with pytest.raises(UnsafeConfiguration, match="DEV_MAIL_DIR"):
        create_app()
