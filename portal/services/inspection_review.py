"""What an inspector reads of a provider (issue 13, R-INSP-1): the overview figures and the customers
behind each, computed for the whole population with a fixed handful of set-based queries (never a
query per plan), so the number of queries does not grow with the provider's size.

Every function takes the inspection and, optionally, `customer_ids` to narrow it to a sample.
"""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import ARRAY, Integer, any_, bindparam, distinct, func, or_, select

from portal.extensions import db
from portal.models import (
    AGREED_STATUSES, CustomerCopy, DocumentOriginal, Finding, FindingState, HoursEntry, Plan, PlanParty, PlanVersion,
    Referral, Review, Signature, VersionSeal,
)
from portal.services import inspection_rules
from portal.services.hours_rules import week_start
from portal.template_helpers import UK


def _period_end(inspection):
    return datetime.combine(inspection.period_to + timedelta(days=1), time.min, tzinfo=UK)


def _among(column, ids):
    """`column IN ids`. On PostgreSQL one array parameter (`= ANY(:ids)`): a large provider's 20,000 ids as
    separate parameters cost seconds of query building in the driver alone."""
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(list(ids))


def population_select(inspection, customer_ids=None):
    """Referrals of the provider on the inspection's programmes that were on the programme at some
    time in the period under review (a sub-contractor's inspection covers what it delivers)."""
    query = select(Referral.id, Referral.customer_id, Referral.programme_id, Referral.started_on,
                   Referral.ended_on).where(
        or_(Referral.organisation_id == inspection.organisation_id,
            Referral.subcontractor_id == inspection.organisation_id),
        Referral.programme_id.in_([p.id for p in inspection.programmes]),
        Referral.started_on.is_not(None), Referral.started_on <= inspection.period_to,
        or_(Referral.ended_on.is_(None), Referral.ended_on >= inspection.period_from))
    if customer_ids is not None:
        query = query.where(Referral.customer_id.in_(list(customer_ids)))
    return query


@dataclass
class Facts:
    """Everything the figures and the checklist need, for a set of customers."""

    referrals: list = field(default_factory=list)          # (referral id, customer, programme, started, ended)
    latest_agreed: dict = field(default_factory=dict)       # customer → (version id, plan id, first review on)
    signed_by_all: set = field(default_factory=set)         # version ids
    signed_format: dict = field(default_factory=dict)       # version id → format the customer signed in
    copy_formats: dict = field(default_factory=lambda: defaultdict(set))  # version id → formats of copies given
    originals: dict = field(default_factory=lambda: defaultdict(list))   # version id → [verifies?]
    reviews: dict = field(default_factory=lambda: defaultdict(list))     # plan id → [(held_on, next_review_on)]
    hours_days: dict = field(default_factory=lambda: defaultdict(set))   # referral id → days with hours
    unlinked_days: dict = field(default_factory=lambda: defaultdict(list))  # referral id → days of entries with no objective
    weeks_recorded: dict = field(default_factory=dict)   # referral id → weeks with hours (whole population only)
    detailed: bool = True
    originals_checked: bool = True
    open_findings: dict = field(default_factory=lambda: defaultdict(int))   # customer (None: provider) → count


