"""Sessions end on the server (sign-out, disabling, password change or reset, idle and absolute limits),
the session identifier changes at sign-in, cookie flags, security headers, and the production
configuration check (issue 2)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import create_app
from portal.config import KNOWN_KEYS, UnsafeConfiguration
from portal.extensions import db
from portal.models import User, UserSession
from portal.models.base import utcnow
from tests.conftest import TEST_SECRET_KEY, TEST_TOTP_ENCRYPTION_KEY, IsolatedClient
from tests.factories import PASSWORD, current_code, sign_in_as, sign_in_fully

NEW_PASSWORD = "a brand new passphrase for work"


@pytest.fixture
def adviser(world):
    return world.users["ses_adviser"]


def session_cookie(app, client):
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"])


def copy_of_cookie(app, client):
    """A second browser holding a copy of this browser's session cookie (stolen, or an old tab)."""
    cookie = session_cookie(app, client)
    assert cookie is not None
    other = app.test_client()
    other.set_cookie(cookie.key, cookie.value)
    return other


def sent_to_sign_in(response):
    return response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def live_sessions(user_id):
    db.session.expire_all()
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user_id,
                                                        UserSession.ended_at.is_(None))).all()


# 1 and 2. Every copy of the cookie stops working ----------------------------------------------------


def test_sign_out_ends_the_session_on_the_server_so_a_copied_cookie_stops_working(client, app, adviser):
    sign_in_fully(client, adviser.email)
    stolen = copy_of_cookie(app, client)
    assert stolen.get("/caseload/").status_code == 200  # the copy works while the session lives

    response = client.post("/sign-out")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert sent_to_sign_in(client.get("/caseload/"))
    assert sent_to_sign_in(stolen.get("/caseload/"))
    assert sent_to_sign_in(stolen.get("/"))
    assert stolen.post("/session/keep-alive").status_code == 302
    ended = db.session.scalars(select(UserSession).where(UserSession.user_id == adviser.id)).one()
    assert ended.ended_at is not None and ended.ended_reason == "signed out"


def test_sign_out_ends_only_that_session(client, app, adviser):
    sign_in_fully(client, adviser.email)
    phone = app.test_client()
    sign_in_fully(phone, adviser.email)
    client.post("/sign-out")
    assert phone.get("/caseload/").status_code == 200


def test_sign_out_needs_a_post(client, adviser):
    sign_in_fully(client, adviser.email)
    assert client.get("/sign-out").status_code == 405  # a link or image cannot sign someone out
    assert client.get("/caseload/").status_code == 200


def test_disabling_the_account_ends_every_copy_of_the_session(client, app, world, adviser):
    sign_in_fully(client, adviser.email)
    second_browser = app.test_client()
    sign_in_fully(second_browser, adviser.email)
    stolen = copy_of_cookie(app, client)
    assert stolen.get("/caseload/").status_code == 200

    manager = app.test_client()
    sign_in_as(manager, world.users["ses_manager"])
    assert manager.post(f"/staff/{adviser.id}/disable").status_code == 302

    for browser in (client, second_browser, stolen):
        assert sent_to_sign_in(browser.get("/caseload/"))
    assert live_sessions(adviser.id) == []
    reasons = {s.ended_reason for s in db.session.scalars(select(UserSession).where(UserSession.user_id == adviser.id))}
    assert reasons == {"account disabled"}

    # Enabling the account again does not bring the old sessions back.
    assert manager.post(f"/staff/{adviser.id}/enable").status_code == 302
    assert db.session.get(User, adviser.id).is_enabled
    assert sent_to_sign_in(stolen.get("/caseload/"))


