"""An inspection walked through in a real browser, from opening to the sealed report (issue 13): the
administrator opens it, the inspector reads the overview, draws a sample, reads the checklists and
records a finding, the provider's manager answers it, the inspector accepts it and closes the
inspection. Every page passes axe, and at 320 px wide no page scrolls sideways (WCAG 1.4.10).
"""
from datetime import date, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import Finding, Inspection
from tests.test_browser import Journey, all_by, browser, by, fill, live_server  # noqa: F401 (fixtures)
from tests.test_browser_crawl import _check, browser_session
from tests.test_inspections import agreed_plan_for, give_copy


def at_320(journey, urls):
    """The pages this user saw, again at 320 px: axe and the width checks."""
    found = {}
    journey.driver.set_window_size(320, 1000)
    try:
        for url in urls:
            journey.go(url)
            _check(journey.driver, found, 320, url)
    finally:
        journey.driver.set_window_size(1280, 1000)
    return found


def test_an_inspection_from_opening_to_its_sealed_report_in_a_browser(browser, live_server, client, world):  # noqa: F811
    customer, _plan, version = agreed_plan_for(client, world)
    give_copy(client, customer, version)
    reference, ses_id, inspector_id = customer.reference, world.orgs["ses"].id, world.users["inspector"].id
    db.session.commit()
    journey = Journey(browser, live_server)
    problems = {}

    # The administrator opens the inspection.
    journey.sign_in("admin@dwp.example")
    journey.go("/admin/inspections/new").check("open an inspection")
    today = date.today()
    start = today - timedelta(days=200)
    fill(browser, {"organisation_id": str(ses_id), "programmes": ["SES"], "inspector_ids": [str(inspector_id)],
                   "period_from": [str(start.day), str(start.month), str(start.year)],
                   "period_to": [str(today.day), str(today.month), str(today.year)]})
    journey.submit()
    journey.check("inspections")
    problems |= at_320(journey, ["/admin/inspections/new", "/admin/inspections"])
    inspection_id = db.session.scalar(select(Inspection.id).order_by(Inspection.id.desc()))
    db.session.commit()
    base = f"/inspections/{inspection_id}"

    # The inspector: the overview, a figure's customers, a sample drawn with a seed, the checklists.
    journey.sign_in("inspector@dwp.example")
    page = journey.go(base).check("overview")
    assert "Provider overview" in page
    journey.go(f"{base}/customers/agreed").check("figure")
    journey.go(f"{base}/sample").check("sample")
    fill(browser, {"size_SES": "2", "seed": "52817"})
    journey.submit(by(browser, "input[name=seed]"))
    page = journey.check("sample drawn")
    assert "52817" in page and reference in page
    page = journey.go(f"{base}/sample/checklist").check("checklists")
    assert "Results by rule" in page
    journey.go(f"{base}/sample/{customer.id}").check("one checklist")
    journey.go(f"{base}/findings/new").check("new finding")
    due = today + timedelta(days=30)
    fill(browser, {"customer_id": str(customer.id), "rule": "R-ISP-5", "found": "Reviews were held late",
                   "severity": "medium", "action_required": "Hold reviews on the dates agreed",
                   "due_on": [str(due.day), str(due.month), str(due.year)]})
    journey.submit()
    journey.check("finding recorded")
    journey.go(f"{base}/audit").check("audit trail")
    inspector_pages = [base, f"{base}/customers/agreed", f"{base}/sample", f"{base}/sample/checklist",
                       f"{base}/sample/{customer.id}", f"{base}/findings/new", f"{base}/findings", f"{base}/audit"]
    problems |= at_320(journey, inspector_pages)
    finding_id = db.session.scalar(select(Finding.id).where(Finding.inspection_id == inspection_id))
    db.session.commit()

    # The provider's manager answers.
    journey.sign_in("manager@ses.example")
    journey.go("/findings/").check("provider findings")
    journey.go(f"/findings/{finding_id}").check("provider finding")
    fill(browser, {"text": "Reviews are now booked on the dates agreed", "evidence_url": "/queue"})
    journey.submit()
    journey.check("answered")
    problems |= at_320(journey, ["/findings/", f"/findings/{finding_id}"])

    # The inspector accepts the answer and closes the inspection: the report is sealed. (A second sign-in
    # within the same 30 seconds would reuse a TOTP code, which the portal rightly refuses: a session instead.)
    browser_session(browser, live_server, client, world.users["inspector"])
    db.session.commit()
    journey.go(f"{base}/findings/{finding_id}").check("finding to decide")
    fill(browser, {"decision": "accepted"})
    journey.submit()
    journey.check("accepted")
    journey.go(f"{base}/close").check("close")
    problems |= at_320(journey, [f"{base}/findings/{finding_id}", f"{base}/close"])
    journey.go(f"{base}/close")
    journey.submit()
    page = journey.check("report")
    assert "Sealed on" in page
    links = [a.get_attribute("href") for a in all_by(browser, "main a[download]")]
    assert len(links) == 4 and any(link.endswith("/pdf/cy") for link in links)
    problems |= at_320(journey, [f"{base}/report"])

    # The provider's manager reads the sealed report too.
    browser_session(browser, live_server, client, world.users["ses_manager"])
    db.session.commit()
    journey.go(f"/findings/inspections/{inspection_id}/report").check("provider report")
    problems |= at_320(journey, [f"/findings/inspections/{inspection_id}/report"])
    journey.assert_no_violations()
    assert problems == {}, "\n".join(f"{page}: {found}" for page, found in problems.items())
