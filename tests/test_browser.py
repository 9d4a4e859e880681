"""Real browser journeys (headless Debian Chromium, selenium, axe-core from npm): the pages a job coach,
a customer and an inspector use, each checked by axe with no violations.

They skip with a clear message where Chromium is absent, and fail instead when REQUIRE_BROWSER=1 (.ci/run).
"""
import os
import shutil
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.conftest import test_config
from tests.factories import PASSWORD, current_code
from tests.route_world import THIS_WEEK

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def _browser_missing():
    missing = [name for name, found in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER),
                                        ("node_modules/axe-core", AXE.exists())) if not found]
    return ", ".join(missing)


@pytest.fixture(scope="module")
def browser():
    missing = _browser_missing()
    if missing:
        message = f"browser tests need {missing}: apt-get install chromium chromium-driver; npm ci"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000",
                     "--disable-gpu", "--lang=en-GB"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture
def live_server(database_url):
    """The portal served over real HTTP on a loopback port, with CSRF protection on as in production."""
    app = create_app(test_config(database_url, WTF_CSRF_ENABLED=True))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}"
    server.shutdown()
    thread.join(5)


def axe_violations(driver):
    driver.execute_script(AXE.read_text())
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations.map("
        "v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' ')).join(' | '))))"
        ".catch(e => done(['axe failed: ' + e]));")
    return result


def by(driver, css):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css)


def all_by(driver, css):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


class Journey:
    def __init__(self, driver, base):
        self.driver, self.base, self.checked = driver, base, {}

    def go(self, path):
        self.driver.get(path if path.startswith("http") else self.base + path)
        return self

    def check(self, name):
        """Axe on the page as it is now; a page with violations fails the test with them listed."""
        self.checked[name] = axe_violations(self.driver)
        return self.driver.page_source

    def submit(self, field=None):
        """Press the main button of the form holding `field` (by default, the page's first form)."""
        from selenium.webdriver.common.by import By

        form = field.find_element(By.XPATH, "./ancestor::form") if field else by(self.driver, "main form[method=post]")
        button = form.find_element(By.CSS_SELECTOR, "button.govuk-button:not([type=button])")
        self.press(button.click)

    def press(self, action):
        """Do something that submits a form, and wait for the next page to replace this one."""
        from selenium.webdriver.support import expected_conditions
        from selenium.webdriver.support.wait import WebDriverWait

        old_page = by(self.driver, "html")
        action()
        WebDriverWait(self.driver, 15).until(expected_conditions.staleness_of(old_page))

    def assert_no_violations(self):
        found = "\n".join(f"{page}: {violation}" for page, violations in self.checked.items() for violation in violations)
        assert not found, "axe found:\n" + found

    def sign_in(self, email):
        self.driver.delete_all_cookies()
        self.go("/sign-in")
        self.check("sign-in")
        by(self.driver, "input[name=email]").send_keys(email)
        by(self.driver, "input[name=password]").send_keys(PASSWORD)
        self.submit()
        assert "/sign-in/code" in self.driver.current_url, self.driver.page_source[:2000]
        self.check("sign-in code")
        by(self.driver, "input[name=code]").send_keys(current_code())
        self.submit()
        assert "/sign-in" not in self.driver.current_url, self.driver.find_element("tag name", "main").text


def ids_of(customer):
    """Read what the journey needs, then end the test's transaction: an open read would hold SQLite's lock
    against the server's writes."""
    ids = customer.id, customer.referrals[0].id, customer.reference
    db.session.commit()
    return ids


