import enum

from sqlalchemy import Boolean, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import UTCDateTime, enum_type, utcnow

organisation_programme = Table(
    "organisation_programme",
    db.metadata,
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
    Column("programme_id", ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True),
)


class OrganisationKind(enum.StrEnum):
    PRIVATE_PROVIDER = "private_provider"
    VOLUNTARY = "voluntary"
    LOCAL_AUTHORITY = "local_authority"
    DWP = "dwp"

    @property
    def label(self):
        return {
            "private_provider": "Employment-support provider",
            "voluntary": "Voluntary or user-led organisation",
            "local_authority": "Local authority",
            "dwp": "Department for Work and Pensions",
        }[self.value]


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(enum_type(OrganisationKind, 32))
    security_accredited: Mapped[bool] = mapped_column(Boolean, default=False)
    # A sub-contractor delivers part of its prime's contract (IFS 28, SES 4.16).
    prime_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at = mapped_column(UTCDateTime, default=utcnow)

    prime = relationship("Organisation", remote_side=[id], back_populates="subcontractors")
    subcontractors = relationship("Organisation", back_populates="prime", order_by="Organisation.name")
    programmes = relationship("Programme", secondary=organisation_programme, order_by="Programme.code")

    @property
    def is_subcontractor(self):
        return self.prime_id is not None

    # runs_cohorts: a column worked out by the database, defined in portal/models/__init__.py.

    @property
    def is_provider(self):
        return self.kind != OrganisationKind.DWP

    def __repr__(self):
        return f"<Organisation {self.name}>"
