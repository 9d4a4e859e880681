"""What a user may see of a customer's DWP-held data (R-DATA-1). The only reader of DwpRecord.

The policy is data (`policy_rule` rows: field × programme × audience × accreditation → access).
Every row that matches a user and customer is considered and the most restrictive wins; a field no
row matches is hidden. `with_consent` becomes visible only while the customer's health consent to
the user's organisation (its prime's, for a sub-contractor) names the field (R-DATA-3).

Pages, exports, documents and the API receive a `DwpView`, never the model.
"""
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask import g, has_app_context
from sqlalchemy import false, func, not_, select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.models import (
    Access, Appointment, Audience, Consent, ConsentKind, DwpRecord, DwpRecordVersion, Organisation, PolicyRule,
    PolicyVersion, Programme, Referral, Role,
)
from portal.models.base import utcnow
from portal.scope import OPEN_STATUSES, open_referral_scope, referral_scope

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
# R-CUST-1: what a user sees of the customer's referrals outside their own scope (another provider's),
# decided by policy rows like the DWP fields (migration 0015).
HISTORY_FIELDS = (
    ("earlier_referrals", "Other referrals: programme, dates and status"),
    ("earlier_referral_providers", "Other referrals: which provider"),
)
FIELD_LABELS = dict(DWP_FIELDS + HISTORY_FIELDS)
HEALTH_FIELDS = ("health_summary", "medical_details")

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


def mask_nino(nino):
    """R-DATA-5: only the last two digits and the suffix letter, e.g. '•• •• •• 12 C'."""
    if not nino or len(nino) < 3:
        return "•• •• •• •• •"
    return f"•• •• •• {nino[-3:-1]} {nino[-1]}"


# Policy ---------------------------------------------------------------------------------------


def audience_for(user):
    if user.role == Role.INSPECTOR:
        return Audience.INSPECTOR
    # The Disability Employment Adviser is DWP staff and reads as a referral officer does (R-WC-1).
    if user.role in (Role.REFERRAL_OFFICER, Role.DISABILITY_EMPLOYMENT_ADVISER):
        return Audience.REFERRAL_OFFICER
    if user.role.is_provider and user.organisation is not None:
        return Audience.SUBCONTRACTOR if user.is_subcontractor_staff else Audience.PROVIDER
    return None  # system administrators see no customer's personal data


# The policy as last loaded by this process, per database: {url: (version, rules)}. Reloaded only when
# `policy_version` moves, which triggers do on any change to policy_rule or programme, from any process.
_PROCESS_POLICY = {}
_PROCESS_POLICY_LOCK = threading.Lock()


class _PolicyRules(defaultdict):
    """{(field, audience): [(programme id, accredited, access, description)]}, with the decisions made from
    them so far: the same few combinations of field, audiences, programmes and accreditation come up on
    every page, and a new version of the policy is a new object (issue 18)."""

    def __init__(self):
        super().__init__(list)
        self.decided = {}


def _load_rules():
    rules = _PolicyRules()
    for rule in db.session.scalars(select(PolicyRule).options(joinedload(PolicyRule.programme))):
        rules[(rule.field, rule.audience)].append(
            (rule.programme_id, rule.accredited, rule.access, describe_rule(rule)))
    return rules


def _rules():
    """All policy rows, from this process's copy: one small read of the version number per request, and
    a reload only when it has moved (issue 18)."""
    cached = g.get("_policy_rules") if has_app_context() else None
    if cached is not None:
        return cached
    # The session check reads the version with the signed-in user (portal/security/sessions.py).
    version = g.get("policy_version") if has_app_context() else None
    if version is None:
        version = db.session.scalar(select(PolicyVersion.version).where(PolicyVersion.id == 1))
    key = str(db.engine.url)
    held = _PROCESS_POLICY.get(key)
    if version is not None and held is not None and held[0] == version:
        rules = held[1]
    else:
        rules = _load_rules()
        if version is not None:
            with _PROCESS_POLICY_LOCK:
                _PROCESS_POLICY[key] = (version, rules)
    if has_app_context():
        g._policy_rules = rules
    return rules


