"""Signed documents (issue 6, R-SIGN-2, R-SIGN-3): originals sealed once at agreement, downloads, the public
verification page, the customer's copy and inspection packs, all through real HTTP and the database."""
import csv
import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from docx import Document as WordDocument
from sqlalchemy import select

from portal import data_access
from portal.documents import seal as sealing
from portal.documents import service as documents
from portal.documents.docx_checks import check_docx
from portal.documents.pdf_checks import check_pdf
from portal.extensions import db
from portal.models import (
    Access, AuditEvent, CustomerCopy, DocumentOriginal, DwpRecord, InspectionPack, OutboxMessage, PackStatus,
    PlanVersion, PolicyRule, VersionSeal, VersionStatus,
)
from tests import mailbox
from tests.conftest import test_config
from tests.factories import sign_in_as
from tests.test_plans import base, fill_complete_plan, lock, started  # noqa: F401 - `started` is a fixture

TODAY = date.today()


def d(value):
    return [str(value.day), str(value.month), str(value.year)]


def agree(client, customer, version, *, customer_query=""):
    """Send for signature; the customer signs in person (in `customer_query`'s language and format), then the adviser."""
    client.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    db.session.refresh(version)
    for party in version.parties:
        query = customer_query if party.role == "customer" else ""
        page = client.get(f"{base(customer, version)}/sign/{party.id}{query}").get_data(as_text=True)
        seen = re.search(r'value="([0-9a-f]{64})"', page).group(1)
        response = client.post(f"{base(customer, version)}/sign/{party.id}{query}", data={
            "seen_hash": seen, "method": "in_person", "declaration": "y", "typed_name": party.name})
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(version)
    assert version.status == VersionStatus.AGREED


@pytest.fixture
def agreed(client, started):
    customer, plan, version = started
    fill_complete_plan(client, customer, version)
    agree(client, customer, version, customer_query="?lang=cy&format=easy_read")
    return customer, plan, version


def docx_text(data):
    document = WordDocument(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def originals(version):
    return db.session.scalars(select(DocumentOriginal).join(VersionSeal)
                              .where(VersionSeal.version_id == version.id)).all()


# Sealing at agreement --------------------------------------------------------------------------

def test_agreement_seals_the_customers_format_and_the_standard_english_once(agreed):
    customer, _plan, version = agreed
    stored = originals(version)
    assert sorted((o.kind, o.document_format, o.language) for o in stored) == [
        ("docx", "easy_read", "cy"), ("docx", "standard", "en"), ("pdf", "easy_read", "cy"), ("pdf", "standard", "en")]
    for original in stored:
        assert original.sha256 == sealing.sha256(original.content) and original.size == len(original.content)
        assert sealing.record_is_genuine(original.record, original.signature)
        assert f'"sha256":"{original.sha256}"' in original.record
        if original.kind == "pdf":
            assert sealing.check_pdf_seal(original.content).genuine
            assert check_pdf(original.content, original.language) == []  # still PDF/UA after signing
        else:
            assert check_docx(original.content, original.document_format, original.language) == []
    seal = db.session.scalar(select(VersionSeal).where(VersionSeal.version_id == version.id))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "document.sealed"))
    assert event.subject_id == version.id and seal.code in event.detail


def test_every_document_shows_who_signed_how_and_when_the_version_and_the_verification_reference(client, agreed):
    customer, _plan, version = agreed
    seal = documents.seal_of(version)
    response = client.get(f"{base(customer, version)}/documents/docx?format=standard&lang=en")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    text = docx_text(response.data)
    record = db.session.get(DwpRecord, customer.id)
    assert f"{record.first_name} {record.last_name}" in text
    assert "In person" in text and "As the adviser" in text  # how each party signed
    assert f"Version {version.number}" in text and "Agreed on" in text
    assert seal.code in text and "/verify" in text
    assert "Draft" not in text
    welsh = docx_text(client.get(f"{base(customer, version)}/documents/docx?format=easy_read&lang=cy").data)
    assert "Yn bersonol" in welsh and seal.code in welsh


