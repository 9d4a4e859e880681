"""The activity form's plain-HTML fields (portal/hours_form_html.py) write exactly what the GOV.UK widgets
write for the same field, in every state the week and change pages draw: empty, filled in, with errors,
with text that needs escaping and text over several lines."""
import pytest
from werkzeug.datastructures import MultiDict

from portal import hours_form_html as plain
from portal.forms import ConfirmForm
from portal.hours_forms import ChangeHoursEntryForm, HoursEntryForm, HoursRangeForm

POSTS = [
    None,
    {},
    {"on": "2026-11-30", "activity": "job_search", "source": "other", "source_name": 'A & B "<Ltd>"',
     "objective": "7", "mode": "phone", "hours": "1.5", "description": "Line one\nline two & <three>",
     "reason": "because\nof 'this'"},
    {"on": "nope", "activity": "nope", "hours": "0.3", "description": "d" * 400, "source_name": "x" * 300},
]


def _forms(form_class):
    for data in POSTS:
        form = form_class(formdata=MultiDict(data) if data is not None else None)
        form.on.choices = [("2026-11-30", "Monday 30 November"), ("2026-12-01", "Tuesday 1 December")]
        form.objective.choices = [("", "Choose an objective"), ("7", "Get a job <soon> & \"well\"")]
        if data is not None:
            form.validate()
        yield form


@pytest.mark.parametrize("form_class", [HoursEntryForm, ChangeHoursEntryForm])
def test_plain_fields_match_the_govuk_widgets(app, app_context, form_class):
    with app.test_request_context("/"):
        for form in _forms(form_class):
            pairs = [
                (form.on(params={"attributes": {"data-hours-day": ""}}),
                 plain.select(form.on, attributes={"data-hours-day": ""})),
                (form.activity(), plain.select(form.activity)),
                (form.source(), plain.select(form.source)),
                (form.source_name(params={"classes": "govuk-!-width-full"}),
                 plain.text_input(form.source_name, classes="govuk-!-width-full")),
                (form.objective(params={"classes": "govuk-!-width-full"}),
                 plain.select(form.objective, classes="govuk-!-width-full")),
                (form.mode(), plain.select(form.mode)),
                (form.hours(params={"classes": "govuk-input--width-4", "inputmode": "decimal", "spellcheck": False,
                                    "attributes": {"data-hours-input": ""}}),
                 plain.text_input(form.hours, classes="govuk-input--width-4", inputmode="decimal", spellcheck=False,
                                  attributes={"data-hours-input": ""})),
                (form.description(params={"maxlength": 300, "rows": 2}),
                 plain.character_count(form.description, maxlength=300, rows=2)),
                (form.submit(params={"text": "Save anyway"}), plain.button(form.submit, "Save anyway")),
                (form.submit(), plain.button(form.submit)),
                (form.esa_confirmed(), plain.hidden(form.esa_confirmed)),
                (form.once(), plain.hidden(form.once)),
            ] + ([(form.lock_version(), plain.hidden(form.lock_version))] if "lock_version" in form else [])
            for govuk, ours in pairs:
                assert str(ours) == str(govuk)


def test_plain_hidden_csrf_token_matches_wtforms(app, app_context):
    with app.test_request_context("/"):
        for form in (HoursEntryForm(meta={"csrf": True}), ConfirmForm(meta={"csrf": True})):
            assert form.csrf_token._value()
            assert str(plain.hidden(form.csrf_token)) == str(form.csrf_token())


RANGES = [None, {}, {"first_day": ["3", "12", "2026"], "last_day": ["1", "1", "2026"]},
          {"first_day": ["31", "2", "2026"], "last_day": ["", "", ""]}, {"first_day": ["<b>", "&", '"']}]


def test_plain_date_inputs_match_the_govuk_widgets(app, app_context):
    from datetime import date

    with app.test_request_context("/"):
        for data in RANGES:
            form = HoursRangeForm(formdata=MultiDict(
                [(k, v) for k, values in data.items() for v in values]) if data is not None else None)
            if data is None:
                form.first_day.data, form.last_day.data = date(2025, 1, 17), date(2026, 12, 3)
            else:
                form.validate()
            for field in (form.first_day, form.last_day):
                legend = {"fieldset": {"legend": {"classes": "govuk-fieldset__legend--s"}}}
                assert str(plain.date_input(field, "govuk-fieldset__legend--s")) == str(field(params=legend))
            assert (str(plain.button(form.submit, classes="govuk-button--secondary"))
                    == str(form.submit(params={"classes": "govuk-button--secondary"})))
