"""Issue 12, findings 4 and 8: keys, modes and client addresses.

Forgetting PORTAL_ENV used to start the portal with the development key published in the code: a
session forged with it, holding only the "password passed" marker, signed in with a TOTP code alone.
The same key encrypted the TOTP secrets, and a changed SECRET_KEY turned every code into a counted
failure. Behind the TLS proxy every client shared one address.
"""
import logging
import os
import re
import stat

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select, update

from portal import create_app
from portal.config import KNOWN_KEYS, UnsafeConfiguration
from portal.extensions import db
from portal.models import AuditEvent, User
from portal.models.base import utcnow
from portal.security import totp
from tests.conftest import TEST_SECRET_KEY, IsolatedClient, test_config
from tests.factories import PASSWORD, TOTP_SECRET, current_code, make_user, sign_in_fully

PUBLISHED_KEY = "dev-only-portal-secret-key-not-for-production"


@pytest.fixture
def adviser(world):
    return world.users["ses_adviser"]


@pytest.fixture
def bare_env(monkeypatch, database_url):
    """The environment of someone who set only the database: no PORTAL_ENV, no keys."""
    for name in ("PORTAL_ENV", "SECRET_KEY", "TOTP_ENCRYPTION_KEY", "DEV_MAIL_DIR", "TRUSTED_PROXIES", "FLASK_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", database_url)
    return monkeypatch


def fresh(user_id):
    db.session.expire_all()
    return db.session.get(User, user_id)


def _forged_cookie(app, key, payload):
    signer = Flask("forger")
    signer.secret_key = key
    return app.config["SESSION_COOKIE_NAME"], SecureCookieSessionInterface().get_signing_serializer(signer).dumps(payload)


# Finding 4: the mode fails closed --------------------------------------------------------------


def test_finding_4_without_portal_env_a_session_forged_with_the_published_key_gets_nowhere(
        bare_env, app_context, adviser):
    try:
        app = create_app()
    except UnsafeConfiguration:
        return  # refusing to start is the safe answer
    with app.app_context():  # a portal run like this enrols its users under its own key
        db.session.execute(update(User).where(User.id == adviser.id)
                           .values(totp_secret_encrypted=totp.encrypt_secret(TOTP_SECRET)))
        db.session.commit()
    app.test_client_class = IsolatedClient
    attacker = app.test_client()
    name, value = _forged_cookie(app, PUBLISHED_KEY, {"pending_user_id": adviser.id,
                                                       "pending_since": utcnow().timestamp()})
    attacker.set_cookie(name, value)
    https = {"base_url": "https://localhost"}
    form = attacker.get("/sign-in/code", **https).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
    attacker.post("/sign-in/code", data={"code": current_code(), "csrf_token": csrf.group(1) if csrf else ""},
                  headers={"Referer": "https://localhost/sign-in/code"}, **https)
    assert attacker.get("/caseload/", **https).status_code == 302


def test_finding_4_forgetting_portal_env_means_production_and_its_checks(bare_env, tmp_path):
    with pytest.raises(UnsafeConfiguration, match="SECRET_KEY"):
        create_app(instance_path=str(tmp_path))
    bare_env.setenv("SECRET_KEY", "s" * 64)
    with pytest.raises(UnsafeConfiguration, match="TOTP_ENCRYPTION_KEY"):
        create_app(instance_path=str(tmp_path))
    bare_env.setenv("TOTP_ENCRYPTION_KEY", "t" * 64)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["PORTAL_ENV"] == "production" and app.config["SESSION_COOKIE_SECURE"] is True
    assert list(tmp_path.iterdir()) == []  # no key was made up


@pytest.mark.parametrize("mode", ["production", "development"])
@pytest.mark.parametrize("name", ["SECRET_KEY", "TOTP_ENCRYPTION_KEY"])
def test_finding_4_a_key_published_in_the_code_is_refused_in_every_mode(bare_env, tmp_path, mode, name):
    bare_env.setenv("PORTAL_ENV", mode)
    bare_env.setenv("SECRET_KEY", "s" * 64)
    bare_env.setenv("TOTP_ENCRYPTION_KEY", "t" * 64)
    for key in KNOWN_KEYS:
        bare_env.setenv(name, key)
        with pytest.raises(UnsafeConfiguration, match=name):
            create_app(instance_path=str(tmp_path))


