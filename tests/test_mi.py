"""R-MI-1: management information from a small known history, every figure checked exactly.

The history (first half of 2025, SES unless said):
  R1 customer A at the SES prime: started 10 Jan, completed 20 Mar (reason programme_end); hours 13 Jan 2 h
     (provider), 3 Feb 1 h (employer); a job started 1 Feb.
  R2 customer B at the prime: started 15 Jan, exited 10 Feb (health); hours 20 Jan 1.5 h, and 10 h on
     21 Jan that were removed.
  R3 customer C at the prime: started 1 Feb, transferred 5 Apr; hours 3 Mar 2.5 h (sub-contractor).
  R4 customer C at the other SES provider (the transfer): started 10 Apr, still on; hours 14 Apr 3 h;
     a job started 20 May.
  R5 customer B again at the prime (a re-entry): started 5 May, exited 2 Jun (other: "Caring").
     hours 12 May 1 h.
  R6 customer D at the LSE council: referred, never started (in no figure).
  R7 customer E at the prime, no adviser: started 1 Mar, exited 15 Mar (moved away).
"""
import csv
import io
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from portal import data_access
from portal.extensions import db
from portal.models import (
    Customer, HoursEntry, InspectionStatus, InWorkJob, Referral, ReferralStatus, ReferralTransition, Role,
)
from portal.models.base import utcnow
from portal.services import mi, mi_summary
from portal.services.referrals import customer_reference
from tests.factories import make_user, programme, sign_in_as

MONTHS = ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01", "2025-06-01"]
HALF_YEAR = {"date_from": ["1", "1", "2025"], "date_to": ["30", "6", "2025"]}


def _referral(world, customer, org_key, started, ended=None, status=ReferralStatus.STARTED, code=None, text=None,
              adviser=True, code_programme="SES"):
    referral = Referral(customer=customer, organisation=world.orgs[org_key], programme=programme(code_programme),
                        status=status, referred_at=datetime(2025, 1, 2, tzinfo=timezone.utc), started_on=started,
                        ended_on=ended, exit_reason_code=code, exit_reason_text=text,
                        adviser=world.users[f"{org_key}_adviser"] if adviser else None)
    db.session.add(referral)
    db.session.add(ReferralTransition(referral=referral, to_status=ReferralStatus.REFERRED, effective_on=date(2025, 1, 2)))
    db.session.flush()
    return referral


def _hours(world, referral, on, quarters, source="provider", removed=False):
    db.session.add(HoursEntry(
        referral_id=referral.id, week_start=date.fromordinal(on.toordinal() - on.weekday()), on=on,
        activity="job_search", source=source, mode="face_to_face", quarters=quarters, description="Support",
        entered_by_id=world.users["ses_adviser"].id, entered_by_organisation_id=world.orgs["ses"].id,
        removed_at=utcnow() if removed else None))


def _job(world, referral, started):
    from portal.services import outcomes

    db.session.add(InWorkJob(referral_id=referral.id, employer_name="Shop", employer_staff=8, job_title="Assistant",
                             started_on=started, recorded_by_id=world.users["ses_adviser"].id))
    db.session.flush()
    outcomes.refresh([referral.id])  # as every write through the job pages does (R-OUT-1)


def _customer():
    """A customer and their DWP record (every field a value the extract must never show)."""
    customer = Customer(reference="pending")
    db.session.add(customer)
    db.session.flush()
    customer.reference = customer_reference(customer.id)
    data_access.new_dwp_record(customer, {
        "nino": f"JT{customer.id:06d}C", "first_name": "Test", "last_name": "Customer",
        "date_of_birth": date(1990, 5, 17), "address": "1 Test Street", "postcode": "NE1 1AA", "phone": "07700 900123",
        "benefit_type": "UC", "wca_group": "LCW", "health_summary": "Summary", "preferred_language": "en",
        "format_needs": "standard"})
    return customer


