"""Progress against the agreed plan (R-ISP-11): an objective achieved, a milestone passed.

Progress is a record against the agreed version, not a change of it: no new version, no signatures,
and the sealed original is untouched (SES 4.14-4.15: activity agreed *and accomplished*, milestones
agreed *and passed*). Documents show it as "Progress as at <date>" outside the original.
"""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import audit
from portal.extensions import db
from portal.models import Progress, VersionStatus
from portal.services.plans import PlanError

KINDS = {"objective": "objectives", "milestone": "milestones"}
ALREADY = "Progress on this has already been recorded"


def item_of(version, kind, item_id):
    """The objective or milestone of `version` with this id, or None."""
    if kind not in KINDS:
        return None
    return next((item for item in getattr(version, KINDS[kind]) if item.id == item_id), None)


def record(version, kind, item, *, done_on, note, by, today):
    """R-ISP-11: only against the agreed (current) version, dated today or earlier; once per item."""
    if version.status != VersionStatus.AGREED:
        raise PlanError("Progress is recorded against the agreed plan")
    if kind not in KINDS or item is None or item.version_id != version.id:
        raise PlanError("Choose an objective or milestone of the agreed plan")
    if done_on is None:
        raise PlanError("Enter the date", field="done_on")
    if done_on > today:
        raise PlanError("The date must be today or in the past", field="done_on")
    note = (note or "").strip() or None
    if note and len(note) > 2000:
        raise PlanError("The note must be 2000 characters or fewer", field="note")
    plan_id = version.plan_id
    if db.session.scalar(select(Progress.id).where(Progress.plan_id == plan_id, Progress.item_kind == kind,
                                                   Progress.item_key == item.key)):
        raise PlanError(ALREADY, field="done_on")
    row = Progress(plan_id=plan_id, version_id=version.id, item_kind=kind, item_key=item.key, done_on=done_on,
                   note=note, recorded_by_id=by.id)
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:  # a colleague recorded the same item at the same instant: theirs stands
        raise PlanError(ALREADY, field="done_on") from None
    audit.record("plan.progress_recorded", customer_id=version.plan.customer_id, subject_type="plan_progress",
                 subject_id=row.id, detail={"version": version.number, "kind": kind, "key": item.key,
                                            "done_on": done_on})
    db.session.commit()
    return row


@dataclass
class Line:
    kind: str
    text: str
    done_on: object
    note: str
    by: str
    agreed_in: int


def progress_of(version):
    """{(kind, key): Progress} for the items of this version (progress made under an earlier version counts)."""
    rows = db.session.scalars(select(Progress).where(Progress.plan_id == version.plan_id)).all()
    return {(row.item_kind, row.item_key): row for row in rows}


def lines(version, found=None):
    """Progress on this version's items, in date order, for pages and documents. `found`: progress_of(version),
    when the caller has it."""
    if found is None:
        found = progress_of(version)
    out = []
    for kind, relationship in KINDS.items():
        for item in getattr(version, relationship):
            row = found.get((kind, item.key))
            if row is not None:
                out.append(Line(kind, item.what if kind == "objective" else item.description, row.done_on,
                                row.note or "", row.recorded_by.name if row.recorded_by else "",
                                row.version.number))
    return sorted(out, key=lambda line: line.done_on)
