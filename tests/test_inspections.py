"""Inspections (issue 13): scope (R-DATA-6, R-INSP-2), the provider overview, sampling, the computed
checklist (R-INSP-1) and findings with the provider's answers (R-INSP-2)."""
import re
from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models.base import utcnow
from portal.models import AuditEvent, Inspection, InspectionStatus, Role
from tests.factories import make_user, open_inspection_of, sign_in_as
from tests.route_world import date_fields

TODAY = date.today()


def without_nonce(response):
    text = re.sub(r'nonce="[^"]*"', "", response.get_data(as_text=True))
    return re.sub(r'"[\w-]+\.[\w-]{6}\.[\w-]{27}"', '"csrf"', text)  # signed CSRF tokens carry the time


def test_r_data_6_an_inspector_with_no_inspection_gets_404_like_a_provider_and_it_is_audited(client, world):
    outsider = make_user("outsider@dwp.example", Role.INSPECTOR)
    customer = world.customers["ses_started"]
    sign_in_as(client, outsider)
    missing = client.get("/customers/999999")
    response = client.get(f"/customers/{customer.id}")
    assert response.status_code == missing.status_code == 404
    assert without_nonce(response) == without_nonce(missing)
    assert client.get(f"/customers/{customer.id}/plan/").status_code == 404
    assert client.get(f"/customers/{customer.id}/access-log").status_code == 404
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "access.out_of_scope",
                                                       AuditEvent.actor_id == outsider.id))
    assert event is not None and event.subject_id == customer.id


def test_r_data_6_an_inspector_sees_only_the_providers_of_their_inspections(client, world):
    sign_in_as(client, world.users["inspector"])  # assigned to the SES prime's inspection
    assert client.get(f"/customers/{world.customers['ses_started'].id}").status_code == 200
    assert client.get(f"/customers/{world.customers['sub_assigned'].id}").status_code == 200
    for other in ("ses_b_started", "lse_started", "j2e_started"):
        assert client.get(f"/customers/{world.customers[other].id}").status_code == 404, other
    listing = client.get("/referrals/").get_data(as_text=True)
    assert world.customers["ses_started"].reference in listing
    assert world.customers["lse_started"].reference not in listing
    assert world.customers["ses_b_started"].reference not in listing
    packs = client.get("/inspection-packs/").get_data(as_text=True)
    assert "Prime SES Provider" in packs and "County Council" not in packs


def test_r_insp_2_a_closed_inspection_stays_readable_to_its_inspectors_but_not_to_others(client, world):
    lse_inspector = make_user("lse.inspector@dwp.example", Role.INSPECTOR)
    inspection = open_inspection_of(world.orgs["lse"], ("LSE",), [lse_inspector], by=world.users["admin"])
    customer = world.customers["lse_started"]
    sign_in_as(client, lse_inspector)
    assert client.get(f"/customers/{customer.id}").status_code == 200
    sign_in_as(client, world.users["admin"])
    assert client.post(f"/admin/inspections/{inspection.id}/close").status_code == 302
    db.session.refresh(inspection)
    assert inspection.status == InspectionStatus.CLOSED and inspection.closed_on == TODAY
    sign_in_as(client, lse_inspector)
    assert client.get(f"/customers/{customer.id}").status_code == 200
    assert client.get(f"/customers/{world.customers['ses_started'].id}").status_code == 404
    sign_in_as(client, world.users["inspector"])
    assert client.get(f"/customers/{customer.id}").status_code == 404


def test_the_administrator_opens_an_inspection_and_it_is_audited(client, world):
    sign_in_as(client, world.users["admin"])
    form = client.get("/admin/inspections/new").get_data(as_text=True)
    once = re.search(r'name="once"[^>]*value="([^"]+)"', form) or re.search(r'value="([^"]+)"[^>]*name="once"', form)
    data = {"once": once.group(1), "organisation_id": str(world.orgs["wc"].id), "programmes": ["WORK_CHOICE"],
            "inspector_ids": [str(world.users["inspector"].id)],
            **date_fields("period_from", TODAY - timedelta(days=90)), **date_fields("period_to", TODAY)}
    assert client.post("/admin/inspections/new", data=data).status_code == 302
    inspection = db.session.scalar(select(Inspection).where(Inspection.organisation_id == world.orgs["wc"].id))
    assert [p.code for p in inspection.programmes] == ["WORK_CHOICE"]
    assert [u.id for u in inspection.inspectors] == [world.users["inspector"].id]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inspection.opened"
                                                       , AuditEvent.subject_id == inspection.id))
    assert event is not None and event.actor_id == world.users["admin"].id
    sign_in_as(client, world.users["inspector"])
    assert client.get(f"/customers/{world.customers['wc_started'].id}").status_code == 200