@pytest.fixture
def history(world):
    a, b, c, d, e = (_customer() for _ in range(5))
    r1 = _referral(world, a, "ses", date(2025, 1, 10), date(2025, 3, 20), ReferralStatus.COMPLETED, "programme_end")
    r2 = _referral(world, b, "ses", date(2025, 1, 15), date(2025, 2, 10), ReferralStatus.EXITED_EARLY, "health")
    r3 = _referral(world, c, "ses", date(2025, 2, 1), date(2025, 4, 5), ReferralStatus.TRANSFERRED, "transferred",
                   "Nearer home")
    r4 = _referral(world, c, "ses_b", date(2025, 4, 10))
    r4.transferred_from_id = r3.id
    r5 = _referral(world, b, "ses", date(2025, 5, 5), date(2025, 6, 2), ReferralStatus.EXITED_EARLY, "other", "Caring")
    _referral(world, d, "lse", None, status=ReferralStatus.REFERRED, code_programme="LSE")
    r7 = _referral(world, e, "ses", date(2025, 3, 1), date(2025, 3, 15), ReferralStatus.EXITED_EARLY, "moved_away",
                   adviser=False)
    _hours(world, r1, date(2025, 1, 13), 8)
    _hours(world, r1, date(2025, 2, 3), 4, "employer")
    _hours(world, r2, date(2025, 1, 20), 6)
    _hours(world, r2, date(2025, 1, 21), 40, removed=True)
    _hours(world, r3, date(2025, 3, 3), 10, "subcontractor")
    _hours(world, r4, date(2025, 4, 14), 12)
    _hours(world, r5, date(2025, 5, 12), 4)
    _job(world, r1, date(2025, 2, 1))
    _job(world, r4, date(2025, 5, 20))
    db.session.commit()
    mi_summary.refresh()
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "r5": r5, "r7": r7, "b": b}


def _figures(user, grain="month", **narrow):
    filters = mi.whole_periods(mi.Filters(date(2025, 1, 1), date(2025, 6, 30), grain, **narrow))
    return {s.key: (list(s.values.values()), {k: list(v.values()) for k, _label, v in s.parts})
            for s in mi.summary(user, filters)}


def test_r_mi_1_every_figure_by_month_across_providers(history, world):
    figures = _figures(world.users["officer"])
    assert figures["starters"][0] == [2, 1, 1, 1, 1, 0]
    assert figures["completers"][0] == [0, 0, 1, 0, 0, 0]
    assert figures["exits"][0] == [0, 1, 1, 1, 0, 1]
    assert figures["exits"][1] == {"moved_away": [0, 0, 1, 0, 0, 0], "health": [0, 1, 0, 0, 0, 0],
                                   "transferred": [0, 0, 0, 1, 0, 0], "other": [0, 0, 0, 0, 0, 1]}
    assert figures["on_programme"][0] == [2, 3, 3, 2, 2, 2]
    assert figures["hours"][0] == [3.5, 1.0, 2.5, 3.0, 1.0, 0]  # the removed 10 hours are not counted
    assert figures["hours"][1] == {"provider": [3.5, 0, 0, 3.0, 1.0, 0], "subcontractor": [0, 0, 2.5, 0, 0, 0],
                                   "employer": [0, 1.0, 0, 0, 0, 0]}
    assert figures["participants"][0] == [2, 1, 1, 1, 1, 0]
    assert figures["hours_per_participant"][0] == [1.8, 1.0, 2.5, 3.0, 1.0, 0]  # 3.5 / 2 = 1.75, to one place
    assert figures["job_start"][0] == [0, 1, 0, 0, 1, 0]
    assert figures["sustained_13"][0] == [0] * 6


def test_r_mi_1_by_quarter_and_year(history, world):
    quarters = _figures(world.users["officer"], "quarter")
    assert quarters["starters"][0] == [4, 2]
    assert quarters["completers"][0] == [1, 0]
    assert quarters["exits"][0] == [2, 2]
    assert quarters["on_programme"][0] == [4, 3]  # R3 ended on 5 April, so it was on in the second quarter too
    assert quarters["hours"][0] == [7.0, 4.0]
    assert quarters["participants"][0] == [3, 2]
    assert quarters["hours_per_participant"][0] == [2.3, 2.0]
    assert quarters["job_start"][0] == [1, 1]
    year = _figures(world.users["officer"], "year")
    assert (year["starters"][0], year["on_programme"][0], year["hours"][0]) == ([6], [6], [11.0])


