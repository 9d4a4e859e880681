"""The whole sample's checklist (R-INSP-1), closing an inspection and its sealed report (issue 13):
Word and PDF, English and Welsh, passing the project's checkers and verifiable at /verify."""
import io
import re
import threading
import zipfile
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from portal.documents.docx_checks import check_docx
from portal.documents.pdf_checks import check_pdf
from portal.documents import seal as sealing
from portal.extensions import db
from portal.models import AuditEvent, DocumentOriginal, Inspection, InspectionStatus, Role, VersionSeal
from tests.factories import make_user, sign_in_as
from tests.test_inspections import TODAY, agreed_plan_for, give_copy, raise_one


def sample_two(client, world):
    customer, _plan, version = agreed_plan_for(client, world)
    give_copy(client, customer, version)
    sign_in_as(client, world.users["inspector"])
    for key in ("ses_started", "sub_assigned"):
        assert client.post(f"/inspections/{world.inspection.id}/sample/add",
                           data={"reference": world.customers[key].reference}).status_code == 302
    return customer


def test_r_insp_1_the_samples_checklist_page_shows_every_customer_and_the_results_by_rule(client, world):
    customer = sample_two(client, world)
    page = client.get(f"/inspections/{world.inspection.id}/sample/checklist")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    by_rule = dict(re.findall(r'data-rule="([\w-]+)">.*?data-result="fail">(\d+)<', text, re.S))
    # sub_assigned has no agreed plan: it fails R-ISP-1 and nothing else is computed for it.
    assert by_rule["R-ISP-1"] == "1"
    assert by_rule["R-SIGN-1"] == "0"
    assert f'data-customer="{customer.reference}"' in text
    assert f'data-customer="{world.customers["sub_assigned"].reference}"' in text
    viewed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "inspection.sample_checklist_viewed"))
    assert viewed is not None


def test_r_insp_1_the_samples_checklist_makes_the_same_number_of_queries_for_one_customer_or_many(client, world, app):
    from sqlalchemy import event

    customer = sample_two(client, world)
    inspection = db.session.get(Inspection, world.inspection.id)

    def statements(ids):
        from portal.services import inspection_checklist

        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            with app.test_request_context():
                inspection_checklist.checklists(inspection, ids, TODAY)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    statements([customer.id])  # the inspection's own rows, loaded once
    one = statements([customer.id])
    both = statements([customer.id, world.customers["sub_assigned"].id])
    assert one == both


def test_another_inspectors_sample_checklist_answers_404(client, world):
    sign_in_as(client, make_user("outsider@dwp.example", Role.INSPECTOR))
    assert client.get(f"/inspections/{world.inspection.id}/sample/checklist").status_code == 404
    assert client.get(f"/inspections/{world.inspection.id}/report").status_code == 404
    assert client.get(f"/inspections/{world.inspection.id}/close").status_code == 404


def close(client, inspection_id):
    response = client.post(f"/inspections/{inspection_id}/close")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


def test_closing_seals_a_report_in_word_and_pdf_english_and_welsh_that_passes_the_checkers(client, world):
    customer = sample_two(client, world)
    finding = raise_one(client, world, customer_id=str(customer.id))
    sign_in_as(client, world.users["ses_manager"])
    # A finding about a customer names them by reference to the provider (a 500 found by the browser walk).
    assert customer.reference in client.get(f"/findings/{finding.id}").get_data(as_text=True)
    assert customer.reference in client.get("/findings/").get_data(as_text=True)
    client.post(f"/findings/{finding.id}", data={"text": "Reviews booked for the dates agreed",
                                                "evidence_url": "/queue"})
    sign_in_as(client, world.users["inspector"])
    assert "Close and seal" in client.get(f"/inspections/{world.inspection.id}/close").get_data(as_text=True)
    close(client, world.inspection.id)
    inspection = db.session.get(Inspection, world.inspection.id)
    assert inspection.status == InspectionStatus.CLOSED and inspection.closed_on == TODAY
    page = client.get(f"/inspections/{inspection.id}/report").get_data(as_text=True)
    seal = db.session.scalar(select(VersionSeal).where(VersionSeal.inspection_id == inspection.id))
    assert seal.code in page and seal.version_id is None
    texts = {}
    for kind in ("docx", "pdf"):
        for lang in ("en", "cy"):
            response = client.get(f"/inspections/{inspection.id}/report/{kind}/{lang}")
            assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
            data = response.data
            if kind == "docx":
                assert check_docx(data, "standard", lang) == []
                with zipfile.ZipFile(io.BytesIO(data)) as package:
                    texts[lang] = package.read("word/document.xml").decode()
            else:
                assert check_pdf(data, lang) == []
                assert sealing.check_pdf_seal(data).genuine
            assert seal.code in (texts.get(lang, "") if kind == "docx" else seal.code)
    english, welsh = texts["en"], texts["cy"]
    # Scope, sample (the seed or the customers added by hand), results by rule, the finding with its answer.
    for needle in (world.orgs["ses"].name, customer.reference, world.customers["sub_assigned"].reference, "R-ISP-5",
                   "Three reviews held late", "Reviews booked for the dates agreed", "Answered by the provider",
                   seal.code):
        assert needle in english, needle
    assert "Canfyddiadau" in welsh and "Three reviews held late" in welsh
    # The inspector's English inside the Welsh report is marked as English.
    assert 'w:lang w:val="en-GB"' in welsh
    # No customer's name: references only.
    assert "Started" not in english and "Tosub" not in english


