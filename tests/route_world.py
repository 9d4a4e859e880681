"""One customer with something behind every route: a plan with an objective, a week of hours, a job, a
consent, a job club, an inspection pack and an API client, so that every URL in `app.url_map` can be filled in.

Shared by the role × route matrix and the DWP data canary; everything is made through the pages an
adviser uses, so the objects are the ones the portal itself creates.
"""
import re
from dataclasses import dataclass
from urllib.parse import urlencode
from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import ApiClient, Cohort, Consent, HoursEntry, InspectionPack, InWorkJob, Plan, Role, User
from portal.services import api_clients, findings, hours_rules
from tests.factories import make_user, sign_in_as

TODAY = date.today()
THIS_WEEK = hours_rules.week_start(TODAY)


def date_fields(name, value):
    """A GOV.UK date input as the form posts it: day, month and year under one name."""
    return {name: [str(value.day), str(value.month), str(value.year)]}


@dataclass
class RouteWorld:
    world: object
    customer: object
    referral: object
    plan: object
    version: object
    objective: object
    party: object
    entry: object
    job: object
    consent: object
    cohort: object
    api_client: object
    staff_member: object
    pack: object
    finding: object

    def values(self):
        """A value for every URL parameter of the application's routes."""
        return {
            "customer_id": self.customer.id, "referral_id": self.referral.id, "plan_id": self.plan.id,
            "version_id": self.version.id, "section": "objectives", "item_id": self.objective.id,
            "party_id": self.party.id, "week": THIS_WEEK.isoformat(), "entry_id": self.entry.id,
            "job_id": self.job.id, "consent_id": self.consent.id, "cohort_id": self.cohort.id,
            "client_id": self.api_client.id, "token_id": 1, "user_id": self.staff_member.id,
            "organisation_id": self.world.orgs["ses"].id, "action": "complete", "token": "no-such-token",
            "filename": "portal.css", "kind": "docx", "pack_id": self.pack.id, "code": "AAAA-BBBB-CC",
            "inspection_id": self.world.inspection.id, "figure": "agreed", "lang": "en", "finding_id": self.finding.id,
            "party": "employer",
        }


def _ok(response, what):
    assert response.status_code in (200, 302), (what, response.status_code, response.get_data(as_text=True)[:2000])


def build(client, world, *, customer_key="sub_assigned", organisation_key="ses"):
    """Everything is made by the prime's adviser for `customer_key` (an SES customer assigned to the
    sub-contractor, so both see it), plus a job club run by the J2E organisation."""
    customer = world.customers[customer_key]
    referral = customer.referrals[0]
    adviser = world.users[f"{organisation_key}_adviser"]
    sign_in_as(client, adviser)
    base = f"/customers/{customer.id}"
    _ok(client.post(f"{base}/plan/start/{referral.id}"), "start plan")
    plan = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id))
    version = plan.versions[0]
    _ok(client.post(f"{base}/plan/{version.id}/items/objectives/new", data={
        "what": "Apply for warehouse jobs", "how_often": "Weekly", "measure": "3 applications a week",
        **date_fields("target_on", TODAY + timedelta(days=14)), "lock_version": str(version.lock_version)}),
        "objective")  # inside every programme's time (R-ISP-4: a J2E club lasts 12 weeks)
    db.session.refresh(version)
    hours = f"{base}/referrals/{referral.id}/hours"
    _ok(client.post(f"{hours}/{THIS_WEEK.isoformat()}", data={
        "on": THIS_WEEK.isoformat(), "activity": "cv_and_applications", "source": "provider", "mode": "face_to_face",
        "hours": "2", "description": "Rewrote CV", "objective": ""}), "hours")
    _ok(client.post(f"{hours}/job/new", data={
        "employer_name": "Corner Shop", "employer_staff": "8", "job_title": "Shelf stacker",
        "contracted_hours": "16", "hourly_pay": "12.71", "supported": "yes",
        **date_fields("started_on", referral.started_on)}), "job")
    in_work_job = db.session.scalar(select(InWorkJob).where(InWorkJob.referral_id == referral.id))
    _ok(client.post(f"{base}/plans/{plan.id}/in-work/start", data={"job_id": str(in_work_job.id)}),
        "in-work support agreement")
    _ok(client.post(f"{base}/consents/new", data={"kind": "data_sharing", **date_fields("given_on", TODAY)}), "consent")

    sign_in_as(client, world.users["j2e_manager"])
    _ok(client.post("/clubs/new", data={"programme": "J2E", "name": "Tuesday club",
                                        **date_fields("starts_on", TODAY)}), "club")
    sign_in_as(client, world.users[f"{organisation_key}_manager"])
    _ok(client.post("/inspection-packs/", data={
        "organisation_id": str(world.orgs[organisation_key].id), "programme_id": str(referral.programme_id),
        **date_fields("date_from", TODAY - timedelta(days=30)), **date_fields("date_to", TODAY)}), "inspection pack")
    finding = findings.raise_finding(world.inspection, customer_id=None, rule="R-ISP-5", found="Reviews run late",
                                     severity="medium", action_required="Hold reviews on the dates agreed",
                                     due_on=TODAY + timedelta(days=28), by=world.users["inspector"], today=TODAY)
    # A second build in one test (two customers) shares the API client and the staff member.
    client_row = (db.session.scalar(select(ApiClient).where(ApiClient.name == "DWP referrals system"))
                  or api_clients.create_client("DWP referrals system"))
    staff_member = (db.session.scalar(select(User).where(User.email == f"staff@{organisation_key}.example"))
                    or make_user(f"staff@{organisation_key}.example", Role.ADVISER, world.orgs[organisation_key]))
    with client.session_transaction() as session:
        session.clear()
    entry = db.session.scalar(select(HoursEntry).where(HoursEntry.referral_id == referral.id))
    job = db.session.scalar(select(InWorkJob).where(InWorkJob.referral_id == referral.id))
    consent = db.session.scalar(select(Consent).where(Consent.customer_id == customer.id))
    cohort = db.session.scalar(select(Cohort))
    pack = db.session.scalar(select(InspectionPack))
    assert None not in (entry, job, consent, cohort, pack), (entry, job, consent, cohort, pack)
    return RouteWorld(world, customer, referral, plan, version, version.objectives[0], version.parties[0], entry, job,
                      consent, cohort, client_row, staff_member, pack, finding)


def url_for_rule(rule, values):
    path = rule.rule
    for argument in rule.arguments:
        path = path.replace(f"<{_converter_text(rule, argument)}>", str(values[argument]))
    return path


def _converter_text(rule, argument):
    match = re.search(r"<([^<>]*:)?" + argument + ">", rule.rule)
    return match.group(0)[1:-1]


def request_for(rule, rw):
    values = rw.values()
    if rule.endpoint == "plans.section":
        values["section"] = "needs"
    if rule.endpoint == "plans.record_progress":
        values["kind"] = "objective"
    url = url_for_rule(rule, values)
    query = QUERIES.get(rule.endpoint)
    if query:
        url += "?" + urlencode(query(rw), doseq=True)
    method = "GET" if "GET" in rule.methods else "POST"
    return method, url, None


def _range(rw):
    first = THIS_WEEK
    return {"first_day": [first.day, first.month, first.year],
            "last_day": [TODAY.day, TODAY.month, TODAY.year]}


QUERIES = {
    "plans.compare": lambda rw: {"from": rw.version.id, "to": rw.version.id},
    "hours.export": _range,
    "caseload.hours_export": _range,
    "mi.customers": lambda rw: {"figure": "on_programme", "period": TODAY.replace(day=1).isoformat()},
}