def test_originals_are_never_made_again_even_if_the_templates_change(client, agreed, monkeypatch):
    customer, _plan, version = agreed
    first = client.get(f"{base(customer, version)}/documents/pdf?format=standard&lang=en").data

    def template_changed(context, kind):
        raise AssertionError("an original must not be rendered again")

    monkeypatch.setattr(documents, "render", template_changed)
    again = client.get(f"{base(customer, version)}/documents/pdf?format=standard&lang=en").data
    assert again == first == next(o.content for o in originals(version) if (o.kind, o.document_format) == ("pdf", "standard"))


def test_a_format_not_sealed_at_agreement_becomes_an_original_on_first_download(client, agreed):
    customer, _plan, version = agreed
    first = client.get(f"{base(customer, version)}/documents/docx?format=large_print&lang=en").data
    second = client.get(f"{base(customer, version)}/documents/docx?format=large_print&lang=en").data
    assert first == second
    assert ("docx", "large_print", "en") in {(o.kind, o.document_format, o.language) for o in originals(version)}


def test_a_draft_is_marked_and_carries_no_verification_reference(client, started):
    customer, _plan, version = started
    fill_complete_plan(client, customer, version)
    text = docx_text(client.get(f"{base(customer, version)}/documents/docx?format=standard&lang=en").data)
    assert "Draft – not agreed" in text and "/verify" not in text
    assert client.get(f"{base(customer, version)}/documents/pdf").data.startswith(b"%PDF")
    assert db.session.scalar(select(VersionSeal)) is None
    assert client.get(f"{base(customer, version)}/documents/zip").status_code == 404
    assert client.get(f"{base(customer, version)}/documents/pdf?format=tiny").status_code == 404


def test_the_document_defaults_to_the_format_and_language_the_customers_record_asks_for(client, started):
    customer, _plan, version = started
    record = db.session.get(DwpRecord, customer.id)
    record.preferred_language, record.format_needs = "cy", "large_print"
    db.session.commit()
    response = client.get(f"{base(customer, version)}/documents/docx")
    assert "large-print-cy.docx" in response.headers["Content-Disposition"]
    page = client.get(f"{base(customer, version)}/documents").get_data(as_text=True)
    assert "Large print, Welsh <strong class=\"govuk-tag govuk-tag--green\">Customer’s choice</strong>" in page


def test_the_documents_page_defaults_to_the_format_the_customer_signed_in(client, agreed):
    """Issue 17 (R-SIGN-2): the customer signed in Welsh Easy Read; a later change to their record does not move
    the default away from the copy they agreed to."""
    customer, _plan, version = agreed
    record = db.session.get(DwpRecord, customer.id)
    record.preferred_language, record.format_needs = "en", "large_print"
    db.session.commit()
    response = client.get(f"{base(customer, version)}/documents/docx")
    assert "easy-read-cy.docx" in response.headers["Content-Disposition"]
    page = client.get(f"{base(customer, version)}/documents").get_data(as_text=True)
    assert 'Easy Read, Welsh <strong class="govuk-tag govuk-tag--green">Signed in this format</strong>' in page


def test_welsh_documents_open_the_welsh_check_page_and_every_document_carries_the_needs_assessment(client, agreed):
    customer, _plan, version = agreed
    seal = db.session.scalar(select(VersionSeal))
    welsh = docx_text(client.get(f"{base(customer, version)}/documents/docx?format=easy_read&lang=cy").data)
    english = docx_text(client.get(f"{base(customer, version)}/documents/docx?format=standard&lang=en").data)
    assert f"/verify/{seal.code}?lang=cy" in welsh and "?lang=" not in english and f"/verify/{seal.code}" in english
    for text in (welsh, english):
        assert "Wants warehouse work; anxiety in crowds" in text
    # Easy Read carries every agreed term (R-SIGN-2): how often, the measure, each barrier's impact, the time.
    for term in ("Weekly", "3 applications a week", "Worry", "Needs 6 months to build confidence", "CV workshop"):
        assert term in welsh, term