def describe_rule(rule):
    programme = rule.programme.name if rule.programme else "every programme"
    accreditation = {True: "accredited organisations", False: "organisations not DWP security accredited",
                     None: "any organisation"}[rule.accredited]
    return f"{rule.audience.label}, {programme}, {accreditation}: {rule.access.label.lower()}"


@dataclass(frozen=True)
class Decision:
    access: Access
    rules: tuple  # descriptions of the matching rows


def _decide(field_name, audience_rows, programme_ids, accredited):
    """The most restrictive of the rows that match, or hidden when none does."""
    rules = _rules()
    key = (field_name, audience_rows, frozenset(programme_ids), accredited)
    decision = rules.decided.get(key)
    if decision is None:
        decision = rules.decided[key] = _decide_from(rules, field_name, audience_rows, programme_ids, accredited)
    return decision


def _decide_from(rules, field_name, audience_rows, programme_ids, accredited):
    matched = []
    for audience in audience_rows:
        for programme_id, rule_accredited, access, text in rules.get((field_name, audience), ()):
            if programme_id is not None and programme_id not in programme_ids:
                continue
            if rule_accredited is not None and rule_accredited != accredited:
                continue
            matched.append((access, text))
    if not matched:
        return Decision(Access.HIDDEN, ("No policy row allows it",))
    strictest = max(access.strictness for access, _ in matched)
    return Decision(Access(("full", "masked", "with_consent", "hidden")[strictest]), tuple(text for _, text in matched))


def _audiences(user):
    audience = audience_for(user)
    if audience is None:
        return ()
    if audience == Audience.SUBCONTRACTOR:
        # A sub-contractor never sees more than its prime's programme policy allows (DOMAIN §1).
        return (Audience.SUBCONTRACTOR, Audience.PROVIDER)
    return (audience,)


def _consenting_organisation_id(user):
    organisation = user.organisation
    if organisation is None:
        return None
    return organisation.prime_id if organisation.is_subcontractor else organisation.id


def _programmes_in_scope(user, customer_ids):
    """A provider's programmes with the customer, from its open referrals only: once its referral has
    ended (completed, exited early, transferred) it sees no DWP-held field (R-REF-1, R-DATA-6)."""
    provider = audience_for(user) in (Audience.PROVIDER, Audience.SUBCONTRACTOR)
    rows = db.session.execute(
        select(Referral.customer_id, Referral.programme_id).where(
            Referral.customer_id.in_(customer_ids), open_referral_scope(user) if provider else referral_scope(user))
    )
    programmes = defaultdict(set)
    for customer_id, programme_id in rows:
        programmes[customer_id].add(programme_id)
    return programmes


def _health_consents(user, customer_id):
    organisation_id = _consenting_organisation_id(user)
    if organisation_id is None:
        return []
    return db.session.scalars(
        select(Consent).where(Consent.customer_id == customer_id, Consent.organisation_id == organisation_id,
                              Consent.kind == ConsentKind.HEALTH, Consent.withdrawn_at.is_(None))
        .order_by(Consent.given_on)
    ).all()


def programmes_of_referrals(user, referrals):
    """`programmes_in_scope` from the customer's referrals in the user's scope, when the page has them."""
    if not _audiences(user):
        return set()
    provider = audience_for(user) in (Audience.PROVIDER, Audience.SUBCONTRACTOR)
    return {r.programme_id for r in referrals if not provider or r.status in OPEN_STATUSES}


def programmes_in_scope(user, customer_id):
    """The programmes through which this user sees this customer: give it to `visible_record` and
    `earlier_referrals` when a page calls both, so that it is read once."""
    return _programmes_in_scope(user, [customer_id]).get(customer_id, set()) if _audiences(user) else set()