def test_r_mi_1_a_manager_sees_their_organisation_and_a_filter_narrows(history, world):
    prime = _figures(world.users["ses_manager"])
    assert prime["starters"][0] == [2, 1, 1, 0, 1, 0]
    assert prime["on_programme"][0] == [2, 3, 3, 1, 1, 1]
    assert prime["hours"][0] == [3.5, 1.0, 2.5, 0, 1.0, 0]
    assert prime["job_start"][0] == [0, 1, 0, 0, 0, 0]
    other = _figures(world.users["ses_b_manager"])
    assert (other["starters"][0], other["job_start"][0]) == ([0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 1, 0])
    by_adviser = _figures(world.users["officer"], organisation_id=world.orgs["ses"].id,
                          adviser_id=world.users["ses_adviser"].id)
    assert by_adviser["starters"][0] == [2, 1, 0, 0, 1, 0]  # R7 has no adviser
    lse = _figures(world.users["officer"], programme_id=programme("LSE").id)
    assert all(values == [0] * 6 for values, _parts in lse.values())


def test_r_mi_1_the_page_shows_each_figure_as_a_chart_and_table_with_definitions(client, history, world):
    sign_in_as(client, world.users["officer"])
    page = client.get("/mi/", query_string={"grain": "month", **HALF_YEAR}).get_data(as_text=True)
    for label, definition in mi.DEFINITIONS.values():
        assert label in page and definition.split(".")[0][:60] in page
    assert page.count("<svg") == len(mi.summary(world.users["officer"], mi.whole_periods(
        mi.Filters(date(2025, 1, 1), date(2025, 6, 30)))))
    assert 'figure=exits&amp;period=2025-02-01&amp;part=health' in page


def test_r_mi_1_a_figure_links_to_the_customers_behind_it(client, history, world):
    sign_in_as(client, world.users["officer"])
    page = client.get("/mi/customers", query_string={"grain": "month", **HALF_YEAR, "figure": "exits",
                                                     "period": "2025-02-01", "part": "health"}).get_data(as_text=True)
    b = history["b"]
    assert b.reference in page and "1 referrals" in page and "Test Customer" in page  # the officer sees the name
    sign_in_as(client, world.users["ses_b_manager"])
    page = client.get("/mi/customers", query_string={"grain": "month", **HALF_YEAR, "figure": "starters",
                                                     "period": "2025-04-01"}).get_data(as_text=True)
    assert "1 referrals" in page
    # the prime's manager: customer C's own referral there ended (transferred): reference only, no name (R-REF-1)
    sign_in_as(client, world.users["ses_manager"])
    page = client.get("/mi/customers", query_string={"grain": "month", **HALF_YEAR, "figure": "hours",
                                                     "period": "2025-03-01", "part": "subcontractor"})
    assert page.status_code == 200 and "Test Customer" not in page.get_data(as_text=True)


def test_r_mi_1_csv_of_the_same_figures_by_provider_programme_and_adviser(client, history, world):
    sign_in_as(client, world.users["officer"])
    response = client.get("/mi/figures.csv", query_string={"grain": "quarter", **HALF_YEAR})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    other = [r for r in rows if r["provider"] == "Other SES Provider"]
    assert [(r["period"], r["starters"], r["on_programme"], r["hours"], r["job_start"]) for r in other] == [
        ("2025-04-01", "1", "1", "3.0", "1")]
    assert sum(int(r["starters"]) for r in rows) == 6
    assert sum(int(r["exits:health"]) for r in rows) == 1
    unassigned = [r for r in rows if r["adviser"] == "Not assigned"]
    assert [(r["period"], r["starters"], r["exits:moved_away"]) for r in unassigned] == [("2025-01-01", "1", "1")]


