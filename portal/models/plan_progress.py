"""Progress against an agreed plan (R-ISP-11) and the Work Choice strands (R-WC-1).

Neither is part of the signed content: recording progress or a strand start never makes a new
version or asks for signatures (SES 4.14-4.15: activity agreed *and accomplished*).
"""
from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, utcnow


class Progress(db.Model):
    """An objective achieved or a milestone passed, against the agreed version that holds it. The item is
    named by its `key`, the same in every version, so progress carries into later versions."""

    __tablename__ = "plan_progress"
    # One record per item: two advisers recording the same achievement at once make one row (R-ISP-11).
    __table_args__ = (UniqueConstraint("plan_id", "item_kind", "item_key", name="uq_plan_progress_item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id"))
    item_kind: Mapped[str] = mapped_column(String(20))  # objective | milestone
    item_key: Mapped[str] = mapped_column(String(16))
    done_on = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)

    recorded_by = relationship("User")
    version = relationship("PlanVersion")


class StrandApproval(db.Model):
    """IFS 21: the Disability Employment Adviser's approval of a move to longer-term support, recorded by
    that DWP user. `legacy_name` holds a name a provider typed before approvals were recorded by DWP."""

    __tablename__ = "wc_strand_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    approved_on = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    legacy_name: Mapped[str | None] = mapped_column(String(120))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)

    approved_by = relationship("User")

    @property
    def approver_name(self):
        return self.approved_by.name if self.approved_by else (self.legacy_name or "")


class StrandStart(db.Model):
    """R-WC-1: one strand of Work Choice and the day it started; the newest start is the current strand."""

    __tablename__ = "wc_strand_start"
    # One strand change per plan per day: two advisers recording at once cannot leave two current strands.
    __table_args__ = (UniqueConstraint("plan_id", "started_on", name="uq_wc_strand_start_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    strand: Mapped[str] = mapped_column(String(20))  # work_entry | transitional | longer_term
    started_on = mapped_column(Date)
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("wc_strand_approval.id"), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)

    approval = relationship("StrandApproval")
    recorded_by = relationship("User")


class QualityCheck(db.Model):
    """IFS 26: a regular check that longer-term support is still good and still right."""

    __tablename__ = "wc_quality_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    checked_on = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = mapped_column(UTCDateTime, default=utcnow)

    recorded_by = relationship("User")
