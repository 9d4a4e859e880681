"""The caseload query: one page of referrals in the user's scope, with a fixed number of queries."""
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple
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


class ReferralFacts(NamedTuple):
    """What a caseload page shows of a referral."""
    id: int
    customer_id: int
    programme_id: int
    status: ReferralStatus
    referred_at: datetime
    started_on: object
    ended_on: object


@dataclass
class CaseloadRow:
    referral: ReferralFacts
    customer_reference: str
    name: str
    programme_name: str
    adviser_name: str | None
    next_review_on: object = None
    awaiting_signatures: bool = False
    review_overdue: bool = False


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
    return select(Referral).where(*_conditions(user, filters))


def _conditions(user, filters):
    """The WHERE clauses on Referral for the user's scope and the filters."""
    # No join to customer here: the count needs none, and the search is one IN over two indexed lookups
    # (an OR across a subquery made PostgreSQL scan every customer; docs/benchmarks.md).
    conditions = [referral_scope(user)]
    term = filters.search.strip()
    if term:
        conditions.append(Referral.customer_id.in_(
            select(Customer.id).where(Customer.reference == term.upper()).union_all(data_access.name_search_ids(term))))
    if filters.programme:
        conditions.append(Referral.programme_id == select(Programme.id).where(Programme.code == filters.programme).scalar_subquery())
    if filters.status in ReferralStatus.__members__.values():
        conditions.append(Referral.status == ReferralStatus(filters.status))
    if filters.adviser_id:
        conditions.append(Referral.adviser_id == filters.adviser_id)
    plan_of_referral = and_(Plan.customer_id == Referral.customer_id, Plan.programme_id == Referral.programme_id)
    if filters.flag == "review_overdue":
        conditions += [Referral.status == ReferralStatus.STARTED,
                       exists().where(plan_of_referral, Plan.next_review_on < _today())]
    elif filters.flag == "hours_missing":
        # R-HRS-1: started customers whose last complete week (Monday to Sunday) has nothing recorded.
        last_monday = hours_rules.week_start(_today()) - timedelta(days=7)
        conditions += [Referral.status == ReferralStatus.STARTED, Referral.started_on <= last_monday + timedelta(days=6),
                       ~exists().where(HoursEntry.referral_id == Referral.id, HoursEntry.week_start == last_monday,
                                       HoursEntry.removed_at.is_(None))]
    elif filters.flag == "awaiting_signatures":
        conditions.append(exists().where(plan_of_referral, PlanVersion.plan_id == Plan.id,
                                         PlanVersion.status == VersionStatus.AWAITING_SIGNATURES))
    return conditions


def _newest_plan(*columns):
    return (select(*columns).where(Plan.customer_id == Referral.customer_id, Plan.programme_id == Referral.programme_id)
            .order_by(Plan.id.desc()).limit(1).correlate(Referral).scalar_subquery())


# What a caseload page shows, as plain rows (ORM entities cost more to load than the page uses), with its plan's
# next review and whether a version awaits signatures in the same statement (PostgreSQL works these out for the
# page's rows only, after the limit).
_PAGE_COLUMNS = (Referral.id, Referral.customer_id, Referral.programme_id, Referral.status, Referral.referred_at,
                 Referral.started_on, Referral.ended_on, Customer.reference, Programme.name, User.name,
                 _newest_plan(Plan.next_review_on),
                 exists().where(PlanVersion.plan_id == _newest_plan(Plan.id),
                                PlanVersion.status == VersionStatus.AWAITING_SIGNATURES))


def caseload_page(user, filters, page_size):
    conditions = _conditions(user, filters)
    total = db.session.scalar(select(func.count()).select_from(Referral).where(*conditions))
    page = max(1, min(filters.page, max(1, -(-total // page_size))))
    rows = db.session.execute(
        select(*_PAGE_COLUMNS).where(*conditions)
        .join(Customer, Customer.id == Referral.customer_id)
        .join(Programme, Programme.id == Referral.programme_id)
        .outerjoin(User, User.id == Referral.adviser_id)
        .order_by(Referral.referred_at.desc(), Referral.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    names = data_access.visible_names(user, [row[1] for row in rows])
    today = _today()
    page_rows = []
    for row in rows:
        referral = ReferralFacts._make(row[:7])
        next_review_on = row[10]
        overdue = next_review_on is not None and next_review_on < today
        page_rows.append(CaseloadRow(referral, row[7], names.get(referral.customer_id, ""), row[8], row[9],
                                     next_review_on, bool(row[11]), overdue))
    return CaseloadPage(rows=page_rows, total=total, page=page, page_size=page_size)


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
    """The advisers and managers of the user's organisation, as (id, name) rows, by name."""
    if not user.role.is_provider:
        return []
    return db.session.execute(
        select(User.id, User.name).where(User.organisation_id == user.organisation_id, User.role.in_(["adviser", "manager"]))
        .order_by(User.name)
    ).all()
