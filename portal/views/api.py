"""The DWP referral API (issue 3): POST /api/v1/referrals with an Idempotency-Key; GET a referral's status."""
import hashlib
import json
import time
from datetime import datetime

from flask import Blueprint, g, jsonify, request, url_for
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal import api_schema
from portal.extensions import csrf, db
from portal.models import IdempotencyRecord, Organisation, Programme, Referral
from portal.permissions import Permission, public, requires_api_client
from portal.services import outcomes, referrals

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

IN_PROGRESS = 0
WAIT_FOR_TWIN_SECONDS = 5.0


MAX_DEPTH = 16  # a referral is three levels deep


def _too_deep(value):
    """Whether a parsed JSON value nests deeper than MAX_DEPTH, found without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > MAX_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def error_response(status, path, message):
    return _errors(status, [{"path": path, "message": message}])


def _errors(status, errors):
    response = jsonify(errors=errors)
    response.status_code = status
    return response


def _programme_codes():
    return db.session.scalars(select(Programme.code).order_by(Programme.code)).all()


def referral_json(referral):
    return {
        "id": referral.id,
        "status": referral.status.value,
        "customer_reference": referral.customer.reference,
        "provider_organisation_id": referral.organisation_id,
        "programme": referral.programme.code,
        "referred_at": referral.referred_at.isoformat(),
        "started_on": referral.started_on.isoformat() if referral.started_on else None,
        "ended_on": referral.ended_on.isoformat() if referral.ended_on else None,
        "eligibility_confirmed": referral.eligibility_confirmed_at is not None,
        # R-EXIT-1: the coded reason only; the provider's own words about the ending stay with the provider.
        "exit_reason": ({"code": referral.exit_reason_code, "label": referral.exit_reason.label}
                        if referral.exit_reason_code else None),
        # R-OUT-1: job outcomes derived from the job and in-work hours records.
        "outcomes": [{"kind": event.kind, "label": event.label, "occurred_on": event.occurred_on.isoformat()}
                     for event in outcomes.events_for_referral(referral.id)],
    }


@bp.route("/openapi.json")
@public
def openapi():
    return jsonify(api_schema.openapi_document(_programme_codes()))


@bp.route("/referrals/<int:referral_id>")
@requires_api_client(Permission.API_REFERRALS)
def get_referral(referral_id):
    # A client sees only the referrals it sent; any other id is unknown to it.
    referral = db.session.scalar(
        select(Referral).join(IdempotencyRecord, IdempotencyRecord.referral_id == Referral.id)
        .where(Referral.id == referral_id, IdempotencyRecord.client_id == g.api_client.id).limit(1))
    if referral is None:
        return error_response(404, "path/referral_id", "No referral has this id")
    return jsonify(referral_json(referral))


def _validation_errors(body):
    validator = Draft202012Validator(api_schema.referral_request_schema(_programme_codes()),
                                     format_checker=FormatChecker())
    errors = []
    for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
        path = "/" + "/".join(str(part) for part in error.absolute_path)
        if error.validator == "required":
            missing = error.message.split("'")[1]
            path = path.rstrip("/") + "/" + missing
        errors.append({"path": path, "message": error.message})
    if not errors:
        starts_at = body["first_appointment"]["starts_at"]
        parsed = _parse_datetime(starts_at)
        if parsed is None:
            errors.append({"path": "/first_appointment/starts_at",
                           "message": "Give a date and time with a time zone, like 2026-12-01T10:30:00+00:00"})
    return errors


def _parse_datetime(value):
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _create(body, client):
    """Validate and create; returns (status, json body, referral id or None). Nothing is committed here."""
    errors = _validation_errors(body)
    if errors:
        return 422, {"errors": errors}, None
    organisation = db.session.get(Organisation, body["provider_organisation_id"])
    if organisation is None or not organisation.is_provider or organisation.is_subcontractor:
        return 422, {"errors": [{"path": "/provider_organisation_id", "message": "No provider has this id"}]}, None
    programme = db.session.scalar(select(Programme).where(Programme.code == body["programme"]))
    customer = body["customer"]
    facts = {name: customer.get(name) for name in api_schema.CUSTOMER_SCHEMA["properties"]}
    for name in ("date_of_birth", "wca_decision_date"):
        facts[name] = datetime.fromisoformat(facts[name]).date() if facts[name] else None
    for name in ("regulation_29", "armed_forces", "learning_disability_or_autism", "secondary_mental_health",
                 "on_other_dwp_provision"):
        facts[name] = bool(facts[name])
    facts["preferred_language"] = facts["preferred_language"] or "en"
    facts["format_needs"] = facts["format_needs"] or "standard"
    appointment = body["first_appointment"]
    try:
        referral = referrals.create_referral(
            officer=None, organisation=organisation, programme=programme, facts=facts,
            eso_place=bool(body.get("eso_place")), eligibility_confirmed=bool(body.get("eligibility_confirmed")),
            appointment={"starts_at": _parse_datetime(appointment["starts_at"]), "location": appointment["location"],
                         "details": appointment.get("details")},
            api_client=client, commit=False,
        )
    except referrals.ReferralError as error:
        db.session.rollback()
        path = {"programme": "/programme", "organisation": "/provider_organisation_id"}.get(error.field, "/programme")
        found = {"path": path, "message": str(error)} | ({"code": error.code} if error.code else {})
        # R-CUST-1, R-ELIG-4: a customer already on other provision is a conflict with what DWP holds.
        return (409 if error.code == "on_other_dwp_provision" else 422), {"errors": [found]}, None
    return 201, referral_json(referral), referral.id


@bp.route("/referrals", methods=["POST"])
@requires_api_client(Permission.API_REFERRALS)
def create_referral():
    client = g.api_client
    key = request.headers.get("Idempotency-Key", "")
    if not key or len(key) > 200 or not key.isascii() or not key.isprintable() or " " in key:
        return error_response(400, "header/Idempotency-Key", "Send an Idempotency-Key header of 1 to 200 visible ASCII characters")
    if not request.is_json:
        return error_response(415, "body", "Send the referral as application/json")
    raw = request.get_data(cache=True)
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return error_response(400, "body", "The body is not valid JSON")
    except RecursionError:
        body = None
    if body is None or _too_deep(body):  # hostile nesting (issue 12, finding 9)
        return error_response(400, "body", f"The body is nested more than {MAX_DEPTH} levels deep")
    request_hash = hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()

    # Claim the key first, in its own transaction: a twin request with the same key waits for this one.
    record = IdempotencyRecord(client_id=client.id, key=key, request_hash=request_hash, status_code=IN_PROGRESS,
                               response_body="")
    db.session.add(record)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return _replay(client, key, request_hash)

    try:
        status, payload, referral_id = _create(body, client)
    except Exception:
        db.session.rollback()
        _release(record.id)
        raise
    if status != 201:
        db.session.rollback()
        _release(record.id)  # a refused request does not use up the key
        return _errors(status, payload["errors"])
    record = db.session.get(IdempotencyRecord, record.id)
    record.status_code = status
    record.response_body = json.dumps(payload)
    record.referral_id = referral_id
    db.session.commit()
    return _created(payload)


def _created(payload, replayed=False):
    response = jsonify(payload)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_referral", referral_id=payload["id"])
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _release(record_id):
    db.session.execute(IdempotencyRecord.__table__.delete().where(IdempotencyRecord.id == record_id))
    db.session.commit()


def _replay(client, key, request_hash):
    deadline = time.monotonic() + WAIT_FOR_TWIN_SECONDS
    while True:
        record = db.session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.client_id == client.id,
                                                                    IdempotencyRecord.key == key))
        if record is None:
            return error_response(409, "header/Idempotency-Key", "A request with this key was refused; send it again")
        if record.request_hash != request_hash:
            return error_response(409, "header/Idempotency-Key", "This Idempotency-Key was used for a different request")
        if record.status_code != IN_PROGRESS:
            return _created(json.loads(record.response_body), replayed=True)
        if time.monotonic() > deadline:
            response = error_response(409, "header/Idempotency-Key", "A request with this key is still being processed")
            response.headers["Retry-After"] = "1"
            return response
        db.session.rollback()
        time.sleep(0.05)


@bp.errorhandler(413)
def too_large(_error):
    return error_response(413, "body", "The body is too large")


