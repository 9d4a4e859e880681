"""Issue 15: progress without re-signing (R-ISP-11), who signed (R-SIGN-4), SMART at save (R-ISP-4),
the support-network agreement (R-DATA-8) and plain words (long sentences flagged, not blocked)."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.documents.context import build_context
from portal.extensions import db
from portal.models import AuditEvent, DocumentOriginal, Objective, PlanVersion, Progress, Signature, VersionStatus
from portal.services import plain_words, plan_rules, plans, progress, signers
from tests.factories import make_customer, sign_in_as
from tests.test_plans import TODAY, _ready_for_signature, _send_link, base, d, fill_complete_plan, lock, started  # noqa: F401


def sign_all(client, customer, version):
    for party in version.parties:
        response = client.post(f"{base(customer, version)}/sign/{party.id}", data={
            "seen_hash": version.content_hash, "method": "in_person", "declaration": "y", "typed_name": party.name})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(version)
    assert version.status == VersionStatus.AGREED


@pytest.fixture
def agreed(client, started):
    customer, plan, version = started
    _ready_for_signature(client, customer, version)
    sign_all(client, customer, version)
    return customer, plan, version


def progress_url(customer, version, kind, item_id):
    return f"{base(customer, version)}/progress/{kind}/{item_id}"


# --- R-ISP-11: progress is recorded against the agreed version, not a change of it -------------------------

def test_r_isp_11_achieved_is_recorded_without_a_new_version_signature_or_change_to_the_sealed_original(client, agreed):
    customer, plan, version = agreed
    objective = version.objectives[0]
    hash_before, versions_before = version.content_hash, len(plan.versions)
    originals_before = {o.id: o.sha256 for o in db.session.scalars(select(DocumentOriginal)).all()}
    signatures_before = db.session.scalar(select(func.count(Signature.id)))
    response = client.post(progress_url(customer, version, "objective", objective.id), data={
        "done_on": d(TODAY - timedelta(days=1)), "note": "Sent five applications"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(version)
    row = db.session.scalars(select(Progress)).one()
    assert (row.version_id, row.item_key, row.done_on, row.note) == (
        version.id, objective.key, TODAY - timedelta(days=1), "Sent five applications")
    assert version.status == VersionStatus.AGREED and version.content_hash == hash_before == plans.content_hash(version)
    assert len(plan.versions) == versions_before
    assert db.session.scalar(select(func.count(Signature.id))) == signatures_before
    assert {o.id: o.sha256 for o in db.session.scalars(select(DocumentOriginal)).all()} == originals_before
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "plan.progress_recorded")) is not None
    # Shown on the plan page and the reviews page as progress as at today, outside the signed content.
    page = client.get(base(customer, version)).get_data(as_text=True)
    assert "Progress as at" in page and "Sent five applications" in page
    reviews = client.get(f"/customers/{customer.id}/plan/{plan.id}/reviews").get_data(as_text=True)
    assert "Progress as at" in reviews and "Sent five applications" in reviews
    # Documents: a live render carries it; an original is made without it.
    live = build_context(version, reader=None, lang="en", document_format="standard", progress_on=TODAY)
    assert live["progress"]["heading"].startswith("Progress as at") and "Apply for warehouse jobs" in live["progress"]["lines"][0]
    assert build_context(version, reader=None, lang="en", document_format="standard")["progress"] is None


def test_r_isp_11_achieved_and_passed_dates_are_not_in_the_signed_content(agreed):
    _customer, _plan, version = agreed
    content = plans.canonical_content(version)
    assert all("achieved_on" not in row for row in content["objectives"] + content["milestones"])
    assert "achieved_on" not in plans.LIST_MODELS["objectives"][1] + plans.LIST_MODELS["milestones"][1]


def test_r_isp_11_progress_carries_into_the_next_version_by_the_items_key(client, agreed, world):
    customer, plan, version = agreed
    progress.record(version, "objective", version.objectives[0], done_on=TODAY, note="", by=world.users["ses_adviser"],
                    today=TODAY)
    newer = plans.revise(plan, by=world.users["ses_adviser"], reason="Review")
    assert [line.text for line in progress.lines(newer)] == ["Apply for warehouse jobs"]


def test_r_isp_11_refused_on_a_draft_in_the_future_and_twice(client, started, agreed, world):
    customer, plan, version = agreed
    objective = version.objectives[0]
    url = progress_url(customer, version, "objective", objective.id)
    future = client.post(url, data={"done_on": d(TODAY + timedelta(days=1))})
    assert future.status_code == 400 and "today or in the past" in future.get_data(as_text=True)
    assert client.post(url, data={"done_on": d(TODAY)}).status_code == 302
    again = client.post(url, data={"done_on": d(TODAY)})
    assert again.status_code == 400 and "already been recorded" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Progress.id))) == 1
    draft = plans.revise(plan, by=world.users["ses_adviser"], reason="Change")
    with pytest.raises(plans.PlanError):
        progress.record(draft, "objective", draft.objectives[0], done_on=TODAY, note="", by=world.users["ses_adviser"],
                        today=TODAY)


def test_r_isp_11_progress_is_recorded_only_against_the_agreed_version(client, started, world):
    customer, plan, version = started
    fill_complete_plan(client, customer, version)
    db.session.refresh(version)
    with pytest.raises(plans.PlanError, match="agreed plan"):
        progress.record(version, "objective", version.objectives[0], done_on=TODAY, note="",
                        by=world.users["ses_adviser"], today=TODAY)
    assert db.session.scalar(select(func.count(Progress.id))) == 0


@pytest.mark.parametrize("path, expected", [
    ("objective/999999", 404), ("nonsense/1", 404), ("objective/not-a-number", 404)])
def test_r_isp_11_bad_progress_urls_answer_4xx(client, agreed, path, expected):
    customer, plan, version = agreed
    assert client.post(f"{base(customer, version)}/progress/{path}", data={"done_on": d(TODAY)}).status_code == expected


def test_r_isp_11_a_bad_date_is_a_form_error_not_a_500(client, agreed):
    customer, plan, version = agreed
    url = progress_url(customer, version, "objective", version.objectives[0].id)
    for done_on in (["31", "2", "2026"], ["x", "y", "z"], ["", "", ""]):
        response = client.post(url, data={"done_on": done_on, "note": "n" * 3000})
        assert response.status_code == 400
    assert db.session.scalar(select(func.count(Progress.id))) == 0


def test_r_isp_11_other_organisations_and_sub_contractors_cannot_record_progress(app, agreed, world):
    customer, plan, version = agreed
    url = progress_url(customer, version, "objective", version.objectives[0].id)
    other = app.test_client()
    sign_in_as(other, world.users["ses_b_adviser"])
    assert other.post(url, data={"done_on": d(TODAY)}).status_code == 404
    assert db.session.scalar(select(func.count(Progress.id))) == 0


# --- R-SIGN-4: the typed name matches the party ---------------------------------------------------------

def test_r_sign_4_someone_else_is_refused_in_person_and_nothing_is_signed(client, started):
    customer, plan, version = started
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    response = client.post(f"{base(customer, version)}/sign/{party.id}", data={
        "seen_hash": version.content_hash, "method": "in_person", "declaration": "y", "typed_name": "Someone Else"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "does not match the name we have for you" in page
    assert "govuk-error-summary" in page
    assert db.session.scalar(select(func.count(Signature.id))) == 0
    adviser = next(p for p in version.parties if p.role == "adviser")
    response = client.post(f"{base(customer, version)}/sign/{adviser.id}", data={
        "seen_hash": version.content_hash, "declaration": "y", "typed_name": "Someone Else"})
    assert "does not match the name of the person signing" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Signature.id))) == 0


def test_r_sign_4_someone_else_is_refused_by_link_and_counts_as_a_failed_check(app, client, started):
    customer, plan, version = started
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    path = _send_link(client, customer, version, party)
    phone = app.test_client()
    phone.post(path, data={"date_of_birth": ["17", "5", "1990"]})
    page = phone.post(path + "/plan", data={"declaration": "y", "typed_name": "Someone Else"}).get_data(as_text=True)
    assert "does not match the name we have for you" in page
    assert db.session.scalar(select(func.count(Signature.id))) == 0
    welsh = phone.post(path + "/plan?lang=cy", data={"declaration": "y", "typed_name": "Someone Else"})
    assert "Nid yw&#39;r enw" in welsh.get_data(as_text=True)
    page = phone.post(path + "/plan", data={"declaration": "y", "typed_name": party.name.upper()}).get_data(as_text=True)
    assert "You have signed your plan" in page


def test_r_sign_4_names_compare_normalised_case_spaces_apostrophes_and_hyphens():
    assert signers.same_name("  mary jane   o’neill ", "Mary-Jane O'Neill")
    assert signers.same_name("MARY-JANE ONEILL", "Mary Jane O'Neill")
    assert not signers.same_name("Mary O'Neill", "Mary-Jane O'Neill")
    assert not signers.same_name("", "")


def test_r_sign_4_a_customer_with_an_apostrophe_signs_as_typed_naturally(client, world):
    customer = make_customer(world.orgs["ses"], adviser=world.users["ses_adviser"], first_name="Mary-Jane",
                             last_name="O'Neill")
    sign_in_as(client, world.users["ses_adviser"])
    client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}")
    version = db.session.scalar(select(PlanVersion).join(PlanVersion.plan).where(
        PlanVersion.plan.has(customer_id=customer.id)))
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    response = client.post(f"{base(customer, version)}/sign/{party.id}", data={
        "seen_hash": version.content_hash, "method": "in_person", "declaration": "y", "typed_name": "mary jane oneill"})
    assert response.status_code == 302
    assert db.session.scalars(select(Signature)).one().typed_name == "mary jane oneill"


def test_r_sign_4_a_representative_gives_their_own_name_relationship_and_reason(client, started):
    customer, plan, version = started
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    url = f"{base(customer, version)}/sign/{party.id}"
    data = {"seen_hash": version.content_hash, "method": "representative", "declaration": "y"}
    page = client.post(url, data={**data, "typed_name": party.name, "representative_relationship": "Mother",
                                  "representative_reason": "Appointee"}).get_data(as_text=True)
    assert "own name" in page
    page = client.post(url, data={**data, "typed_name": "Jo Taylor", "representative_relationship": "Mother"})
    assert "why a representative is signing" in page.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Signature.id))) == 0
    response = client.post(url, data={**data, "typed_name": "Jo Taylor", "representative_relationship": "Mother",
                                      "representative_reason": "Appointee for benefits"})
    assert response.status_code == 302
    signature = db.session.scalars(select(Signature)).one()
    assert (signature.typed_name, signature.representative_relationship) == ("Jo Taylor", "Mother")


@pytest.mark.parametrize("method, extra, field", [
    ("in_person", {}, "typed_name"),
    ("representative", {"typed_name": "Jo", "representative_relationship": "Mother"}, "representative_reason"),
    ("verbal_witnessed", {"typed_name": "Sam Taylor", "witness_name": "Sam Taylor"}, "witness_name"),
    ("verbal_witnessed", {"typed_name": "Sam Taylor", "witness_name": "Mair", "witness_relationship": "Aunt"},
     "witness_reason"),
])
def test_r_sign_4_signer_problem_names_the_field(method, extra, field):
    values = {"typed_name": "Someone Else", **extra}
    problem = signers.signer_problem(party_role="customer", method=method, recorded_names=["Sam Taylor"], **values)
    assert problem and problem[0] == field


# --- R-ISP-4: SMART at save, on the objective's own form --------------------------------------------------

@pytest.mark.parametrize("missing, message", [
    ("how_often", "Say how often"), ("measure", "Say how progress is measured"), ("target_on", "Enter a target date")])
def test_r_isp_4_an_objective_missing_a_smart_part_gets_its_error_on_its_own_form(client, started, missing, message):
    customer, plan, version = started
    data = {"what": "Apply for jobs", "how_often": "Weekly", "measure": "3 a week",
            "target_on": d(TODAY + timedelta(days=30)), "lock_version": lock(version)}
    data[missing] = ["", "", ""] if missing == "target_on" else ""
    page = client.post(f"{base(customer, version)}/items/objectives/new", data=data).get_data(as_text=True)
    assert message in page and "govuk-error-summary" in page
    assert db.session.scalar(select(func.count(Objective.id))) == 0


def test_r_isp_4_a_target_date_outside_the_programmes_time_is_refused_at_save_and_at_send(client, started):
    customer, plan, version = started
    too_late = version.referral.started_on + timedelta(weeks=plan.programme.duration_weeks, days=1)
    data = {"what": "Apply for jobs", "how_often": "Weekly", "measure": "3 a week", "target_on": d(too_late),
            "lock_version": lock(version)}
    page = client.post(f"{base(customer, version)}/items/objectives/new", data=data).get_data(as_text=True)
    assert "within the time on the programme" in page
    assert db.session.scalar(select(func.count(Objective.id))) == 0
    # The send check uses the same function: an objective that got in another way is still caught.
    version.objectives.append(Objective(key="k1", what="Apply", how_often="Weekly", measure="3", target_on=too_late))
    found = [p for p in plan_rules.problems(version, plan.programme) if p.rule == "R-ISP-4"]
    assert found and "within the time on the programme" in found[0].message
    db.session.rollback()


def test_r_isp_4_the_send_check_and_the_save_check_are_one_function():
    class O:
        what, how_often, measure, target_on = "x", "", "", None
    fields = [field for field, _ in plan_rules.objective_problems(O())]
    assert fields == ["how_often", "measure", "target_on"]


# --- R-DATA-8: the support-network agreement is in the plan -----------------------------------------------

def test_r_data_8_support_network_agreement_is_recorded_shown_and_in_documents(client, started):
    customer, plan, version = started
    url = f"{base(customer, version)}/sections/support_network"
    response = client.post(url, data={"support_network_who": "Their mother, Jo Taylor", "lock_version": lock(version)})
    assert response.status_code == 302
    db.session.refresh(version)
    assert [p.field for p in plan_rules.problems(version, plan.programme) if p.rule == "R-DATA-8"] == [
        "support_network_agreed_on"]
    client.post(url, data={"support_network_who": "Their mother, Jo Taylor", "support_network_agreed_on": d(TODAY),
                           "support_network_withdrawn_on": d(TODAY - timedelta(days=3)), "lock_version": lock(version)})
    db.session.refresh(version)
    assert [p.field for p in plan_rules.problems(version, plan.programme) if p.rule == "R-DATA-8"] == [
        "support_network_withdrawn_on"]
    client.post(url, data={"support_network_who": "Their mother, Jo Taylor", "support_network_agreed_on": d(TODAY),
                           "lock_version": lock(version)})
    db.session.refresh(version)
    assert not [p for p in plan_rules.problems(version, plan.programme) if p.rule == "R-DATA-8"]
    assert plans.canonical_content(version)["support_network_who"] == "Their mother, Jo Taylor"  # signed content
    page = client.get(base(customer, version)).get_data(as_text=True)
    assert "People we may talk to about you" in page and "Their mother, Jo Taylor" in page
    context = build_context(version, reader=None, lang="cy", document_format="standard")
    assert context["support_network"]["who"] == "Their mother, Jo Taylor"
    assert context["support_network"]["agreed"].startswith("Fe wnaethoch gytuno")


# --- Plain words: a sentence over 15 words is flagged, never blocked ---------------------------------------

def test_long_sentences_are_flagged_after_save_as_guidance_not_a_block(client, started):
    customer, plan, version = started
    long_text = ("The customer would like to find work in a warehouse near home because the bus there is direct "
                 "and cheap. Short one.")
    response = client.post(f"{base(customer, version)}/sections/needs", data={
        "needs_assessment": long_text, "lock_version": lock(version)})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "longer than 15 words" in page and "Needs assessment saved" in page
    db.session.refresh(version)
    assert version.needs_assessment == long_text
    assert plain_words.long_sentences(long_text) == [long_text.split(". ")[0] + "."]
    assert plain_words.long_sentences("One two three. " * 10) == []
    # As they write: the form's text areas carry the hook of assets/plain-words.mjs.
    form = client.get(f"{base(customer, version)}/sections/needs").get_data(as_text=True)
    assert "data-plain-words" in form and "plain-words.mjs" in form


def test_r_isp_11_the_documents_page_gives_a_copy_with_progress_and_the_original_stays_as_sealed(client, agreed):
    import io
    import zipfile

    customer, plan, version = agreed
    client.post(progress_url(customer, version, "objective", version.objectives[0].id), data={
        "done_on": d(TODAY - timedelta(days=1)), "note": "Sent five applications"})
    page = client.get(f"/customers/{customer.id}/plan/{version.id}/documents").get_data(as_text=True)
    assert "With progress as at today" in page
    original = client.get(f"/customers/{customer.id}/plan/{version.id}/documents/docx?format=standard&lang=en")
    copy = client.get(f"/customers/{customer.id}/plan/{version.id}/documents/docx?format=standard&lang=en&progress=1")
    assert copy.status_code == 200 and "progress" in copy.headers["Content-Disposition"]

    def text(data):
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            return package.read("word/document.xml").decode()

    assert "Sent five applications" in text(copy.data) and "Sent five applications" not in text(original.data)
    originals = {o.sha256 for o in db.session.scalars(select(DocumentOriginal)).all()}
    import hashlib
    assert hashlib.sha256(original.data).hexdigest() in originals
    assert hashlib.sha256(copy.data).hexdigest() not in originals
