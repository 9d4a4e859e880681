"""Forms of inspections (issue 13): opening one, drawing a sample, findings and the provider's answers."""
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from portal.forms import GovDateField, OnceField, PortalForm
from portal.models import Severity
from portal.widgets import GovCheckboxesInput, GovRadioInput


class OpenInspectionForm(PortalForm):
    once = OnceField()
    organisation_id = SelectField("Provider to inspect", coerce=str, widget=GovSelect(), choices=[],
                                  validators=[DataRequired("Select the provider to inspect")])
    programmes = SelectMultipleField("Programmes under review", widget=GovCheckboxesInput(), choices=[])
    period_from = GovDateField("Period under review: first day", validators=[InputRequired("Enter the first day")])
    period_to = GovDateField("Period under review: last day", validators=[InputRequired("Enter the last day")])
    inspector_ids = SelectMultipleField("Inspectors assigned", widget=GovCheckboxesInput(), choices=[], coerce=int)
    submit = SubmitField("Open the inspection", widget=GovSubmitInput())


class SampleForm(PortalForm):
    """One number field per programme is added by the view (sample_form)."""

    seed = StringField("Seed (leave empty for a new random draw)", widget=GovTextInput(),
                       description="Enter the seed of an earlier draw to repeat it exactly",
                       validators=[Optional(), Length(max=9, message="The seed is at most 9 digits")])
    submit = SubmitField("Draw the sample", widget=GovSubmitInput())


def sample_form(programmes, formdata=None):
    class _Form(SampleForm):
        pass

    for programme in programmes:
        setattr(_Form, f"size_{programme.code}", IntegerField(
            f"Customers to draw on {programme.name}", widget=GovTextInput(), default=0,
            validators=[InputRequired(f"Enter how many customers to draw on {programme.name}"),
                        NumberRange(min=0, max=500, message="Enter a number from 0 to 500")]))
    return _Form(formdata=formdata) if formdata is not None else _Form()


class AddToSampleForm(PortalForm):
    reference = StringField("Customer reference", widget=GovTextInput(),
                            validators=[DataRequired("Enter the customer's reference"), Length(max=16)])
    submit = SubmitField("Add to the sample", widget=GovSubmitInput())


class FindingForm(PortalForm):
    once = OnceField()
    customer_id = SelectField("About", coerce=str, widget=GovSelect(), choices=[])
    rule = SelectField("Rule", coerce=str, widget=GovSelect(), choices=[],
                       validators=[DataRequired("Select the rule")])
    found = TextAreaField("What was found", widget=GovTextArea(),
                          validators=[DataRequired("Describe what was found"), Length(max=4000)])
    severity = RadioField("Severity", widget=GovRadioInput(), choices=[(s.value, s.label) for s in Severity],
                          validators=[InputRequired("Select the severity")])
    action_required = TextAreaField("Action required", widget=GovTextArea(),
                                    validators=[DataRequired("Describe the action required"), Length(max=4000)])
    due_on = GovDateField("Due date", validators=[InputRequired("Enter the due date")])
    submit = SubmitField("Record the finding", widget=GovSubmitInput())


class AnswerForm(PortalForm):
    text = TextAreaField("Your answer", widget=GovTextArea(),
                         validators=[DataRequired("Enter your answer"), Length(max=4000)])
    evidence_url = StringField("Link to evidence (optional)", widget=GovTextInput(),
                               description="For example the address of the new plan version in the portal",
                               validators=[Optional(), Length(max=500)])
    submit = SubmitField("Send the answer", widget=GovSubmitInput())


class DecisionForm(PortalForm):
    decision = RadioField("Your decision", widget=GovRadioInput(),
                          choices=[("accepted", "Accept the answer"), ("reopened", "Reopen the finding")],
                          validators=[InputRequired("Select accept or reopen")])
    text = TextAreaField("Comment", widget=GovTextArea(), validators=[Optional(), Length(max=4000)])
    submit = SubmitField("Save the decision", widget=GovSubmitInput())