def gather(inspection, customer_ids=None, *, with_originals=True, today=None):
    """The facts for the population (or the given customers), in eight queries whatever its size.

    For given customers (a sample) the days with hours are read, for the checklist's detail; for the
    whole population only the number of weeks with hours, counted by the database."""
    facts = Facts()
    detailed = customer_ids is not None
    today = today or datetime.now(UK).date()
    population = population_select(inspection, customer_ids).subquery()
    facts.detailed, facts.originals_checked = detailed, with_originals
    facts.referrals = db.session.execute(select(population)).all()
    in_population = select(population.c.customer_id)
    programme_ids = [p.id for p in inspection.programmes]

    # The latest version of each customer's plan agreed by the end of the period.
    agreed = db.session.execute(
        select(Plan.customer_id, PlanVersion.id, Plan.id, PlanVersion.first_review_on, PlanVersion.agreed_at)
        .join(PlanVersion, PlanVersion.plan_id == Plan.id)
        .where(Plan.customer_id.in_(in_population), Plan.programme_id.in_(programme_ids),
               PlanVersion.status.in_(AGREED_STATUSES), PlanVersion.agreed_at < _period_end(inspection))
        .order_by(Plan.customer_id, PlanVersion.agreed_at, PlanVersion.id)).all()
    for customer_id, version_id, plan_id, first_review_on, _agreed_at in agreed:
        facts.latest_agreed[customer_id] = (version_id, plan_id, first_review_on)
    version_ids = [v for v, _p, _f in facts.latest_agreed.values()]
    plan_ids = [p for _v, p, _f in facts.latest_agreed.values()]
    if version_ids:
        # One pass over the parties and their signatures: who must sign, who did, and the customer's format.
        unsigned = set()
        for version_id, required, role, signature_id, document_format in db.session.execute(
                select(PlanParty.version_id, PlanParty.required, PlanParty.role, Signature.id, Signature.document_format)
                .outerjoin(Signature, (Signature.party_id == PlanParty.id) & (Signature.version_id == PlanParty.version_id))
                .where(_among(PlanParty.version_id, version_ids), or_(PlanParty.required.is_(True),
                                                                      PlanParty.role == "customer"))):
            if required and signature_id is None:
                unsigned.add(version_id)
            if role == "customer" and signature_id is not None:
                facts.signed_format[version_id] = document_format
        facts.signed_by_all = set(version_ids) - unsigned
        for version_id, document_format in db.session.execute(
                select(CustomerCopy.version_id, CustomerCopy.document_format)
                .where(_among(CustomerCopy.version_id, version_ids))):
            facts.copy_formats[version_id].add(document_format)
        if with_originals:
            for version_id, content, digest, record, signature in db.session.execute(
                    select(VersionSeal.version_id, DocumentOriginal.content, DocumentOriginal.sha256,
                           DocumentOriginal.record, DocumentOriginal.signature)
                    .join(VersionSeal, VersionSeal.id == DocumentOriginal.seal_id)
                    .where(_among(VersionSeal.version_id, version_ids))):
                facts.originals[version_id].append(inspection_rules.original_verifies(content, digest, record, signature))
        for plan_id, held_on, next_review_on in db.session.execute(
                select(Review.plan_id, Review.held_on, Review.next_review_on).where(_among(Review.plan_id, plan_ids))):
            facts.reviews[plan_id].append((held_on, next_review_on))
    # A week counts as recorded if it holds hours (R-HRS-1): the weeks from the one the period starts in.
    first_week, last_week = week_start(inspection.period_from), week_start(inspection.period_to)
    if detailed:
        for referral_id, on, objective_id in db.session.execute(
                select(HoursEntry.referral_id, HoursEntry.on, HoursEntry.objective_id)
                .where(HoursEntry.referral_id.in_(select(population.c.id)), HoursEntry.removed_at.is_(None),
                       HoursEntry.week_start >= first_week, HoursEntry.week_start <= last_week)):
            facts.hours_days[referral_id].add(on)
            if objective_id is None:
                facts.unlinked_days[referral_id].append(on)
    else:
        # The whole population: weeks with hours counted by the database, one correlated count a referral
        # read from the index alone (ix_hours_entry_live_week), only weeks complete by today.
        last_week = min(last_week, week_start(today) - timedelta(days=7))
        weeks = (select(func.count(distinct(HoursEntry.week_start)))
                 .where(HoursEntry.referral_id == population.c.id, HoursEntry.removed_at.is_(None),
                        HoursEntry.week_start >= first_week, HoursEntry.week_start <= last_week)
                 .scalar_subquery())
        facts.weeks_recorded = dict(db.session.execute(select(population.c.id, weeks)).all())
    findings = select(Finding.customer_id).where(
        Finding.inspection_id == inspection.id, Finding.state.in_([FindingState.OPEN, FindingState.REOPENED]))
    for (customer_id,) in db.session.execute(findings):
        facts.open_findings[customer_id] += 1
    return facts


FIGURES = (
    ("on_programme", "Customers on the programmes in the period"),
    ("agreed", "Plans agreed"),
    ("signed_by_all", "Plans signed by every party"),
    ("reviews_on_time", "Reviews held on the dates agreed"),
    ("hours_gaps", "Customers with weeks of no recorded hours"),
    ("copy_in_format", "Copies given in the customer’s format"),
    ("originals_verify", "Sealed originals that verify"),
    ("open_findings", "Customers with open findings"),
)
FIGURE_LABELS = dict(FIGURES)


def customer_sets(inspection, facts, today):
    """{figure: set of customer ids}, and {programme id: set of customer ids}."""
    sets = {key: set() for key, _label in FIGURES}
    by_programme = defaultdict(set)
    last_day = min(inspection.period_to, today)
    for referral_id, customer_id, programme_id, started_on, ended_on in facts.referrals:
        sets["on_programme"].add(customer_id)
        by_programme[programme_id].add(customer_id)
        if facts.detailed:
            gaps = inspection_rules.hours_gaps(started_on, ended_on, inspection.period_from, inspection.period_to,
                                               facts.hours_days.get(referral_id, ()), today)
        else:
            gaps = inspection_rules.weeks_expected(started_on, ended_on, inspection.period_from, inspection.period_to,
                                                   today) > facts.weeks_recorded.get(referral_id, 0)
        if gaps:
            sets["hours_gaps"].add(customer_id)
    for customer_id, (version_id, plan_id, first_review_on) in facts.latest_agreed.items():
        sets["agreed"].add(customer_id)
        if version_id in facts.signed_by_all:
            sets["signed_by_all"].add(customer_id)
        if not inspection_rules.late_reviews(first_review_on, facts.reviews.get(plan_id, []), last_day):
            sets["reviews_on_time"].add(customer_id)
        if inspection_rules.copy_in_format(facts.signed_format.get(version_id), facts.copy_formats.get(version_id, ())):
            sets["copy_in_format"].add(customer_id)
        checks = facts.originals.get(version_id)
        if checks and all(checks):
            sets["originals_verify"].add(customer_id)
    if not facts.originals_checked:
        del sets["originals_verify"]  # not read: see gather()
    sets["open_findings"] = {c for c in facts.open_findings if c is not None} & sets["on_programme"]
    return sets, by_programme
