"""The ISP rules (R-ISP-1..9, R-ISP-12, R-SIGN-1) as one check: a plan that breaks one cannot go for signature.

`problems(version)` returns each broken rule with its id, a plain message and the field to fix;
the same list will feed the inspector's checklist (R-INSP-1).
"""
from dataclasses import dataclass
from datetime import timedelta

BARRIER_CATEGORIES = {
    "disability": "Disability or health condition",
    "debt": "Debt or money",
    "housing": "Housing",
    "addiction": "Addiction",
    "confidence": "Confidence",
    "transport": "Transport",
    "caring": "Caring responsibilities",
    "skills": "Skills or qualifications",
    "life_event": "A significant life event",
    "other": "Something else",
}
DELIVERERS = {
    "provider": "Our organisation",
    "subcontractor": "A sub-contractor",
    "employer": "The employer",
    "third_tier": "A third-tier organisation",
    "other": "Another organisation",
}


@dataclass(frozen=True)
class Problem:
    rule: str
    message: str
    section: str
    field: str = ""

    @property
    def anchor(self):
        return self.field or self.section


def problems(version, programme):
    found = []

    def add(rule, message, section, field=""):
        found.append(Problem(rule, message, section, field))

    if not (version.needs_assessment or "").strip():
        add("R-ISP-1", "Record the needs assessment", "needs", "needs_assessment")
    if not (version.aspirations or "").strip():
        add("R-ISP-2", "Record the customer's aspirations", "goals", "aspirations")
    if not (version.job_goal or "").strip():
        add("R-ISP-2", "Record the customer's job goal", "goals", "job_goal")
    minimum = programme.min_aspired_weekly_hours
    if version.target_weekly_hours is None:
        add("R-ISP-2", "Enter the weekly hours the customer is aiming for", "goals", "target_weekly_hours")
    elif minimum and version.target_weekly_hours < minimum and not (version.target_hours_reason or "").strip():
        add("R-ISP-2", f"The target is under {minimum} hours a week: record the reason", "goals", "target_hours_reason")
    if not version.barriers:
        add("R-ISP-7", "Record the barriers the customer faces, including those beyond disability", "barriers")
    if not version.objectives:
        add("R-ISP-4", "Add at least one objective", "objectives")
    window = programme_window(version, programme)
    for objective in version.objectives:
        label = _short(objective.what)
        for _field, message in objective_problems(objective, window):
            add("R-ISP-4", f"Objective '{label}': {message[0].lower()}{message[1:]}", "objectives",
                f"objective-{objective.id}")
    for item in version.support_items:
        if not item.objectives:
            kind = "Qualification" if item.kind == "qualification" else "Support item"
            add("R-ISP-3", f"{kind} '{_short(item.description)}' is not linked to an objective", "support",
                f"support-{item.id}")
        if item.deliverer in ("subcontractor", "third_tier", "other") and not (item.deliverer_name or "").strip():
            add("R-HRS-2", f"Support item '{_short(item.description)}' must name who delivers it", "support",
                f"support-{item.id}")
    if not (version.length_rationale or "").strip():
        add("R-ISP-6", "Record the rationale for the customer's length of time on the programme", "length",
            "length_rationale")
    if not version.review_every_weeks or version.first_review_on is None:
        add("R-ISP-5", "Agree the review schedule: how often, and the first review date", "reviews",
            "review_every_weeks")
    if version.permitted_work is None:
        add("R-ISP-9", "Say whether the customer does permitted work", "permitted_work", "permitted_work")
    elif version.permitted_work and version.permitted_work_hours is None:
        add("R-ISP-9", "Enter the hours of permitted work", "permitted_work", "permitted_work_hours")
    for field, message in support_network_problems(version):
        add("R-DATA-8", message, "support_network", field)
    roles = {party.role for party in version.parties if party.required}
    for role, label in (("customer", "the customer"), ("adviser", "the provider")):
        if role not in roles:
            add("R-SIGN-1", f"The plan must be signed by {label}", "parties")
    # R-ISP-12 (JCP 92): the employer signs the in-work support agreement, never the customer's whole plan.
    if "employer" in {party.role for party in version.parties}:
        add("R-ISP-12", "The employer signs the in-work support agreement, not the whole plan: remove them here",
            "parties")
    return found


# The in-work support agreement (R-ISP-12, R-ISP-8) ------------------------------------------------

