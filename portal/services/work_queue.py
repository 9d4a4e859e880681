"""The adviser's work queue (R-REM-1): what needs them now and what is coming up.

Each kind of item is a rule object in `RULES` (data, not branches): its DOMAIN reference, the guidance
paragraph behind it, where it shows and one set-based query over the whole caseload. A page costs one
query per rule whatever the caseload's size, plus one for the names.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import and_, exists, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Date

from portal.extensions import db
from portal.models import (
    Activity, Customer, CustomerCopy, HoursEntry, Plan, PlanVersion, Programme, QualityCheck, Referral, ReferralStatus,
    SigningLink, StrandStart, VersionStatus,
)
from portal.models.plan import AGREED_STATUSES
from portal.scope import referral_scope
from portal.services import hours_rules

NOW, COMING_UP = "now", "coming_up"
SECTIONS = ((NOW, "Needs doing now"), (COMING_UP, "Coming up"))
REVIEW_WINDOW_DAYS = 14           # SES 4.12 via R-REM-1: reviews due within 14 days
END_NOTICE_DAYS = 28              # programme ends within four weeks
JOB_SEARCH_WINDOW_DAYS = 28       # SES 4.21: job-search support in the last four weeks
TRANSITIONAL_WARNING_WEEKS = 13   # R-WC-1: three months before the transitional strand's two years
# SES 4.21 "help and support in finding and securing employment": the activities that count as job search.
JOB_SEARCH_ACTIVITIES = (Activity.JOB_SEARCH, Activity.CV_AND_APPLICATIONS, Activity.INTERVIEW_SKILLS)


class days_after(FunctionElement):
    """date + a whole number of days, where the number is a column (PostgreSQL and SQLite differ)."""

    type = Date()
    name = "days_after"
    inherit_cache = True


@compiles(days_after)
def _days_after_postgresql(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} + ({compiler.process(days, **kw)}))"


@compiles(days_after, "sqlite")
def _days_after_sqlite(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, ({compiler.process(days, **kw)}) || ' days')"


@dataclass(frozen=True)
class Context:
    today: date
    now: datetime


@dataclass(frozen=True)
class QueueRule:
    key: str
    title: str                 # plural heading, as the adviser reads it
    section: str
    source: str                # the guidance paragraph(s) behind it
    query: Callable            # (select, Context) -> select with two more columns: due, detail
    describe: Callable         # (due, detail, Context) -> words for one customer
    caseload_flag: str = ""    # the caseload filter that lists the same customers, if there is one
    domain: str = "R-REM-1"


def _plan_of_referral():
    return and_(Plan.customer_id == Referral.customer_id, Plan.programme_id == Referral.programme_id)


def _reviews(after, until):
    def query(base, ctx):
        return (base.join(Plan, _plan_of_referral())
                .where(Plan.next_review_on.is_not(None), Plan.next_review_on > after(ctx),
                       Plan.next_review_on <= until(ctx))
                .add_columns(Plan.next_review_on, literal(None)))
    return query


def _awaiting_signatures(base, ctx):
    newest_link = (select(func.max(SigningLink.id)).where(SigningLink.version_id == PlanVersion.id)
                   .correlate(PlanVersion).scalar_subquery())
    return (base.join(Plan, _plan_of_referral())
            .join(PlanVersion, and_(PlanVersion.plan_id == Plan.id,
                                    PlanVersion.status == VersionStatus.AWAITING_SIGNATURES))
            .outerjoin(SigningLink, SigningLink.id == newest_link)
            .add_columns(SigningLink.expires_at,
                         func.coalesce(SigningLink.created_at, PlanVersion.sent_for_signature_at),
                         SigningLink.opened_at, SigningLink.used_at, SigningLink.id))


def _no_agreed_plan(base, ctx):
    due = days_after(Referral.started_on, Programme.plan_due_weeks * 7)
    agreed = exists().where(_plan_of_referral(), PlanVersion.plan_id == Plan.id, PlanVersion.status.in_(AGREED_STATUSES))
    return (base.where(Programme.plan_due_weeks.is_not(None), Referral.started_on.is_not(None), due < ctx.today, ~agreed)
            .add_columns(due, literal(None)))


def _copy_not_given(base, ctx):
    return (base.join(Plan, _plan_of_referral())
            .join(PlanVersion, and_(PlanVersion.plan_id == Plan.id, PlanVersion.status == VersionStatus.AGREED))
            .where(~exists().where(CustomerCopy.version_id == PlanVersion.id))
            .add_columns(PlanVersion.agreed_at, literal(None)))


def _programme_ending(base, ctx):
    # The length comes from rows: programme.duration_weeks (SES 52, J2E 12). Work Choice's transitional
    # strand is counted from the strand's own start (R-WC-1): see _transitional_ending.
    ends = days_after(Referral.started_on, Programme.duration_weeks * 7)
    return (base.where(Referral.started_on.is_not(None), Programme.duration_weeks.is_not(None),
                       ends <= ctx.today + timedelta(days=END_NOTICE_DAYS))
            .add_columns(ends, literal(None)))


def _current_strand():
    """StrandStart rows that are their plan's newest (the strand the customer is on now)."""
    newer = aliased(StrandStart, name="newer_strand")
    return ~exists().where(newer.plan_id == StrandStart.plan_id, newer.started_on > StrandStart.started_on)


