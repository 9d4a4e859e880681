"""Sign-in and sessions (issue 2; security.md S1–S4): TOTP once only, throttling that holds across
processes, one answer for known and unknown emails, and sessions that end on the server."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import AuditEvent, Role, User, UserSession
from portal.models.base import utcnow
from tests.conftest import IsolatedClient, test_config
from tests.factories import PASSWORD, current_code, make_user, sign_in_as, sign_in_fully


@pytest.fixture
def adviser(world):
    return world.users["ses_adviser"]


def without_nonce(response):
    return re.sub(r'nonce="[^"]*"|name="csrf_token"[^>]*', "", response.get_data(as_text=True))


def test_sign_in_with_password_then_a_totp_code_reaches_the_portal(client, adviser):
    response = sign_in_fully(client, adviser.email)
    assert response.status_code == 302 and "/sign-in" not in response.headers["Location"]
    assert client.get("/caseload/").status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == adviser.id)).all()
    assert "sign_in.succeeded" in actions


def test_known_and_unknown_emails_and_wrong_passwords_get_the_same_answer(client, adviser):
    wrong_password = client.post("/sign-in", data={"email": adviser.email, "password": "not the password at all"})
    unknown = client.post("/sign-in", data={"email": "nobody@nowhere.example", "password": "not the password at all"})
    assert wrong_password.status_code == unknown.status_code == 200
    assert without_nonce(wrong_password).replace(adviser.email, "EMAIL") == \
        without_nonce(unknown).replace("nobody@nowhere.example", "EMAIL")
    assert "Error: " in wrong_password.get_data(as_text=True)
    failures = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in.failed")).all()
    assert len(failures) == 2  # both attempts are in the audit trail


def test_a_totp_code_cannot_be_used_twice(client, app, adviser):
    code = current_code()
    client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    assert client.post("/sign-in/code", data={"code": code}).status_code == 302
    assert client.get("/caseload/").status_code == 200

    attacker = app.test_client()  # someone who saw the code over the user's shoulder
    attacker.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    replay = attacker.post("/sign-in/code", data={"code": code})
    assert replay.status_code == 200 and "already been used" in replay.get_data(as_text=True)
    assert attacker.get("/caseload/").status_code == 302


def test_ten_failures_in_a_row_throttle_the_account_across_processes(client, app, database_url, adviser):
    other_process = create_app(test_config(database_url))
    other_process.test_client_class = IsolatedClient
    other_client = other_process.test_client()
    for attempt in range(10):
        chosen = client if attempt % 2 else other_client  # failures counted in the database, not in memory
        chosen.post("/sign-in", data={"email": adviser.email, "password": f"wrong guess {attempt}"})
    db.session.expire_all()
    user = db.session.get(User, adviser.id)
    assert user.failed_sign_in_count == 10 and user.throttled_until > utcnow()
    # Even the right password is refused now, with the same answer as any failure.
    refused = other_client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    assert refused.status_code == 200 and "/sign-in/code" not in refused.headers.get("Location", "")


def test_nine_failures_then_a_success_resets_the_count(client, adviser):
    for attempt in range(9):
        client.post("/sign-in", data={"email": adviser.email, "password": f"wrong guess {attempt}"})
    assert sign_in_fully(client, adviser.email).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, adviser.id).failed_sign_in_count == 0


def test_the_session_id_changes_at_sign_in(client, adviser):
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in_fully(client, adviser.email)
    with client.session_transaction() as session:
        assert "planted" not in session


def copy_of_cookie(app, client):
    """A second browser holding a copy of the session cookie (say, stolen)."""
    other = app.test_client()
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    other.set_cookie(cookie.key, cookie.value)
    return other


@pytest.mark.parametrize("how", ["sign out", "account disabled", "password changed"])
def test_every_copy_of_the_session_cookie_stops_working(client, app, world, adviser, how):
    sign_in_fully(client, adviser.email)
    stolen = copy_of_cookie(app, client)
    assert stolen.get("/caseload/").status_code == 200
    if how == "sign out":
        assert client.post("/sign-out").status_code == 302
    elif how == "account disabled":
        manager = app.test_client()
        sign_in_fully(manager, world.users["ses_manager"].email)
        assert manager.post(f"/staff/{adviser.id}/disable").status_code == 302
    else:
        new = "a brand new passphrase for work"
        response = client.post("/account", data={"current_password": PASSWORD, "new_password": new,
                                                 "confirm_password": new})
        assert response.status_code in (200, 302)
        db.session.expire_all()
        assert db.session.scalar(select(UserSession).where(UserSession.user_id == adviser.id,
                                                           UserSession.ended_at.is_(None))) is None, how
    response = stolen.get("/caseload/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("field, age, ends", [
    ("last_seen_at", timedelta(minutes=29), False), ("last_seen_at", timedelta(minutes=31), True),
    ("created_at", timedelta(hours=11, minutes=59), False), ("created_at", timedelta(hours=12, minutes=1), True),
])
def test_idle_timeout_30_minutes_and_absolute_timeout_12_hours(client, adviser, field, age, ends):
    sign_in_fully(client, adviser.email)
    live = db.session.scalar(select(UserSession).where(UserSession.user_id == adviser.id))
    setattr(live, field, utcnow() - age)
    if field == "created_at":
        live.last_seen_at = utcnow()
    db.session.commit()
    response = client.get("/caseload/")
    assert (response.status_code == 302) is ends
    if ends:
        db.session.expire_all()
        assert db.session.get(UserSession, live.id).ended_reason in ("idle timeout", "absolute timeout")


@pytest.mark.parametrize("target, lands_on", [
    ("/customers/1", "/customers/1"), ("https://evil.example/", "/"), ("//evil.example/x", "/"),
    ("/\\evil.example", "/"), ("javascript:alert(1)", "/"),
])
def test_next_goes_only_to_this_site(client, adviser, target, lands_on):
    client.post(f"/sign-in?next={target}", data={"email": adviser.email, "password": PASSWORD})
    response = client.post("/sign-in/code", data={"code": current_code()})
    assert response.headers["Location"] == lands_on


def test_first_sign_in_enrols_an_authenticator_with_a_qr_code_and_the_secret_as_text(client, world):
    user = make_user("new.starter@ses.example", Role.ADVISER, world.orgs["ses"], enrolled=False)
    response = client.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/sign-in/set-up-authenticator")
    page = client.get("/sign-in/set-up-authenticator").get_data(as_text=True)
    assert "<svg" in page or "<img" in page
    secret = re.search(r"\b([A-Z2-7]{4}(?: ?[A-Z2-7]{4}){3,})\b", page).group(1).replace(" ", "")
    response = client.post("/sign-in/set-up-authenticator", data={"code": current_code(secret)})
    assert response.status_code == 302
    assert client.get("/caseload/").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_confirmed_at is not None


def test_security_headers_and_cookie_flags(client, adviser, world):
    response = sign_in_fully(client, adviser.email)
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get(f"/customers/{world.customers['ses_started'].id}")
    again = client.get(f"/customers/{world.customers['ses_started'].id}")
    csp = page.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
    assert nonce != re.search(r"'nonce-([^']+)'", again.headers["Content-Security-Policy"]).group(1)
    assert f'nonce="{nonce}"' in page.get_data(as_text=True)
    assert "frame-ancestors 'none'" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=" in page.headers["Strict-Transport-Security"]
    assert "no-store" in page.headers["Cache-Control"]  # personal data is never cached


def test_production_refuses_to_start_with_a_weak_secret_or_debug(monkeypatch, database_url):
    from portal.config import UnsafeConfiguration

    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TOTP_ENCRYPTION_KEY", "t" * 64)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(UnsafeConfiguration):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(UnsafeConfiguration):
        create_app()
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(UnsafeConfiguration):
        create_app()
    monkeypatch.setenv("FLASK_DEBUG", "0")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_the_production_session_cookie_is_secure(monkeypatch, database_url):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "k" * 64)
    monkeypatch.setenv("TOTP_ENCRYPTION_KEY", "t" * 64)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FLASK_DEBUG", "0")
    assert create_app().config["SESSION_COOKIE_SECURE"] is True




def last_link(path_prefix):
    from tests import mailbox

    body = mailbox.newest().body
    return re.search(rf"({path_prefix}/[A-Za-z0-9_-]+)", body).group(1)


def test_a_password_reset_link_works_once_and_never_skips_the_totp_step(client, app, adviser):
    assert client.post("/forgot-password", data={"email": adviser.email}).status_code in (200, 302)
    unknown = app.test_client().post("/forgot-password", data={"email": "nobody@nowhere.example"})
    assert unknown.status_code in (200, 302)
    link = last_link("/reset-password")
    new = "a completely fresh passphrase"
    response = client.post(link, data={"password": new})
    assert response.status_code == 302
    assert client.get("/caseload/").status_code == 302  # not signed in by the reset
    step = client.post("/sign-in", data={"email": adviser.email, "password": new})
    assert step.headers["Location"].endswith("/sign-in/code")  # the code is still asked for
    assert client.get(link).status_code == 404  # used once


@pytest.mark.parametrize("password, message", [
    ("short words", "12 characters"),
    ("password1234", "easy to guess"),
    ("ISP provider portal!", "easy to guess"),  # the portal's own name
])
def test_weak_passwords_are_refused_with_a_clear_message_and_no_composition_rules(client, world, password, message):
    sign_in_as(client, world.users["ses_manager"])
    client.post("/staff/invite", data={"name": "Nia Owen", "email": "nia@ses.example", "role": "adviser"})
    link = last_link("/invitation")
    with client.session_transaction() as session:
        session.clear()
    page = client.post(link, data={"password": password}).get_data(as_text=True)
    assert "Error: " in page and message in page
    accepted = client.post(link, data={"password": "lowercase words only here"})
    assert accepted.status_code == 302  # long and uncommon is enough
    assert client.post(link, data={"password": "lowercase words only here"}).status_code == 404  # single use
    user = db.session.scalar(select(User).where(User.email == "nia@ses.example"))
    assert user.organisation_id == world.orgs["ses"].id and user.role == Role.ADVISER


def test_an_expired_invitation_is_refused(client, world):
    from portal.models import Invitation

    sign_in_as(client, world.users["ses_manager"])
    client.post("/staff/invite", data={"name": "Nia Owen", "email": "nia@ses.example", "role": "adviser"})
    link = last_link("/invitation")
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with client.session_transaction() as session:
        session.clear()
    assert client.post(link, data={"password": "lowercase words only here"}).status_code == 404
    assert db.session.scalar(select(User).where(User.email == "nia@ses.example")) is None
