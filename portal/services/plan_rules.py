"""The ISP rules (R-ISP-1..9, R-SIGN-1) as one check: a plan that breaks one cannot go for signature.

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
    if version.in_work:
        if not (version.employer_name or "").strip():
            add("R-ISP-8", "Record the employer for the in-work support plan", "in_work", "employer_name")
        if not version.taper_steps:
            add("R-ISP-8", "Show how in-work support will change over time", "in_work")
        for field, label in (("check_settled_in", "settling in"), ("check_transport", "transport"),
                             ("check_benefits_advice", "benefits advice"), ("check_adjustments", "adjustments")):
            if not (getattr(version, field) or "").strip():
                add("R-ISP-8", f"Record the in-work check on {label}", "in_work", field)
    roles = {party.role for party in version.parties if party.required}
    for role, label in (("customer", "the customer"), ("adviser", "the provider")):
        if role not in roles:
            add("R-SIGN-1", f"The plan must be signed by {label}", "parties")
    if version.in_work and "employer" not in roles:
        add("R-SIGN-1", "An in-work plan must be signed by the employer too", "parties")
    return found


def _short(text, length=40):
    text = " ".join((text or "").split())
    return text if len(text) <= length else text[: length - 1] + "…"