def _transitional_ending(base, ctx):
    # R-WC-1 / IFS 19-20: two years (programme.transitional_weeks) from the transitional strand's start,
    # shown from three months before.
    ends = days_after(StrandStart.started_on, Programme.transitional_weeks * 7)
    return (base.join(Plan, _plan_of_referral())
            .join(StrandStart, and_(StrandStart.plan_id == Plan.id, StrandStart.strand == "transitional", _current_strand()))
            .where(Programme.transitional_weeks.is_not(None),
                   ends <= ctx.today + timedelta(weeks=TRANSITIONAL_WARNING_WEEKS))
            .add_columns(ends, literal(None)))


def _quality_check_due(base, ctx):
    # R-WC-1 / IFS 26: longer-term support is checked every programme.quality_check_weeks from the strand's
    # start or the last check since, whichever is later.
    last = (select(func.max(QualityCheck.checked_on))
            .where(QualityCheck.plan_id == Plan.id, QualityCheck.checked_on >= StrandStart.started_on)
            .correlate(Plan, StrandStart).scalar_subquery())
    due = days_after(func.coalesce(last, StrandStart.started_on), Programme.quality_check_weeks * 7)
    return (base.join(Plan, _plan_of_referral())
            .join(StrandStart, and_(StrandStart.plan_id == Plan.id, StrandStart.strand == "longer_term", _current_strand()))
            .where(Programme.quality_check_weeks.is_not(None), due <= ctx.today + timedelta(days=REVIEW_WINDOW_DAYS))
            .add_columns(due, literal(None)))


def _last_week(ctx):
    return hours_rules.week_start(ctx.today) - timedelta(days=7)


def _weeks_without_hours(base, ctx):
    # R-HRS-1: on the programme for the whole of last week (Monday to Sunday) and nothing recorded in it.
    monday = _last_week(ctx)
    return (base.where(Referral.started_on <= monday, (Referral.ended_on.is_(None)) | (Referral.ended_on > monday + timedelta(days=6)),
                       ~exists().where(HoursEntry.referral_id == Referral.id, HoursEntry.week_start == monday,
                                       HoursEntry.removed_at.is_(None)))
            .add_columns(literal(monday, Date()), literal(None)))


def _no_job_search(base, ctx):
    since = ctx.today - timedelta(days=JOB_SEARCH_WINDOW_DAYS)
    job_search = and_(HoursEntry.referral_id == Referral.id, HoursEntry.activity.in_(JOB_SEARCH_ACTIVITIES),
                      HoursEntry.removed_at.is_(None))
    last = select(func.max(HoursEntry.on)).where(job_search).correlate(Referral).scalar_subquery()
    return (base.where(Referral.started_on <= since, ~exists().where(job_search, HoursEntry.on > since))
            .add_columns(last, literal(None)))


def _on(day):
    return f"{day.day} {day:%B %Y}" if day else ""


def _date_of(value):
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo("Europe/London")).date()
    if isinstance(value, str):  # SQLite gives a computed date back as text
        return date.fromisoformat(value)
    return value


def _review_words(due, _detail, ctx):
    due = _date_of(due)
    if due < ctx.today:
        return f"Review overdue since {_on(due)}"
    return "Review due today" if due == ctx.today else f"Review due on {_on(due)}"


def signing_state(expires_at, sent_at, opened_at, used_at, link_id, now):
    """(state, words) of a version awaiting signatures, from its newest signing link."""
    if link_id is None:
        return "in_person", f"Sent for signature on {_on(_date_of(sent_at))}; no link sent (signing in person)"
    if used_at is not None:
        return "signed", f"Signed by link on {_on(_date_of(used_at))}; waiting for the other signatures"
    if _aware(expires_at) <= now:
        return "expired", f"Link expired on {_on(_date_of(expires_at))}; send a new one"
    opened = f", opened {_on(_date_of(opened_at))}" if opened_at else ", not opened yet"
    return ("opened" if opened_at else "sent"), f"Link sent {_on(_date_of(sent_at))}{opened}; expires {_on(_date_of(expires_at))}"


def _aware(value):
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _signature_words(due, detail, ctx):
    return signing_state(due, *detail, ctx.now)[1]