@pytest.mark.parametrize("lang", ["en", "cy"])
def test_the_easy_read_signing_page_carries_every_agreed_term(client, started, lang):
    """Issue 15/17 (R-SIGN-2): what the customer signs in Easy Read holds every term the plan agrees."""
    customer, _plan, version = started
    fill_complete_plan(client, customer, version)
    client.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    db.session.refresh(version)
    party = next(p for p in version.parties if p.role == "customer")
    page = client.get(f"{base(customer, version)}/sign/{party.id}?lang={lang}&format=easy_read").get_data(as_text=True)
    for term in ("Weekly", "3 applications a week", "Worry", "Advocacy with the council", "Needs 6 months to build confidence",
                 "Wants warehouse work; anxiety in crowds", "CV workshop", "Apply for warehouse jobs"):
        assert term in page, term
    assert ('<span lang="en">3 applications a week</span>' in page) is (lang == "cy")


# Data policy (R-DATA-1) ---------------------------------------------------------------------------

def test_a_document_holds_nothing_the_readers_policy_hides(client, world):
    """The J2E adviser's documents show the name only while the policy shows it; never NINO, date of birth,
    benefit or health details."""
    customer, adviser = world.customers["j2e_started"], world.users["j2e_adviser"]
    sign_in_as(client, adviser)
    client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}")
    version = db.session.scalar(select(PlanVersion))
    record = db.session.get(DwpRecord, customer.id)
    record.health_summary, record.medical_details = "Canary-health-summary", "Canary-medical-details"
    db.session.commit()
    secrets_of_record = [record.nino, record.date_of_birth.strftime("%-d %B %Y"), "Canary-health", "Canary-medical"]
    url = f"/customers/{customer.id}/plan/{version.id}/documents/docx?format=standard&lang=en"
    text = docx_text(client.get(url).data)
    assert f"{record.first_name} {record.last_name}" in text
    assert [s for s in secrets_of_record if s in text] == []
    # The policy now hides the name from this audience: the document shows the reference instead.
    db.session.add(PolicyRule(field="name", programme_id=customer.referrals[0].programme_id,
                              audience=data_access.audience_for(adviser), accredited=None, access=Access.HIDDEN))
    db.session.commit()
    text = docx_text(client.get(url).data)
    assert record.first_name not in text and customer.reference in text


# Public verification ------------------------------------------------------------------------------

def test_the_verification_page_checks_a_code_and_shows_nothing_personal(client, agreed):
    customer, _plan, version = agreed
    seal = documents.seal_of(version)
    client.post("/sign-out")
    with client.session_transaction() as session:
        session.clear()
    loose = seal.code.replace("-", "").lower()
    response = client.post("/verify/", data={"code": f" {loose} "})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/verify/{seal.code}?lang=en")
    page = client.get(f"/verify/{seal.code}").get_data(as_text=True)
    assert f"version {version.number} of a support plan" in page and "This is the current version" in page
    record = db.session.get(DwpRecord, customer.id)
    leaks = (f"{record.first_name} {record.last_name}", record.last_name, customer.reference, record.nino)
    assert [leak for leak in leaks if leak in page] == []
    assert sealing.root_fingerprint() in page
    welsh = client.get(f"/verify/{seal.code}?lang=cy").get_data(as_text=True)
    assert f"fersiwn {version.number} o gynllun cymorth" in welsh
    missing = client.post("/verify/", data={"code": "ZZZZ-ZZZZ-ZZ"})
    assert missing.status_code == 404 and "No document has this code" in missing.get_data(as_text=True)
    empty = client.post("/verify/", data={"code": ""})
    assert empty.status_code == 400 and "govuk-error-summary" in empty.get_data(as_text=True)


