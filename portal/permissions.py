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
    RECORD_PARTICIPATION = "record_participation"
    TRANSFER_REFERRAL = "transfer_referral"
    ASSIGN_CASELOAD = "assign_caseload"


ROLE_PERMISSIONS = {
    Role.ADVISER: {
        Permission.USE_PORTAL, Permission.VIEW_CASELOAD, Permission.VIEW_CUSTOMER, Permission.RECORD_PARTICIPATION,
    },
    Role.MANAGER: {
        Permission.USE_PORTAL, Permission.VIEW_CASELOAD, Permission.VIEW_CUSTOMER, Permission.RECORD_PARTICIPATION,
        Permission.MANAGE_STAFF, Permission.TRANSFER_REFERRAL, Permission.ASSIGN_CASELOAD,
    },
    Role.REFERRAL_OFFICER: {
        Permission.USE_PORTAL, Permission.VIEW_CUSTOMER, Permission.VIEW_ALL_REFERRALS, Permission.CREATE_REFERRAL,
        Permission.CONFIRM_ELIGIBILITY, Permission.TRANSFER_REFERRAL,
    },
    # Inspectors read; nothing in their set changes a customer's record.
    Role.INSPECTOR: {Permission.USE_PORTAL, Permission.VIEW_CUSTOMER, Permission.VIEW_ALL_REFERRALS},
    # Administrators run the service and see no customer's personal data.
    Role.ADMIN: {
        Permission.USE_PORTAL, Permission.MANAGE_ORGANISATIONS, Permission.MANAGE_DWP_ACCOUNTS, Permission.READ_OUTBOX,
    },
}


def has_permission(user, permission):
    if not getattr(user, "is_authenticated", False):
        return False
    return permission in ROLE_PERMISSIONS.get(user.role, frozenset())


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


def public(view):
    """For pages that need no signed-in user: sign-in steps, health check, invitation links."""
    view.is_public = True
    return view
