"""GOV.UK widgets: each field's HTML from the GOV.UK macro directly, and groups that always ask their question.

govuk-frontend-wtf renders every field with a `render_template` call of a two-line template that imports
one GOV.UK macro and calls it: per field, a template lookup, every context processor and the signals
(ten fields on the week page). `register` makes every gov widget call that macro directly instead, found
once per process (issue 18); the HTML is the same.

govuk-frontend-wtf gives radios, checkboxes and dates their field's label as the legend only when a
template passes no fieldset of its own, so a template that only sizes the legend
(`{'fieldset': {'legend': {'classes': …}}}`) drew a group with no question (issue 16). These keep
the template's classes and put the label back as the legend's text.
"""
import re

from flask import current_app
from govuk_frontend_wtf import wtforms_widgets as gov
from govuk_frontend_wtf.gov_form_base import GovFormBase
from markupsafe import Markup

# The whole of each of govuk-frontend-wtf's widget templates: import one macro, call it with `params`.
_ONE_MACRO = re.compile(r"\{%\s*from\s+'([^']+)'\s+import\s+(\w+)\s*%\}\s*\{\{\s*\2\(params\)\s*\}\}")
_template_render = GovFormBase.render


def _macro_of(env, template_name):
    """The macro a widget template calls, or None if the template is not that simple (then it is rendered)."""
    macros = env.__dict__.setdefault("_portal_widget_macros", {})
    if template_name not in macros:
        source = env.loader.get_source(env, template_name)[0]
        match = _ONE_MACRO.fullmatch(source.strip())
        macros[template_name] = getattr(env.get_template(match[1]).module, match[2]) if match else None
    return macros[template_name]


def _render_with_macro(self, params):
    macro = _macro_of(current_app.jinja_env, self.template)
    if macro is None:
        return _template_render(self, params)
    return Markup(macro(params))


def register(app):
    GovFormBase.render = _render_with_macro


class _LegendAsksTheQuestion:
    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        legend = params.setdefault("fieldset", {}).setdefault("legend", {})
        if not (legend.get("text") or legend.get("html")):
            legend["text"] = field.label.text
        return params


class GovRadioInput(_LegendAsksTheQuestion, gov.GovRadioInput):
    pass


class GovCheckboxesInput(_LegendAsksTheQuestion, gov.GovCheckboxesInput):
    pass


class GovDateInput(_LegendAsksTheQuestion, gov.GovDateInput):
    pass
