"""The caseload query: one page of referrals in the user's scope, with a fixed number of queries."""
from dataclasses import dataclass

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, select

from portal import data_access
from portal.extensions import db
from portal.models import Customer, HoursEntry, Plan, PlanVersion, Programme, Referral, ReferralStatus, User, VersionStatus
from portal.scope import referral_scope
from portal.services import hours_rules


@dataclass
class CaseloadFilters:
    search: str = ""
    programme: str = ""
    status: str = ""
    adviser_id: int | None = None
    flag: str = ""
    page: int = 1


FLAGS = {"review_overdue": "Review overdue", "awaiting_signatures": "Plan awaiting signatures",
         "hours_missing": "No hours recorded last week"}


def _today():
    return datetime.now(ZoneInfo("Europe/London")).date()


@dataclass
class CaseloadRow:
    referral: Referral
    customer_reference: str
    name: str
    programme_name: str
    adviser_name: str | None
    next_review_on: object = None
    awaiting_signatures: bool = False

    @property
    def review_overdue(self):
        return self.next_review_on is not None and self.next_review_on < _today()


@dataclass
class CaseloadPage:
    rows: list
    total: int
    page: int
    page_size: int

    @property
    def page_count(self):
        return max(1, -(-self.total // self.page_size))


def _query(user, filters):
    # No join to customer here: the count needs none, and the search is one IN over two indexed lookups
    # (an OR across a subquery made PostgreSQL scan every customer; docs/benchmarks.md).
    query = select(Referral).where(referral_scope(user))
    term = filters.search.strip()
    if term:
        query = query.where(Referral.customer_id.in_(
            select(Customer.id).where(Customer.reference == term.upper()).union_all(data_access.name_search_ids(term))))
    if filters.programme:
        query = query.where(Referral.programme_id == select(Programme.id).where(Programme.code == filters.programme).scalar_subquery())
    if filters.status in ReferralStatus.__members__.values():
        query = query.where(Referral.status == ReferralStatus(filters.status))
    if filters.adviser_id:
        query = query.where(Referral.adviser_id == filters.adviser_id)
    plan_of_referral = and_(Plan.customer_id == Referral.customer_id, Plan.programme_id == Referral.programme_id)
    if filters.flag == "review_overdue":
        query = query.where(Referral.status == ReferralStatus.STARTED,
                            exists().where(plan_of_referral, Plan.next_review_on < _today()))
    elif filters.flag == "hours_missing":
        # R-HRS-1: started customers whose last complete week (Monday to Sunday) has nothing recorded.
        last_monday = hours_rules.week_start(_today()) - timedelta(days=7)
        query = query.where(
            Referral.status == ReferralStatus.STARTED, Referral.started_on <= last_monday + timedelta(days=6),
            ~exists().where(HoursEntry.referral_id == Referral.id, HoursEntry.week_start == last_monday,
                            HoursEntry.removed_at.is_(None)))
    elif filters.flag == "awaiting_signatures":
        query = query.where(exists().where(plan_of_referral, PlanVersion.plan_id == Plan.id,
                                           PlanVersion.status == VersionStatus.AWAITING_SIGNATURES))
    return query


def caseload_page(user, filters, page_size):
    query = _query(user, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, min(filters.page, max(1, -(-total // page_size))))
    rows = db.session.execute(
        query.add_columns(Customer.reference, Programme.name, User.name)
        .join(Customer, Customer.id == Referral.customer_id)
        .join(Programme, Programme.id == Referral.programme_id)
        .outerjoin(User, User.id == Referral.adviser_id)
        .order_by(Referral.referred_at.desc(), Referral.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    customer_ids = [referral.customer_id for referral, *_ in rows]
    names = data_access.visible_names(user, customer_ids)
    plan_facts = _plan_facts(customer_ids)
    return CaseloadPage(
        rows=[CaseloadRow(referral, reference, names.get(referral.customer_id, ""), programme_name, adviser_name,
                          *plan_facts.get((referral.customer_id, referral.programme_id), (None, False)))
              for referral, reference, programme_name, adviser_name in rows],
        total=total, page=page, page_size=page_size,
    )


def _plan_facts(customer_ids):
    """{(customer id, programme id): (next review date, awaiting signatures?)} for one page, in one query."""
    if not customer_ids:
        return {}
    awaiting = exists().where(PlanVersion.plan_id == Plan.id, PlanVersion.status == VersionStatus.AWAITING_SIGNATURES)
    rows = db.session.execute(
        select(Plan.customer_id, Plan.programme_id, Plan.next_review_on, awaiting).where(Plan.customer_id.in_(customer_ids))
    )
    return {(customer_id, programme_id): (next_review, bool(waiting))
            for customer_id, programme_id, next_review, waiting in rows}


def caseload_rows(user, filters, limit):
    """Every referral matching the filters (for exports), newest first, with its customer."""
    rows = db.session.execute(
        _query(user, filters).add_columns(Customer, Customer.reference, Programme.name, User.name)
        .join(Customer, Customer.id == Referral.customer_id)
        .join(Programme, Programme.id == Referral.programme_id)
        .outerjoin(User, User.id == Referral.adviser_id)
        .order_by(Referral.referred_at.desc(), Referral.id.desc())
        .limit(limit)
    ).all()
    return [ExportRow(referral, customer, reference, programme_name, adviser_name)
            for referral, customer, reference, programme_name, adviser_name in rows]


@dataclass
class ExportRow:
    referral: Referral
    customer: Customer
    customer_reference: str
    programme_name: str
    adviser_name: str | None


def advisers_for(user):
    if not user.role.is_provider:
        return []
    return db.session.scalars(
        select(User).where(User.organisation_id == user.organisation_id, User.role.in_(["adviser", "manager"]))
        .order_by(User.name)
    ).all()
