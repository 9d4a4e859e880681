from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class Programme(db.Model):
    """A programme and its rules, as data: a new programme is a row, not code (DOMAIN §2)."""

    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    duration_weeks: Mapped[int | None] = mapped_column(Integer)
    cohort_size: Mapped[int | None] = mapped_column(Integer)
    cohort_weeks: Mapped[int | None] = mapped_column(Integer)
    cohorts_per_year: Mapped[int | None] = mapped_column(Integer)
    min_aspired_weekly_hours: Mapped[int | None] = mapped_column(Integer)
    # 'always', 'optional' (the referral says whether it is an ESO place) or 'never' (R-ELIG-1).
    eso_places: Mapped[str] = mapped_column(String(16), default="never")
    # Space-separated names of eligibility checks in portal.services.eligibility (R-ELIG-1, R-ELIG-4).
    eligibility_checks: Mapped[str] = mapped_column(String(255), default="")
    requires_dwp_confirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    requires_accreditation: Mapped[bool] = mapped_column(Boolean, default=True)
    # R-REM-1: weeks after the start by which a plan must be agreed (SES 4.05 "when commencing").
    plan_due_weeks: Mapped[int | None] = mapped_column(Integer)
    # R-REM-1: a Work Choice transitional strand lasts up to two years (IFS 19); other strands use duration_weeks.
    transitional_weeks: Mapped[int | None] = mapped_column(Integer)
    # R-WC-1 / IFS 26: weeks between quality checks of longer-term support (None: no such checks).
    quality_check_weeks: Mapped[int | None] = mapped_column(Integer)

    @property
    def check_names(self):
        return self.eligibility_checks.split()

    def __repr__(self):
        return f"<Programme {self.code}>"
