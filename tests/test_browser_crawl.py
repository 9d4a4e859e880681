"""Every page of the crawl in a real browser, at 1280 and at 320 px wide (WCAG 1.4.10, issue 16).

For an adviser, a manager, an inspector and a customer reading their plan by link: axe finds
nothing, and no page is wider than the viewport (a wide table scrolls inside a focusable, labelled
region of its own instead).
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
    found = {}
    for width in WIDTHS:
        browser.set_window_size(width, 1000)
        for url in urls:
            browser.get(base + url)
            problems = list(axe_violations(browser)) if width == 320 or url == urls[0] else []
            wide = browser.execute_script(TOO_WIDE)
            if wide:
                problems.append(f"wider than the viewport: {wide}")
            problems += [f"scrolls but cannot take focus: {e}" for e in browser.execute_script(UNFOCUSABLE_SCROLL)]
            if problems:
                found[f"{width}px {url}"] = problems
    browser.set_window_size(1280, 1000)
    return found


def browser_session(browser, base, client, user):  # noqa: F811
    sign_in_as(client, user)
    cookie = next(c for c in client._cookies.values() if c.key.endswith("portal_session"))
    browser.delete_all_cookies()
    browser.get(base + "/sign-in")
    browser.add_cookie({"name": cookie.key, "value": cookie.value, "path": "/"})


@pytest.mark.parametrize("user_key", ["ses_adviser", "ses_manager", "inspector"])
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