def test_opening_an_inspection_with_bad_input_answers_400_with_messages(client, world):
    sign_in_as(client, world.users["admin"])
    response = client.post("/admin/inspections/new", data={
        "organisation_id": str(world.orgs["wc"].id), **date_fields("period_from", TODAY),
        **date_fields("period_to", TODAY - timedelta(days=5))})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Select at least one programme" in page or "must start on or before" in page
    bad = client.post("/admin/inspections/new", data={"organisation_id": "not a number", "period_from": ["x"]})
    assert bad.status_code == 400


# The provider overview ---------------------------------------------------------------------------

def agreed_plan_for(client, world, key="ses_started", customer_query=""):
    from portal.models import Plan
    from tests.test_documents_service import agree
    from tests.test_plans import fill_complete_plan

    customer = world.customers[key]
    sign_in_as(client, world.users["ses_adviser"])
    client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}")
    plan = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id))
    version = plan.versions[0]
    fill_complete_plan(client, customer, version)
    agree(client, customer, version, customer_query=customer_query)
    return customer, plan, version


def give_copy(client, customer, version, document_format="standard"):
    response = client.post(f"/customers/{customer.id}/plan/{version.id}/copies", data={
        "method": "handed_over", "document_format": document_format, "language": "en",
        **date_fields("given_on", TODAY)})
    assert response.status_code == 302


def originals_verifying(client, inspection):
    page = client.get(f"/inspections/{inspection.id}/customers/originals_verify").get_data(as_text=True)
    return int(re.search(r'data-total="(\d+)"', page).group(1))


def test_r_insp_1_the_overview_counts_each_figure_and_links_to_the_customers_behind_it(client, world):
    customer, plan, version = agreed_plan_for(client, world)
    give_copy(client, customer, version)
    sign_in_as(client, world.users["inspector"])
    inspection = world.inspection
    page = client.get(f"/inspections/{inspection.id}").get_data(as_text=True)
    counts = dict(re.findall(r'/customers/(\w+)">(\d+)<span', page))
    # ses_started and sub_assigned are started SES customers of the prime; ses_referred has not started.
    assert counts == {"on_programme": "2", "agreed": "1", "signed_by_all": "1", "reviews_on_time": "1",
                      "hours_gaps": "2", "copy_in_format": "1", "open_findings": "0"}
    assert "Check them" in page  # the originals are read on their own page
    assert originals_verifying(client, inspection) == 1
    listing = client.get(f"/inspections/{inspection.id}/customers/agreed").get_data(as_text=True)
    assert customer.reference in listing and world.customers["sub_assigned"].reference not in listing
    everyone = client.get(f"/inspections/{inspection.id}/customers/on_programme?programme=SES").get_data(as_text=True)
    assert customer.reference in everyone and world.customers["sub_assigned"].reference in everyone
    assert world.customers["ses_referred"].reference not in everyone
    assert client.get(f"/inspections/{inspection.id}/customers/no_such_figure").status_code == 404
    listed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inspection.customers_listed"))
    assert listed is not None and listed.actor_id == world.users["inspector"].id


def test_r_insp_1_a_copy_in_another_format_and_a_tampered_original_do_not_count(client, world):
    from portal.models import DocumentOriginal, VersionSeal

    customer, plan, version = agreed_plan_for(client, world, customer_query="?format=large_print")
    give_copy(client, customer, version, "standard")  # the customer read and signed it in large print
    original = db.session.scalar(select(DocumentOriginal).join(VersionSeal).where(VersionSeal.version_id == version.id))
    original.content = original.content + b"tampered"
    db.session.commit()
    sign_in_as(client, world.users["inspector"])
    page = client.get(f"/inspections/{world.inspection.id}").get_data(as_text=True)
    counts = dict(re.findall(r'/customers/(\w+)">(\d+)<span', page))
    assert counts["agreed"] == "1" and counts["copy_in_format"] == "0"
    assert originals_verifying(client, world.inspection) == 0