def test_a_job_coach_signs_in_with_totp_and_works_through_accessible_pages(browser, live_server, world):
    customer_id, referral_id, reference = ids_of(world.customers["ses_started"])
    journey = Journey(browser, live_server)
    journey.sign_in("adviser@ses.example")

    page = journey.go("/caseload/").check("caseload")
    assert reference in page
    journey.go("/caseload/?q=started").check("caseload search")
    page = journey.go(f"/customers/{customer_id}").check("customer")
    assert reference in page

    # A form with errors: the GOV.UK error summary, "Error: " in the title, focus moved to the summary.
    journey.go(f"/customers/{customer_id}/referrals/{referral_id}/hours/{THIS_WEEK.isoformat()}").check("hours week")
    hours_field = by(browser, "input[name=hours]")
    hours_field.send_keys("0.3")
    journey.submit(hours_field)
    page = journey.check("hours week with errors")
    assert browser.title.startswith("Error: ") and not browser.title.startswith("Error: Error: ")
    assert all_by(browser, ".govuk-error-summary") and "quarter hours" in page

    journey.go(f"/customers/{customer_id}/referrals/{referral_id}/hours/").check("hours index")
    journey.go("/caseload/hours").check("caseload hours")
    journey.assert_no_violations()


def test_a_week_of_hours_can_be_entered_with_the_keyboard_alone(browser, live_server, world):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    customer_id, referral_id, _reference = ids_of(world.customers["ses_started"])
    journey = Journey(browser, live_server)
    journey.sign_in("adviser@ses.example")
    journey.go(f"/customers/{customer_id}/referrals/{referral_id}/hours/{THIS_WEEK.isoformat()}")
    # Every field by keystrokes: a select takes the typed text of its option (type-ahead).
    for name in ("on", "activity", "source", "mode"):
        select = by(browser, f"select[name={name}]")
        option = next(o for o in select.find_elements("css selector", "option") if o.get_attribute("value"))
        select.send_keys(option.text)
    by(browser, "input[name=hours]").send_keys("1.5")
    by(browser, "[name=description]").send_keys("Mock interview practice")
    # From the last field, Tab reaches the save button and Enter presses it: no mouse anywhere.
    focused = browser.switch_to.active_element
    for _ in range(20):
        if focused.tag_name == "button" and "govuk-button" in (focused.get_attribute("class") or "") \
                and focused.get_attribute("type") in (None, "", "submit") and "Add activity" in focused.text:
            break
        ActionChains(browser).send_keys(Keys.TAB).perform()
        focused = browser.switch_to.active_element
    else:
        pytest.fail("the save button is not reachable with the Tab key")
    journey.press(lambda: ActionChains(browser).send_keys(Keys.ENTER).perform())
    page = browser.page_source
    assert "Activity added" in page and "Mock interview practice" in page, browser.find_element("tag name", "main").text
    journey.check("hours week saved")
    journey.assert_no_violations()


def test_a_plan_is_built_and_signed_in_welsh_easy_read_and_large_print_with_no_axe_violations(
        browser, live_server, client, world):
    from sqlalchemy import select

    from portal.models import Plan, PlanParty, Signature
    from tests.factories import sign_in_as
    from tests.test_plans import _ready_for_signature, _send_link, base

    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    assert client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}").status_code == 302
    version = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id)).versions[0]
    _ready_for_signature(client, customer, version)
    customer_party = next(p for p in version.parties if p.role == "customer")
    adviser_party = next(p for p in version.parties if p.role == "adviser")
    link = _send_link(client, customer, version, customer_party)
    plan_url, party_ids = base(customer, version), (customer_party.id, adviser_party.id)
    db.session.commit()

    # The job coach's pages: the plan, a section form, in-person signing in the customer's formats.
    journey = Journey(browser, live_server)
    journey.sign_in("adviser@ses.example")
    journey.go(f"/customers/{customer.id}/plan/").check("plan index")
    journey.go(plan_url).check("plan version")
    journey.go(f"{plan_url}/sign/{party_ids[1]}").check("adviser signs in person")
    for query in ("lang=cy", "format=easy_read", "lang=cy&format=easy_read", "format=large_print"):
        page = journey.go(f"{plan_url}/sign/{party_ids[0]}?{query}").check(f"customer signs in person ({query})")
        assert "Apply for warehouse jobs" in page

    # The customer's own device: the link, the date-of-birth check, the plan in Welsh, signing in Welsh.
    browser.delete_all_cookies()
    page = journey.go(link + "?lang=cy").check("signing link, Welsh")
    assert by(browser, "html").get_attribute("lang") == "cy"
    inputs = all_by(browser, "input[name=date_of_birth]")
    for field, value in zip(inputs, ("17", "5", "1990")):
        field.send_keys(value)
    journey.submit(inputs[0])
    for query in ("lang=cy", "lang=cy&format=easy_read", "lang=cy&format=large_print", "lang=en"):
        journey.go(f"{link}/plan?{query}").check(f"customer reads the plan ({query})")
    journey.go(f"{link}/plan?lang=cy")
    assert by(browser, "html").get_attribute("lang") == "cy"
    by(browser, "input[name=declaration]").send_keys(" ")  # a checkbox ticks with the space bar
    name_field = by(browser, "input[name=typed_name]")
    name_field.send_keys(db.session.get(PlanParty, party_ids[0]).name)  # R-SIGN-4: the name as recorded
    journey.submit(name_field)
    journey.check("signed, Welsh")
    journey.assert_no_violations()
    signature = db.session.scalar(select(Signature).where(Signature.party_id == party_ids[0]))
    assert signature is not None and signature.language == "cy"


