"""Filters and globals for templates."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_login import current_user
from govuk_frontend_wtf.main import wtforms_errors
from wtforms import DateField

from portal.permissions import Permission, has_permission

UK = ZoneInfo("Europe/London")


def uk_date(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(UK).date()
    return value.strftime("%-d %B %Y")


def uk_datetime(value):
    if value is None:
        return ""
    local = value.astimezone(UK)
    return local.strftime("%-d %B %Y at ") + local.strftime("%-I:%M%p").lower()


def hours(value):
    """4.5 -> '4.5 hours', 1 -> '1 hour', 2.25 -> '2.25 hours'."""
    if value is None:
        return ""
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else f"{value:g}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} hour" if text == "1" else f"{text} hours"


def form_errors(form):
    """The error summary for a form, linking date fields to their day input (ecosystem.md §1.6a)."""
    summary = wtforms_errors(form)
    date_ids = {f"#{field.id}" for field in form if isinstance(field, DateField)}
    for item in summary["errorList"]:
        if item["href"] in date_ids:
            item["href"] += "-day"
    return summary


def can(permission_name):
    return has_permission(current_user, Permission(permission_name))


def date_in(value, lang="en"):
    from portal.signing_text import date_in as localised

    return localised(value, lang)


def hours_in(value, lang="en"):
    from portal.signing_text import TEXT

    text = hours(value)
    if lang == "cy" and text:
        return text.replace(" hours", " " + TEXT["cy"]["hours"]).replace(" hour", " " + TEXT["cy"]["hour"])
    return text


def register(app):
    from portal.signing_text import TEXT

    app.add_template_global(TEXT, "customer_text")
    app.add_template_filter(date_in)
    app.add_template_filter(hours_in)
    app.add_template_filter(uk_date)
    app.add_template_filter(uk_datetime)
    app.add_template_filter(hours)
    app.add_template_global(form_errors)
    app.add_template_global(can)
    app.add_template_global(date.today, "today")