# The six things IFS 12 expects of a provider for everyone entering a job, as the agreement lists them.
IFS12_ITEMS = {
    "settled_in": "Check the customer has settled into the workplace",
    "transport": "Make sure the customer's transport arrangements are working",
    "benefits_advice": "Make sure the customer is getting the right benefits advice",
    "support_plan": "Agree a support plan that shows how support will change over time",
    "adjustments": "Help the employer make adjustments, and advise the employer and colleagues",
    "available": "Be available for advice and support when something unexpected happens",
}
# Which of the agreement's fields says what was agreed for each item.
IFS12_FIELDS = {
    "settled_in": ("settling_in",), "transport": ("transport",), "benefits_advice": ("benefits_advice",),
    "support_plan": ("support",), "adjustments": ("adjustments", "colleague_advice"),
    "available": ("unexpected_issues", "provider_contact"),
}
AGREEMENT_PARTIES = {"customer": "the customer", "employer": "the employer", "provider": "the provider"}


def agreement_problems(agreement):
    """What the agreement must say before it goes for signature (R-ISP-12, IFS 12 and 18)."""
    found = []

    def add(rule, message, field):
        found.append(Problem(rule, message, "in_work", field))

    if agreement.job_id is None and not (agreement.legacy_employer_name or "").strip():
        add("R-ISP-12", "Choose the job this agreement is for", "job_id")
    if not (agreement.employer_contact_name or "").strip():
        add("R-ISP-12", "Name the contact at the employer", "employer_contact_name")
    for item, fields in IFS12_FIELDS.items():
        for field in fields:
            if not (getattr(agreement, field) or "").strip():
                add("R-ISP-12", f"Say what is agreed for: {IFS12_ITEMS[item].lower()}", field)
    if not agreement.taper_steps:
        add("R-ISP-8", "Show how in-work support will change over time", "taper")
    return found


def agreement_signed_by(agreement):
    """The parties whose signature covers the agreement's content as sent (R-SIGN-1)."""
    if agreement is None or not agreement.content_hash:
        return set()
    return {s.party for s in agreement.signatures if s.content_hash == agreement.content_hash}


def in_work_problems(agreement, has_job):
    """R-ISP-12 / R-SIGN-1 for an in-work customer: an agreement, complete, signed by all three parties
    (the employer included). `has_job`: the customer started a job on this programme."""
    if not has_job and agreement is None:
        return []
    if agreement is None or not agreement.status.was_agreed:
        return [Problem("R-ISP-12", "The in-work support agreement has not been agreed", "in_work")]
    found = agreement_problems(agreement)
    signed = agreement_signed_by(agreement)
    for party, label in AGREEMENT_PARTIES.items():
        if party not in signed:
            found.append(Problem("R-SIGN-1", f"The in-work support agreement must be signed by {label}", "in_work"))
    return found


def programme_window(version, programme):
    """(first day, last day) of the customer's time on the programme; either may be None (unknown or open)."""
    referral = version.referral
    start = referral.started_on if referral is not None else None
    end = start + timedelta(weeks=programme.duration_weeks) if start and programme.duration_weeks else None
    return start, end


def objective_problems(objective, window=(None, None)):
    """R-ISP-4, SMART, for one objective: [(field, message)]. The same check runs when the objective is saved
    (on its own form) and when the plan is sent for signature (one source of truth)."""
    found = []
    if not (objective.what or "").strip():
        found.append(("what", "Enter the objective"))
    if not (objective.how_often or "").strip():
        found.append(("how_often", "Say how often"))
    if not (objective.measure or "").strip():
        found.append(("measure", "Say how progress is measured"))
    start, end = window
    if objective.target_on is None:
        found.append(("target_on", "Enter a target date"))
    elif start and objective.target_on < start:
        found.append(("target_on", f"The target date must be on or after the programme start, {_day(start)}"))
    elif end and objective.target_on > end:
        found.append(("target_on", f"The target date must be within the time on the programme, by {_day(end)}"))
    return found


def support_network_problems(version):
    """R-DATA-8 / SES 4.18: the support network is consulted only with an agreement recorded in the plan."""
    who = (version.support_network_who or "").strip()
    agreed, withdrawn = version.support_network_agreed_on, version.support_network_withdrawn_on
    found = []
    if who and agreed is None:
        found.append(("support_network_agreed_on", "Record when the customer agreed to their support network being consulted"))
    if (agreed or withdrawn) and not who:
        found.append(("support_network_who", "Record who in the support network may be consulted"))
    if withdrawn and agreed and withdrawn < agreed:
        found.append(("support_network_withdrawn_on", "The agreement cannot be withdrawn before it was given"))
    return found


def _day(value):
    return f"{value.day} {value:%B %Y}"


def _short(text, length=40):
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"