def fill(driver, data):
    """Fill a GOV.UK form by field names, with the keyboard for text and a click for choices."""
    from selenium.webdriver.support.select import Select

    for name, value in data.items():
        elements = all_by(driver, f"[name='{name}']")
        assert elements, f"no field named {name}"
        first = elements[0]
        if first.tag_name == "select":
            Select(first).select_by_value(value)
        elif first.get_attribute("type") in ("radio", "checkbox"):
            for chosen in value if isinstance(value, list) else [value]:
                driver.execute_script("arguments[0].click()",
                                      next(e for e in elements if e.get_attribute("value") == chosen))
        elif isinstance(value, list):  # a GOV.UK date: day, month, year under one name
            for element, part in zip(elements, value):
                element.clear()
                element.send_keys(part)
        elif first.get_attribute("type") != "hidden":
            first.clear()
            first.send_keys(value)


def test_an_adviser_builds_a_whole_plan_through_the_task_list_and_it_is_signed_in_person_in_welsh(
        browser, live_server, world):
    from datetime import date, timedelta

    from sqlalchemy import select

    from portal.models import Plan, Signature, VersionStatus

    today = date.today()

    def d(value):
        return [str(value.day), str(value.month), str(value.year)]

    customer_id, referral_id, _reference = ids_of(world.customers["ses_started"])
    journey = Journey(browser, live_server)
    journey.sign_in("adviser@ses.example")
    page = journey.go(f"/customers/{customer_id}/plan/").check("no plan yet")
    journey.press(lambda: by(browser, "main form[method=post] button.govuk-button").click())
    plan_url = browser.current_url.split("?")[0].split("#")[0]
    journey.check("task list")
    steps = [
        ("sections/needs", {"needs_assessment": "Wants warehouse work; anxiety in crowds", "needs_assessed_on": d(today)}),
        ("sections/goals", {"aspirations": "A steady job near home", "job_goal": "Warehouse operative",
                            "target_weekly_hours": "16"}),
        ("items/barriers/new", {"category": "debt", "description": "Rent arrears", "impact": "Worry",
                                "response": "Advocacy with the council"}),
        ("items/objectives/new", {"what": "Apply for warehouse jobs", "how_often": "Weekly",
                                  "measure": "3 applications a week", "target_on": d(today + timedelta(days=60))}),
        ("sections/length", {"length_rationale": "Needs 6 months to build confidence"}),
        ("sections/reviews", {"review_every_weeks": "6", "first_review_on": d(today + timedelta(days=42))}),
        ("sections/permitted_work", {"permitted_work": "no"}),
    ]
    for path, data in steps:
        journey.go(f"{plan_url}/{path}")
        fill(browser, data)
        journey.check(path)
        journey.submit()
        assert "Error: " not in browser.title, (path, by(browser, "main").text[:1500])
    journey.go(f"{plan_url}/items/support/new")
    objective = all_by(browser, "input[name=objectives]")[0].get_attribute("value")
    fill(browser, {"kind": "support", "description": "CV workshop", "deliverer": "provider", "planned_hours": "6",
                   "objectives": [objective]})
    journey.check("support item")
    journey.submit()
    assert "Error: " not in browser.title, by(browser, "main").text[:1500]

    journey.go(plan_url).check("complete task list")
    send = next(f for f in all_by(browser, "main form[method=post]") if f.get_attribute("action").endswith("/send"))
    journey.press(send.find_element("css selector", "button").click)
    journey.check("sent for signature")
    db.session.expire_all()
    version = db.session.scalar(select(Plan).where(Plan.customer_id == customer_id)).versions[0]
    assert version.status == VersionStatus.AWAITING_SIGNATURES
    parties = {party.role: party.id for party in version.parties}
    names = {party.role: party.name for party in version.parties}
    db.session.commit()

    for role, query, name in (("customer", "?lang=cy", names["customer"]), ("adviser", "", names["adviser"])):
        journey.go(f"{plan_url}/sign/{parties[role]}{query}")
        journey.check(f"{role} signs in person")
        by(browser, "input[name=declaration]").send_keys(" ")
        typed = by(browser, "input[name=typed_name]")
        typed.send_keys(name)
        journey.submit(typed)
        assert "Error: " not in browser.title, by(browser, "main").text[:1500]
    journey.check("agreed")
    journey.assert_no_violations()
    db.session.expire_all()
    assert db.session.get(type(version), version.id).status == VersionStatus.AGREED
    signatures = {s.party.role: s for s in db.session.scalars(select(Signature).where(Signature.version_id == version.id))}
    assert signatures["customer"].language == "cy" and signatures["adviser"].language == "en"


