"""The staff menu: which entries a user's permissions show, and which one is current.

Every staff page draws it. It depends only on what the user may do, whether their organisation runs job
clubs and which page this is, so its HTML is made once per such combination in a process and reused
(issue 18: built in the template it took a dozen permission checks and url_for calls a page).
"""
from flask import current_app, request, url_for
from markupsafe import Markup

from portal.permissions import Permission, permissions_of

# (permission, endpoint, text, endpoints that mark it current: exact names, or a prefix ending in "*")
ENTRIES = (
    (Permission.VIEW_CASELOAD, "queue.index", "Work queue", ("queue.index",)),
    (Permission.VIEW_CASELOAD, "caseload.index", "Caseload", ("caseload*",)),
    ("runs_cohorts", "cohorts.index", "Clubs", ("cohorts*",)),
    (Permission.VIEW_ALL_REFERRALS, "referrals.index", "Referrals", ("referrals*",)),
    (Permission.INSPECT, "inspections.index", "Inspections", ("inspections.*",)),
    (Permission.MANAGE_INSPECTIONS, "inspections.manage", "Inspections", ("inspections.*",)),
    (Permission.ANSWER_FINDINGS, "inspections.provider_findings", "Findings",
     ("inspections.provider_findings", "inspections.provider_finding")),
    (Permission.BUILD_INSPECTION_PACK, "packs.index", "Inspection packs", ("packs*",)),
    (Permission.VIEW_MI, "mi.index", "Management information", ("mi.*",)),
    (Permission.MANAGE_STAFF, "staff.index", "Staff", ("staff*",)),
    (Permission.MANAGE_ORGANISATIONS, "admin.organisations", "Organisations",
     ("admin.organisations", "admin.new_organisation", "admin.edit_organisation")),
    (Permission.MANAGE_DWP_ACCOUNTS, "admin.dwp_staff", "DWP staff", ("admin.dwp_staff", "admin.invite_dwp_staff")),
    (Permission.VIEW_DATA_POLICY, "policy.matrix", "Data policy", ("policy.matrix",)),
    (Permission.MANAGE_API_CLIENTS, "admin.api_clients", "API clients", ("admin.api_clients",)),
    (Permission.READ_OUTBOX, "admin.outbox", "Mail delivery", ("admin.outbox",)),
    (None, "home.account", "Your account", ("home.account",)),
)


def _current(endpoint, marks):
    return any(endpoint.startswith(mark[:-1]) if mark.endswith("*") else endpoint == mark for mark in marks)


def _shown(permission, held, runs_cohorts):
    if permission is None:
        return True
    if permission == "runs_cohorts":  # clubs: for the caseload's users whose organisation runs them
        return Permission.VIEW_CASELOAD in held and runs_cohorts
    return permission in held


def service_navigation(user):
    """The menu's HTML for this user on this page."""
    held = permissions_of(user)
    organisation = user.organisation
    runs_cohorts = bool(organisation and organisation.runs_cohorts)
    endpoint = request.endpoint or ""
    made = current_app.extensions.setdefault("portal_navigation", {})
    key = (frozenset(held), runs_cohorts, endpoint)
    html = made.get(key)
    if html is None:
        items = [{"href": url_for(target), "text": text, "active": _current(endpoint, marks)}
                 for permission, target, text, marks in ENTRIES if _shown(permission, held, runs_cohorts)]
        macro = current_app.jinja_env.get_template(
            "govuk_frontend_jinja/components/service-navigation/macro.html").module.govukServiceNavigation
        html = made[key] = Markup(macro({"navigation": items, "attributes": {"aria-label": "Portal menu"}}))
    return html