def test_the_sealed_report_verifies_at_verify_by_code_and_by_upload_and_a_changed_one_does_not(client, world):
    sample_two(client, world)
    close(client, world.inspection.id)
    seal = db.session.scalar(select(VersionSeal).where(VersionSeal.inspection_id == world.inspection.id))
    by_code = client.get(f"/verify/{seal.code}").get_data(as_text=True)
    assert "report of a dwp inspection" in by_code.lower() and world.orgs["ses"].name in by_code
    pdf = client.get(f"/inspections/{world.inspection.id}/report/pdf/en").data
    genuine = client.post("/verify/", data={"document": (io.BytesIO(pdf), "report.pdf")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "genuine original" in genuine
    changed = client.post("/verify/", data={"document": (io.BytesIO(pdf + b"\n%changed"), "report.pdf")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "genuine original" not in changed
    welsh = client.get(f"/verify/{seal.code}?lang=cy")
    assert welsh.status_code == 200


def test_the_providers_manager_reads_the_report_of_their_closed_inspection_only(client, world):
    sample_two(client, world)
    sign_in_as(client, world.users["ses_manager"])
    assert client.get(f"/findings/inspections/{world.inspection.id}/report").status_code == 404  # still open
    sign_in_as(client, world.users["inspector"])
    close(client, world.inspection.id)
    sign_in_as(client, world.users["ses_manager"])
    assert client.get(f"/findings/inspections/{world.inspection.id}/report").status_code == 200
    assert client.get(f"/findings/inspections/{world.inspection.id}/report/pdf/cy").status_code == 200
    assert client.get(f"/findings/inspections/{world.inspection.id}/report/exe/cy").status_code == 404
    assert client.get(f"/findings/inspections/{world.inspection.id}/report/pdf/fr").status_code == 404
    sign_in_as(client, world.users["lse_manager"])
    assert client.get(f"/findings/inspections/{world.inspection.id}/report").status_code == 404


def test_a_closed_inspection_cannot_be_closed_again_and_keeps_one_report(client, world):
    sample_two(client, world)
    close(client, world.inspection.id)
    close(client, world.inspection.id)  # answered by the report page, nothing made
    assert db.session.scalar(select(func.count(VersionSeal.id)).where(
        VersionSeal.inspection_id == world.inspection.id)) == 1
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "inspection.closed")) == 1


def test_two_closes_at_the_same_instant_make_one_report(app, world, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("row locks: PostgreSQL")
    from portal.services import inspections

    inspection_id, inspector_id = world.inspection.id, world.users["inspector"].id
    db.session.remove()
    barrier, outcomes = threading.Barrier(2), []

    def attempt():
        with app.app_context():
            from portal.models import User

            inspection = db.session.get(Inspection, inspection_id)
            by = db.session.get(User, inspector_id)
            barrier.wait()
            try:
                with app.test_request_context():
                    inspections.close_inspection(inspection, closed_on=TODAY, by=by)
                outcomes.append("closed")
            except (inspections.InspectionError, OperationalError):
                # already closed, or still being closed when the lock timeout ran out (the page answers 503)
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["closed", "refused"]
    assert db.session.scalar(select(func.count(VersionSeal.id)).where(VersionSeal.inspection_id == inspection_id)) == 1
    assert db.session.scalar(select(func.count(DocumentOriginal.id)).join(VersionSeal).where(
        VersionSeal.inspection_id == inspection_id)) == 4


def test_the_administrator_closing_also_seals_the_report(client, world):
    sample_two(client, world)
    sign_in_as(client, world.users["admin"])
    client.post(f"/admin/inspections/{world.inspection.id}/close")
    assert db.session.scalar(select(VersionSeal).where(VersionSeal.inspection_id == world.inspection.id)) is not None


def test_r_hrs_1_the_overview_counts_weeks_with_no_hours_in_sql_as_the_checklist_does(client, world):
    """The overview counts weeks with hours in the database (one row a referral); the checklist reads the
    days. Both must find the same gaps (inspection_rules.hours_gaps is the one rule)."""
    from portal.models import HoursEntry
    from portal.models.base import utcnow
    from tests.test_inspections import record_every_week

    customer, _plan, _version = agreed_plan_for(client, world)
    record_every_week(customer, world.users["ses_adviser"])
    sign_in_as(client, world.users["inspector"])

    def gaps():
        page = client.get(f"/inspections/{world.inspection.id}").get_data(as_text=True)
        return dict(re.findall(r'/customers/(\w+)">(\d+)<span', page))["hours_gaps"]

    assert gaps() == "1"  # only sub_assigned, who has no hours
    entries = db.session.scalars(select(HoursEntry).where(HoursEntry.referral_id == customer.referrals[0].id)
                                 .order_by(HoursEntry.on)).all()
    if len(entries) < 2:
        pytest.skip("the customer started less than two weeks ago")
    entries[len(entries) // 2].removed_at = utcnow()  # a removed entry is kept, not counted
    db.session.commit()
    assert gaps() == "2"
    client.post(f"/inspections/{world.inspection.id}/sample/add", data={"reference": customer.reference})
    page = client.get(f"/inspections/{world.inspection.id}/sample/{customer.id}").get_data(as_text=True)
    assert 'data-rule="R-HRS-1" data-result="fail"' in page