def test_an_agreed_plans_documents_copy_verification_and_inspection_pack_pass_axe(
        browser, live_server, client, world, tmp_path):
    """Issue 6 in a real browser: the documents page and its copy form (with an error, then recorded), the public
    verification page in English and Welsh by code and by uploading a sealed original, and inspection packs."""
    import re
    from datetime import date, timedelta

    from selenium.webdriver.support.select import Select
    from selenium.webdriver.support.wait import WebDriverWait
    from sqlalchemy import select

    from portal.documents import service as documents
    from portal.models import DocumentOriginal, Plan, VersionSeal
    from tests.factories import sign_in_as
    from tests.test_plans import base, fill_complete_plan, lock

    # An agreed plan, made over HTTP as in the service tests; its sealed PDF saved as the customer would keep it.
    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    assert client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}").status_code == 302
    version = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id)).versions[0]
    fill_complete_plan(client, customer, version)
    client.post(f"{base(customer, version)}/send", data={"lock_version": lock(version)})
    db.session.refresh(version)
    for party in version.parties:  # each signs in person, as in test_documents_service.agree
        sign_url = f"{base(customer, version)}/sign/{party.id}"
        seen = re.search(r'value="([0-9a-f]{64})"', client.get(sign_url).get_data(as_text=True)).group(1)
        assert client.post(sign_url, data={"seen_hash": seen, "method": "in_person", "declaration": "y",
                                           "typed_name": party.name}).status_code == 302
    original = tmp_path / "my-support-plan.pdf"
    original.write_bytes(db.session.scalar(
        select(DocumentOriginal.content).join(VersionSeal)
        .where(VersionSeal.version_id == version.id, DocumentOriginal.kind == "pdf")))
    code = documents.seal_of(version).code
    customer_id, version_number = customer.id, version.number
    organisation_id, programme_id = world.orgs["ses"].id, customer.referrals[0].programme_id
    db.session.commit()

    def focused_on(css):
        WebDriverWait(browser, 5).until(
            lambda driver: driver.execute_script("return document.activeElement.matches(arguments[0])", css))

    def click_link(text):
        journey.press(lambda: browser.find_element("partial link text", text).click())

    # The job coach: from the customer's page to the documents, then the customer's copy.
    journey = Journey(browser, live_server)
    journey.sign_in("adviser@ses.example")
    page = journey.go(f"/customers/{customer_id}").check("customer, no copy yet")
    assert "has not been given a copy of their current plan" in page
    click_link("Download it and record the copy")
    page = journey.check("documents")
    assert f"Documents for version {version_number}" in page and code in page
    assert all_by(browser, "a[download][href*='/documents/pdf']") and "Sealed originals" in page
    # "Emailed" with no address: the error summary takes focus, and its link takes the user to the field.
    by(browser, "input[name=method][value=emailed] + label").click()
    journey.submit(by(browser, "input[name=method][value=emailed]"))
    page = journey.check("documents, copy form with an error")
    assert browser.title.startswith("Error: ") and not browser.title.startswith("Error: Error: ")
    assert "Enter the email address" in by(browser, ".govuk-error-summary").text
    assert "Enter the email address" in by(browser, "#email-error").text
    focused_on(".govuk-error-summary")
    by(browser, ".govuk-error-summary a[href='#email']").click()
    focused_on("input#email")
    browser.switch_to.active_element.send_keys("sam@mail.example")
    journey.submit(by(browser, "input#email"))
    page = journey.check("documents, copy recorded")
    assert f"Copy of version {version_number} recorded" in page and "Sent to sam@mail.example" in page
    page = journey.go(f"/customers/{customer_id}").check("customer, copy given")
    assert "was given a copy of their current plan" in page and "emailed through the portal" in page

    # Anyone holding the document, signed out: the verification page by code, then by the file, then in Welsh.
    browser.delete_all_cookies()
    journey.go("/verify/").check("verify")
    assert by(browser, "html").get_attribute("lang") == "en"
    by(browser, "input#code").send_keys(code.replace("-", "").lower())
    journey.submit(by(browser, "input#code"))
    assert browser.current_url.split("?")[0].endswith(f"/verify/{code}")
    page = journey.check("verify, code result")
    assert f"version {version_number} of a support plan" in page and "This is the current version" in page
    click_link("Check another document")
    by(browser, "input#document").send_keys(str(original))
    journey.submit(by(browser, "input#document"))
    page = journey.check("verify, uploaded file result")
    assert "This file is a genuine original" in by(browser, ".govuk-panel").text
    assert "This is the current version" in page
    click_link("Cymraeg")
    assert by(browser, "html").get_attribute("lang") == "cy"
    journey.check("verify, Welsh")
    by(browser, "input#code").send_keys(code)
    journey.submit(by(browser, "input#code"))
    page = journey.check("verify, code result in Welsh")
    assert by(browser, "html").get_attribute("lang") == "cy" and f"fersiwn {version_number} o gynllun cymorth" in page

    # The provider's manager builds an inspection pack of the period.
    journey.sign_in("manager@ses.example")
    page = journey.go("/inspection-packs/").check("inspection packs, none yet")
    assert "You have not built any packs yet" in page
    today = date.today()
    Select(by(browser, "select[name=organisation_id]")).select_by_value(str(organisation_id))
    Select(by(browser, "select[name=programme_id]")).select_by_value(str(programme_id))
    week_ago = today - timedelta(days=7)
    fill(browser, {"date_from": [str(week_ago.day), str(week_ago.month), str(week_ago.year)],
                   "date_to": [str(today.day), str(today.month), str(today.year)]})
    journey.submit()
    page = journey.check("inspection pack built")
    assert "The pack is ready" in page and "1 plan versions" in page, by(browser, "main").text[:1500]
    assert all_by(browser, "a.govuk-button[download][href$='/download']")
    click_link("All inspection packs")
    page = journey.check("inspection packs, one built")
    assert "Prime SES Provider" in by(browser, "main table").text
    journey.assert_no_violations()
