"""Forms of the in-work support agreement (R-ISP-12) and of the employer's signing link."""
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, DecimalField, HiddenField, IntegerField, RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import EMAIL_PATTERN, GovDateField, OnceField, PortalForm
from portal.plan_forms import _line, _text
from portal.services.plan_rules import IFS12_ITEMS
from portal.widgets import GovRadioInput


class StartForm(PortalForm):
    once = OnceField()
    job_id = RadioField("Which job is the agreement for?", widget=GovRadioInput(), coerce=int,
                        validators=[InputRequired("Choose the job this agreement is for")])
    reason = _text("Why is the agreement changing?", 500, description="Only for a new version of an agreement")
    submit = SubmitField("Start the agreement", widget=GovSubmitInput())


class AgreementForm(PortalForm):
    lock_version = HiddenField()
    employer_contact_name = _line("Contact at the employer")
    employer_contact_role = _line("Their role", 120)
    employer_email = _line("Their email address", 254)
    provider_contact = _text("Who to contact at the provider, and how", 2000)
    settling_in = _text("Settling in: how we will check the customer has settled into the workplace", 2000)
    transport = _text("Transport: how we will make sure travel to work is working", 2000)
    benefits_advice = _text("Benefits advice: how the customer will get the right advice", 2000)
    support = _text("The support, and how it is organised", 4000,
                    description="For example, a job coach for new tasks; the taper steps say how it changes")
    adjustments = _text("Adjustments the employer will make, with our help", 4000)
    colleague_advice = _text("Advice to the employer and work colleagues", 4000)
    unexpected_issues = _text("If something unexpected happens: how to reach us for advice and support", 2000)
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_employer_email(self, field):
        if field.data and not EMAIL_PATTERN.match(field.data):
            raise ValidationError("Enter an email address in the correct format, like name@example.org")


class TaperForm(PortalForm):
    lock_version = HiddenField()
    from_week = IntegerField("From week", widget=GovTextInput(),
                             validators=[InputRequired("Enter the first week"),
                                         NumberRange(min=1, max=520, message="Enter a week from 1 to 520")])
    to_week = IntegerField("To week", widget=GovTextInput(), description="Leave empty for 'onwards'",
                           validators=[Optional(), NumberRange(min=1, max=520, message="Enter a week from 1 to 520")])
    support = _text("Support in these weeks", 2000, "Say what support is given in these weeks")
    hours_per_week = DecimalField("Hours a week", places=2, widget=GovTextInput(),
                                  validators=[Optional(), NumberRange(min=0, max=168, message="Enter hours from 0 to 168")])
    submit = SubmitField("Add the step", widget=GovSubmitInput())


class LockForm(PortalForm):
    lock_version = HiddenField()
    submit = SubmitField("Send for signature", widget=GovSubmitInput())


class SignForm(PortalForm):
    seen_hash = HiddenField()
    declaration = BooleanField("I agree", widget=GovCheckboxInput(),
                               validators=[DataRequired("Tick the box to say you agree")])
    typed_name = _line("Type your full name", 200, "Type your full name to sign")
    signer_role = _line("Your role at the employer", 120)
    submit = SubmitField("Sign", widget=GovSubmitInput())


class LinkForm(PortalForm):
    email = StringField("The employer's email address", widget=GovTextInput(),
                        validators=[DataRequired("Enter the employer's email address"), Length(max=254)])
    submit = SubmitField("Send the link", widget=GovSubmitInput())

    def validate_email(self, field):
        if not EMAIL_PATTERN.match(field.data or ""):
            raise ValidationError("Enter an email address in the correct format, like name@example.org")


class CheckForm(PortalForm):
    once = OnceField()
    item = RadioField("Which check was done?", widget=GovRadioInput(), choices=list(IFS12_ITEMS.items()),
                      validators=[InputRequired("Choose which check was done")])
    done_on = GovDateField("Date of the check", validators=[InputRequired("Enter the date the check was done")])
    done_by = _line("Who did the check", 200, "Enter who did the check")
    note = _text("What was found or agreed", 4000, "Enter what was found or agreed")
    submit = SubmitField("Record the check", widget=GovSubmitInput())


class CodeForm(PortalForm):
    code = StringField("Code", widget=GovTextInput(), description="The 6-digit code in the email we sent you",
                       validators=[Optional(), Length(max=20)])
    action = HiddenField()


class EmployerSignForm(PortalForm):
    declaration = BooleanField("I agree", widget=GovCheckboxInput(),
                               validators=[DataRequired("Tick the box to say you agree")])
    typed_name = _line("Your full name", 200, "Type your full name to sign")
    signer_role = _line("Your role at the employer", 120, "Enter your role at the employer")
    submit = SubmitField("Sign the agreement", widget=GovSubmitInput())
