"""Every endpoint declares who may use it (issue 2): a permission from the one vocabulary, or `@public`."""
from portal.permissions import Permission

# The short list of pages anyone may open: the sign-in steps, invitation and reset links, the
# customer's own signing link (it has its own date-of-birth check), the health check, the API's
# description, the document verification page (with the seal's root certificate and CRL, issue 17) and the
# stylesheet.
PUBLIC = {
    "auth.sign_in", "auth.enter_code", "auth.set_up_authenticator", "auth.forgot_password", "auth.reset_password",
    "auth.accept_invitation", "signing.start", "signing.read", "employer_signing.start", "employer_signing.read",
    "employer_signing.document", "health.healthz", "api.openapi", "static",
    "verify.index", "verify.code", "verify.root_certificate", "verify.revocation_list",
}


def test_every_endpoint_declares_a_permission_or_is_on_the_public_list(app):
    undeclared, public_but_not_listed, listed_but_guarded = [], [], []
    for endpoint, view in app.view_functions.items():
        permission = getattr(view, "required_permission", None)
        is_public = getattr(view, "is_public", False) or endpoint == "static"
        if permission is None and not is_public:
            undeclared.append(endpoint)
        if is_public and endpoint not in PUBLIC:
            public_but_not_listed.append(endpoint)
        if endpoint in PUBLIC and permission is not None:
            listed_but_guarded.append(endpoint)
        if permission is not None:
            assert isinstance(permission, Permission), endpoint
    assert undeclared == []
    assert public_but_not_listed == []
    assert listed_but_guarded == []


def test_every_permission_in_the_vocabulary_guards_something(app):
    used = {getattr(view, "required_permission", None) for view in app.view_functions.values()}
    assert set(Permission) - used == set()
