"""Subject access export (security.md §7 test 25, issue 12): a DWP referral officer downloads everything the
portal holds about customer X as a zip with manifest.csv (each file's SHA-256); it holds all of X and
nothing of customer Y, and the export is audited."""
import csv
import hashlib
import io
import zipfile

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent, ReferralStatus
from tests import route_world
from tests.factories import make_customer, sign_in_as


def _hours(client, customer, description):
    url = (f"/customers/{customer.id}/referrals/{customer.referrals[0].id}/hours/"
           f"{route_world.THIS_WEEK.isoformat()}")
    response = client.post(url, data={"on": route_world.THIS_WEEK.isoformat(), "activity": "job_search",
                                      "source": "provider", "mode": "face_to_face", "hours": "1",
                                      "description": description, "objective": ""})
    assert response.status_code == 302


def test_25_the_referral_officer_exports_all_of_x_and_nothing_of_y_with_a_manifest_and_an_audit_event(
        client, world):
    rw = route_world.build(client, world)  # X: a plan, hours, a job, a consent
    x = rw.customer
    y = make_customer(world.orgs["ses"], "SES", status=ReferralStatus.STARTED, first_name="Yolanda", last_name="Other",
                      address="99 Elsewhere Road", health_summary="Yolanda's own condition")
    sign_in_as(client, world.users["ses_adviser"])
    _hours(client, x, "Xavier's interview practice")
    _hours(client, y, "Yolanda's secret session")
    # Y's name in a caseload listing puts both customers in one audit event.
    client.get("/caseload/")

    officer = world.users["officer"]
    sign_in_as(client, officer)
    response = client.get(f"/customers/{x.id}/subject-access.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "no-store" in response.headers["Cache-Control"]
    assert "attachment" in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert {row["file"] for row in manifest} == names - {"manifest.csv"}
    for row in manifest:
        assert hashlib.sha256(archive.read(row["file"])).hexdigest() == row["sha256"], row["file"]
    everything = "\n".join(archive.read(n).decode("utf-8", "replace") for n in names)

    # All of X: DWP-held data unmasked, the referral, the plan, hours, the job, the consent, the audit trail.
    for present in (f"JT{x.id:06d}C", "Assigned", "Tosub", "1 Test Street",
                    "Apply for warehouse jobs", "Rewrote CV", "Xavier's interview practice", "Corner Shop",
                    "data_sharing", "hours.recorded"):
        assert present in everything, present
    for table in ("referral.csv", "plan.csv", "plan_version.csv", "plan_objective.csv", "hours_entry.csv",
                  "in_work_job.csv", "consent.csv", "appointment.csv", "audit_events.csv", "dwp_record.csv"):
        assert table in names, table
    # Nothing of Y, and no staff addresses or secrets.
    for absent in ("Yolanda", f"JT{y.id:06d}C", "99 Elsewhere Road", "secret session", "adviser@ses.example",
                   "officer@dwp.example", "token_hash"):
        assert absent not in everything, absent

    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "customer.subject_access_exported"))
    assert event.actor_id == officer.id and event.customer_id == x.id


def test_25_no_one_but_the_referral_officer_may_export(client, world):
    x = world.customers["ses_started"]
    for who in ("ses_manager", "inspector", "admin"):
        sign_in_as(client, world.users[who])
        assert client.get(f"/customers/{x.id}/subject-access.zip").status_code == 403
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "customer.subject_access_exported")) is None