def test_r_mi_1_csv_cells_cannot_run_as_formulas(client, history, world):
    world.orgs["ses_b"].name = "=HYPERLINK(\"http://x\")"
    db.session.commit()
    sign_in_as(client, world.users["officer"])
    body = client.get("/mi/figures.csv", query_string={"grain": "quarter", **HALF_YEAR}).get_data(as_text=True)
    assert "'=HYPERLINK" in body and ",=HYPERLINK" not in body


def test_r_mi_1_the_extract_has_one_row_per_referral_and_no_dwp_field(client, history, world):
    sign_in_as(client, world.users["officer"])
    response = client.get("/mi/extract.csv")
    assert response.status_code == 200 and response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    ids = {int(r["referral_id"]) for r in rows}
    assert ids == set(db.session.scalars(select(Referral.id)))
    r4 = next(r for r in rows if int(r["referral_id"]) == history["r4"].id)
    assert (r4["provider"], r4["status"], r4["started_on"], r4["hours"], r4["job_start"],
            r4["transferred_from_referral_id"]) == ("Other SES Provider", "started", "2025-04-10", "3", "1",
                                                    str(history["r3"].id))
    r5 = next(r for r in rows if int(r["referral_id"]) == history["r5"].id)
    assert (r5["exit_reason_code"], r5["exit_reason"]) == ("other", "Another reason: Caring")
    body = response.get_data(as_text=True)
    for dwp_value in ("Test", "JT0", "1 Test Street", "NE1 1AA", "07700", "1990-05-17", "Summary"):
        assert dwp_value not in body


def test_r_mi_1_inspectors_see_only_their_open_inspections_providers(client, history, world):
    inspector = world.users["inspector"]
    assert _figures(inspector)["starters"][0] == [2, 1, 1, 0, 1, 0]  # the prime only
    sign_in_as(client, inspector)
    assert client.get("/mi/", query_string={"provider": world.orgs["ses_b"].id}).status_code == 404
    assert client.get("/mi/customers", query_string={"grain": "month", **HALF_YEAR, "figure": "starters",
                                                     "period": "2025-04-01",
                                                     "provider": world.orgs["ses_b"].id}).status_code == 404
    world.inspection.status = InspectionStatus.CLOSED
    db.session.commit()
    assert _figures(inspector)["starters"][0] == [0] * 6
    assert client.get("/mi/", query_string={"provider": world.orgs["ses"].id}).status_code == 404


def test_r_mi_1_the_dwp_mi_role_sees_across_providers_and_no_names(client, history, world):
    user = make_user("mi@dwp.example", Role.DWP_MI)
    assert _figures(user)["starters"][0] == [2, 1, 1, 1, 1, 0]
    sign_in_as(client, user)
    assert client.get("/").headers["Location"].endswith("/mi/")
    page = client.get("/mi/customers", query_string={"grain": "month", **HALF_YEAR, "figure": "exits",
                                                     "period": "2025-02-01"}).get_data(as_text=True)
    assert history["b"].reference in page and "Test Customer" not in page and "/customers/" not in page
    assert client.get("/mi/extract.csv").status_code == 200
    assert client.get(f"/customers/{history['b'].id}").status_code == 403


@pytest.mark.parametrize("args", [
    {"grain": "week", **HALF_YEAR},
    {"grain": "month", "date_from": ["1", "6", "2025"], "date_to": ["1", "1", "2025"]},
    {"grain": "month", "date_from": ["31", "2", "2025"], "date_to": ["1", "6", "2025"]},
    {"grain": "month", "date_from": ["1", "1", "2000"], "date_to": ["1", "6", "2025"]},
])
def test_r_mi_1_bad_filters_are_a_govuk_error_not_a_crash(client, world, args):
    sign_in_as(client, world.users["officer"])
    response = client.get("/mi/", query_string=args)
    assert response.status_code == 400 and "govuk-error-summary" in response.get_data(as_text=True)