def decisions_for(user, customer_id, programme_ids=None):
    """{field: (Access actually applied, reasons)} for one user and customer."""
    audiences = _audiences(user)
    if programme_ids is None:
        programme_ids = programmes_in_scope(user, customer_id)
    if audience_for(user) in (Audience.INSPECTOR, Audience.REFERRAL_OFFICER):
        programme_ids = programme_ids or {None}
    if not programme_ids:
        audiences = ()  # a former provider: rows for every programme must not match either
    accredited = bool(user.organisation and user.organisation.security_accredited)
    consents = None
    result = {}
    for name, _label in DWP_FIELDS:
        decision = _decide(name, audiences, programme_ids, accredited) if audiences else Decision(Access.HIDDEN, ())
        access, reasons = decision.access, list(decision.rules)
        if access == Access.WITH_CONSENT:
            if consents is None:
                consents = _health_consents(user, customer_id)
            agreeing = [c for c in consents if name in c.items]
            if agreeing:
                access = Access.FULL
                consent = agreeing[-1]
                reasons.append(f"The customer agreed to share this on {consent.given_on.strftime('%-d %B %Y')}"
                               f" (recorded by {consent.recorded_by.name if consent.recorded_by else 'a provider'})")
            else:
                access = Access.HIDDEN
                reasons.append("The customer has not agreed to share this")
        result[name] = (access, tuple(reasons))
    return result


# Projection -----------------------------------------------------------------------------------


@dataclass
class DwpView:
    """The part of a customer's DWP-held data that one user may see, with why."""

    customer_id: int
    values: dict = field(default_factory=dict)
    reasons: dict = field(default_factory=dict)

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
        """(field, label, value) in page order, for the fields this user may see (appointments apart)."""
        return [(name, label, self.values[name]) for name, label in DWP_FIELDS
                if name in self.values and name != "appointments"]


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


def _masked(record, name):
    if name == "nino":
        return mask_nino(record.nino)
    if name == "date_of_birth" and record.date_of_birth:
        return f"•• •• {record.date_of_birth.year}"
    return "Withheld"


def _appointments(user, customer_id):
    rows = db.session.scalars(
        select(Appointment)
        .outerjoin(Referral, Referral.id == Appointment.referral_id)
        .where(Appointment.customer_id == customer_id)
        .where(Appointment.referral_id.is_(None) | referral_scope(user))
        .order_by(Appointment.starts_at)
    )
    return [{"starts_at": a.starts_at, "location": a.location, "details": a.details} for a in rows]


def visible_record(user, customer, programme_ids=None):
    """What this user may see of this customer's DWP-held data, and why."""
    record = db.session.get(DwpRecord, customer.id)
    view = DwpView(customer_id=customer.id)
    if record is None:
        return view
    for name, (access, reasons) in decisions_for(user, customer.id, programme_ids).items():
        view.reasons[name] = reasons
        if access == Access.HIDDEN:
            continue
        if name == "appointments":
            view.values[name] = _appointments(user, customer.id)
        elif access == Access.MASKED:
            view.values[name] = _masked(record, name)
        else:
            view.values[name] = _value(record, name)
    return view


def visible_records(user, customers):
    return [visible_record(user, customer) for customer in customers]


def visible_names(user, customer_ids, programmes=None):
    """{customer id: name} for lists such as the caseload, where the policy shows the name. `programmes`:
    {customer id: programmes in scope}, when the caller has them (`programmes_of_referrals`)."""
    customer_ids = list(customer_ids)
    audiences = _audiences(user)
    if not customer_ids or not audiences:
        return {}
    accredited = bool(user.organisation and user.organisation.security_accredited)
    dwp = audience_for(user) in (Audience.INSPECTOR, Audience.REFERRAL_OFFICER)
    if programmes is None:
        programmes = _programmes_in_scope(user, customer_ids)
    allowed = [cid for cid in customer_ids
               if _decide("name", audiences, programmes.get(cid) or ({None} if dwp else set()), accredited).access
               in (Access.FULL, Access.WITH_CONSENT) and (dwp or programmes.get(cid))]
    if not allowed:
        return {}
    rows = db.session.execute(
        select(DwpRecord.customer_id, DwpRecord.first_name, DwpRecord.last_name).where(DwpRecord.customer_id.in_(allowed))
    )
    return {customer_id: f"{first} {last}" for customer_id, first, last in rows}


def visible_name(user, customer_id, referrals, default=None):
    """`visible_names` for one customer, the programmes taken from `referrals` (the user's referrals of that
    customer in scope, scope.customer_and_referrals_or_404) rather than read again (issue 18)."""
    programmes = programmes_of_referrals(user, [r for r in referrals if r.customer_id == customer_id])
    return visible_names(user, [customer_id], {customer_id: programmes}).get(customer_id, default)


