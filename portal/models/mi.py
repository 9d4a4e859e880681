"""Summaries for management information (R-MI-1), rebuilt by a job from the hours and referrals.

Hours of participation and customers on programme read millions of rows over two years; the page
reads these totals instead (see docs/benchmarks.md). One row per grain × period × provider ×
sub-contractor × programme × adviser; every column adds up across rows, since a referral belongs to one.
"""
from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import UTCDateTime


class MiPeriodSummary(db.Model):
    __tablename__ = "mi_period_summary"
    __table_args__ = (Index("ix_mi_period_summary_grain_period", "grain", "period", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(8))
    period = mapped_column(Date, nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    subcontractor_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    adviser_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    on_programme: Mapped[int] = mapped_column(Integer, default=0)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    quarters_provider: Mapped[int] = mapped_column(Integer, default=0)
    quarters_subcontractor: Mapped[int] = mapped_column(Integer, default=0)
    quarters_employer: Mapped[int] = mapped_column(Integer, default=0)
    quarters_third_tier: Mapped[int] = mapped_column(Integer, default=0)
    quarters_other: Mapped[int] = mapped_column(Integer, default=0)


class MiPeriodCount(db.Model):
    """Counts of referrals by figure (starters, completers, exits, outcome kinds) and part (the exit reason or
    outcome kind), in the same grouping as MiPeriodSummary: reasons and kinds are data, so they are rows."""

    __tablename__ = "mi_period_count"
    __table_args__ = (Index("ix_mi_period_count_grain_period", "grain", "period", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grain: Mapped[str] = mapped_column(String(8))
    period = mapped_column(Date, nullable=False)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    subcontractor_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"))
    adviser_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    figure: Mapped[str] = mapped_column(String(20))
    part: Mapped[str | None] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(Integer)


class MiRefresh(db.Model):
    """When the summaries were last rebuilt, and how long it took."""

    __tablename__ = "mi_refresh"

    id: Mapped[int] = mapped_column(primary_key=True)
    refreshed_at = mapped_column(UTCDateTime, nullable=False)
    seconds: Mapped[int] = mapped_column(Integer, default=0)
