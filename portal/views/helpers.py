"""Small helpers shared by views."""
from urllib.parse import urlsplit

from flask import request, url_for


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
