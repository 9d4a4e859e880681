"""Audit completeness (security.md §7 test 21, issue 12): each main change writes exactly one audit event,
attributed to the person who made it, with the customer it is about."""
from datetime import date

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditEvent, Customer, HoursEntry, Plan
from tests.factories import sign_in_as
from tests.route_world import THIS_WEEK, date_fields
from tests.test_plans import _ready_for_signature, base, lock
from tests.test_referrals import referral_form


def _last_id():
    return db.session.scalar(select(func.coalesce(func.max(AuditEvent.id), 0)))


def _events_of(client, user, method, url, data=None, expect=(302,)):
    """The audit events written by one request."""
    before = _last_id()
    response = client.open(url, method=method, data=data)
    assert response.status_code in expect, (url, response.status_code, response.get_data(as_text=True)[:1500])
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.id > before).order_by(AuditEvent.id)).all()


def _exactly_one(events, action, user, customer_id):
    assert [(e.action, e.actor_id, e.customer_id) for e in events] == [(action, user.id, customer_id)]


def test_21_each_main_change_writes_exactly_one_attributed_audit_event(client, world):
    officer, adviser = world.users["officer"], world.users["ses_adviser"]
    # Referral created by DWP.
    sign_in_as(client, officer)
    events = _events_of(client, officer, "POST", "/referrals/new", referral_form(world.orgs["ses"]))
    customer = db.session.scalars(select(Customer).order_by(Customer.id.desc())).first()
    _exactly_one(events, "referral.created", officer, customer.id)
    referral = customer.referrals[0]

    # The provider starts the customer, records a consent, writes and signs the plan, records hours.
    sign_in_as(client, adviser)
    _exactly_one(_events_of(client, adviser, "POST", f"/customers/{customer.id}/referrals/{referral.id}/start",
                            date_fields("effective_on", date.today())), "referral.started", adviser, customer.id)
    _exactly_one(_events_of(client, adviser, "POST", f"/customers/{customer.id}/consents/new",
                            {"kind": "data_sharing", **date_fields("given_on", date.today())}),
                 "consent.recorded", adviser, customer.id)
    client.post(f"/customers/{customer.id}/plan/start/{referral.id}")
    plan = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id))
    version = plan.versions[0]
    events = _events_of(client, adviser, "POST", f"{base(customer, version)}/sections/needs",
                        {"needs_assessment": "Wants warehouse work", "lock_version": lock(version)})
    assert len(events) == 1 and (events[0].actor_id, events[0].customer_id) == (adviser.id, customer.id), \
        [e.action for e in events]
    _ready_for_signature(client, customer, version)
    party = version.parties[0]
    events = _events_of(client, adviser, "POST", f"{base(customer, version)}/sign/{party.id}", {
        "seen_hash": version.content_hash, "method": "in_person", "declaration": "y", "typed_name": party.name})
    signing = [e for e in events if e.action.startswith("plan.sign")]
    assert len(signing) == 1 and (signing[0].actor_id, signing[0].customer_id) == (adviser.id, customer.id), \
        [e.action for e in events]

    week = f"/customers/{customer.id}/referrals/{referral.id}/hours/{THIS_WEEK.isoformat()}"
    activity = {"on": date.today().isoformat(),  # the customer started today
                "activity": "job_search", "source": "provider", "mode": "face_to_face", "hours": "2",
                "description": "Searched", "objective": ""}
    _exactly_one(_events_of(client, adviser, "POST", week, activity), "hours.recorded", adviser, customer.id)
    entry = db.session.scalar(select(HoursEntry).where(HoursEntry.referral_id == referral.id))
    entry_url = f"/customers/{customer.id}/referrals/{referral.id}/hours/entries/{entry.id}"
    _exactly_one(_events_of(client, adviser, "POST", f"{entry_url}/change",
                            {**activity, "hours": "3", "lock_version": str(entry.lock_version)}),
                 "hours.changed", adviser, customer.id)
    _exactly_one(_events_of(client, adviser, "POST", f"{entry_url}/remove", {"reason": ""}),
                 "hours.removed", adviser, customer.id)


def test_21_a_refused_change_writes_no_change_event(client, world):
    customer = world.customers["ses_started"]
    adviser = world.users["ses_adviser"]
    sign_in_as(client, adviser)
    events = _events_of(client, adviser, "POST", f"/customers/{customer.id}/consents/new",
                        {"kind": "health", **date_fields("given_on", date.today())}, expect=(200,))
    assert events == []
