"""The caseload query: one page of referrals in the user's scope, with a fixed number of queries."""
from dataclasses import dataclass

from sqlalchemy import func, select

from portal import data_access
from portal.extensions import db
from portal.models import Customer, Programme, Referral, ReferralStatus, User
from portal.scope import referral_scope


@dataclass
class CaseloadFilters:
    search: str = ""
    programme: str = ""
    status: str = ""
    adviser_id: int | None = None
    page: int = 1


@dataclass
class CaseloadRow:
    referral: Referral
    customer_reference: str
    name: str
    programme_name: str
    adviser_name: str | None


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
    query = select(Referral).join(Customer, Customer.id == Referral.customer_id).where(referral_scope(user))
    term = filters.search.strip()
    if term:
        query = query.where((Customer.reference == term.upper()) | data_access.name_search_condition(term))
    if filters.programme:
        query = query.where(Referral.programme_id == select(Programme.id).where(Programme.code == filters.programme).scalar_subquery())
    if filters.status in ReferralStatus.__members__.values():
        query = query.where(Referral.status == ReferralStatus(filters.status))
    if filters.adviser_id:
        query = query.where(Referral.adviser_id == filters.adviser_id)
    return query


def caseload_page(user, filters, page_size):
    query = _query(user, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, min(filters.page, max(1, -(-total // page_size))))
    rows = db.session.execute(
        query.add_columns(Customer.reference, Programme.name, User.name)
        .join(Programme, Programme.id == Referral.programme_id)
        .outerjoin(User, User.id == Referral.adviser_id)
        .order_by(Referral.referred_at.desc(), Referral.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    names = data_access.visible_names(user, [referral.customer_id for referral, *_ in rows])
    return CaseloadPage(
        rows=[CaseloadRow(referral, reference, names.get(referral.customer_id, ""), programme_name, adviser_name)
              for referral, reference, programme_name, adviser_name in rows],
        total=total, page=page, page_size=page_size,
    )


def caseload_rows(user, filters, limit):
    """Every referral matching the filters (for exports), newest first, with its customer."""
    rows = db.session.execute(
        _query(user, filters).add_columns(Customer, Customer.reference, Programme.name, User.name)
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