def test_finding_4_production_refuses_a_short_totp_key_or_the_secret_key_twice(bare_env, tmp_path):
    bare_env.setenv("PORTAL_ENV", "production")
    bare_env.setenv("SECRET_KEY", "s" * 64)
    bare_env.setenv("TOTP_ENCRYPTION_KEY", "short")
    with pytest.raises(UnsafeConfiguration, match="TOTP_ENCRYPTION_KEY"):
        create_app(instance_path=str(tmp_path))
    bare_env.setenv("TOTP_ENCRYPTION_KEY", "s" * 64)
    with pytest.raises(UnsafeConfiguration, match="differ"):
        create_app(instance_path=str(tmp_path))


def test_finding_4_an_unknown_mode_is_refused(bare_env, tmp_path):
    bare_env.setenv("PORTAL_ENV", "staging")
    with pytest.raises(UnsafeConfiguration, match="PORTAL_ENV"):
        create_app(instance_path=str(tmp_path))


def test_finding_4_development_makes_random_private_keys_in_the_instance_folder_once(bare_env, tmp_path):
    bare_env.setenv("PORTAL_ENV", "development")
    first = create_app(instance_path=str(tmp_path / "one"))
    again = create_app(instance_path=str(tmp_path / "one"))
    other = create_app(instance_path=str(tmp_path / "two"))
    for key in ("SECRET_KEY", "TOTP_ENCRYPTION_KEY"):
        assert first.config[key] == again.config[key] != other.config[key]
        assert len(first.config[key]) >= 32 and first.config[key] not in KNOWN_KEYS
    assert first.config["SECRET_KEY"] != first.config["TOTP_ENCRYPTION_KEY"]
    for filename in ("secret_key", "totp_encryption_key"):
        path = tmp_path / "one" / filename
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert first.config["SESSION_COOKIE_SECURE"] is False