def test_the_overview_of_someone_elses_inspection_answers_404(client, world):
    outsider = make_user("outsider@dwp.example", Role.INSPECTOR)
    sign_in_as(client, outsider)
    assert client.get(f"/inspections/{world.inspection.id}").status_code == 404
    assert client.get(f"/inspections/{world.inspection.id}/customers/agreed").status_code == 404


# Sampling (R-INSP-2) -----------------------------------------------------------------------------

def test_r_insp_2_the_same_seed_draws_the_same_sample_stratified_by_programme():
    from portal.services.inspection_rules import draw_sample

    population = {"SES": list(range(1, 101)), "LSE": list(range(200, 230))}
    first = draw_sample(population, {"SES": 10, "LSE": 3}, 52817)
    assert first == draw_sample({"LSE": list(reversed(population["LSE"])), "SES": population["SES"]},
                                {"LSE": 3, "SES": 10}, 52817)
    assert len(first["SES"]) == 10 and len(first["LSE"]) == 3
    assert set(first["SES"]) <= set(population["SES"]) and set(first["LSE"]) <= set(population["LSE"])
    assert draw_sample(population, {"SES": 10, "LSE": 3}, 52818) != first
    assert draw_sample(population, {"SES": 500}, 1)["SES"] == population["SES"]  # fewer than asked: all


def test_r_insp_2_the_inspector_draws_a_sample_the_seed_is_recorded_and_repeats_it(client, world):
    from portal.models import InspectionSample

    inspection = world.inspection
    sign_in_as(client, world.users["inspector"])
    assert client.get(f"/inspections/{inspection.id}/sample").status_code == 200
    assert client.post(f"/inspections/{inspection.id}/sample", data={"size_SES": "1"}).status_code == 302
    db.session.refresh(inspection)
    seed = inspection.sample_seed
    first = db.session.scalars(select(InspectionSample.customer_id)).all()
    assert seed is not None and len(first) == 1
    assert f"seed <strong>{seed}</strong>" in client.get(f"/inspections/{inspection.id}/sample").get_data(as_text=True)
    for _ in range(3):
        client.post(f"/inspections/{inspection.id}/sample", data={"size_SES": "1", "seed": str(seed)})
        assert db.session.scalars(select(InspectionSample.customer_id)).all() == first
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inspection.sample_drawn"))
    assert str(seed) in event.detail
    bad = client.post(f"/inspections/{inspection.id}/sample", data={"size_SES": "many", "seed": "x"})
    assert bad.status_code == 400


def test_r_insp_2_customers_are_added_by_hand_only_from_the_inspections_scope(client, world):
    from portal.models import InspectionSample

    inspection = world.inspection
    sign_in_as(client, world.users["inspector"])
    url = f"/inspections/{inspection.id}/sample/add"
    outside = client.post(url, data={"reference": world.customers["lse_started"].reference})
    assert outside.status_code == 400 and "No customer with that reference" in outside.get_data(as_text=True)
    assert client.post(url, data={"reference": world.customers["sub_assigned"].reference}).status_code == 302
    assert client.post(url, data={"reference": world.customers["sub_assigned"].reference}).status_code == 400
    row = db.session.scalar(select(InspectionSample))
    assert row.customer_id == world.customers["sub_assigned"].id and row.how == "by_hand"
    # A random draw keeps the customers added by hand.
    client.post(f"/inspections/{inspection.id}/sample", data={"size_SES": "0"})
    assert db.session.scalars(select(InspectionSample.customer_id)).all() == [world.customers["sub_assigned"].id]


# The checklist (R-INSP-1) ------------------------------------------------------------------------

CHECKED_RULES = ["R-ISP-1", "R-ISP-2", "R-ISP-3", "R-ISP-4", "R-ISP-5", "R-ISP-7", "R-ISP-8", "R-SIGN-1", "R-SIGN-2",
                 "R-SIGN-3", "R-HRS-1", "R-DATA-3", "R-DATA-8"]


