"""The customer's copy of their plan (R-SIGN-2): how it was given, and whether the current one has been."""
from sqlalchemy import and_, bindparam, select

from portal import audit, mail
from portal.customer_words import FORMATS, LANGUAGES, words
from portal.documents import service as documents
from portal.extensions import db
from portal.models import CopyMethod, CustomerCopy, Plan, PlanVersion, Programme, VersionStatus


class CopyError(Exception):
    def __init__(self, message, field):
        super().__init__(message)
        self.field = field


def copies_of(version):
    return db.session.scalars(select(CustomerCopy).where(CustomerCopy.version_id == version.id)
                              .order_by(CustomerCopy.given_on.desc(), CustomerCopy.id.desc())).all()


# Each plan's agreed versions with their copies, the newest of each first: one statement for all the
# customer's plans, built once (issue 18).
_AGREED_WITH_COPIES = (
    select(Plan.id.label("plan_id"), Programme.name.label("programme"), PlanVersion.id.label("version_id"),
           PlanVersion.number, PlanVersion.organisation_id, CustomerCopy.id.label("copy_id"),
           CustomerCopy.given_on, CustomerCopy.method)
    .join(Programme, Programme.id == Plan.programme_id)
    .join(PlanVersion, and_(PlanVersion.plan_id == Plan.id, PlanVersion.status == VersionStatus.AGREED))
    .outerjoin(CustomerCopy, CustomerCopy.version_id == PlanVersion.id)
    .where(Plan.customer_id == bindparam("customer_id"))
    .order_by(Plan.created_at, Plan.id, PlanVersion.number.desc(), CustomerCopy.given_on.desc(),
              CustomerCopy.id.desc())
)


def current_copies(customer_id):
    """For each of the customer's plans with an agreed version, oldest plan first: a row with the plan's
    programme, the agreed version (version_id, number, organisation_id) and its newest copy (copy_id,
    given_on, method; copy_id None when the customer has not been given one)."""
    current = {}
    for row in db.session.execute(_AGREED_WITH_COPIES, {"customer_id": customer_id}):
        current.setdefault(row.plan_id, row)
    return list(current.values())


def record_copy(version, *, method, document_format, lang, given_on, today, by, email=None, note=None):
    if not version.status.was_agreed:
        raise CopyError("A copy can only be given of an agreed version", "method")
    if document_format not in FORMATS or lang not in LANGUAGES:
        raise CopyError("Choose a format and a language", "document_format")
    if given_on is None or given_on > today:
        raise CopyError("The date the copy was given must be today or in the past", "given_on")
    if method == CopyMethod.EMAILED:
        if not email or "@" not in email.strip("@"):
            raise CopyError("Enter the email address to send the copy to, like name@example.com", "email")
        document = documents.document_for(version, reader=by, kind="pdf", document_format=document_format, lang=lang)
        w = words(lang)
        mail.send(email.strip(), w["doc_title"], w["done_body"], purpose="plan_copy",
                  attachments=[(document.filename, document.media_type, document.data)])
        note = note or f"Sent to {email.strip()}"
    copy = CustomerCopy(version_id=version.id, method=method, document_format=document_format, language=lang,
                        given_on=given_on, note=(note or "").strip()[:500] or None, recorded_by_id=by.id)
    db.session.add(copy)
    audit.record("plan.copy_given", customer_id=version.plan.customer_id, subject_type="plan_version",
                 subject_id=version.id, actor=by,
                 detail={"method": str(method), "format": document_format, "language": lang})
    db.session.commit()
    return copy
