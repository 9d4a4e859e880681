"""Issue 12, findings 3 and 8: the sign-in pause and abuse around sign-in.

Failures (password, TOTP code, current password on the account page) are counted by the database in
one UPDATE, so parallel attempts cannot lose counts; the pause starts at the 10th failure whatever
the concurrency; failures during a pause neither count nor extend it. "Forgot password" is rate
limited per client and per address.
"""
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal import create_app
from portal.extensions import db
from portal.models import User
from portal.models.base import utcnow
from portal.security import passwords
from tests import mailbox
from tests.conftest import test_config
from tests.factories import PASSWORD, current_code, sign_in_as, sign_in_fully

NEW_PASSWORD = "a brand new passphrase for work"


@pytest.fixture
def adviser(world):
    return world.users["ses_adviser"]


def fresh(user_id):
    db.session.expire_all()
    return db.session.get(User, user_id)


def comparable(response):
    return re.sub(r'nonce="[^"]*"|nonce-[A-Za-z0-9_-]+', "", response.get_data(as_text=True))


def signed_in(client):
    return client.get("/caseload/").status_code == 200


@pytest.fixture
def slow_password_checks(monkeypatch):
    """Widen the gap between reading the count and writing it, as a production Argon2 hash does."""
    verify = passwords.verify_password

    def slow(*args, **kwargs):
        time.sleep(0.05)
        return verify(*args, **kwargs)

    monkeypatch.setattr(passwords, "verify_password", slow)


def _in_parallel(app, attempts, at_a_time, request):
    """`attempts` requests, `at_a_time` at once, each thread with its own browser and app context."""
    db.session.commit()
    start = threading.Barrier(at_a_time)

    def one(n):
        browser = FlaskClient(app, use_cookies=True)
        if n < at_a_time:
            start.wait(timeout=30)
        return request(browser, n)

    with ThreadPoolExecutor(max_workers=at_a_time) as pool:
        return list(pool.map(one, range(attempts)))


def _postgresql_only(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the point is concurrent transactions on PostgreSQL's row locks (SQLite runs one writer)")


@pytest.mark.parametrize("attempts, at_a_time", [(20, 8), (14, 4)])
def test_finding_3_parallel_wrong_passwords_pause_the_account_at_the_tenth(
        app, client, adviser, slow_password_checks, attempts, at_a_time):
    _postgresql_only(app)
    email = adviser.email
    statuses = _in_parallel(app, attempts, at_a_time, lambda browser, n: browser.post(
        "/sign-in", data={"email": email, "password": f"wrong guess number {n}"}).status_code)
    assert statuses == [200] * attempts
    user = fresh(adviser.id)
    assert user.throttled_until is not None and user.throttled_until > utcnow()
    assert user.failed_sign_in_count == 10  # failures during the pause are not counted
    right = client.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    assert right.status_code == 200 and "/sign-in/code" not in right.headers.get("Location", "")
    assert not signed_in(client)


def test_finding_3_parallel_wrong_codes_pause_the_account_too(app, client, adviser):
    _postgresql_only(app)
    browsers = []
    for _ in range(12):  # each past the password step (a right password does not reset the count)
        browser = FlaskClient(app, use_cookies=True)
        assert browser.post("/sign-in", data={"email": adviser.email, "password": PASSWORD}).status_code == 302
        browsers.append(browser)
    wrong = f"{(int(current_code()) + 500_000) % 1_000_000:06d}"
    db.session.commit()
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda b: b.post("/sign-in/code", data={"code": wrong}).status_code, browsers))
    user = fresh(adviser.id)
    assert user.failed_sign_in_count == 10 and user.throttled_until > utcnow()
    late = FlaskClient(app, use_cookies=True)
    late.post("/sign-in", data={"email": adviser.email, "password": PASSWORD})
    assert late.get("/caseload/").status_code == 302