def record_every_week(customer, by):
    from portal.models import HoursEntry
    from portal.services.hours_rules import week_start

    referral = customer.referrals[0]
    monday = week_start(referral.started_on)
    while monday < week_start(TODAY):
        on = max(monday, referral.started_on)
        db.session.add(HoursEntry(referral_id=referral.id, week_start=monday, on=on, activity="cv_and_applications",
                                  source="provider", mode="face_to_face", quarters=4, description="Job search",
                                  entered_by_id=by.id, entered_by_organisation_id=by.organisation_id))
        monday += timedelta(days=7)
    db.session.commit()


def results(client, inspection, customer):
    page = client.get(f"/inspections/{inspection.id}/sample/{customer.id}")
    assert page.status_code == 200
    return dict(re.findall(r'data-rule="([\w-]+)" data-result="([\w ]+)"', page.get_data(as_text=True)))


def failing(client, inspection, customer):
    return {rule for rule, result in results(client, inspection, customer).items() if result == "fail"}


def test_r_insp_1_each_check_passes_for_a_complete_plan_and_fails_when_its_rule_is_broken(client, world):
    from portal import audit
    from portal.models import Consent, ConsentKind, DocumentOriginal, PlanParty, Review, Signature, VersionSeal

    customer, plan, version = agreed_plan_for(client, world)
    give_copy(client, customer, version)
    record_every_week(customer, world.users["ses_adviser"])
    inspection = world.inspection
    sign_in_as(client, world.users["inspector"])
    assert client.get(f"/inspections/{inspection.id}/sample/{customer.id}").status_code == 404  # not sampled yet
    client.post(f"/inspections/{inspection.id}/sample/add", data={"reference": customer.reference})
    passing = results(client, inspection, customer)
    assert list(passing) == CHECKED_RULES
    assert passing == {**{rule: "pass" for rule in CHECKED_RULES}, "R-ISP-8": "not applicable",
                       "R-DATA-3": "not applicable", "R-DATA-8": "not applicable"}

    def breaks(rule, change, *, also=()):
        before = failing(client, inspection, customer)
        assert rule not in before
        change()
        db.session.commit()
        db.session.expire_all()
        assert failing(client, inspection, customer) == before | {rule, *also}, rule

    v = db.session.get(type(version), version.id)
    breaks("R-ISP-1", lambda: setattr(v, "needs_assessment", ""))
    breaks("R-ISP-2", lambda: setattr(v, "job_goal", " "))
    breaks("R-ISP-3", lambda: v.support_items[0].objectives.clear())
    breaks("R-ISP-4", lambda: setattr(v.objectives[0], "measure", ""))
    # The first review fell due yesterday and none was held; a review held on time passes again.
    breaks("R-ISP-5", lambda: setattr(v, "first_review_on", TODAY - timedelta(days=1)))
    db.session.add(Review(plan_id=plan.id, version_id=v.id, held_on=TODAY - timedelta(days=1), participants="Both",
                          next_review_on=TODAY + timedelta(days=40)))
    db.session.commit()
    assert "R-ISP-5" not in failing(client, inspection, customer)
    breaks("R-ISP-7", lambda: v.barriers.clear())
    # In work (R-ISP-12): a job started and no in-work support agreement signed by the employer.
    from portal.models import InWorkJob
    job = InWorkJob(referral_id=v.referral_id, employer_name="Corner Bakery", employer_staff=8, job_title="Baker",
                    started_on=TODAY, recorded_by_id=world.users["ses_adviser"].id)
    breaks("R-ISP-8", lambda: db.session.add(job))
    db.session.delete(job)
    db.session.commit()
    assert results(client, inspection, customer)["R-ISP-8"] == "not applicable"
    copy_format = "large_print"
    from portal.models import CustomerCopy
    breaks("R-SIGN-2", lambda: [setattr(c, "document_format", copy_format)
                                for c in db.session.scalars(select(CustomerCopy))])
    original = db.session.scalar(select(DocumentOriginal).join(VersionSeal).where(VersionSeal.version_id == v.id))
    breaks("R-SIGN-3", lambda: setattr(original, "content", original.content + b"x"))
    from portal.models import HoursEntry
    entry = db.session.scalar(select(HoursEntry).order_by(HoursEntry.on))
    breaks("R-HRS-1", lambda: setattr(entry, "removed_at", utcnow()))  # a removed entry is kept, not counted
    # Health information shown to the provider without consent in force, then with it.
    breaks("R-DATA-3", lambda: audit.record("customer.viewed", customer_id=customer.id, actor=world.users["ses_adviser"],
                                            detail={"through": "page", "fields": ["name", "health_summary"]}))
    db.session.add(Consent(customer_id=customer.id, organisation_id=world.orgs["ses"].id, kind=ConsentKind.HEALTH,
                           health_items="health_summary", given_on=TODAY - timedelta(days=60)))
    db.session.commit()
    assert results(client, inspection, customer)["R-DATA-3"] == "pass"
    # Someone from the support network signed as a party: the customer's agreement must be in force.
    breaks("R-DATA-8", lambda: v.parties.append(PlanParty(key="p9", role="other", name="Sister", required=False,
                                                          position=9)))
    db.session.add(Consent(customer_id=customer.id, organisation_id=world.orgs["ses"].id,
                           kind=ConsentKind.SUPPORT_NETWORK, people="Sister", given_on=TODAY - timedelta(days=60)))
    db.session.commit()
    assert results(client, inspection, customer)["R-DATA-8"] == "pass"
    signature = db.session.scalar(select(Signature).where(Signature.version_id == v.id))
    breaks("R-SIGN-1", lambda: db.session.delete(signature))


