"""GOV.UK widgets whose group always asks its question.

govuk-frontend-wtf gives radios, checkboxes and dates their field's label as the legend only when a
template passes no fieldset of its own, so a template that only sizes the legend
(`{'fieldset': {'legend': {'classes': …}}}`) drew a group with no question (issue 16). These keep
the template's classes and put the label back as the legend's text.
"""
from govuk_frontend_wtf import wtforms_widgets as gov


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