def test_finding_4_development_mode_answers_this_computer_only(bare_env, tmp_path):
    bare_env.setenv("PORTAL_ENV", "development")
    app = create_app(instance_path=str(tmp_path))
    browser = app.test_client()
    assert browser.get("/sign-in", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200
    assert browser.get("/sign-in", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    refused = browser.get("/sign-in", environ_base={"REMOTE_ADDR": "192.0.2.10"})
    assert refused.status_code == 403 and b"development mode" in refused.data
    # A forwarded header cannot make a remote connection look local.
    bare_env.setenv("TRUSTED_PROXIES", "1")
    proxied = create_app(instance_path=str(tmp_path)).test_client()
    assert proxied.get("/sign-in", environ_base={"REMOTE_ADDR": "192.0.2.10"},
                       headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 403


# Finding 4: TOTP secrets under their own key ---------------------------------------------------------


def test_finding_4_changing_the_secret_key_leaves_totp_codes_working(database_url, app_context, adviser):
    rotated = create_app(test_config(database_url, SECRET_KEY="a-new-secret-key-after-rotation-0123456789"))
    rotated.test_client_class = IsolatedClient
    browser = rotated.test_client()
    assert sign_in_fully(browser, adviser.email).status_code == 302
    assert browser.get("/caseload/").status_code == 200


def test_finding_4_a_wrong_totp_key_is_a_clear_configuration_problem_not_a_wrong_code(
        database_url, app_context, adviser, caplog):
    wrong = create_app(test_config(database_url, TOTP_ENCRYPTION_KEY="not-the-key-the-secrets-were-encrypted-with"))
    wrong.test_client_class = IsolatedClient
    browser = wrong.test_client()
    assert browser.post("/sign-in", data={"email": adviser.email, "password": PASSWORD}).status_code == 302
    with caplog.at_level(logging.ERROR):
        response = browser.post("/sign-in/code", data={"code": current_code()})
    assert response.status_code == 503
    assert "cannot check security codes" in response.get_data(as_text=True)
    assert "not counted" in response.get_data(as_text=True)
    assert any("TOTP_ENCRYPTION_KEY" in record.getMessage() for record in caplog.records)
    user = fresh(adviser.id)
    assert user.failed_sign_in_count == 0 and user.throttled_until is None
    assert browser.get("/caseload/").status_code == 302


def test_finding_4_enrolment_with_a_wrong_key_stops_rather_than_replacing_the_secret(
        database_url, app_context, world):
    user = make_user("half.enrolled@ses.example", world.users["ses_adviser"].role, world.orgs["ses"], enrolled=False)
    user.totp_secret_encrypted = totp.encrypt_secret("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    db.session.commit()
    stored = user.totp_secret_encrypted
    wrong = create_app(test_config(database_url, TOTP_ENCRYPTION_KEY="not-the-key-the-secrets-were-encrypted-with"))
    wrong.test_client_class = IsolatedClient
    browser = wrong.test_client()
    browser.post("/sign-in", data={"email": user.email, "password": PASSWORD})
    assert browser.get("/sign-in/set-up-authenticator").status_code == 503
    assert fresh(user.id).totp_secret_encrypted == stored


def test_finding_4_totp_reencrypt_moves_secrets_from_the_secret_key(app, app_context, adviser):
    """The migration path: secrets encrypted the old way, with the SECRET_KEY, move to TOTP_ENCRYPTION_KEY."""
    old = totp._fernet(TEST_SECRET_KEY).encrypt(b"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").decode()
    adviser.totp_secret_encrypted = old
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["totp", "reencrypt"])
    assert result.exit_code == 0 and "Re-encrypted 1 TOTP secret" in result.output
    assert totp.decrypt_secret(fresh(adviser.id).totp_secret_encrypted) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    again = app.test_cli_runner().invoke(args=["totp", "reencrypt"])
    assert "already encrypted" in again.output
    missing = app.test_cli_runner().invoke(args=["totp", "reencrypt", "--old-key-env", "NO_SUCH_VARIABLE_SET"])
    assert missing.exit_code != 0 and "NO_SUCH_VARIABLE_SET" in missing.output


def test_finding_4_demo_data_on_an_existing_database_moves_secrets_from_the_published_key(app, app_context, world):
    adviser = world.users["ses_adviser"]
    adviser.totp_secret_encrypted = totp._fernet(PUBLISHED_KEY).encrypt(b"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP").decode()
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["demo-data", "--only-if-empty", "--password", "x" * 20,
                                                "--totp-secret", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"])
    assert result.exit_code == 0 and "Re-encrypted 1" in result.output
    assert totp.decrypt_secret(fresh(adviser.id).totp_secret_encrypted) == "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


# Finding 8: client addresses through trusted proxies -----------------------------------------------------


def _failed_sign_in_address(app, headers):
    browser = app.test_client()
    browser.post("/sign-in", data={"email": "nobody@nowhere.example", "password": "not the password at all"},
                 headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent.ip_address).where(AuditEvent.action == "sign_in.failed")
                              .order_by(AuditEvent.id.desc())).first()


def test_finding_8_audit_records_the_client_behind_the_configured_proxies(database_url, app_context):
    forwarded = {"X-Forwarded-For": "198.51.100.23"}
    behind_one = create_app(test_config(database_url, TRUSTED_PROXIES=1))
    assert _failed_sign_in_address(behind_one, forwarded) == "198.51.100.23"
    # Only as many hops as there are trusted proxies: a client cannot prepend its own address.
    assert _failed_sign_in_address(behind_one, {"X-Forwarded-For": "10.9.9.9, 198.51.100.24"}) == "198.51.100.24"
    direct = create_app(test_config(database_url))  # TRUSTED_PROXIES defaults to 0: no header is believed
    assert direct.config["TRUSTED_PROXIES"] == 0
    assert _failed_sign_in_address(direct, forwarded) == "127.0.0.1"


def test_finding_8_each_client_behind_the_proxy_has_its_own_verification_limit(database_url):
    app = create_app(test_config(database_url, TRUSTED_PROXIES=1, VERIFY_RATE_PER_MINUTE=2))
    browser = app.test_client()
    first = {"X-Forwarded-For": "203.0.113.1"}
    assert [browser.get("/verify/ABCD-EFGH-JK", headers=first).status_code for _ in range(3)] == [404, 404, 429]
    assert browser.get("/verify/ABCD-EFGH-JK", headers={"X-Forwarded-For": "203.0.113.2"}).status_code == 404


def test_finding_8_trusted_proxies_must_be_a_number(bare_env, tmp_path):
    bare_env.setenv("PORTAL_ENV", "development")
    bare_env.setenv("TRUSTED_PROXIES", "yes")
    with pytest.raises(UnsafeConfiguration, match="TRUSTED_PROXIES"):
        create_app(instance_path=str(tmp_path))