def test_changing_the_password_ends_every_copy_of_the_session(client, app, adviser):
    sign_in_fully(client, adviser.email)
    second_browser = app.test_client()
    sign_in_fully(second_browser, adviser.email)
    stolen = copy_of_cookie(app, client)

    response = client.post("/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    for browser in (client, second_browser, stolen):
        assert sent_to_sign_in(browser.get("/caseload/"))
    assert live_sessions(adviser.id) == []
    # The new password works, with a code.
    step = app.test_client().post("/sign-in", data={"email": adviser.email, "password": NEW_PASSWORD})
    assert step.headers["Location"] == "/sign-in/code"


def test_a_refused_password_change_leaves_the_session_alone(client, adviser):
    sign_in_fully(client, adviser.email)
    response = client.post("/account", data={"current_password": "not my password at all",
                                              "new_password": NEW_PASSWORD})
    assert response.status_code == 200 and "Your current password is not correct" in response.get_data(as_text=True)
    assert client.get("/caseload/").status_code == 200


def test_a_password_reset_ends_every_session(client, app, adviser):
    sign_in_fully(client, adviser.email)
    stolen = copy_of_cookie(app, client)
    from tests import mailbox

    anonymous = app.test_client()
    anonymous.post("/forgot-password", data={"email": adviser.email})
    body = mailbox.newest("password_reset").body
    link = re.search(r"(/reset-password/[A-Za-z0-9_-]+)", body).group(1)
    assert anonymous.post(link, data={"password": NEW_PASSWORD}).status_code == 302
    assert sent_to_sign_in(client.get("/caseload/"))
    assert sent_to_sign_in(stolen.get("/caseload/"))


# 3. Idle and absolute timeouts -----------------------------------------------------------------------


def age_session(user_id, *, idle=None, age=None):
    live = db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)).one()
    now = utcnow()
    if age is not None:
        live.created_at = now - age
    live.last_seen_at = now - idle if idle is not None else now
    db.session.commit()
    return live.id


@pytest.mark.parametrize("idle, ends", [
    (timedelta(minutes=29, seconds=30), False),
    (timedelta(minutes=30, seconds=30), True),
    (timedelta(hours=3), True),
])
def test_idle_timeout_is_30_minutes(client, adviser, idle, ends):
    sign_in_fully(client, adviser.email)
    session_id = age_session(adviser.id, idle=idle)
    response = client.get("/caseload/")
    if ends:
        assert sent_to_sign_in(response)
        assert "next=/caseload/" in response.headers["Location"]
        assert db.session.get(UserSession, session_id).ended_reason == "idle timeout"
        # The session stays ended, even if someone marks it active again afterwards.
        assert sent_to_sign_in(client.get("/caseload/"))
    else:
        assert response.status_code == 200
        db.session.expire_all()
        assert utcnow() - db.session.get(UserSession, session_id).last_seen_at < timedelta(minutes=1)


@pytest.mark.parametrize("age, ends", [
    (timedelta(hours=11, minutes=59), False),
    (timedelta(hours=12, minutes=1), True),
    (timedelta(days=3), True),
])
def test_absolute_timeout_is_12_hours_however_active_the_user_is(client, adviser, age, ends):
    sign_in_fully(client, adviser.email)
    session_id = age_session(adviser.id, age=age)  # last seen just now: active all along
    response = client.get("/caseload/")
    if ends:
        assert sent_to_sign_in(response)
        db.session.expire_all()
        assert db.session.get(UserSession, session_id).ended_reason == "absolute timeout"
    else:
        assert response.status_code == 200


def test_activity_keeps_the_session_alive_past_30_minutes_from_sign_in(client, adviser):
    sign_in_fully(client, adviser.email)
    age_session(adviser.id, idle=timedelta(minutes=20), age=timedelta(minutes=50))
    assert client.get("/caseload/").status_code == 200  # the request marks the session active
    live = db.session.scalars(select(UserSession).where(UserSession.user_id == adviser.id)).one()
    db.session.refresh(live)
    assert utcnow() - live.last_seen_at < timedelta(minutes=1)


def test_the_keep_alive_button_resets_the_idle_clock(client, adviser):
    sign_in_fully(client, adviser.email)
    age_session(adviser.id, idle=timedelta(minutes=25))
    assert client.post("/session/keep-alive").status_code == 204
    live = db.session.scalars(select(UserSession).where(UserSession.user_id == adviser.id)).one()
    db.session.refresh(live)
    assert utcnow() - live.last_seen_at < timedelta(minutes=1)


# 4. Session fixation -------------------------------------------------------------------------------------


