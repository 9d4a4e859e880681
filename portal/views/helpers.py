"""Small helpers shared by views."""
from urllib.parse import urlsplit

from flask import redirect, request, url_for
from flask_login import current_user


def safe_next_url(default_endpoint="home.index"):
    """The `next` parameter if it is a path on this site, else the default (security.md V3)."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.scheme and not parts.netloc and "\\" not in target:
        return target
    return url_for(default_endpoint)


def add_error(form, field_name, message):
    """Attach a service-layer error to a field so the summary and the inline message agree."""
    field = getattr(form, field_name, None) if field_name else None
    if field is None:
        field = next(iter(f for f in form if f.type not in ("CSRFTokenField", "SubmitField")))
    field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]


def repeated_post(form, to):
    """For a creating form (double submit): the redirect to where the first post went if this form
    was posted before, else None, with the form's one-time token now held in this transaction."""
    from portal.services import submissions

    try:
        submissions.begin(form.once.data, current_user, to=to)
    except submissions.Repeated as repeat:
        return redirect(repeat.to or to)
    return None
