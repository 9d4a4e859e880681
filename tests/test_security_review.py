"""Issue 12: the findings of the outside security review, each with a test that failed before its fix."""
from datetime import timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import HoursEntry, HoursAmendment
from tests import route_world
from tests.factories import sign_in_as


def _hours_url(customer, entry_id, action):
    return f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/hours/entries/{entry_id}/{action}"


def _activity(on, hours_text="2", **extra):
    return {"on": on.isoformat(), "activity": "cv_and_applications", "source": "provider", "mode": "face_to_face",
            "hours": hours_text, "description": "Rewrote CV", "objective": "", **extra}


# Finding 6 ------------------------------------------------------------------------------------------


def test_f6_subcontractor_staff_cannot_change_or_remove_the_primes_hours_entries(client, world):
    customer = world.customers["sub_assigned"]
    week = f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/hours/{route_world.THIS_WEEK.isoformat()}"
    sign_in_as(client, world.users["ses_adviser"])
    assert client.post(week, data=_activity(route_world.THIS_WEEK)).status_code == 302
    primes = db.session.scalar(select(HoursEntry))
    for who in ("sub_adviser", "sub_manager"):
        sign_in_as(client, world.users[who])
        assert client.get(_hours_url(customer, primes.id, "change")).status_code == 403
        changed = client.post(_hours_url(customer, primes.id, "change"),
                              data=_activity(route_world.THIS_WEEK, "9", lock_version=str(primes.lock_version)))
        removed = client.post(_hours_url(customer, primes.id, "remove"), data={"reason": "mine now"})
        assert (changed.status_code, removed.status_code) == (403, 403)
        assert 'hours/entries/%d/change' % primes.id not in client.get(week).get_data(as_text=True)
    db.session.expire_all()
    assert (primes.quarters, primes.removed_at) == (8, None)
    assert db.session.scalars(select(HoursAmendment)).all() == []

    # Their own entries they still change and remove.
    sign_in_as(client, world.users["sub_adviser"])
    assert client.post(week, data=_activity(route_world.THIS_WEEK, source="subcontractor")).status_code == 302
    own = db.session.scalar(select(HoursEntry).where(HoursEntry.id != primes.id))
    assert client.post(_hours_url(customer, own.id, "change"),
                       data=_activity(route_world.THIS_WEEK, "3", source="subcontractor",
                                      lock_version=str(own.lock_version))).status_code == 302
    assert client.post(_hours_url(customer, own.id, "remove"), data={"reason": ""}).status_code == 302
    # The prime's staff keep the whole record, the sub-contractor's entries too.
    sign_in_as(client, world.users["ses_adviser"])
    assert client.get(_hours_url(customer, primes.id, "change")).status_code == 200


# Finding 7 ------------------------------------------------------------------------------------------


def _plan_section(client, world):
    from portal.models import Plan

    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    assert client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}").status_code == 302
    plan = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id))
    return f"/customers/{customer.id}/plan/{plan.versions[0].id}/sections/needs"


def _replay(client, token):
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = token
        session["_fresh"] = True


def _end_every_session(world, reason):
    from portal.models import UserSession
    from portal.models.base import utcnow

    for row in db.session.scalars(select(UserSession)).all():
        row.ended_at, row.ended_reason = utcnow(), reason
    db.session.commit()


def _drafts():
    from portal.models import UnsavedDraft

    db.session.expire_all()
    return db.session.scalars(select(UnsavedDraft)).all()


def test_f7_a_signed_out_cookie_plants_no_draft(client, world):
    url = _plan_section(client, world)
    token = sign_in_as(client, world.users["ses_adviser"])
    assert client.post("/sign-out").status_code == 302
    _replay(client, token)
    response = client.post(url, data={"needs_assessment": "Planted after sign-out"})
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert _drafts() == []
    sign_in_as(client, world.users["ses_adviser"])
    assert "Planted after sign-out" not in client.get(url).get_data(as_text=True)


def test_f7_a_revoked_or_unknown_session_plants_no_draft(client, world):
    url = _plan_section(client, world)
    token = sign_in_as(client, world.users["ses_adviser"])
    _end_every_session(world, "account disabled")
    _replay(client, token)
    client.post(url, data={"needs_assessment": "Planted after revocation"})
    _replay(client, "no-such-session-token")
    client.post(url, data={"needs_assessment": "Planted with an unknown token"})
    assert _drafts() == []


def test_f7_a_timed_out_session_keeps_its_draft_until_its_user_signs_in_again(client, world):
    from portal.models import UserSession

    url = _plan_section(client, world)
    old = sign_in_as(client, world.users["ses_adviser"])
    for row in db.session.scalars(select(UserSession)).all():
        row.last_seen_at = row.last_seen_at - timedelta(minutes=31)
    db.session.commit()
    _replay(client, old)
    client.post(url, data={"needs_assessment": "Typed while the session ran out"})
    assert len(_drafts()) == 1
    # Signed in again (and out): the timed-out cookie can no longer plant anything.
    sign_in_as(client, world.users["ses_adviser"])
    assert "Typed while the session ran out" in client.get(url).get_data(as_text=True)
    client.post("/sign-out")
    _replay(client, old)
    client.post(url, data={"needs_assessment": "Planted with the old cookie"})
    assert _drafts() == []
