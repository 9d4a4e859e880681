"""The staff menu (portal/navigation.py): its entries follow the user's permissions and organisation, the
current page's entry is marked, and the HTML made once is not served to someone it does not fit."""
import re

import pytest

from tests.factories import sign_in_as


def menu(client, path):
    page = client.get(path).get_data(as_text=True)
    nav = re.search(r'aria-label="Portal menu".*?</nav>', page, re.S)
    assert nav, f"no menu on {path}"
    entries = re.findall(r'<li class="govuk-service-navigation__item( govuk-service-navigation__item--active)?">'
                         r'\s*<a class="govuk-service-navigation__link" href="([^"]+)"( aria-current="true")?>\s*'
                         r'(?:<strong[^>]*>)?([^<]+)', nav.group(0))
    return [(text.strip(), href, bool(active) and bool(current)) for active, href, current, text in entries]


@pytest.mark.parametrize("who, path, expected, current", [
    ("ses_adviser", "/caseload/", ["Work queue", "Caseload", "Your account"], "Caseload"),
    ("ses_manager", "/staff/", ["Work queue", "Caseload", "Findings", "Staff", "Your account"], "Staff"),
    ("j2e_adviser", "/clubs/", ["Work queue", "Caseload", "Clubs", "Your account"], "Clubs"),
    ("admin", "/account", ["Inspections", "Organisations", "DWP staff", "Data policy", "API clients",
                           "Mail delivery", "Your account"], "Your account"),
    ("inspector", "/inspections/", ["Inspections", "Your account"], "Inspections"),
])
def test_entries_follow_permissions_and_mark_the_current_page(client, world, who, path, expected, current):
    sign_in_as(client, world.users[who])
    entries = menu(client, path)
    assert [text for text, _href, _active in entries if text in expected] == expected
    assert [text for text, _href, active in entries if active] == [current]
    assert all(href.startswith("/") for _text, href, _active in entries)


def test_a_menu_made_for_one_role_is_not_served_to_another(client, world):
    sign_in_as(client, world.users["admin"])
    admin_menu = [text for text, _h, _a in menu(client, "/account")]
    client.post("/sign-out", data={}, follow_redirects=False)
    sign_in_as(client, world.users["ses_adviser"])
    adviser_menu = [text for text, _h, _a in menu(client, "/account")]
    assert "Organisations" in admin_menu and "Organisations" not in adviser_menu
    assert "Caseload" in adviser_menu and "Caseload" not in admin_menu


def test_clubs_only_for_an_organisation_that_runs_them(client, world):
    sign_in_as(client, world.users["ses_adviser"])
    assert "Clubs" not in [text for text, _h, _a in menu(client, "/caseload/")]