def signed_in_token(client):
    with client.session_transaction() as session:
        return session.get("_user_id")


def test_the_session_identifier_changes_at_sign_in(client, app, adviser):
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
        session["_user_id"] = "token-chosen-by-an-attacker"
    before = session_cookie(app, client).value
    attacker = copy_of_cookie(app, client)  # the attacker keeps the cookie they planted

    client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    after_password = session_cookie(app, client).value
    client.post("/sign-in/code", data={"code": current_code()})
    after_code = session_cookie(app, client).value
    assert len({before, after_password, after_code}) == 3

    with client.session_transaction() as session:
        assert "planted" not in session
        token = session["_user_id"]
    assert token != "token-chosen-by-an-attacker"
    assert client.get("/caseload/").status_code == 200
    assert sent_to_sign_in(attacker.get("/caseload/"))  # the planted cookie never became signed in

    # Each sign-in gets its own identifier.
    other = app.test_client()
    sign_in_fully(other, adviser.email)
    assert signed_in_token(other) != token
    assert len(db.session.scalars(select(UserSession).where(UserSession.user_id == adviser.id)).all()) == 2


def test_the_cookie_holds_a_random_token_not_the_user_id(client, adviser):
    sign_in_fully(client, adviser.email)
    token = signed_in_token(client)
    assert token != str(adviser.id) and len(token) >= 32
    # The database keeps only its hash, so a copy of the table is no use as cookies.
    stored = db.session.scalars(select(UserSession.token_hash)).one()
    assert token not in stored


def test_a_cookie_naming_a_user_id_is_not_a_session(client, adviser):
    with client.session_transaction() as session:
        session["_user_id"] = str(adviser.id)
        session["_fresh"] = True
    assert sent_to_sign_in(client.get("/caseload/"))


# 5. Cookie flags -------------------------------------------------------------------------------------------


def set_cookie_header(response, name):
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return header
    raise AssertionError(f"no {name} cookie set: {response.headers.getlist('Set-Cookie')}")


def flags(header):
    return {part.strip().split("=")[0].lower(): part.strip() for part in header.split(";")[1:]}


def test_the_development_session_cookie_is_httponly_and_samesite_lax(client, app, adviser):
    response = client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    cookie = flags(set_cookie_header(response, app.config["SESSION_COOKIE_NAME"]))
    assert "httponly" in cookie and cookie["samesite"] == "SameSite=Lax"
    final = client.post("/sign-in/code", data={"code": current_code()})
    cookie = flags(set_cookie_header(final, app.config["SESSION_COOKIE_NAME"]))
    assert "httponly" in cookie and cookie["samesite"] == "SameSite=Lax"
    assert "secure" not in cookie  # local development runs on plain http://127.0.0.1


@pytest.fixture
def production_app(monkeypatch, database_url):
    """The app as an operator starts it in production, from environment variables (portal/config.py)."""
    monkeypatch.setenv("PORTAL_ENV", "production")
    # The key the test users' TOTP secrets were encrypted with: long and random enough for production.
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET_KEY)
    monkeypatch.setenv("TOTP_ENCRYPTION_KEY", TEST_TOTP_ENCRYPTION_KEY)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("FLASK_DEBUG", "0")
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    production = create_app({"WTF_CSRF_ENABLED": False})  # CSRF off only so the test can post the form
    production.test_client_class = IsolatedClient
    return production


def test_the_production_session_cookie_is_secure_httponly_and_samesite_lax(client, production_app, adviser):
    browser = production_app.test_client()
    https = {"base_url": "https://portal.example"}
    response = browser.post("/sign-in", data={"email": adviser.email, "password": PASSWORD}, **https)
    assert response.headers["Location"] == "/sign-in/code"
    name = production_app.config["SESSION_COOKIE_NAME"]
    assert name.startswith("__Host-")  # Secure, Path=/ and no Domain, enforced by the browser
    for reply in (response, browser.post("/sign-in/code", data={"code": current_code()}, **https)):
        header = set_cookie_header(reply, name)
        cookie = flags(header)
        assert "secure" in cookie and "httponly" in cookie and cookie["samesite"] == "SameSite=Lax"
        assert cookie["path"] == "Path=/" and "domain" not in cookie
    assert browser.get("/caseload/", **https).status_code == 200


