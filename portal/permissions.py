"""The one permission vocabulary and the one authorisation policy.

Every view declares what it needs with `@requires(Permission.X)`, or `@public` for the short list of
pages that anyone may open. tests/test_route_inventory.py fails for any endpoint with neither.
"""
import enum
from functools import wraps

from flask import abort
from flask_login import current_user

from portal.extensions import login_manager
from portal.models import Role


class Permission(enum.StrEnum):
    USE_PORTAL = "use_portal"
    MANAGE_ORGANISATIONS = "manage_organisations"
    MANAGE_DWP_ACCOUNTS = "manage_dwp_accounts"
    READ_OUTBOX = "read_outbox"
    MANAGE_STAFF = "manage_staff"
    VIEW_CASELOAD = "view_caseload"
    VIEW_CUSTOMER = "view_customer"
    VIEW_ALL_REFERRALS = "view_all_referrals"
    CREATE_REFERRAL = "create_referral"
    CONFIRM_ELIGIBILITY = "confirm_eligibility"
    CHANGE_REFERRAL_STATUS = "change_referral_status"
    TRANSFER_REFERRAL = "transfer_referral"
    ASSIGN_CASELOAD = "assign_caseload"
    ASSIGN_SUBCONTRACTOR = "assign_subcontractor"
    RECORD_CONSENT = "record_consent"
    VIEW_ACCESS_LOG = "view_access_log"
    VIEW_DATA_POLICY = "view_data_policy"
    EXPORT_CASELOAD = "export_caseload"
    MANAGE_API_CLIENTS = "manage_api_clients"
    API_REFERRALS = "api_referrals"
    VIEW_PLAN = "view_plan"
    EDIT_PLAN = "edit_plan"
    VIEW_HOURS = "view_hours"
    RECORD_HOURS = "record_hours"
    MANAGE_COHORTS = "manage_cohorts"
    BUILD_INSPECTION_PACK = "build_inspection_pack"
    EXPORT_SUBJECT_ACCESS = "export_subject_access"
    MANAGE_INSPECTIONS = "manage_inspections"
    INSPECT = "inspect"
    ANSWER_FINDINGS = "answer_findings"
    APPROVE_STRAND = "approve_strand"
    VIEW_MI = "view_mi"
    EXPORT_MI_EXTRACT = "export_mi_extract"


ROLE_PERMISSIONS = {
    Role.ADVISER: {
        Permission.USE_PORTAL, Permission.VIEW_CASELOAD, Permission.VIEW_CUSTOMER, Permission.CHANGE_REFERRAL_STATUS,
        Permission.RECORD_CONSENT, Permission.VIEW_PLAN, Permission.EDIT_PLAN, Permission.VIEW_HOURS,
        Permission.RECORD_HOURS,
    },
    Role.MANAGER: {
        Permission.USE_PORTAL, Permission.VIEW_CASELOAD, Permission.VIEW_CUSTOMER, Permission.CHANGE_REFERRAL_STATUS,
        Permission.RECORD_CONSENT, Permission.VIEW_PLAN, Permission.EDIT_PLAN, Permission.MANAGE_STAFF,
        Permission.VIEW_HOURS, Permission.RECORD_HOURS, Permission.MANAGE_COHORTS,
        Permission.TRANSFER_REFERRAL,
        Permission.ASSIGN_CASELOAD, Permission.ASSIGN_SUBCONTRACTOR, Permission.VIEW_ACCESS_LOG,
        Permission.EXPORT_CASELOAD, Permission.BUILD_INSPECTION_PACK, Permission.ANSWER_FINDINGS,
        Permission.VIEW_MI,  # R-MI-1: their own organisation's figures
    },
    Role.REFERRAL_OFFICER: {
        Permission.USE_PORTAL, Permission.VIEW_CUSTOMER, Permission.VIEW_ALL_REFERRALS, Permission.CREATE_REFERRAL,
        Permission.CONFIRM_ELIGIBILITY, Permission.TRANSFER_REFERRAL, Permission.VIEW_MI, Permission.EXPORT_MI_EXTRACT,
        # Subject access requests go through DWP (the controller; providers are processors).
        Permission.EXPORT_SUBJECT_ACCESS,
    },
    # Inspectors read; nothing in their set changes a customer's record. INSPECT writes only the
    # inspection's own sample and findings. What they read is limited to their inspections (R-DATA-6).
    Role.INSPECTOR: {
        Permission.USE_PORTAL, Permission.VIEW_CUSTOMER, Permission.VIEW_ALL_REFERRALS, Permission.VIEW_ACCESS_LOG,
        Permission.VIEW_DATA_POLICY, Permission.VIEW_PLAN, Permission.VIEW_HOURS, Permission.BUILD_INSPECTION_PACK,
        Permission.INSPECT, Permission.VIEW_MI, Permission.EXPORT_MI_EXTRACT,
    },
    # R-WC-1: reads the Work Choice customers' plans and records approvals of moves to longer-term support.
    Role.DISABILITY_EMPLOYMENT_ADVISER: {
        Permission.USE_PORTAL, Permission.VIEW_ALL_REFERRALS, Permission.VIEW_CUSTOMER, Permission.VIEW_PLAN,
        Permission.APPROVE_STRAND,
    },
    # DWP staff who read management information across providers (R-MI-1): figures, the customers behind
    # them as references only (the data policy has no rows for them), and the per-referral extract.
    Role.DWP_MI: {Permission.USE_PORTAL, Permission.VIEW_MI, Permission.EXPORT_MI_EXTRACT},
    # Administrators run the service and see no customer's personal data.
    Role.ADMIN: {
        Permission.USE_PORTAL, Permission.MANAGE_ORGANISATIONS, Permission.MANAGE_DWP_ACCOUNTS, Permission.READ_OUTBOX,
        Permission.VIEW_DATA_POLICY, Permission.MANAGE_API_CLIENTS, Permission.MANAGE_INSPECTIONS,
    },
}


