"""Every page of the crawl in a real browser, at 1280 and at 320 px wide (WCAG 1.4.10, issue 16).

For an adviser, a manager, an inspector, a DWP referral officer and a customer reading their plan by
link: axe finds nothing, and no page is wider than the viewport (a wide table scrolls inside a
focusable, labelled region of its own instead).
"""
import pytest

from portal.extensions import db
from tests import route_world
from tests.factories import sign_in_as
from tests.test_browser import axe_violations, browser, live_server  # noqa: F401 (fixtures)
from tests.test_form_labels import pages

WIDTHS = (1280, 320)
TOO_WIDE = """
const page = document.documentElement;
if (page.scrollWidth <= window.innerWidth) return null;
const culprits = [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
    && !e.closest('[data-scroll-region]')).slice(0, 3).map(e => e.tagName + '.' + e.className);
return page.scrollWidth + 'px: ' + culprits.join(', ');
"""
UNFOCUSABLE_SCROLL = """
return [...document.querySelectorAll('main *')].filter(e => e.scrollWidth > e.clientWidth + 1
    && ['auto', 'scroll'].includes(getComputedStyle(e).overflowX)
    && !(e.tabIndex >= 0 && (e.getAttribute('aria-label') || e.getAttribute('aria-labelledby'))))
  .map(e => e.tagName + '.' + e.className);
"""


def visit_all(browser, base, urls):  # noqa: F811
    """Axe and the width checks on every page at both widths."""
    found = {}
    for width in WIDTHS:
        browser.set_window_size(width, 1000)
        for url in urls:
            browser.get(base + url)
            _check(browser, found, width, url)
    browser.set_window_size(1280, 1000)
    return found


def browser_session(browser, base, client, user):  # noqa: F811
    sign_in_as(client, user)
    cookie = next(c for c in client._cookies.values() if c.key.endswith("portal_session"))
    browser.delete_all_cookies()
    browser.get(base + "/sign-in")
    browser.add_cookie({"name": cookie.key, "value": cookie.value, "path": "/"})


@pytest.mark.parametrize("user_key", ["ses_adviser", "ses_manager", "inspector", "officer"])
def test_every_page_for_staff_passes_axe_and_reflows_at_320_px(browser, live_server, app, client, world, user_key):  # noqa: F811
    rw = route_world.build(client, world)
    browser_session(browser, live_server, client, world.users[user_key])
    urls = []
    for url in pages(app, rw):
        response = client.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            urls.append(url)
    db.session.commit()  # an open read would hold SQLite's lock against the server
    found = visit_all(browser, live_server, urls)
    assert found == {}, "\n".join(f"{page}: {problems}" for page, problems in found.items())


def test_the_customers_signing_pages_pass_axe_and_reflow_at_320_px(browser, live_server, client, world):  # noqa: F811
    from sqlalchemy import select
    from selenium.webdriver.common.by import By

    from portal.models import Plan
    from tests.test_plans import _ready_for_signature, _send_link

    customer = world.customers["ses_started"]
    sign_in_as(client, world.users["ses_adviser"])
    client.post(f"/customers/{customer.id}/plan/start/{customer.referrals[0].id}")
    version = db.session.scalar(select(Plan).where(Plan.customer_id == customer.id)).versions[0]
    _ready_for_signature(client, customer, version)
    party = next(p for p in version.parties if p.role == "customer")
    link = _send_link(client, customer, version, party)
    db.session.commit()
    found = {}
    for width in WIDTHS:
        browser.delete_all_cookies()
        browser.set_window_size(width, 1000)
        pages_seen = [link, link + "?lang=cy"]
        for url in pages_seen:
            browser.get(live_server + url)
            _check(browser, found, width, url)
        for field, value in zip(browser.find_elements(By.CSS_SELECTOR, "input[name=date_of_birth]"), ("17", "5", "1990")):
            field.send_keys(value)
        browser.find_element(By.CSS_SELECTOR, "main form button.govuk-button").click()
        for query in ("lang=en", "lang=cy", "lang=cy&format=easy_read", "lang=en&format=large_print"):
            url = f"{link}/plan?{query}"
            browser.get(live_server + url)
            assert "typed_name" in browser.page_source, url
            _check(browser, found, width, url)
    browser.set_window_size(1280, 1000)
    assert found == {}, "\n".join(f"{page}: {problems}" for page, problems in found.items())


def _check(browser, found, width, url):  # noqa: F811
    problems = list(axe_violations(browser))
    wide = browser.execute_script(TOO_WIDE)
    if wide:
        problems.append(f"wider than the viewport: {wide}")
    problems += [f"scrolls but cannot take focus: {e}" for e in browser.execute_script(UNFOCUSABLE_SCROLL)]
    if problems:
        found[f"{width}px {url}"] = problems
