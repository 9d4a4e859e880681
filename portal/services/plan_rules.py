"""The ISP rules (R-ISP-1..9, R-ISP-12, R-SIGN-1) as one check: a plan that breaks one cannot go for signature.

`problems(version)` returns each broken rule with its id, a plain message and the field to fix;
the same list will feed the inspector's checklist (R-INSP-1).
"""
from dataclasses import dataclass

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
STRANDS = {"work_entry": "Work entry", "transitional": "Transitional", "longer_term": "Longer-term"}


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
    for objective in version.objectives:
        label = _short(objective.what)
        if not (objective.how_often or "").strip() or not (objective.measure or "").strip():
            add("R-ISP-4", f"Objective '{label}' must say how often and how progress is measured", "objectives",
                f"objective-{objective.id}")
        if objective.target_on is None:
            add("R-ISP-4", f"Objective '{label}' needs a target date", "objectives", f"objective-{objective.id}")
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
    if programme.code == "WORK_CHOICE":
        if not version.strand:
            add("IFS-19", "Record the Work Choice strand", "programme", "strand")
        elif version.strand == "longer_term" and not (version.dea_approval_name and version.dea_approval_on):
            add("IFS-21", "A move to longer-term support needs the Disability Employment Adviser's approval",
                "programme", "dea_approval_name")
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


def _short(text, length=40):
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"