# Staff of a sub-contractor work only on the customers their prime assigned (R-DATA-6): they record
# the hours they deliver, but do not change referrals, record consents, export or manage the prime's
# caseload (DOMAIN §1).
SUBCONTRACTOR_PERMISSIONS = {
    Role.ADVISER: {Permission.USE_PORTAL, Permission.VIEW_CASELOAD, Permission.VIEW_CUSTOMER, Permission.VIEW_PLAN,
                   Permission.VIEW_HOURS, Permission.RECORD_HOURS},
    Role.MANAGER: {Permission.USE_PORTAL, Permission.VIEW_CASELOAD, Permission.VIEW_CUSTOMER, Permission.VIEW_PLAN,
                   Permission.MANAGE_STAFF, Permission.VIEW_HOURS, Permission.RECORD_HOURS, Permission.ANSWER_FINDINGS},
}

# What a DWP system holding a live API token may do.
API_CLIENT_PERMISSIONS = {Permission.API_REFERRALS}


def permissions_of(user):
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    # Asked many times a page (menus, buttons): worked out once per loaded user and role (issue 18).
    key = (user.role, user.organisation_id)
    held = user.__dict__.get("_permissions_memo")
    if held is not None and held[0] == key:
        return held[1]
    if user.is_subcontractor_staff:
        permissions = SUBCONTRACTOR_PERMISSIONS.get(user.role, frozenset())
    else:
        permissions = ROLE_PERMISSIONS.get(user.role, frozenset())
    user.__dict__["_permissions_memo"] = (key, permissions)
    return permissions


def has_permission(user, permission):
    return permission in permissions_of(user)


def requires(permission):
    if not isinstance(permission, Permission):
        raise TypeError("requires() takes a Permission")

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_permission(current_user, permission):
                from portal import audit

                audit.record_and_commit("access.forbidden", detail={"permission": permission.value})
                abort(403)
            return view(*args, **kwargs)

        guarded.required_permission = permission
        return guarded

    return decorator


def requires_api_client(permission):
    """For API routes: a live bearer token of a DWP client (R-DATA-1 applies to what it is sent)."""
    if permission not in API_CLIENT_PERMISSIONS:
        raise ValueError("not an API permission")

    def decorator(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            from flask import g, request

            from portal.services.api_clients import client_for_token
            from portal.views.api import error_response

            header = request.headers.get("Authorization", "")
            scheme, _, token = header.partition(" ")
            client = client_for_token(token.strip()) if scheme.lower() == "bearer" else None
            if client is None:
                response = error_response(401, "header/Authorization", "Send a valid bearer token")
                response.headers["WWW-Authenticate"] = 'Bearer realm="isp-portal"'
                return response
            g.api_client = client
            return view(*args, **kwargs)

        guarded.required_permission = permission
        return guarded

    return decorator


def public(view):
    """For pages that need no signed-in user: sign-in steps, health check, invitation links."""
    view.is_public = True
    return view
