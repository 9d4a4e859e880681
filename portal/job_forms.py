"""Forms for the job record (R-OUT-1): record a job, change it, end it."""
from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextArea, GovTextInput
from wtforms import IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import GovDateField, OnceField, PortalForm
from portal.services import job_rules
from portal.widgets import GovRadioInput

SUPPORTED_CHOICES = [("yes", "Supported work"), ("no", "Unsupported work")]


def _contracted_hours(form, field):
    try:
        form.contracted_quarters = job_rules.contracted_quarters_from_text(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def _hourly_pay(form, field):
    try:
        form.hourly_pay_pence = job_rules.pence_from_text(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None


class WholeNumberField(IntegerField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"Enter the {self.label.text.lower()} as a whole number, like 12") from None


class JobForm(PortalForm):
    employer_name = StringField("Employer", widget=GovTextInput(),
                                validators=[DataRequired("Enter the employer's name"),
                                            Length(max=200, message="Employer must be 200 characters or fewer")])
    employer_staff = WholeNumberField("Number of staff the employer had when the job started", widget=GovTextInput(),
                                  description="The Small Employer Payment is for employers with 25 or fewer staff",
                                  validators=[InputRequired("Enter the number of staff, like 12"),
                                              NumberRange(min=1, max=1000000, message="Enter a number of staff of 1 or more")])
    job_title = StringField("Job", widget=GovTextInput(),
                            validators=[DataRequired("Enter the job title"),
                                        Length(max=200, message="Job must be 200 characters or fewer")])
    started_on = GovDateField("Start date", validators=[InputRequired("Enter the start date")])
    contracted_hours = StringField("Contracted hours a week", widget=GovTextInput(),
                                   description="In quarter hours, like 16 or 22.5; 0 for a zero-hours contract",
                                   validators=[InputRequired("Enter the contracted hours a week"), _contracted_hours])
    hourly_pay = StringField("Hourly pay", widget=GovTextInput(), description="In pounds, like 12.21",
                             validators=[InputRequired("Enter the hourly pay"), _hourly_pay])
    supported = RadioField("Is the job supported or unsupported work?", widget=GovRadioInput(),
                           choices=SUPPORTED_CHOICES,
                           description="Supported work: the customer needs ongoing support from the provider or the "
                                       "employer to do the job (supported employment, in Work Choice terms)",
                           validators=[DataRequired("Select whether the job is supported or unsupported work")])
    submit = SubmitField("Record the job", widget=GovSubmitInput())

    contracted_quarters = None
    hourly_pay_pence = None


class NewJobForm(JobForm):
    once = OnceField()


class ChangeJobForm(JobForm):
    unsupported_from = GovDateField("Date the customer moved to unsupported work in this job",
                                    description="Only for supported work that is now unsupported, like 27 3 2026",
                                    validators=[Optional()])
    reason = TextAreaField("Reason for the change", widget=GovTextArea(), description="For example, a pay rise",
                           validators=[Optional(), Length(max=500, message="Reason must be 500 characters or fewer")])
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class EndJobForm(PortalForm):
    ended_on = GovDateField("Date the job ended", validators=[InputRequired("Enter the date the job ended")])
    reason = TextAreaField("Why did the job end?", widget=GovTextArea(),
                           validators=[Optional(), Length(max=300, message="Reason must be 300 characters or fewer")])
    submit = SubmitField("End the job", widget=GovSubmitInput())