# Findings and the provider's answers (R-INSP-2) --------------------------------------------------

def raise_one(client, world, **overrides):
    from portal.models import Finding

    inspection = world.inspection
    sign_in_as(client, world.users["inspector"])
    form = client.get(f"/inspections/{inspection.id}/findings/new").get_data(as_text=True)
    once = re.search(r'name="once"[^>]*value="([^"]+)"', form) or re.search(r'value="([^"]+)"[^>]*name="once"', form)
    data = {"once": once.group(1), "customer_id": "", "rule": "R-ISP-5", "found": "Three reviews held late",
            "severity": "high", "action_required": "Hold reviews on the dates agreed",
            **date_fields("due_on", TODAY + timedelta(days=28)), **overrides}
    response = client.post(f"/inspections/{inspection.id}/findings/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return db.session.scalars(select(Finding).order_by(Finding.id.desc())).first()


def test_r_insp_2_a_finding_is_raised_answered_reopened_and_accepted_each_change_kept_and_audited(client, world):
    from portal.models import FindingState
    from tests import mailbox

    finding = raise_one(client, world)
    inspection = world.inspection
    mail = mailbox.messages("inspection_finding")
    assert [m.recipient for m in mail] == ["manager@ses.example"]
    # The manager of the inspected organisation sees and answers it; another organisation's gets 404.
    sign_in_as(client, world.users["ses_b_manager"])
    assert client.get(f"/findings/{finding.id}").status_code == 404
    assert f'/findings/{finding.id}"' not in client.get("/findings/").get_data(as_text=True)
    sign_in_as(client, world.users["ses_manager"])
    assert f'/findings/{finding.id}"' in client.get("/findings/").get_data(as_text=True)
    bad = client.post(f"/findings/{finding.id}", data={"text": "Done", "evidence_url": "javascript:alert(1)"})
    assert bad.status_code == 400
    answer = client.post(f"/findings/{finding.id}", data={"text": "Reviews are now booked",
                                                           "evidence_url": f"/customers/1/plan/"})
    assert answer.status_code == 302
    assert client.post(f"/findings/{finding.id}", data={"text": "Again"}).status_code == 400  # not awaiting an answer
    # The inspector reopens, the manager answers again, the inspector accepts.
    sign_in_as(client, world.users["inspector"])
    url = f"/inspections/{inspection.id}/findings/{finding.id}"
    assert client.post(url, data={"decision": "reopened", "text": "Show the new dates"}).status_code == 302
    sign_in_as(client, world.users["ses_manager"])
    client.post(f"/findings/{finding.id}", data={"text": "Dates are in version 2"})
    sign_in_as(client, world.users["inspector"])
    assert client.post(url, data={"decision": "accepted"}).status_code == 302
    assert client.post(url, data={"decision": "reopened"}).status_code == 400  # only an answered finding
    db.session.expire_all()
    assert [e.to_state for e in finding.events] == [FindingState.OPEN, FindingState.ANSWERED, FindingState.REOPENED,
                                                    FindingState.ANSWERED, FindingState.ACCEPTED]
    assert finding.state == FindingState.ACCEPTED
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "inspection_finding")
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["finding.open", "finding.answered", "finding.reopened", "finding.answered", "finding.accepted"]
    page = client.get(url).get_data(as_text=True)
    assert "Reviews are now booked" in page and "Show the new dates" in page and "Dates are in version 2" in page
    reopened_mail = mailbox.messages("inspection_finding")
    assert len(reopened_mail) == 2