def _upload(client, data, name):
    return client.post("/verify/", data={"document": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def test_an_uploaded_original_is_genuine_and_one_changed_byte_is_not(client, agreed):
    _customer, _plan, version = agreed
    pdf = next(o.content for o in originals(version) if o.kind == "pdf")
    docx = next(o.content for o in originals(version) if o.kind == "docx")
    for data, name in ((pdf, "plan.pdf"), (docx, "plan.docx")):
        page = _upload(client, data, name).get_data(as_text=True)
        assert "This file is a genuine original" in page, name
    # Change one byte inside the signed range of the PDF: the hash no longer matches and the seal breaks.
    position = pdf.index(b"/Lang") + 2
    tampered = pdf[:position] + bytes([pdf[position] ^ 0x01]) + pdf[position + 1:]
    page = _upload(client, tampered, "plan.pdf").get_data(as_text=True)
    assert "not an original sealed by the portal" in page and "has been changed since it was sealed" in page
    assert not sealing.check_pdf_seal(tampered).genuine
    page = _upload(client, docx[:-1] + bytes([docx[-1] ^ 0x01]), "plan.docx").get_data(as_text=True)
    assert "not an original sealed by the portal" in page
    assert "Choose a PDF or Word file" in client.post("/verify/", data={}, content_type="multipart/form-data").get_data(as_text=True)


def test_a_superseded_version_says_a_newer_one_was_agreed(client, agreed):
    customer, plan, version = agreed
    first_code = documents.seal_of(version).code
    client.post(f"/customers/{customer.id}/plan/{plan.id}/revise", data={"reason": "Review"})
    second = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.number == 2))
    agree(client, customer, second)
    page = client.get(f"/verify/{first_code}").get_data(as_text=True)
    assert "A newer version of the plan has been agreed since: version 2" in page


def test_the_verification_page_is_rate_limited(database_url):
    from portal import create_app

    app = create_app(test_config(database_url, VERIFY_RATE_PER_MINUTE=3))
    client = app.test_client()
    statuses = [client.get("/verify/ABCD-EFGH-JK").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    refused = client.get("/verify/")
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "Too many checks" in refused.get_data(as_text=True)


# The customer's copy (R-SIGN-2) -----------------------------------------------------------------

def test_the_customer_page_shows_whether_the_current_versions_copy_was_given(client, agreed):
    customer, _plan, version = agreed
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "has not been given a copy of their current plan" in page
    url = f"{base(customer, version)}/copies"
    refused = client.post(url, data={"method": "handed_over", "document_format": "easy_read", "language": "cy",
                                     "given_on": d(TODAY + timedelta(days=1))})
    assert refused.status_code == 400 and "must be today or in the past" in refused.get_data(as_text=True)
    assert db.session.scalar(select(CustomerCopy)) is None
    response = client.post(url, data={"method": "handed_over", "document_format": "easy_read", "language": "cy",
                                      "given_on": d(TODAY)})
    assert response.status_code == 302
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "was given a copy of their current plan" in page and "handed over in person" in page


def test_a_copy_emailed_through_the_mail_service_goes_out_with_the_pdf(client, agreed):
    customer, _plan, version = agreed
    missing = client.post(f"{base(customer, version)}/copies", data={
        "method": "emailed", "document_format": "standard", "language": "en", "given_on": d(TODAY)})
    assert missing.status_code == 400 and "Enter the email address" in missing.get_data(as_text=True)
    client.post(f"{base(customer, version)}/copies", data={
        "method": "emailed", "email": "sam@mail.example", "document_format": "standard", "language": "en",
        "given_on": d(TODAY)})
    message = mailbox.newest("plan_copy")
    assert message.recipient == "sam@mail.example" and any(n.endswith("standard-en.pdf") for n in message.attachment_names)
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.purpose == "plan_copy")).recipient_kind == "customer"
    copy = db.session.scalar(select(CustomerCopy))
    assert str(copy.method) == "emailed" and copy.note == "Sent to sam@mail.example"