def test_r_mi_1_another_organisations_ids_in_the_filters_answer_404(client, world):
    sign_in_as(client, world.users["ses_manager"])
    assert client.get("/mi/", query_string={"adviser": world.users["ses_b_adviser"].id}).status_code == 404
    assert client.get("/mi/", query_string={"provider": world.orgs["ses_b"].id}).status_code == 404
    assert client.get("/mi/", query_string={"provider": world.orgs["ses"].id, "grain": "year", **HALF_YEAR}).status_code == 200
    assert client.get("/mi/", query_string={"programme": "x"}).status_code == 404
    assert client.get("/mi/customers", query_string={"figure": "nope", "period": "2025-01-01"}).status_code == 404


def test_r_mi_1_the_summary_is_rebuilt_not_added_to(history, world):
    mi_summary.refresh()
    assert _figures(world.users["officer"])["hours"][0] == [3.5, 1.0, 2.5, 3.0, 1.0, 0]


def test_every_route_answers_the_dwp_mi_role_by_its_permissions(app, client, world):
    """The DWP MI role is a column of its own: 403 on every route outside its three permissions."""
    from portal.permissions import ROLE_PERMISSIONS
    from tests import route_world

    rw = route_world.build(client, world)
    sign_in_as(client, make_user("mi@dwp.example", Role.DWP_MI))
    allowed, wrong = ROLE_PERMISSIONS[Role.DWP_MI], []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        permission = getattr(view, "required_permission", None)
        if getattr(view, "is_public", False) or permission is None or rule.endpoint.startswith("api."):
            continue
        method, url, _data = route_world.request_for(rule, rw)
        if method == "POST" and permission in allowed:
            continue  # their own session (sign out, keep alive): tested with their features
        status = client.open(url, method=method).status_code
        expected_ok = permission in allowed
        if (status == 403) == expected_ok or status >= 500:
            wrong.append(f"{method} {url}: {status}")
    assert wrong == []


def test_r_data_1_mi_pages_and_exports_show_dwp_roles_no_field_beyond_the_policy(app, client, world):
    """The canary customer's markers: the DWP MI role sees none (not even the name); the referral officer's
    extract holds none either (it carries the portal's reference only)."""
    from tests.test_data_canary import MARKERS, canary_customer

    customer = canary_customer(world, "ses", "SES")
    mi_summary.refresh()
    period = {"figure": "on_programme", "period": date.today().replace(day=1).isoformat()}
    for key, urls in (("mi", ["/mi/", "/mi/figures.csv", "/mi/extract.csv", "/mi/customers"]),
                      ("officer", ["/mi/extract.csv", "/mi/figures.csv"])):
        user = make_user("mi@dwp.example", Role.DWP_MI) if key == "mi" else world.users["officer"]
        sign_in_as(client, user)
        for url in urls:
            response = client.get(url, query_string=period if url == "/mi/customers" else None)
            assert response.status_code == 200, url
            body = response.get_data(as_text=True)
            assert [name for name, marker in MARKERS.items() if marker in body] == [], url
            assert "Canary" not in body, url
            if url == "/mi/customers":
                assert customer.reference in body


def test_the_administrator_invites_dwp_mi_staff(client, world):
    from portal.models import Invitation

    sign_in_as(client, world.users["admin"])
    assert "DWP management information" in client.get("/admin/dwp-staff/invite").get_data(as_text=True)
    response = client.post("/admin/dwp-staff/invite", data={"name": "Morgan Figures", "email": "morgan@dwp.example",
                                                            "role": "dwp_mi"})
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation).where(Invitation.email == "morgan@dwp.example"))
    assert invitation.role == Role.DWP_MI


def test_r_mi_1_r_cust_1_a_merged_duplicate_customer_changes_no_figure(history, world):
    """Migration 0015 merges a duplicate customer into the kept one: the duplicate's row stays (marked
    merged_into) with no referral, and every figure, counted over referrals, stays as it was."""
    before = _figures(world.users["officer"])
    kept = history["r1"].customer
    duplicate = _customer()
    duplicate.merged_into_id = kept.id
    db.session.commit()
    assert _figures(world.users["officer"]) == before