def name_search_ids(term):
    """The ids of customers whose name contains `term`, as a select: a search without handing out the DWP columns."""
    pattern = "%" + term.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return select(DwpRecord.customer_id).where(DwpRecord.search_name.like(pattern, escape="\\"))


def recorded_name(customer_id):
    """The customer's name as recorded, for comparing with the name typed to sign (R-SIGN-4) only: the
    signing pages never show it to someone who has not already been shown it."""
    record = db.session.get(DwpRecord, customer_id)
    if record is None:
        return ""
    return " ".join(part for part in (record.first_name, record.last_name) if part)


def date_of_birth_matches(customer_id, date_of_birth):
    """A yes/no check for the remote signing page; the date of birth itself is never shown there."""
    record = db.session.get(DwpRecord, customer_id)
    return record is not None and record.date_of_birth is not None and record.date_of_birth == date_of_birth


def customer_preferences(customer_id):
    """The language and format a customer asked for (shown to every audience by the policy)."""
    record = db.session.get(DwpRecord, customer_id)
    if record is None:
        return "en", "standard"
    return record.preferred_language or "en", record.format_needs or "standard"


def may_see(user, customer_id, field_name):
    """Whether the policy shows this field of this customer to this user in full."""
    return decisions_for(user, customer_id)[field_name][0] == Access.FULL


def birth_date_for_pay_check(user, customer_id):
    """R-OUT-1: the customer's age band sets their minimum wage. Only for a user who may see the date of
    birth in full: for others the adult rate is used, so no flag they see depends on it (R-DATA-2).
    The caller audits the read (R-DATA-7)."""
    if not may_see(user, customer_id, "date_of_birth"):
        return None
    record = db.session.get(DwpRecord, customer_id)
    return record.date_of_birth if record is not None else None


def is_esa_income_related(customer_id):
    """R-HRS-5 needs this to warn before saving a long week. Ask only for a user who may see the benefit
    type (`may_see`): for others any answer that depended on it would disclose it (R-DATA-2)."""
    record = db.session.get(DwpRecord, customer_id)
    return record is not None and record.benefit_type == "ESA_IR"


DWP_TABLE = DwpRecord.__tablename__


def subject_access_record(customer_id):
    """Everything DWP holds about a customer, unmasked, for a subject access export (UK GDPR Art. 15).
    Only for a DWP user allowed to export it (Permission.EXPORT_SUBJECT_ACCESS); the caller audits it."""
    record = db.session.get(DwpRecord, customer_id)
    if record is None:
        return []
    rows = []
    for column in DwpRecord.__table__.columns:
        if column.name in ("customer_id", "search_name"):
            continue
        rows.append((column.name, FIELD_LABELS.get(column.name, column.name.replace("_", " ").capitalize()),
                     getattr(record, column.name)))
    return rows


def new_dwp_record(customer, facts):
    """Create the DWP record from a referral officer's entry (a write, not a read)."""
    record = DwpRecord(customer=customer, **facts)
    record.search_name = f"{facts['first_name']} {facts['last_name']}".lower()
    db.session.add(record)
    return record


# One customer per NINO (R-CUST-1) ---------------------------------------------------------------

VERSION_TABLE = DwpRecordVersion.__tablename__
_NOT_FACTS = ("customer_id", "version", "recorded_at")


def stored_nino(nino):
    """The form a NINO is stored and matched in: upper case, no spaces."""
    return "".join((nino or "").split()).upper()


def customer_id_for_nino(nino):
    """The customer who has this NINO, or None (a yes/no match for referrals; the NINO is not shown)."""
    return db.session.scalar(select(DwpRecord.customer_id).where(DwpRecord.nino == stored_nino(nino)))


def _facts_of(record):
    return {column.name: getattr(record, column.name) for column in DwpRecord.__table__.columns
            if column.name not in _NOT_FACTS}


def _jsonable(value):
    return value.isoformat() if isinstance(value, date) else value