def test_r_insp_2_findings_filter_by_state_rule_and_due_date(client, world):
    inspection = world.inspection
    late = raise_one(client, world, rule="R-ISP-5", **date_fields("due_on", TODAY + timedelta(days=5)))
    copy = raise_one(client, world, rule="R-SIGN-2", **date_fields("due_on", TODAY + timedelta(days=40)))
    sign_in_as(client, world.users["ses_manager"])
    client.post(f"/findings/{copy.id}", data={"text": "Copies posted"})
    sign_in_as(client, world.users["inspector"])
    base = f"/inspections/{inspection.id}/findings"

    def shown(query):
        page = client.get(f"{base}?{query}").get_data(as_text=True)
        return {f.id for f in (late, copy) if f"/findings/{f.id}\"" in page}

    assert shown("") == {late.id, copy.id}
    assert shown("state=answered") == {copy.id}
    assert shown("rule=R-ISP-5") == {late.id}
    assert shown(f"due_by={(TODAY + timedelta(days=10)).isoformat()}") == {late.id}
    assert client.get(f"{base}?due_by=not-a-date").status_code == 400
    sign_in_as(client, world.users["ses_manager"])
    answered = client.get("/findings/?state=answered").get_data(as_text=True)
    assert f'/findings/{copy.id}"' in answered and f'/findings/{late.id}"' not in answered


def test_a_finding_needs_a_rule_a_future_due_date_and_a_customer_in_scope(client, world):
    inspection = world.inspection
    sign_in_as(client, world.users["inspector"])
    url = f"/inspections/{inspection.id}/findings/new"
    past = client.post(url, data={"customer_id": "", "rule": "R-ISP-5", "found": "x", "severity": "low", "action_required": "y",
                                  **date_fields("due_on", TODAY - timedelta(days=1))})
    assert past.status_code == 400 and "today or later" in past.get_data(as_text=True)
    outside = client.post(url, data={"customer_id": str(world.customers["lse_started"].id), "rule": "R-ISP-5",
                                     "found": "x", "severity": "low", "action_required": "y",
                                     **date_fields("due_on", TODAY)})
    assert outside.status_code == 400
    assert client.post(url, data={"rule": "NOT-A-RULE"}).status_code == 400


def test_the_overview_and_the_figure_lists_make_the_same_number_of_queries_whatever_the_providers_size(client, world):
    """Set-based (issue 13): a fixed handful of aggregate queries, never one per customer or plan."""
    from sqlalchemy import event

    from tests.factories import make_customer

    inspection = world.inspection
    sign_in_as(client, world.users["inspector"])
    SEEN = []

    def queries(url):
        count = 0

        def counted(_conn, _cursor, statement, *_args, **_kwargs):
            nonlocal count
            count += 1
            SEEN.append(statement[:120])

        event.listen(db.engine, "before_cursor_execute", counted)
        try:
            assert client.get(url).status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", counted)
        return count

    urls = [f"/inspections/{inspection.id}", f"/inspections/{inspection.id}/customers/on_programme"]
    small = [queries(url) for url in urls]
    for n in range(12):
        customer = make_customer(world.orgs["ses"], "SES", adviser=world.users["ses_adviser"], first_name=f"Extra{n}")
        record_every_week(customer, world.users["ses_adviser"])
    SEEN.clear()
    assert [queries(url) for url in urls] == small, "\n".join(SEEN)