# 6. Security headers -----------------------------------------------------------------------------------------


def csp_directives(response):
    policy = response.headers["Content-Security-Policy"]
    return {d.strip().split()[0]: d.strip().split()[1:] for d in policy.split(";") if d.strip()}


def test_a_customer_page_has_a_nonce_csp_and_the_other_security_headers(client, world, adviser):
    sign_in_as(client, adviser)
    url = f"/customers/{world.customers['ses_started'].id}"
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200

    directives = csp_directives(first)
    nonce_sources = [s for s in directives["script-src"] if s.startswith("'nonce-")]
    assert len(nonce_sources) == 1
    nonce = nonce_sources[0][len("'nonce-"):-1]
    assert len(nonce) >= 16
    other_nonce = [s for s in csp_directives(second)["script-src"] if s.startswith("'nonce-")][0][len("'nonce-"):-1]
    assert nonce != other_nonce
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]

    page = first.get_data(as_text=True)
    scripts = re.findall(r"<script\b[^>]*>", page)
    assert scripts, "the page has no script to carry the nonce"
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag, tag

    hsts = first.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in first.headers["Cache-Control"]  # a customer's personal data is never cached
    assert first.headers.get("X-Frame-Options") == "DENY"


@pytest.mark.parametrize("path", ["/sign-in", "/caseload/", "/account", "/healthz", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, adviser, path):
    sign_in_as(client, adviser)
    response = client.get(path)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Strict-Transport-Security" in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


def test_static_files_may_be_cached_but_still_carry_nosniff(client, app):
    response = client.get("/static/session-timeout.mjs")
    assert response.status_code == 200
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" not in response.headers.get("Cache-Control", "")


# 7. Production configuration refusal --------------------------------------------------------------------------


@pytest.fixture
def production_env(monkeypatch, database_url):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("SECRET_KEY", "a-long-random-production-secret-0123456789abcdef")
    monkeypatch.setenv("TOTP_ENCRYPTION_KEY", "a-long-random-totp-encryption-key-0123456789abcdef")
    monkeypatch.setenv("FLASK_DEBUG", "0")
    return monkeypatch


def test_production_starts_with_a_proper_configuration(production_env):
    app = create_app()
    assert app.config["PORTAL_ENV"] == "production" and app.config["SESSION_COOKIE_SECURE"] is True
    assert app.debug is False


@pytest.mark.parametrize("secret_key", [None, "", *KNOWN_KEYS, "too-short-a-key"])
def test_production_refuses_a_missing_default_or_weak_secret_key(production_env, secret_key):
    if secret_key is None:
        production_env.delenv("SECRET_KEY", raising=False)
    else:
        production_env.setenv("SECRET_KEY", secret_key)
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        create_app()


def test_production_refuses_debug(production_env):
    production_env.setenv("FLASK_DEBUG", "1")
    with pytest.raises(UnsafeConfiguration, match="DEBUG"):
        create_app()


@pytest.mark.parametrize("override, words", [
    ({"SESSION_COOKIE_SECURE": False}, "Secure"),
    ({"PASSWORD_HASH_PROFILE": "test"}, "password-hashing"),
    ({"DEBUG": True}, "DEBUG"),
])
def test_production_refuses_unsafe_settings_however_they_are_given(production_env, override, words):
    with pytest.raises(UnsafeConfiguration, match=words):
        create_app(override)


def test_development_mode_must_be_asked_for_and_makes_its_own_random_keys(monkeypatch, database_url, tmp_path):
    """Issue 12, finding 4: forgetting PORTAL_ENV fails closed (tests/test_security_config.py has more)."""
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("TOTP_ENCRYPTION_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        create_app(instance_path=str(tmp_path))
    monkeypatch.setenv("PORTAL_ENV", "development")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SECRET_KEY"] not in KNOWN_KEYS and len(app.config["SECRET_KEY"]) >= 32
    assert app.config["SESSION_COOKIE_SECURE"] is False