RULES = (
    QueueRule("review_overdue", "Reviews overdue or due today", NOW, "SES 4.12",
              _reviews(lambda ctx: date.min, lambda ctx: ctx.today), _review_words, caseload_flag="review_overdue"),
    QueueRule("awaiting_signatures", "Plans awaiting signatures", NOW, "SES 4.07", _awaiting_signatures,
              _signature_words, caseload_flag="awaiting_signatures"),
    QueueRule("no_agreed_plan", "Started with no agreed plan", NOW, "SES 4.05", _no_agreed_plan,
              lambda due, _d, ctx: f"A plan should have been agreed by {_on(_date_of(due))}"),
    QueueRule("copy_not_given", "Copies of the agreed plan not given", NOW, "SES 4.07", _copy_not_given,
              lambda due, _d, ctx: f"Plan agreed on {_on(_date_of(due))}; no copy recorded"),
    QueueRule("hours_missing", "No hours recorded last week", NOW, "SES 4.16 (R-HRS-1)", _weeks_without_hours,
              lambda due, _d, ctx: f"Nothing recorded in the week from {_on(_date_of(due))}", caseload_flag="hours_missing"),
    QueueRule("no_job_search", "No job-search support in the last 4 weeks", NOW, "SES 4.21", _no_job_search,
              lambda due, _d, ctx: f"Last job-search activity on {_on(_date_of(due))}" if due else "No job-search activity recorded yet"),
    QueueRule("review_due", "Reviews due in the next 14 days", COMING_UP, "SES 4.12",
              _reviews(lambda ctx: ctx.today, lambda ctx: ctx.today + timedelta(days=REVIEW_WINDOW_DAYS)), _review_words),
    QueueRule("programme_ending", "Programme ends in the next 4 weeks", COMING_UP, "SES 4.04; IFS 19",
              _programme_ending,
              lambda due, _d, ctx: (f"Programme ended on {_on(_date_of(due))}" if _date_of(due) < ctx.today
                                    else f"Programme ends on {_on(_date_of(due))}")),
    QueueRule("transitional_ending", "Transitional support reaches two years within three months", COMING_UP,
              "IFS 19-21 (R-WC-1)", _transitional_ending,
              lambda due, _d, ctx: (f"Transitional support reached two years on {_on(_date_of(due))}"
                                    if _date_of(due) < ctx.today
                                    else f"Transitional support reaches two years on {_on(_date_of(due))}")),
    QueueRule("quality_check_due", "Quality checks of longer-term support due", NOW, "IFS 26 (R-WC-1)",
              _quality_check_due,
              lambda due, _d, ctx: (f"Quality check overdue since {_on(_date_of(due))}" if _date_of(due) < ctx.today
                                    else f"Quality check due on {_on(_date_of(due))}")),
)
RULES_BY_KEY = {rule.key: rule for rule in RULES}


@dataclass
class QueueItem:
    rule: QueueRule
    referral_id: int
    customer_id: int
    adviser_id: int | None
    reference: str
    programme: str
    due: object
    words: str
    name: str = ""


def context(now=None):
    now = now or datetime.now(timezone.utc)
    return Context(today=now.astimezone(ZoneInfo("Europe/London")).date(), now=now)


def queue_items(user, *, adviser_id=None, everyone=False, now=None):
    """Every queue item for the started customers in `user`'s scope: only `adviser_id`'s (default: the
    user's own) unless `everyone` (a manager's view of the whole organisation, by adviser)."""
    ctx = context(now)
    base = (select(Referral.id, Referral.customer_id, Referral.adviser_id, Customer.reference, Programme.name)
            .join(Customer, Customer.id == Referral.customer_id)
            .join(Programme, Programme.id == Referral.programme_id)
            .where(referral_scope(user), Referral.status == ReferralStatus.STARTED))
    # A sub-contractor's staff are never the adviser of record (the prime's staff are): their queue is every
    # customer the prime assigned to their organisation (R-DATA-6 is referral_scope's).
    if not everyone and not user.is_subcontractor_staff:
        base = base.where(Referral.adviser_id == (adviser_id or user.id))
    items = []
    for rule in RULES:
        for referral_id, customer_id, adviser, reference, programme, due, *detail in db.session.execute(rule.query(base, ctx)):
            items.append(QueueItem(rule, referral_id, customer_id, adviser, reference, programme, due,
                                   rule.describe(due, detail if len(detail) > 1 else detail[0], ctx)))
    return items


def by_rule(items):
    """[(rule, [items])] for every rule, in RULES order (empty lists included, so counts of 0 show)."""
    grouped = {rule.key: [] for rule in RULES}
    for item in items:
        grouped[item.rule.key].append(item)
    return [(rule, grouped[rule.key]) for rule in RULES]


def counts(items):
    return {rule.key: len(rows) for rule, rows in by_rule(items)}


def reassign(referral, adviser, *, by):
    """A manager gives a customer to another adviser of the same organisation (from the queue)."""
    from portal import audit

    if adviser is None or adviser.organisation_id != by.organisation_id:
        raise ValueError("Choose an adviser of your organisation")
    referral.adviser_id = adviser.id
    audit.record("referral.adviser_assigned", customer_id=referral.customer_id, subject_type="referral",
                 subject_id=referral.id, actor=by, detail={"adviser_id": adviser.id, "through": "work_queue"})
    db.session.commit()
