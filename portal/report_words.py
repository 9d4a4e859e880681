"""The words of an inspection's closing report (issue 13), in English or Welsh.

Like portal/customer_words.py: English gettext ids, Welsh in portal/translations/cy. What inspectors and
providers wrote (findings, answers) stays as written.
"""
from flask_babel import force_locale, lazy_gettext as _l

from portal.customer_words import LANGUAGES, _resolved, date_in

MESSAGES = {
    "title": _l("Inspection report: {provider}"),
    "intro": _l("The closing report of a DWP inspection of the provider's Individual Support Plans. Customers are named by reference only."),
    "scope": _l("What was inspected"),
    "provider": _l("Provider"),
    "programmes": _l("Programmes"),
    "period": _l("Period under review"),
    "period_value": _l("{start} to {end}"),
    "opened": _l("Opened"),
    "closed": _l("Closed"),
    "inspectors": _l("Inspectors"),
    "figures": _l("The provider in figures"),
    "col_figure": _l("Figure"),
    "col_customers": _l("Customers"),
    "sample": _l("The sample"),
    "sample_drawn": _l("{random} customers were drawn at random with the seed {seed}, and {by_hand} added by hand."),
    "sample_none": _l("No sample was drawn."),
    "sample_by_programme": _l("{size} of {population} customers on {programme}"),
    "sample_repeat": _l("Drawing again with the same seed and sizes from the same customers gives the same sample."),
    "col_reference": _l("Customer"),
    "col_programme": _l("Programme"),
    "col_how": _l("How chosen"),
    "col_failed": _l("Checks failed"),
    "how_random": _l("At random"),
    "how_by_hand": _l("By hand"),
    "none": _l("None"),
    "results": _l("Checklist results by rule"),
    "results_intro": _l("Each check was computed by the portal from the plan, its signatures, reviews, documents, hours and consents, with the rules the providers' own pages use."),
    "col_rule": _l("Rule"),
    "col_check": _l("Check"),
    "col_passed": _l("Passed"),
    "col_failed_count": _l("Failed"),
    "col_not_applicable": _l("Not applicable"),
    "findings": _l("Findings and the provider's answers"),
    "findings_none": _l("No findings were recorded."),
    "finding_heading": _l("Finding {number}: {rule}"),
    "finding_on": _l("About"),
    "finding_provider": _l("The provider"),
    "severity": _l("Severity"),
    "state": _l("State"),
    "found": _l("What was found"),
    "action": _l("Action required"),
    "due": _l("Due"),
    "history": _l("History"),
    "col_when": _l("When"),
    "col_who": _l("Who"),
    "col_what": _l("What happened"),
    "evidence": _l("Evidence: {url}"),
    "verify_heading": _l("Check this report is genuine"),
    "verify_body": _l("Go to {url} and enter the code {code}, or upload this file."),
    "page": _l("Page"),
    "severities": {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")},
    "states": {"open": _l("Open"), "answered": _l("Answered by the provider"), "accepted": _l("Accepted"),
               "reopened": _l("Reopened")},
    "figure_labels": {
        "on_programme": _l("Customers on the programmes in the period"),
        "agreed": _l("Plans agreed"),
        "signed_by_all": _l("Plans signed by every party"),
        "reviews_on_time": _l("Reviews held on the dates agreed"),
        "hours_gaps": _l("Customers with weeks of no recorded hours"),
        "copy_in_format": _l("Copies given in the customer's format"),
        "originals_verify": _l("Sealed originals that verify"),
        "open_findings": _l("Customers with open findings"),
    },
    "rules": {
        "R-ISP-1": _l("Plan agreed at the start, after a needs assessment"),
        "R-ISP-2": _l("Aspirations, job goal, and the 16-hour aim or the reason"),
        "R-ISP-3": _l("Every support item and qualification linked to an objective"),
        "R-ISP-4": _l("Objectives are SMART"),
        "R-ISP-5": _l("Reviews held on the dates agreed"),
        "R-ISP-7": _l("Barriers and their impact recorded"),
        "R-ISP-8": _l("In-work plan signed by the employer"),
        "R-SIGN-1": _l("Signed by every party"),
        "R-SIGN-2": _l("The customer's format provided and the copy given"),
        "R-SIGN-3": _l("The sealed original verifies"),
        "R-HRS-1": _l("Weekly hours recorded with no gaps, each linked to an objective"),
        "R-DATA-3": _l("Consent in place for health data shown"),
        "R-DATA-6": _l("Access to customers' records"),
        "R-DATA-8": _l("Support-network agreement recorded where the network was consulted"),
        "R-INSP-1": _l("Another matter found on inspection"),
    },
}


def report_words(lang):
    lang = lang if lang in LANGUAGES else "en"
    with force_locale(lang):
        return _resolved(MESSAGES)


def report_date(value, lang):
    return date_in(value, lang)
