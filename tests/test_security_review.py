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
