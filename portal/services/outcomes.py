"""Job outcomes, derived from the job and in-work hours records and never typed (R-OUT-1).

`derived_events_query` derives every outcome event in one set-based statement (no loop per referral),
on SQLite and PostgreSQL alike. Deriving them over the whole portal walks every week worked, too slow
for an MI page (docs/benchmarks.md), so each write to a job or its weeks calls `refresh` for its
referral in the same transaction, and `outcome_events_query` reads the stored rows (`job_outcome`).
The definitions:

- job_start: a job's start date.
- sustained_13 / sustained_26: a job has 13 (26) weeks with hours worked recorded (more than 0) in one
  run, where a run allows gaps (weeks with no hours or none recorded: holiday, sickness) of at most
  MAX_GAP_WEEKS weeks in a row; a longer gap starts the count again. Only the job's weeks up to its end
  count. The event is dated the Monday of the 13th (26th) worked week. A change of job starts a new count.
- progression (Work Choice, IFS 19-20): a job that started as supported work moves to unsupported
  work (dated the move), or a job starts as unsupported work when the customer's previous job in the
  same referral was still supported work when it ended or when this one started (dated the start).
- sep_reached (R-HRS-6): an employer with 25 or fewer staff when the job started, and 16 hours or more
  in each of 12 continuous weeks (no gap allowed); dated the Monday of the twelfth week, as on the
  weekly hours page (`hours_rules.small_employer_payment` is the same rule for one job).
"""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, String, case, delete, func, insert, literal, or_, select, type_coerce, union_all
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import Integer

from portal import locks
from portal.extensions import db
from portal.models import InWorkJob, InWorkWeek, JobOutcome, Referral
from portal.services import hours_rules

KINDS = {
    "job_start": "Started a job",
    "sustained_13": "In work for 13 weeks",
    "sustained_26": "In work for 26 weeks",
    "progression": "Moved from supported to unsupported work",
    "sep_reached": "Small Employer Payment reached (12 weeks at 16 hours or more)",
}
SUSTAINED = {"sustained_13": 13, "sustained_26": 26}
MAX_GAP_WEEKS = 2  # a fortnight off (holiday, sickness) does not break a run; three weeks does


class week_number(FunctionElement):
    """Whole weeks from a fixed Monday to a Monday, so that consecutive weeks differ by 1 on both databases."""

    type = Integer()
    name = "week_number"
    inherit_cache = True


@compiles(week_number)
def _week_number_postgresql(element, compiler, **kw):
    (day,) = list(element.clauses)
    return f"(({compiler.process(day, **kw)} - DATE '2000-01-03') / 7)"


@compiles(week_number, "sqlite")
def _week_number_sqlite(element, compiler, **kw):
    (day,) = list(element.clauses)
    return f"(CAST(julianday({compiler.process(day, **kw)}) - julianday('2000-01-03') AS INTEGER) / 7)"


def _event(referral_id, job_id, kind, occurred_on):
    return select(referral_id.label("referral_id"), job_id.label("job_id"),
                  type_coerce(literal(kind), String(20)).label("kind"),
                  type_coerce(occurred_on, Date()).label("occurred_on"))


def _worked_weeks(referral_ids, at_least_quarters):
    """Weeks of a job (up to its end) with at least this many quarter hours worked."""
    week = week_number(InWorkWeek.week_start)
    return (select(InWorkJob.referral_id, InWorkWeek.job_id, InWorkWeek.week_start, week.label("week"),
                   InWorkJob.employer_staff)
            .join(InWorkJob, InWorkJob.id == InWorkWeek.job_id)
            .where(InWorkWeek.quarters >= at_least_quarters,
                   or_(InWorkJob.ended_on.is_(None), InWorkWeek.week_start <= InWorkJob.ended_on),
                   *_only(InWorkJob.referral_id, referral_ids)))


def _nth_week_of_a_run(weeks, max_gap_weeks):
    """Each worked week numbered within its run (gaps-and-islands with window functions)."""
    previous = func.lag(weeks.c.week).over(partition_by=weeks.c.job_id, order_by=weeks.c.week)
    marked = select(weeks, case((or_(previous.is_(None), weeks.c.week - previous > max_gap_weeks + 1), 1),
                                else_=0).label("new_run")).subquery()
    run = func.sum(marked.c.new_run).over(partition_by=marked.c.job_id, order_by=marked.c.week)
    runs = select(marked, run.label("run")).subquery()
    n = func.row_number().over(partition_by=(runs.c.job_id, runs.c.run), order_by=runs.c.week)
    return select(runs, n.label("n")).subquery()


def _reached(numbered, weeks_by_kind):
    """The first week in which a run of the job reached each number of weeks (one scan for every kind)."""
    kind = case(*[(numbered.c.n == weeks, kind) for kind, weeks in weeks_by_kind.items()])
    return (select(numbered.c.referral_id, numbered.c.job_id, type_coerce(kind, String(20)).label("kind"),
                   type_coerce(func.min(numbered.c.week_start), Date()).label("occurred_on"))
            .where(numbered.c.n.in_(list(weeks_by_kind.values())))
            .group_by(numbered.c.referral_id, numbered.c.job_id, numbered.c.n))


