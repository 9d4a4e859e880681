"""The data policy as a page, and each customer's access log (R-DATA-1, R-DATA-7)."""
import json

from flask import Blueprint, render_template
from flask_login import current_user

from portal import audit, data_access, scope
from portal.models import Role
from portal.permissions import Permission, requires

bp = Blueprint("policy", __name__)
DWP_ROLES = {Role.REFERRAL_OFFICER.value, Role.DISABILITY_EMPLOYMENT_ADVISER.value, Role.INSPECTOR.value,
             Role.DWP_MI.value, Role.ADMIN.value}


def _own_organisations(user):
    """The organisation ids whose staff a provider may see in an access log (its own, its prime's and its
    sub-contractors'), or None for DWP users, who see everyone."""
    if not user.role.is_provider:
        return None
    organisation = user.organisation
    ids = {organisation.id} | {sub.id for sub in organisation.subcontractors}
    if organisation.prime_id:
        ids.add(organisation.prime_id)
    return ids


@bp.route("/data-policy")
@requires(Permission.VIEW_DATA_POLICY)
def matrix():
    rules = data_access.policy_matrix()
    columns, cells = [], {}
    for rule in rules:
        column = (rule.audience.label, rule.programme.name if rule.programme else "Every programme",
                  {True: "Accredited", False: "Not accredited", None: "Any"}[rule.accredited])
        if column not in columns:
            columns.append(column)
        cells[(rule.field, column)] = rule.access
    return render_template("views/policy/matrix.html", columns=columns, cells=cells, fields=data_access.DWP_FIELDS + data_access.HISTORY_FIELDS)


@bp.route("/customers/<int:customer_id>/access-log")
@requires(Permission.VIEW_ACCESS_LOG)
def access_log(customer_id):
    customer = scope.customer_or_404(current_user, customer_id)
    name = data_access.visible_names(current_user, [customer.id]).get(customer.id, customer.reference)
    entries = []
    family = _own_organisations(current_user)
    for event in audit.events_for_customer(customer.id):
        who = event.actor_email or "DWP system"
        if family is not None and event.actor_id is not None and event.actor_organisation_id not in family:
            # A provider sees no other organisation's staff (issue 12, finding 5): DWP's events without
            # names, another provider's (before or after a transfer) not at all.
            if event.actor_role not in DWP_ROLES:
                continue
            who = "DWP staff"
        detail = json.loads(event.detail or "{}")
        fields = detail.get("fields")
        entries.append({"event": event, "who": who, "through": detail.get("through"),
                        "fields": [data_access.FIELD_LABELS.get(f, f) for f in fields] if fields else []})
    return render_template("views/policy/access_log.html", customer=customer, customer_name=name, entries=entries)
