"""Provider organisations, created and changed by the system administrator."""
from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.models import Organisation, OrganisationKind, Programme


class OrganisationError(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def all_programmes():
    return db.session.scalars(select(Programme).order_by(Programme.code)).all()


def providers():
    return db.session.scalars(
        select(Organisation).where(Organisation.kind != OrganisationKind.DWP).order_by(Organisation.name)
    ).all()


def save_organisation(organisation, *, name, kind, security_accredited, prime_id, programme_codes):
    name = name.strip()
    clash = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if clash is not None and clash is not organisation:
        raise OrganisationError("There is already an organisation with this name", field="name")
    prime = db.session.get(Organisation, prime_id) if prime_id else None
    if prime is not None and (prime is organisation or prime.is_subcontractor):
        raise OrganisationError("Choose a prime provider that is not itself a sub-contractor", field="prime_id")
    programmes = db.session.scalars(select(Programme).where(Programme.code.in_(programme_codes))).all()
    creating = organisation is None
    if creating:
        organisation = Organisation(name=name, kind=OrganisationKind(kind))
        db.session.add(organisation)
    before = None if creating else {"name": organisation.name, "kind": organisation.kind.value,
                                    "security_accredited": organisation.security_accredited,
                                    "prime_id": organisation.prime_id,
                                    "programmes": [p.code for p in organisation.programmes]}
    organisation.name = name
    organisation.kind = OrganisationKind(kind)
    organisation.security_accredited = security_accredited
    organisation.prime = prime
    organisation.programmes = list(programmes)
    db.session.flush()
    audit.record("organisation.created" if creating else "organisation.changed", subject_type="organisation",
                 subject_id=organisation.id, detail={"before": before, "after": {
                     "name": name, "kind": kind, "security_accredited": security_accredited, "prime_id": prime_id,
                     "programmes": sorted(programme_codes)}})
    db.session.commit()
    return organisation
