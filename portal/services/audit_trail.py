"""The audit trail an inspector reads for an inspection's provider (issue 13).

Read-only: the trail is written only by portal.audit. Events carry ids; what is shown is the customer's
reference, the user's name and organisation, and a readable name for each action, never DWP-held data.
Page views of lists are grouped per user, action and day: one row says "listed 14 times" rather than 14.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import String, and_, cast, exists, func, literal, null, or_, select, union_all

from portal.extensions import db
from portal.models import AuditEvent, AuditEventCustomer, Customer, Organisation, Referral, User
from portal.template_helpers import UK

# Action code → plain words. A code not listed is shown by `action_name`'s fallback.
ACTION_NAMES = {
    "access.forbidden": "Page refused (no permission)",
    "access.out_of_scope": "Record outside their scope refused",
    "account.created": "Account created",
    "account.enabled": "Account enabled or disabled",
    "account.invited": "User invited",
    "account.password_changed": "Password changed",
    "account.password_reset": "Password reset",
    "account.password_reset_requested": "Password reset asked for",
    "account.reminders_changed": "Reminder settings changed",
    "account.totp_enrolled": "Authenticator app set up",
    "account.totp_secrets_reencrypted": "Authenticator secrets re-encrypted",
    "api_client.created": "API client created",
    "api_token.issued": "API token issued",
    "api_token.revoked": "API token revoked",
    "caseload.exported": "Caseload downloaded",
    "caseload.listed": "Caseload viewed",
    "cohort.created": "Job club created",
    "cohort.group_session": "Group session recorded",
    "consent.recorded": "Consent recorded",
    "consent.withdrawn": "Consent withdrawn",
    "customer.subject_access_exported": "Subject access export made",
    "customer.viewed": "Customer record viewed",
    "document.downloaded": "Document downloaded",
    "document.sealed": "Document sealed",
    "finding.answered": "Finding answered",
    "finding.accepted": "Finding accepted",
    "finding.open": "Finding recorded",
    "finding.reopened": "Finding reopened",
    "hours.changed": "Hours changed",
    "hours.esa_checked": "ESA hours limit checked",
    "hours.exported": "Hours downloaded",
    "hours.recorded": "Hours recorded",
    "hours.removed": "Hours removed",
    "in_work.agreed": "In-work support agreement agreed",
    "in_work.agreement_saved": "In-work support agreement saved",
    "in_work.agreement_started": "In-work support agreement started",
    "in_work.check_recorded": "In-work check recorded",
    "in_work.document_made": "In-work support agreement document made",
    "in_work.employer_code_checked": "Employer's signing code accepted",
    "in_work.employer_code_failed": "Employer's signing code refused",
    "in_work.employer_code_sent": "Employer's signing code sent",
    "in_work.employer_link_opened": "Employer's signing link opened",
    "in_work.employer_link_sent": "Employer's signing link sent",
    "in_work.job_changed": "Job changed",
    "in_work.job_ended": "Job ended",
    "in_work.job_recorded": "Job recorded",
    "in_work.minimum_wage_checked": "Minimum wage checked against the date of birth",
    "in_work.sent_for_signature": "In-work support agreement sent for signature",
    "in_work.signed": "In-work support agreement signed",
    "in_work.taper_added": "In-work support step added",
    "in_work.taper_removed": "In-work support step removed",
    "in_work.week_recorded": "In-work week recorded",
    "inspection.audit_exported": "Audit trail downloaded",
    "inspection.audit_viewed": "Audit trail viewed",
    "inspection.checklist_viewed": "Inspection checklist viewed",
    "inspection.closed": "Inspection closed",
    "inspection.customers_listed": "Inspection customer list viewed",
    "inspection.opened": "Inspection opened",
    "inspection.overview_viewed": "Inspection overview viewed",
    "inspection.sample_added": "Customer added to the sample",
    "inspection.sample_drawn": "Sample drawn",
    "inspection.sample_viewed": "Inspection sample viewed",
    "inspection_pack.built": "Inspection pack built",
    "inspection_pack.downloaded": "Inspection pack downloaded",
    "inspection_pack.requested": "Inspection pack asked for",
    "organisation.created": "Organisation created",
    "plan.agreed": "Plan agreed",
    "plan.copy_given": "Plan copy given",
    "plan.distance_assessed": "Distance travelled assessed",
    "plan.returned_to_draft": "Plan returned to draft",
    "plan.reviewed": "Plan reviewed",
    "plan.revised": "Plan revised",
    "plan.section_saved": "Plan section saved",
    "plan.sent_for_signature": "Plan sent for signature",
    "plan.signed": "Plan signed",
    "plan.signing_check_failed": "Signing check failed",
    "plan.signing_link_sent": "Signing link sent",
    "plan.started": "Plan started",
    "referral.adviser_assigned": "Adviser assigned",
    "referral.circumstances_changed": "Change of circumstances recorded",
    "referral.created": "Referral received",
    "referral.eligibility_confirmed": "Eligibility confirmed",
    "referral.subcontractor_assigned": "Sub-contractor assigned",
    "referrals.listed": "Referrals list viewed",
    "sign_in.failed": "Sign-in failed",
    "sign_in.succeeded": "Signed in",
}

# Page views of lists: shown one row per user, action and day.
LIST_ACTIONS = frozenset({"caseload.listed", "referrals.listed", "inspection.customers_listed",
                          "inspection.sample_viewed"})


def action_name(code):
    if code in ACTION_NAMES:
        return ACTION_NAMES[code]
    words = code.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]


class FilterError(ValueError):
    pass


@dataclass
class Filters:
    reference: str = ""
    user_id: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    @classmethod
    def from_args(cls, args):
        """Raises FilterError on a malformed value (the view answers 400)."""
        def day(name):
            text = (args.get(name) or "").strip()
            try:
                return date.fromisoformat(text) if text else None
            except ValueError:
                raise FilterError(f"{name} is not a date like 2026-12-03") from None

        user = (args.get("user") or "").strip()
        if user and not user.isdigit():
            raise FilterError("user is not a user id")
        return cls(reference=(args.get("customer") or "").strip().upper(), user_id=int(user) if user else None,
                   action=(args.get("action") or "").strip(), date_from=day("from"), date_to=day("to"))

    def as_dict(self):
        return {"customer": self.reference, "user": self.user_id, "action": self.action,
                "from": self.date_from.isoformat() if self.date_from else None,
                "to": self.date_to.isoformat() if self.date_to else None}


@dataclass
class Row:
    occurred_at: datetime
    day: date
    action: str
    action_name: str
    user: str
    organisation: str
    reference: str | None
    about: str
    count: int  # 1, or the page views a grouped row stands for

    @property
    def grouped(self):
        return self.action in LIST_ACTIONS


def _organisations(inspection):
    """The provider and its sub-contractors."""
    return select(Organisation.id).where(or_(Organisation.id == inspection.organisation_id,
                                             Organisation.prime_id == inspection.organisation_id))


def _customers_in_scope(inspection):
    # As scope.referral_scope for an inspector: what the provider holds or its sub-contractor delivers.
    provider = inspection.organisation_id
    return select(Referral.customer_id).where(or_(Referral.organisation_id == provider,
                                                  Referral.subcontractor_id == provider))


def _scope(inspection):
    customers = _customers_in_scope(inspection)
    return or_(
        AuditEvent.actor_organisation_id.in_(_organisations(inspection)),
        AuditEvent.customer_id.in_(customers),
        exists().where(AuditEventCustomer.event_id == AuditEvent.id, AuditEventCustomer.customer_id.in_(customers)),
    )


def _conditions(inspection, filters):
    conditions = [_scope(inspection)]
    if filters.reference:
        customer_id = db.session.scalar(select(Customer.id).where(Customer.reference == filters.reference))
        if customer_id is None:
            conditions.append(literal(False))
        else:
            conditions.append(or_(AuditEvent.customer_id == customer_id, exists().where(
                AuditEventCustomer.event_id == AuditEvent.id, AuditEventCustomer.customer_id == customer_id)))
    if filters.user_id is not None:
        conditions.append(AuditEvent.actor_id == filters.user_id)
    if filters.action:
        conditions.append(AuditEvent.action == filters.action)
    if filters.date_from:
        conditions.append(AuditEvent.occurred_at >= datetime.combine(filters.date_from, time(), UK))
    if filters.date_to:
        conditions.append(AuditEvent.occurred_at < datetime.combine(filters.date_to + timedelta(days=1), time(), UK))
    return and_(*conditions)


def _rows_select(inspection, filters):
    where = _conditions(inspection, filters)
    day = cast(func.date(AuditEvent.occurred_at), String)
    single = select(AuditEvent.occurred_at.label("occurred_at"), day.label("day"), AuditEvent.action.label("action"),
                    AuditEvent.actor_id.label("actor_id"), AuditEvent.actor_email.label("actor_email"),
                    AuditEvent.customer_id.label("customer_id"), AuditEvent.subject_type.label("subject_type"),
                    AuditEvent.subject_id.label("subject_id"), literal(1).label("count"),
                    AuditEvent.id.label("sort_id")).where(where, AuditEvent.action.not_in(LIST_ACTIONS))
    grouped = (select(func.max(AuditEvent.occurred_at), day, AuditEvent.action, AuditEvent.actor_id,
                      func.max(AuditEvent.actor_email), null(), null(), null(), func.count(AuditEvent.id),
                      func.max(AuditEvent.id))
               .where(where, AuditEvent.action.in_(LIST_ACTIONS))
               .group_by(day, AuditEvent.action, AuditEvent.actor_id))
    return union_all(single, grouped).subquery()


def count(inspection, filters):
    rows = _rows_select(inspection, filters)
    return db.session.scalar(select(func.count()).select_from(rows))


def rows(inspection, filters, *, offset=0, limit=None):
    """The trail's rows, newest first, with grouped list views; `limit` None gives every row (the CSV)."""
    subquery = _rows_select(inspection, filters)
    query = select(subquery).order_by(subquery.c.sort_id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    found = db.session.execute(query).all()
    users = _users({r.actor_id for r in found if r.actor_id})
    references = _references({r.customer_id for r in found if r.customer_id})
    out = []
    for r in found:
        name, organisation = users.get(r.actor_id, (r.actor_email or "The portal", ""))
        reference = references.get(r.customer_id)
        out.append(Row(occurred_at=r.occurred_at, day=date.fromisoformat(str(r.day)[:10]), action=r.action,
                       action_name=action_name(r.action), user=name, organisation=organisation, reference=reference,
                       about=_about(r, reference), count=r.count))
    return out


def _about(row, reference):
    if row.action in LIST_ACTIONS:
        return f"{row.count} page view{'s' if row.count != 1 else ''} that day"
    if reference:
        return f"Customer {reference}"
    if row.subject_type:
        return f"{row.subject_type.replace('_', ' ').capitalize()} {row.subject_id or ''}".strip()
    return ""


def _users(ids):
    if not ids:
        return {}
    found = db.session.execute(select(User.id, User.name, Organisation.name)
                               .outerjoin(Organisation, Organisation.id == User.organisation_id)
                               .where(User.id.in_(ids))).all()
    return {uid: (name, organisation or "Department for Work and Pensions") for uid, name, organisation in found}


def _references(ids):
    if not ids:
        return {}
    return dict(db.session.execute(select(Customer.id, Customer.reference).where(Customer.id.in_(ids))).all())


def users_to_filter(inspection):
    """The provider's and its sub-contractors' users, for the filter's choices."""
    return db.session.execute(select(User.id, User.name, Organisation.name)
                              .join(Organisation, Organisation.id == User.organisation_id)
                              .where(User.organisation_id.in_(_organisations(inspection)))
                              .order_by(Organisation.name, User.name)).all()
