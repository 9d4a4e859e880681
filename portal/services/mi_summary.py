"""The MI summaries (R-MI-1): hours of participation and customers on programme per period, rebuilt by
a job (`flask --app portal mi-refresh`, or the worker's timer) in a few set-based statements.

Measured on the 100,000-customer data set, the same figures read live from ten million hours rows take
seconds (docs/benchmarks.md); from here they take milliseconds. Each row belongs to one referral's
provider, sub-contractor, programme and adviser, so the rows add up under any filter.
"""
import logging
import time
from datetime import date

from sqlalchemy import String, and_, case, delete, func, insert, literal, or_, select, text, true, union_all

from portal.extensions import db
from portal.models import HoursEntry, MiPeriodCount, MiPeriodSummary, MiRefresh, Referral, Source
from portal.models.base import utcnow
from portal.services import mi

log = logging.getLogger(__name__)
REFRESH_LOCK = 14_0016  # the advisory lock one refresh holds (issue 14, migration 0016)
GROUP = ("organisation_id", "subcontractor_id", "programme_id", "adviser_id")
SUMMARY_COLUMNS = ("grain", "period", *GROUP, "on_programme", "participants",
                   *(f"quarters_{s.value}" for s in Source))


def _periods_from(first, last, grain):
    out, start = [], mi.period_start(first, grain)
    while start <= last:
        following = mi.next_period(start, grain)
        out.append((start, date.fromordinal(following.toordinal() - 1)))
        start = following
    return out


def refresh(today=None):
    """Rebuild every summary row in one transaction (readers see the old rows until it commits).

    Returns False when another refresh holds the lock (PostgreSQL): one rebuild at a time is enough.
    """
    started = time.monotonic()
    today = today or date.today()
    if db.engine.dialect.name == "postgresql":
        # A job, not a page: the request timeouts (seconds) do not apply to it.
        db.session.execute(text("SET LOCAL statement_timeout = 0"))
        db.session.execute(text("SET LOCAL idle_in_transaction_session_timeout = 0"))
        if not db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": REFRESH_LOCK}):
            db.session.rollback()
            return False
    db.session.execute(delete(MiPeriodSummary))
    db.session.execute(delete(MiPeriodCount))
    first = db.session.scalar(select(func.min(Referral.started_on)))
    referral_group = [getattr(Referral, name) for name in GROUP]
    zeros = [literal(0)] * len(Source)
    for grain in mi.GRAINS:
        period = mi.truncated_date(HoursEntry.on, grain)
        hours = (select(literal(grain), period, *referral_group, literal(0),
                        func.count(func.distinct(HoursEntry.referral_id)),
                        *(func.sum(case((HoursEntry.source == s, HoursEntry.quarters), else_=0)) for s in Source))
                 .join(Referral, Referral.id == HoursEntry.referral_id)
                 .where(HoursEntry.removed_at.is_(None))
                 .group_by(period, *referral_group))
        db.session.execute(insert(MiPeriodSummary).from_select(SUMMARY_COLUMNS, hours))
        _refresh_counts(grain, today)
        if first is None:
            continue
        bounds = union_all(*(select(literal(start).label("first"), literal(end).label("last"))
                             for start, end in _periods_from(first, today, grain))).subquery()
        on_programme = (select(literal(grain), bounds.c.first, *referral_group, func.count(Referral.id), literal(0),
                               *zeros)
                        .join(bounds, and_(Referral.started_on <= bounds.c.last,
                                           or_(Referral.ended_on.is_(None), Referral.ended_on >= bounds.c.first)))
                        .group_by(bounds.c.first, *referral_group))
        db.session.execute(insert(MiPeriodSummary).from_select(SUMMARY_COLUMNS, on_programme))
    if db.engine.dialect.name == "postgresql":
        # Fresh statistics with the fresh rows: the pages' plans depend on them.
        db.session.execute(text("ANALYZE mi_period_summary, mi_period_count"))
    seconds = round(time.monotonic() - started)
    db.session.add(MiRefresh(refreshed_at=utcnow(), seconds=seconds))
    db.session.commit()
    return True


def run_every(app, seconds, stop):
    """Rebuild the summaries every `seconds` until `stop` is set: the worker's timer."""
    while not stop.wait(seconds):
        with app.app_context():
            try:
                refresh()
            except Exception:  # noqa: BLE001 - a database blip must not stop the timer
                log.exception("MI summary refresh failed")
            finally:
                db.session.remove()


def _refresh_counts(grain, today):
    """Starters, completers, exits by reason and outcomes by kind: the figures' own queries, over all time."""
    everything = mi.Filters(date(1900, 1, 1), date(today.year + 100, 1, 1), grain)
    queries = mi.figure_queries(everything, GROUP, where=true(), truncate=mi.truncated_date)
    for figure, query in queries.items():
        rows = query.subquery()
        part = rows.c.key if "key" in rows.c else literal(None, String)
        db.session.execute(insert(MiPeriodCount).from_select(
            ["grain", "figure", "period", *GROUP, "part", "value"],
            select(literal(grain), literal(figure), rows.c.period, *(rows.c[name] for name in GROUP), part,
                   rows.c.value)))


def count_rows(user, filters, dims=()):
    """{figure: [{period (ISO text), dims…, key, value}]} from the counts, under the user's reach and filters."""
    dim_columns = [getattr(MiPeriodCount, d).label(d) for d in dims]
    query = (select(MiPeriodCount.figure, MiPeriodCount.period, *dim_columns, MiPeriodCount.part.label("key"),
                    func.sum(MiPeriodCount.value).label("value"))
             .where(MiPeriodCount.grain == filters.grain,
                    MiPeriodCount.period.between(filters.date_from, filters.date_to),
                    mi.narrowed(user, filters, MiPeriodCount))
             .group_by(MiPeriodCount.figure, MiPeriodCount.period, *dim_columns, MiPeriodCount.part))
    out = {"starters": [], "completers": [], "exits": [], "outcomes": []}
    for row in db.session.execute(query).mappings():
        item = dict(row)
        item["period"] = _iso(row["period"])
        out.setdefault(row["figure"], []).append(item)
    return out


def _iso(value):
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def last_refreshed():
    return db.session.scalar(select(func.max(MiRefresh.refreshed_at)))


def summary_query(user, filters, dims=()):
    """Per period (and dimension): referrals on programme, referrals with hours, quarter hours by source."""
    dim_columns = [getattr(MiPeriodSummary, d).label(d) for d in dims]
    return (select(MiPeriodSummary.period, *dim_columns,
                   func.sum(MiPeriodSummary.on_programme).label("on_programme"),
                   func.sum(MiPeriodSummary.participants).label("participants"),
                   *(func.sum(getattr(MiPeriodSummary, f"quarters_{s.value}")).label(s.value) for s in Source))
            .where(MiPeriodSummary.grain == filters.grain,
                   MiPeriodSummary.period.between(filters.date_from, filters.date_to),
                   mi.narrowed(user, filters, MiPeriodSummary))
            .group_by(MiPeriodSummary.period, *dim_columns))


def summary_rows(user, filters, dims=()):
    """[{period (ISO text), dims…, on_programme, participants, <source>: hours}]"""
    out = []
    for row in db.session.execute(summary_query(user, filters, dims)).mappings():
        item = dict(row)
        item["period"] = _iso(row["period"])
        for source in Source:
            item[source.value] = int(row[source.value] or 0) / 4
        out.append(item)
    return out
