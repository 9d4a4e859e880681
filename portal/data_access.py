"""What a user may see of a customer's DWP-held data (R-DATA-1). The only reader of DwpRecord.

Pages, documents, exports and the API receive a `DwpView`, never the model. Each field's access
is `full`, `masked` or `hidden` for the user's audience, from DEFAULT_POLICY (DOMAIN §3).
"""
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from portal.extensions import db
from portal.models import Appointment, DwpRecord, Role
from portal.scope import referral_scope

FULL, MASKED, HIDDEN, WITH_CONSENT = "full", "masked", "hidden", "with_consent"

# (field, label) in the order a customer page shows them.
DWP_FIELDS = (
    ("name", "Name"),
    ("appointments", "Appointments"),
    ("preferred_language", "Preferred language"),
    ("format_needs", "Accessible format needs"),
    ("nino", "National Insurance number"),
    ("date_of_birth", "Date of birth"),
    ("address", "Address"),
    ("postcode", "Postcode"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("benefit_type", "Benefit"),
    ("wca_group", "WCA group"),
    ("wca_decision_date", "WCA decision date"),
    ("health_summary", "Health condition summary"),
    ("medical_details", "Medical details"),
    ("sanction_history", "Sanction history"),
    ("regulation_29", "Regulation 29 marker"),
    ("armed_forces", "Armed forces marker"),
    ("jobcentre", "Jobcentre"),
    ("work_coach", "Work coach"),
    ("lse_eligibility", "Local Supported Employment eligibility"),
)
FIELD_LABELS = dict(DWP_FIELDS)

_GROUPS = {
    "basic": ("name", "appointments", "preferred_language", "format_needs"),
    "nino": ("nino",),
    "dob": ("date_of_birth",),
    "contact": ("address", "postcode", "phone", "email"),
    "benefit": ("benefit_type", "wca_group", "wca_decision_date", "jobcentre", "work_coach", "lse_eligibility"),
    "health": ("health_summary", "medical_details"),
    "restricted": ("sanction_history", "regulation_29", "armed_forces"),
}
_AUDIENCE_POLICY = {
    #             basic nino    dob     contact benefit health        restricted
    "accredited": (FULL, MASKED, FULL, FULL, FULL, WITH_CONSENT, HIDDEN),
    "j2e": (FULL, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    "subcontractor": (FULL, HIDDEN, HIDDEN, FULL, HIDDEN, WITH_CONSENT, HIDDEN),
    "dwp": (FULL, FULL, FULL, FULL, FULL, FULL, FULL),
    "none": (HIDDEN,) * 7,
}
DEFAULT_POLICY = {
    audience: {name: access for group, access in zip(_GROUPS, accesses) for name in _GROUPS[group]}
    for audience, accesses in _AUDIENCE_POLICY.items()
}

LANGUAGE_LABELS = {"en": "English", "cy": "Welsh (Cymraeg)"}
FORMAT_LABELS = {"standard": "Standard print", "large_print": "Large print", "easy_read": "Easy Read"}
BENEFIT_LABELS = {
    "UC": "Universal Credit",
    "ESA_IR": "Employment and Support Allowance (income-related)",
    "ESA_CB": "Employment and Support Allowance (contribution-based)",
    "JSA": "Jobseeker's Allowance",
    "IB": "Incapacity Benefit",
    "NONE": "No benefit",
}
WCA_LABELS = {
    "LCW": "Limited capability for work (UC work preparation group)",
    "LCWRA": "Limited capability for work and work-related activity",
    "WRAG": "ESA work-related activity group",
    "SUPPORT": "ESA support group",
    "FIT": "Found fit for work",
    "NOT_ASSESSED": "Not yet assessed",
}


def audience_for(user):
    """Which column of the policy applies to this user."""
    if user.role in (Role.REFERRAL_OFFICER, Role.INSPECTOR):
        return "dwp"
    if not user.role.is_provider or user.organisation is None:
        return "none"
    if user.is_subcontractor_staff:
        return "subcontractor"
    if not user.organisation.security_accredited:
        return "j2e"  # R-DATA-2: an organisation that is not accredited sees the J2E minimum
    return "accredited"


def field_access(user, name):
    access = DEFAULT_POLICY[audience_for(user)][name]
    # Consent records arrive with the data-policy work (R-DATA-3); until then health stays hidden.
    return HIDDEN if access == WITH_CONSENT else access


def mask_nino(nino):
    """R-DATA-5: only the last two digits and the suffix letter, e.g. '•• •• •• 12 C'."""
    if not nino or len(nino) < 3:
        return "•• •• •• •• •"
    return f"•• •• •• {nino[-3:-1]} {nino[-1]}"


@dataclass
class DwpView:
    """The part of a customer's DWP-held data that one user may see."""

    customer_id: int
    values: dict = field(default_factory=dict)

    @property
    def shown(self):
        return sorted(self.values)

    def __getitem__(self, name):
        return self.values.get(name)

    def get(self, name, default=None):
        return self.values.get(name, default)

    def __contains__(self, name):
        return name in self.values

    @property
    def name(self):
        return self.values.get("name", "")

    def rows(self):
        """(label, value) pairs, in page order, for the fields this user may see."""
        return [(label, self.values[name]) for name, label in DWP_FIELDS if name in self.values and name != "appointments"]


def _value(record, name):
    if name == "name":
        return f"{record.first_name} {record.last_name}"
    if name == "preferred_language":
        return LANGUAGE_LABELS.get(record.preferred_language, record.preferred_language)
    if name == "format_needs":
        return FORMAT_LABELS.get(record.format_needs, record.format_needs)
    if name == "benefit_type":
        return BENEFIT_LABELS.get(record.benefit_type, record.benefit_type)
    if name == "wca_group":
        return WCA_LABELS.get(record.wca_group, record.wca_group)
    if name in ("regulation_29", "armed_forces"):
        return "Yes" if getattr(record, name) else "No"
    if name == "lse_eligibility":
        facts = []
        if record.learning_disability_or_autism:
            facts.append("Learning disability or autism known to adult social care")
        if record.secondary_mental_health:
            facts.append("In contact with secondary mental health services")
        if record.on_other_dwp_provision:
            facts.append("On other DWP provision")
        return "; ".join(facts) or "None recorded"
    value = getattr(record, name)
    if isinstance(value, date):
        return value.strftime("%-d %B %Y")
    return value


def _project(user, record, appointments):
    values = {}
    for name, _label in DWP_FIELDS:
        access = field_access(user, name)
        if access == HIDDEN:
            continue
        if name == "appointments":
            values[name] = appointments
        elif access == MASKED and name == "nino":
            values[name] = mask_nino(record.nino)
        else:
            values[name] = _value(record, name)
    return DwpView(customer_id=record.customer_id, values=values)


def _appointment_rows(customer_ids, user):
    from portal.models import Referral

    rows = db.session.execute(
        select(Appointment)
        .outerjoin(Referral, Referral.id == Appointment.referral_id)
        .where(Appointment.customer_id.in_(customer_ids))
        .where((Appointment.referral_id.is_(None)) | referral_scope(user))
        .order_by(Appointment.starts_at)
    ).scalars()
    by_customer = {}
    for appointment in rows:
        by_customer.setdefault(appointment.customer_id, []).append(
            {"starts_at": appointment.starts_at, "location": appointment.location, "details": appointment.details}
        )
    return by_customer


def visible_record(user, customer):
    """What this user may see of this customer's DWP-held data."""
    record = db.session.get(DwpRecord, customer.id)
    if record is None:
        return DwpView(customer_id=customer.id)
    appointments = _appointment_rows([customer.id], user).get(customer.id, [])
    return _project(user, record, appointments)


def visible_names(user, customer_ids):
    """{customer id: name} for lists such as the caseload; the name is shown to every audience."""
    if not customer_ids or field_access(user, "name") == HIDDEN:
        return {}
    rows = db.session.execute(
        select(DwpRecord.customer_id, DwpRecord.first_name, DwpRecord.last_name).where(
            DwpRecord.customer_id.in_(customer_ids)
        )
    )
    return {customer_id: f"{first} {last}" for customer_id, first, last in rows}


def name_search_condition(term):
    """A condition on Customer.id for a name search, without handing out the DWP columns."""
    from portal.models import Customer

    pattern = "%" + term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return Customer.id.in_(select(DwpRecord.customer_id).where(DwpRecord.search_name.like(pattern, escape="\\")))


def new_dwp_record(customer, facts):
    """Create the DWP record from a referral officer's entry (a write, not a read)."""
    record = DwpRecord(customer=customer, **facts)
    record.search_name = f"{facts['first_name']} {facts['last_name']}".lower()
    db.session.add(record)
    return record