def update_dwp_record(customer_id, facts):
    """R-CUST-1: a later referral's details become the record's next version; the one they replace is
    kept as a DwpRecordVersion. Fields the referral leaves empty keep their value. Nothing changes (and
    no version is made) when the details are the same. Returns the record's version number."""
    record = db.session.get(DwpRecord, customer_id)
    before = _facts_of(record)
    after = dict(before)
    after.update({name: value for name, value in facts.items() if value is not None and name in before})
    after["nino"] = stored_nino(after["nino"])
    after["search_name"] = f"{after['first_name']} {after['last_name']}".lower()
    if after == before:
        return record.version
    db.session.add(DwpRecordVersion(
        customer_id=customer_id, version=record.version, facts={k: _jsonable(v) for k, v in before.items()},
        recorded_at=record.recorded_at, superseded_at=utcnow(), source="referral"))
    for name, value in after.items():
        setattr(record, name, value)
    record.version += 1
    record.recorded_at = utcnow()
    return record.version


def record_history(customer_id):
    """When each version of the customer's DWP record was recorded (no DWP values): for DWP staff."""
    record = db.session.get(DwpRecord, customer_id)
    if record is None:
        return []
    earlier = db.session.execute(
        select(DwpRecordVersion.version, DwpRecordVersion.recorded_at, DwpRecordVersion.superseded_at,
               DwpRecordVersion.source)
        .where(DwpRecordVersion.customer_id == customer_id).order_by(DwpRecordVersion.version)).all()
    return [{"version": v, "recorded_at": at, "superseded_at": until, "source": source}
            for v, at, until, source in earlier] + [
        {"version": record.version, "recorded_at": record.recorded_at, "superseded_at": None, "source": "current"}]


def subject_access_versions(customer_id):
    """Every earlier version of the customer's DWP record, unmasked, for a subject access export."""
    rows = db.session.scalars(select(DwpRecordVersion).where(DwpRecordVersion.customer_id == customer_id)
                              .order_by(DwpRecordVersion.version)).all()
    return [(row.version, row.recorded_at, row.superseded_at, row.source, row.facts) for row in rows]


def earlier_referrals(user, customer_id, programme_ids=None):
    """R-CUST-1: the customer's referrals outside the user's own scope (at other providers), as far as
    the policy shows them: programme, dates and status, and the provider only where a row allows it.
    Never the earlier provider's plans, notes or exit reasons. Returns (rows, fields shown)."""
    audiences = _audiences(user)
    if not audiences:
        return [], []
    dwp = audience_for(user) in (Audience.INSPECTOR, Audience.REFERRAL_OFFICER)
    if programme_ids is None:
        programme_ids = programmes_in_scope(user, customer_id)
    if dwp:
        programme_ids = programme_ids or {None}
    if not programme_ids:
        return [], []  # a former provider sees nothing more of the customer
    accredited = bool(user.organisation and user.organisation.security_accredited)
    shown = [name for name, _ in HISTORY_FIELDS
             if _decide(name, audiences, programme_ids, accredited).access == Access.FULL]
    if "earlier_referrals" not in shown:
        return [], []
    rows = db.session.execute(
        select(Referral.id, Referral.status, Referral.referred_at, Referral.started_on, Referral.ended_on,
               Programme.name, Organisation.name)
        .join(Programme, Programme.id == Referral.programme_id)
        .join(Organisation, Organisation.id == Referral.organisation_id)
        .where(Referral.customer_id == customer_id,
               # Outside the user's scope: the condition tested on the customer's own few rows, not a
               # list of every referral the user's organisation holds.
               not_(func.coalesce(referral_scope(user), false())))
        .order_by(Referral.referred_at.desc(), Referral.id.desc())).all()
    with_provider = "earlier_referral_providers" in shown
    return [{"id": rid, "status": status, "referred_at": referred_at, "started_on": started_on,
             "ended_on": ended_on, "programme": programme,
             "provider": provider if with_provider else None}
            for rid, status, referred_at, started_on, ended_on, programme, provider in rows], shown


def policy_matrix():
    """Every policy row, for the page that shows the whole policy."""
    from portal.models import Programme

    rules = db.session.scalars(select(PolicyRule).outerjoin(Programme, Programme.id == PolicyRule.programme_id)
                               .order_by(PolicyRule.audience, Programme.code, PolicyRule.accredited)).all()
    return rules

