"""Filters and globals for templates."""
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_login import current_user
from govuk_frontend_wtf.main import wtforms_errors
from wtforms import DateField

from portal.customer_words import date_in, words
from portal.navigation import service_navigation
from portal.permissions import Permission, has_permission
from portal.services.hours_rules import hours_text
from portal.services.job_rules import money_text

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


_PERMISSIONS = {permission.value: permission for permission in Permission}


def can(permission_name):
    # Asked a dozen times a page: the user behind the proxy once, and the name looked up, not parsed.
    return has_permission(current_user._get_current_object(), _PERMISSIONS[permission_name])


def hours_in(value, lang="en"):
    text = hours(value)
    if lang != "en" and text:
        text_in = words(lang)
        return text.replace(" hours", " " + text_in["hours"]).replace(" hour", " " + text_in["hour"])
    return text


def register(app):
    app.add_template_global(words, "customer_words")
    app.add_template_filter(date_in)
    app.add_template_filter(hours_in)
    app.add_template_filter(hours_text, "quarter_hours")
    app.add_template_filter(money_text, "money")
    app.add_template_filter(uk_date)
    app.add_template_filter(uk_datetime)
    app.add_template_filter(hours)
    app.add_template_global(form_errors)
    app.add_template_global(can)
    app.add_template_global(service_navigation)
    app.add_template_global(date.today, "today")
