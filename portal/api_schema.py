"""The referral API's JSON schemas and OpenAPI document: one source for validation and description."""
from portal import data_access

NINO_PATTERN = r"^[A-CEGHJ-PR-TW-Z]{2}[0-9]{6}[A-D]$"
POSTCODE_PATTERN = r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"


def _text(max_length, min_length=0):
    schema = {"type": "string", "maxLength": max_length}
    if min_length:
        schema["minLength"] = min_length
        schema["pattern"] = r"\S"
    return schema


CUSTOMER_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["nino", "first_name", "last_name", "date_of_birth", "benefit_type", "wca_group"],
    "properties": {
        "nino": {"type": "string", "pattern": NINO_PATTERN, "description": "Without spaces, e.g. JT123456C"},
        "first_name": _text(100, 1),
        "last_name": _text(100, 1),
        "date_of_birth": {"type": "string", "format": "date"},
        "address": _text(400),
        "postcode": {"type": "string", "pattern": POSTCODE_PATTERN, "maxLength": 10},
        "phone": _text(40),
        "email": _text(254),
        "benefit_type": {"type": "string", "enum": list(data_access.BENEFIT_LABELS)},
        "wca_group": {"type": "string", "enum": list(data_access.WCA_LABELS)},
        "wca_decision_date": {"type": "string", "format": "date"},
        "health_summary": _text(2000),
        "medical_details": _text(4000),
        "sanction_history": _text(4000),
        "regulation_29": {"type": "boolean"},
        "armed_forces": {"type": "boolean"},
        "jobcentre": _text(120),
        "work_coach": _text(120),
        "preferred_language": {"type": "string", "enum": list(data_access.LANGUAGE_LABELS)},
        "format_needs": {"type": "string", "enum": list(data_access.FORMAT_LABELS)},
        "learning_disability_or_autism": {"type": "boolean"},
        "secondary_mental_health": {"type": "boolean"},
        "on_other_dwp_provision": {"type": "boolean"},
    },
}


def referral_request_schema(programme_codes):
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["customer", "provider_organisation_id", "programme", "first_appointment"],
        "properties": {
            "customer": CUSTOMER_SCHEMA,
            "provider_organisation_id": {"type": "integer", "minimum": 1, "maximum": 2147483647},
            "programme": {"type": "string", "enum": list(programme_codes)},
            "eso_place": {"type": "boolean", "description": "An Enhanced Support Offer place (R-ELIG-1)"},
            "eligibility_confirmed": {"type": "boolean", "description": "DWP has confirmed eligibility (R-ELIG-4)"},
            "first_appointment": {
                "type": "object",
                "additionalProperties": False,
                "required": ["starts_at", "location"],
                "properties": {
                    "starts_at": {"type": "string", "format": "date-time",
                                  "description": "RFC 3339 with a time zone, e.g. 2026-12-01T10:30:00+00:00"},
                    "location": _text(200, 1),
                    "details": _text(500),
                },
            },
        },
    }


REFERRAL_SCHEMA = {
    "type": "object",
    "required": ["id", "status", "customer_reference", "provider_organisation_id", "programme", "referred_at"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": ["referred", "started", "completed", "exited_early", "transferred"]},
        "customer_reference": {"type": "string"},
        "provider_organisation_id": {"type": "integer"},
        "programme": {"type": "string"},
        "referred_at": {"type": "string", "format": "date-time"},
        "started_on": {"type": "string", "format": "date", "nullable": True},
        "ended_on": {"type": "string", "format": "date", "nullable": True},
        "eligibility_confirmed": {"type": "boolean"},
        "exit_reason": {"type": "object", "nullable": True,
                        "description": "Why a completed or exited referral ended, as a code from the portal's list",
                        "properties": {"code": {"type": "string"}, "label": {"type": "string"}}},
        "outcomes": {"type": "array", "description": "Job outcomes, derived from the job and in-work hours records",
                     "items": {"type": "object", "properties": {
                         "kind": {"type": "string", "enum": ["job_start", "sustained_13", "sustained_26",
                                                            "progression", "sep_reached"]},
                         "label": {"type": "string"}, "occurred_on": {"type": "string", "format": "date"}}}},
    },
}

ERROR_SCHEMA = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["path", "message"],
                "properties": {"path": {"type": "string", "description": "JSON Pointer to the field, or a header"},
                               "message": {"type": "string"},
                               "code": {"type": "string", "description": "Why a valid referral was refused, e.g. "
                                        "on_other_dwp_provision, not_eligible, programme_not_delivered"}},
            },
        }
    },
}


def openapi_document(programme_codes):
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}}}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "ISP provider portal: DWP referral API",
            "version": "1.0.0",
            "description": "DWP systems refer customers to providers. Each request needs a bearer token issued "
                           "by the portal's system administrator. POST needs an Idempotency-Key: the same key "
                           "with the same body creates one referral and returns the same answer.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/api/v1/referrals": {
                "post": {
                    "operationId": "createReferral",
                    "summary": "Refer a customer to a provider and programme",
                    "parameters": [{"name": "Idempotency-Key", "in": "header", "required": True,
                                    "schema": {"type": "string", "minLength": 1, "maxLength": 200,
                                               "pattern": "^[!-~]+$"}}],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/ReferralRequest"}}}},
                    "responses": {
                        "201": {"description": "Referred", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Referral"}}}},
                        "400": {"description": "Missing or malformed Idempotency-Key or body", **error},
                        "401": {"description": "No valid bearer token", **error},
                        "409": {"description": "The Idempotency-Key was used for a different request, or (code "
                                                "on_other_dwp_provision) the customer this NINO belongs to has an open "
                                                "referral and the programme needs no other DWP provision (LSE 5.4)",
                                **error},
                        "413": {"description": "Body too large", **error},
                        "415": {"description": "Body is not JSON", **error},
                        "422": {"description": "The referral is not valid; each error names its field", **error},
                    },
                }
            },
            "/api/v1/referrals/{referral_id}": {
                "get": {
                    "operationId": "getReferral",
                    "summary": "A referral's status",
                    "parameters": [{"name": "referral_id", "in": "path", "required": True,
                                    "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647}}],
                    "responses": {
                        "200": {"description": "The referral", "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/Referral"}}}},
                        "401": {"description": "No valid bearer token", **error},
                        "404": {"description": "No referral with this id was sent by this client", **error},
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "ReferralRequest": referral_request_schema(programme_codes),
                "Referral": REFERRAL_SCHEMA,
                "Errors": ERROR_SCHEMA,
            },
        },
    }
