"""The audit trail an inspector reads for an inspection's provider (issue 13, R-INSP-2, R-AUD-1, R-DATA-6)."""
import csv
import io
from datetime import date, timedelta

from sqlalchemy import func, select

from portal import audit
from portal.extensions import db
from portal.models import AuditEvent
from tests.factories import sign_in_as


def url(world, suffix="", **query):
    from urllib.parse import urlencode
    return f"/inspections/{world.inspection.id}/audit{suffix}" + (f"?{urlencode(query)}" if query else "")


def seed_events(world):
    ses, sub, other = world.users["ses_adviser"], world.users["sub_adviser"], world.users["ses_b_adviser"]
    mine, theirs = world.customers["ses_started"], world.customers["ses_b_started"]
    audit.record("plan.section_saved", customer_id=mine.id, subject_type="plan", subject_id=7, actor=ses)
    audit.record("hours.recorded", customer_id=world.customers["sub_assigned"].id, actor=sub)
    for _ in range(3):
        audit.record("caseload.listed", customer_ids=[mine.id], actor=ses)
    audit.record("plan.section_saved", customer_id=theirs.id, actor=other)  # another provider: out of scope
    db.session.commit()


def rows_of(response):
    text = response.get_data(as_text=True)
    return text[text.find("<tbody"):text.find("</tbody>")]


def test_the_inspector_reads_the_providers_trail_in_plain_words_list_views_grouped_and_the_view_audited(client, world):
    seed_events(world)
    sign_in_as(client, world.users["inspector"])
    response = client.get(url(world))
    assert response.status_code == 200
    body = rows_of(response)
    assert "Plan section saved" in body and "plan.section_saved" not in body
    assert "Hours recorded" in body and "Sub-contractor Ltd" in body
    assert world.customers["ses_started"].reference in body
    # Three caseload views by one adviser on one day are one row.
    assert body.count("Caseload viewed") == 1 and "3 page views that day" in body
    # Another provider's events, and DWP-held names, never show.
    assert world.customers["ses_b_started"].reference not in body
    assert "Other SES Provider" not in body
    assert "SES Started" not in body and "Tosub" not in body  # the names DWP holds
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inspection.audit_viewed"))
    assert event.actor_id == world.users["inspector"].id and event.subject_id == world.inspection.id


def test_the_trail_filters_by_customer_user_action_and_date(client, world):
    seed_events(world)
    sign_in_as(client, world.users["inspector"])
    mine = world.customers["ses_started"]
    by_customer = rows_of(client.get(url(world, customer=mine.reference.lower())))
    assert "Plan section saved" in by_customer and "Caseload viewed" in by_customer
    assert "Hours recorded" not in by_customer
    by_user = rows_of(client.get(url(world, user=world.users["sub_adviser"].id)))
    assert "Hours recorded" in by_user and "Plan section saved" not in by_user
    by_action = rows_of(client.get(url(world, action="hours.recorded")))
    assert "Hours recorded" in by_action and "Caseload viewed" not in by_action
    today = date.today()
    assert "Hours recorded" in rows_of(client.get(url(world, **{"from": today - timedelta(days=1), "to": today + timedelta(days=1)})))
    assert "Hours recorded" not in rows_of(client.get(url(world, **{"from": today + timedelta(days=2)})))
    assert "Hours recorded" not in rows_of(client.get(url(world, **{"to": today - timedelta(days=2)})))
    assert client.get(url(world, **{"from": "yesterday"})).status_code == 400
    assert client.get(url(world, user="x")).status_code == 400
    assert "0 rows" in client.get(url(world, customer="NOPE123")).get_data(as_text=True)


def test_the_trail_is_paged(client, world):
    ses = world.users["ses_adviser"]
    for n in range(55):
        audit.record("plan.section_saved", customer_id=world.customers["ses_started"].id, subject_id=n, actor=ses)
    db.session.commit()
    sign_in_as(client, world.users["inspector"])
    first = client.get(url(world, action="plan.section_saved")).get_data(as_text=True)
    assert "55 rows" in first and "Page 1 of 2" in first
    second = rows_of(client.get(url(world, action="plan.section_saved", page=2)))
    assert second.count("govuk-table__row") == 5


def test_the_csv_holds_the_same_filtered_rows_and_is_audited(client, world):
    seed_events(world)
    sign_in_as(client, world.users["inspector"])
    response = client.get(url(world, ".csv", user=world.users["ses_adviser"].id))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0][:4] == ["When (UK time)", "User", "Organisation", "Action"]
    actions = sorted(row[3] for row in table[1:])
    assert actions == ["Caseload viewed", "Plan section saved"]
    grouped = next(row for row in table[1:] if row[3] == "Caseload viewed")
    assert grouped[-1] == "3" and grouped[2] == "Prime SES Provider"
    assert db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action == "inspection.audit_exported")) == 1


def test_another_inspectors_inspection_audit_trail_answers_404(client, world):
    from portal.models import Role
    from tests.factories import make_user
    sign_in_as(client, make_user("other.inspector@dwp.example", Role.INSPECTOR))
    assert client.get(url(world)).status_code == 404
    assert client.get(url(world, ".csv")).status_code == 404