def _only(column, referral_ids):
    return () if referral_ids is None else (column.in_(list(referral_ids)),)


def _progressions(referral_ids):
    within_job = (_event(InWorkJob.referral_id, InWorkJob.id, "progression", InWorkJob.unsupported_from)
                  .where(InWorkJob.supported.is_(True), InWorkJob.unsupported_from.is_not(None),
                         *_only(InWorkJob.referral_id, referral_ids)))
    # The previous job (by start) of the same referral, still supported work when this one started.
    ordered = (select(InWorkJob.referral_id, InWorkJob.id.label("job_id"), InWorkJob.started_on, InWorkJob.supported,
                      func.lag(InWorkJob.supported).over(partition_by=InWorkJob.referral_id,
                                                         order_by=(InWorkJob.started_on, InWorkJob.id))
                      .label("previous_supported"),
                      func.lag(InWorkJob.unsupported_from).over(partition_by=InWorkJob.referral_id,
                                                                order_by=(InWorkJob.started_on, InWorkJob.id))
                      .label("previous_unsupported_from"))
               .where(*_only(InWorkJob.referral_id, referral_ids)).subquery())
    to_new_job = (_event(ordered.c.referral_id, ordered.c.job_id, "progression", ordered.c.started_on)
                  .where(ordered.c.supported.is_(False), ordered.c.previous_supported.is_(True),
                         or_(ordered.c.previous_unsupported_from.is_(None),
                             ordered.c.previous_unsupported_from > ordered.c.started_on)))
    return [within_job, to_new_job]


def derived_events_query(referral_ids=None):
    """The events as the records stand now, for these referrals (all when None)."""
    starts = _event(InWorkJob.referral_id, InWorkJob.id, "job_start", InWorkJob.started_on).where(
        *_only(InWorkJob.referral_id, referral_ids))
    in_work = _nth_week_of_a_run(_worked_weeks(referral_ids, 1).subquery(), MAX_GAP_WEEKS)
    sep_weeks = _worked_weeks(referral_ids, hours_rules.SEP_WEEKLY_QUARTERS).where(
        InWorkJob.employer_staff <= hours_rules.SEP_MAX_STAFF)
    sep = _reached(_nth_week_of_a_run(sep_weeks.subquery(), 0), {"sep_reached": hours_rules.SEP_WEEKS})
    events = union_all(starts, _reached(in_work, SUSTAINED), *_progressions(referral_ids), sep).subquery("outcome_event")
    return select(events.c.referral_id, events.c.job_id, events.c.kind, events.c.occurred_on)


def outcome_events_query():
    """Every outcome event of every referral: columns referral_id, job_id, kind, occurred_on (a date).
    One statement whatever the number of referrals; select from it, filter it or group it."""
    return select(JobOutcome.referral_id, JobOutcome.job_id, JobOutcome.kind, JobOutcome.occurred_on)


def refresh(referral_ids):
    """Derive again the stored events of these referrals (after a job or a week worked changed): two
    set-based statements, whatever the number of referrals."""
    referral_ids = sorted(set(referral_ids))
    if not referral_ids:
        return
    db.session.flush()
    locks.lock_rows(Referral, referral_ids)  # two writers for one referral queue here, so neither inserts twice
    db.session.execute(delete(JobOutcome).where(JobOutcome.referral_id.in_(referral_ids)))
    derived = derived_events_query(referral_ids).subquery()
    db.session.execute(insert(JobOutcome).from_select(
        ["referral_id", "job_id", "kind", "occurred_on"],
        select(derived.c.referral_id, derived.c.job_id, derived.c.kind, derived.c.occurred_on)))


@dataclass(frozen=True)
class OutcomeEvent:
    referral_id: int
    job_id: int
    kind: str
    occurred_on: date

    @property
    def label(self):
        return KINDS[self.kind]


_ORDER = {kind: n for n, kind in enumerate(KINDS)}


def events_for_referrals(referral_ids):
    """{referral id: [events by date]} for a few referrals (a customer page), in one statement."""
    found = {referral_id: [] for referral_id in referral_ids}
    if not found:
        return found
    rows = db.session.execute(outcome_events_query().where(JobOutcome.referral_id.in_(list(found)))).all()
    return events_by_referral(found, rows)


def events_by_referral(referral_ids, rows):
    """{referral id: [events by date]} from (referral_id, job_id, kind, occurred_on) rows."""
    found = {referral_id: [] for referral_id in referral_ids}
    for referral_id, job_id, kind, occurred_on in sorted(
            rows, key=lambda r: (_as_date(r[3]), _ORDER[r[2]], r[1])):
        found[referral_id].append(OutcomeEvent(referral_id, job_id, kind, _as_date(occurred_on)))
    return found


def events_for_referral(referral_id):
    """The referral's outcome events, each with .kind, .label, .occurred_on and .job_id, ordered by date."""
    return events_for_referrals([referral_id])[referral_id]


def _as_date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value