def test_an_inspector_may_not_record_a_copy(client, agreed, world):
    customer, _plan, version = agreed
    sign_in_as(client, world.users["inspector"])
    assert client.get(f"{base(customer, version)}/documents").status_code == 200
    assert client.post(f"{base(customer, version)}/copies", data={"method": "posted"}).status_code == 403


# Inspection packs -------------------------------------------------------------------------------

def _request_pack(client, world, organisation="ses"):
    programme_id = world.customers["ses_started"].referrals[0].programme_id
    return client.post("/inspection-packs/", data={
        "organisation_id": str(world.orgs[organisation].id), "programme_id": str(programme_id),
        "date_from": d(TODAY - timedelta(days=7)), "date_to": d(TODAY)})


def _check_pack(zip_bytes, version):
    archive = zipfile.ZipFile(io.BytesIO(zip_bytes))
    manifest = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert len(manifest) == 4
    for row in manifest:
        assert sealing.sha256(archive.read(row["file"])) == row["sha256"]
        assert row["portal seal record verifies"] == "yes" and row["plan version"] == str(version.number)
    assert archive.read("hours_summary.csv").decode().startswith("customer reference,referral,month,source,hours")
    return manifest


def test_a_manager_builds_a_pack_of_their_own_organisations_originals(client, agreed, world):
    _customer, _plan, version = agreed
    sign_in_as(client, world.users["ses_manager"])
    bad = client.post("/inspection-packs/", data={"organisation_id": str(world.orgs["ses"].id),
                                                  "date_from": d(TODAY), "date_to": d(TODAY - timedelta(days=1))})
    assert bad.status_code == 400 and db.session.scalar(select(InspectionPack)) is None
    response = _request_pack(client, world)
    assert response.status_code == 302
    pack = db.session.scalar(select(InspectionPack))
    assert pack.status == PackStatus.DONE and pack.total == 1
    manifest = _check_pack(client.get(f"/inspection-packs/{pack.id}/download").data, version)
    assert {row["verification code"] for row in manifest} == {documents.seal_of(version).code}
    assert "The pack is ready" in client.get(f"/inspection-packs/{pack.id}").get_data(as_text=True)
    # Another provider's manager can neither build one for this provider nor open this one.
    sign_in_as(client, world.users["j2e_manager"])
    assert _request_pack(client, world).status_code == 400
    assert client.get(f"/inspection-packs/{pack.id}").status_code == 404


def test_an_inspector_builds_a_pack_on_the_background_queue(client, agreed, world, database_url):
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown
    from rq import SimpleWorker

    from portal import create_app
    from portal.documents.packs import QUEUE_NAME

    _customer, _plan, version = agreed
    redis_url = "redis://127.0.0.1:6379/13"
    try:
        Redis.from_url(redis_url).flushdb()
    except RedisDown:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (CI machines have it)")
    app = create_app(test_config(database_url, REDIS_URL=redis_url))
    queued_client = app.test_client()
    sign_in_as(queued_client, world.users["inspector"])
    assert _request_pack(queued_client, world).status_code == 302
    pack = db.session.scalar(select(InspectionPack))
    assert pack.status == PackStatus.QUEUED
    page = queued_client.get(f"/inspection-packs/{pack.id}").get_data(as_text=True)
    assert "Building the pack: <span class=\"portal-pack-done\">0</span> of 1" in page
    with app.app_context():
        SimpleWorker([QUEUE_NAME], connection=Redis.from_url(redis_url)).work(burst=True)
    db.session.expire_all()
    assert queued_client.get(f"/inspection-packs/{pack.id}/progress").json == {"status": "done", "done": 1, "total": 1}
    _check_pack(queued_client.get(f"/inspection-packs/{pack.id}/download").data, version)
