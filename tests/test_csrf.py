"""CSRF (security.md §7 test 12, issue 12): with protection on, as in production, every state-changing
route refuses a POST with no token or with another session's token: 400, and no table changes.

The routes come from `app.url_map`, so a new POST route is covered without touching this file. Exempt
routes are listed here, each with why.
"""
import re

import pytest
from sqlalchemy import func, select

from portal import create_app
from portal.extensions import db
from tests import route_world
from tests.conftest import IsolatedClient, test_config
from tests.factories import sign_in_as

# The DWP referral API authenticates each request with a bearer token, never a cookie, so a forged
# cross-site request carries no credential.
EXEMPT = {"api.create_referral"}
# What a refused request may still write about itself (the session's last-seen time, rate limits).
BOOKKEEPING = {"user_session", "audit_event", "audit_event_customer", "rate_limit_hit"}


@pytest.fixture(scope="module")
def csrf_app(database_url):
    return create_app(test_config(database_url, WTF_CSRF_ENABLED=True))


def _client(csrf_app):
    csrf_app.test_client_class = IsolatedClient
    return csrf_app.test_client()


def _counts():
    db.session.expire_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables if t.name not in BOOKKEEPING}


def _post_rules(app):
    return [r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint not in EXEMPT]


def _token_of(client, url):
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
    assert match, f"no csrf_token on {url}"
    return match.group(1)


def test_every_post_route_is_protected_or_listed_as_exempt(csrf_app):
    rules = _post_rules(csrf_app)
    assert len(rules) > 45
    assert {r.endpoint for r in csrf_app.url_map.iter_rules() if "POST" in r.methods} >= EXEMPT


@pytest.mark.parametrize("who", ["ses_manager", "admin", "anonymous"])
def test_a_post_without_a_token_or_with_another_sessions_token_is_refused_and_changes_nothing(
        app, client, world, csrf_app, who):
    rw = route_world.build(client, world)
    victim = _client(csrf_app)
    if who != "anonymous":
        sign_in_as(victim, world.users[who])
    attacker = _client(csrf_app)
    sign_in_as(attacker, world.users["ses_adviser"])
    foreign = _token_of(attacker, "/account")
    data = {"reason": "forged", "what": "x", "hours": "1", "name": "Forged", "email": "forged@evil.example",
            "needs_assessment": "forged", "code": "AAAA-BBBB-CC", "password": "forged password 1"}
    before = _counts()
    answered = {}
    for rule in _post_rules(csrf_app):
        _method, url, _data = route_world.request_for(rule, rw)
        for label, token in (("none", None), ("foreign", foreign), ("garbage", "not-a-token")):
            body = dict(data) if token is None else {**data, "csrf_token": token}
            answered[f"{label} {url}"] = victim.post(url, data=body).status_code
    assert {k: v for k, v in answered.items() if v != 400} == {}
    assert _counts() == before


def test_the_same_post_with_the_sessions_own_token_is_accepted(app, client, world, csrf_app):
    """The control: the refusal above is the token's doing, not the form's."""
    victim = _client(csrf_app)
    sign_in_as(victim, world.users["ses_manager"])
    token = _token_of(victim, "/staff/invite")
    response = victim.post("/staff/invite", data={"csrf_token": token, "name": "New Adviser",
                                                  "email": "new.adviser@ses.example", "role": "adviser"})
    assert response.status_code in (200, 302)
    assert "Your form could not be sent" not in response.get_data(as_text=True)


def test_session_cookie_is_samesite_lax_or_stricter(csrf_app):
    assert csrf_app.config["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