def test_finding_3_failures_during_a_pause_do_not_extend_it(client, adviser):
    for attempt in range(10):
        client.post("/sign-in", data={"email": adviser.email, "password": f"wrong guess number {attempt}"})
    paused_until = fresh(adviser.id).throttled_until
    assert paused_until > utcnow()
    for attempt in range(5):
        client.post("/sign-in", data={"email": adviser.email, "password": f"a stranger's guess {attempt}"})
        client.post("/sign-in/code", data={"code": "000000"})
    user = fresh(adviser.id)
    assert user.throttled_until == paused_until and user.failed_sign_in_count == 10


def test_finding_3_after_a_pause_one_more_failure_does_not_pause_again(client, adviser):
    """A stranger needs ten more failures for another pause, not one every quarter of an hour."""
    adviser.failed_sign_in_count = 10
    adviser.throttled_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client.post("/sign-in", data={"email": adviser.email, "password": "one wrong guess"})
    user = fresh(adviser.id)
    assert user.failed_sign_in_count == 11 and user.throttled_until <= utcnow()
    assert sign_in_fully(client, adviser.email).status_code == 302 and signed_in(client)


def test_finding_3_wrong_current_passwords_on_the_account_page_count_and_pause(app, client, adviser):
    sign_in_as(client, adviser)
    for attempt in range(10):
        response = client.post("/account", data={"current_password": f"is it this one {attempt}",
                                                  "new_password": NEW_PASSWORD})
        assert response.status_code == 200
    user = fresh(adviser.id)
    assert user.failed_sign_in_count == 10 and user.throttled_until > utcnow()
    # Paused: even the right current password is not checked, and nobody can sign in.
    refused = client.post("/account", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert "paused after too many failed attempts" in refused.get_data(as_text=True)
    assert passwords.verify_password(fresh(adviser.id).password_hash, PASSWORD)
    other = app.test_client()
    assert other.post("/sign-in", data={"email": adviser.email, "password": PASSWORD}).status_code == 200


# Finding 8: "forgot password" -------------------------------------------------------------------


@pytest.fixture
def limited_app(database_url):
    return create_app(test_config(database_url, PASSWORD_RESET_RATE_PER_ADDRESS=3, PASSWORD_RESET_RATE_PER_CLIENT=5,
                                  TRUSTED_PROXIES=1))


def test_finding_8_forgot_password_is_limited_per_address(limited_app, app_context, adviser):
    browser = limited_app.test_client()
    statuses = [browser.post("/forgot-password", data={"email": adviser.email}).status_code for _ in range(25)]
    assert statuses[:3] == [200, 200, 200] and set(statuses[3:]) == {429}
    assert len(mailbox.messages("password_reset")) == 3
    # From other clients too: the address has had its share this hour.
    elsewhere = limited_app.test_client()
    refused = elsewhere.post("/forgot-password", data={"email": adviser.email.upper()},
                             headers={"X-Forwarded-For": "198.51.100.20"})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "3600"
    assert "Too many requests for a password reset" in refused.get_data(as_text=True)


def test_finding_8_forgot_password_is_limited_per_client_and_says_nothing_about_the_account(
        limited_app, app_context, adviser):
    browser = limited_app.test_client()
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    for n in range(5):
        assert browser.post("/forgot-password", data={"email": f"nobody{n}@nowhere.example"},
                            headers=forwarded).status_code == 200
    known = browser.post("/forgot-password", data={"email": adviser.email}, headers=forwarded)
    unknown = browser.post("/forgot-password", data={"email": "nobody9@nowhere.example"}, headers=forwarded)
    assert known.status_code == unknown.status_code == 429
    assert comparable(known) == comparable(unknown)
    assert mailbox.messages("password_reset") == []
    # Another client behind the same proxy is not refused.
    other = browser.post("/forgot-password", data={"email": adviser.email}, headers={"X-Forwarded-For": "203.0.113.8"})
    assert other.status_code == 200 and len(mailbox.messages("password_reset")) == 1
