"""Forms: Flask-WTF with the GOV.UK widgets. Every text field is stripped of surrounding whitespace."""
import re
import secrets
from datetime import datetime

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovPasswordInput,
    GovSelect,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from portal.models import OrganisationKind
from portal.widgets import GovCheckboxesInput, GovDateInput, GovRadioInput

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NINO_PATTERN = r"^[A-CEGHJ-PR-TW-Z]{2}\d{6}[A-D]$"
POSTCODE_PATTERN = r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$"
DATE_FORMAT = "%d %m %Y"


class GovDateField(DateField):
    """A GOV.UK day/month/year date. Always exactly three parts, so a crafted post cannot break the page."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=DATE_FORMAT, widget=GovDateInput(), **kwargs)

    def process_formdata(self, valuelist):
        parts = [(value or "").strip() for value in list(valuelist)[:3]]
        parts += [""] * (3 - len(parts))
        self.raw_data = parts
        if not any(parts):
            self.data = None
            return
        try:
            self.data = datetime.strptime(" ".join(parts), DATE_FORMAT).date()
        except ValueError:
            self.data = None
            raise ValueError(f"{self.label.text} must be a real date, like 27 3 2026") from None


class UKTimeField(TimeField):
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"Enter the {self.label.text.lower()} as hours and minutes, like 14:30") from None


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class PortalForm(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", [])
            if _strip not in filters:
                unbound_field.kwargs["filters"] = [_strip, *filters]
            return unbound_field.bind(form=form, **options)


def _new_once_token():
    return secrets.token_urlsafe(24)


class OnceField(HiddenField):
    """A creating form's one-time token (portal.services.submissions): made when the form is first
    drawn, kept when it is drawn again with errors, so a repeated post can be recognised."""

    def __init__(self, label="", **kwargs):
        super().__init__(label, default=_new_once_token, **kwargs)

    def process(self, formdata, *args, **kwargs):
        super().process(formdata, *args, **kwargs)
        if formdata is not None and self.name not in formdata:
            self.data = None  # posted without a token: there is nothing to recognise a repeat by


class ConfirmForm(PortalForm):
    """A button that posts: CSRF token only."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


def email_field(label="Email address"):
    return StringField(
        label,
        widget=GovTextInput(),
        validators=[DataRequired("Enter an email address"), Length(max=254, message="Email address must be 254 characters or fewer")],
    )


def _valid_email(form, field):
    if field.data and not EMAIL_PATTERN.match(field.data):
        raise ValidationError("Enter an email address in the correct format, like name@example.org")


# Sign-in and accounts -------------------------------------------------------------------------


class SignInForm(PortalForm):
    email = email_field()
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[DataRequired("Enter your password")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class CodeForm(PortalForm):
    code = StringField(
        "Security code",
        description="The 6-digit code shown in your authenticator app",
        widget=GovTextInput(),
        validators=[DataRequired("Enter the security code"), Regexp(r"^\s*\d{3}\s?\d{3}\s*$", message="Enter the 6-digit security code from your authenticator app")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class NewPasswordForm(PortalForm):
    password = PasswordField(
        "Create a password",
        description="Use 12 characters or more. Three random words work well.",
        widget=GovPasswordInput(),
        validators=[DataRequired("Enter a password")],
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ForgotPasswordForm(PortalForm):
    email = email_field()
    submit = SubmitField("Send a reset link", widget=GovSubmitInput())

    validate_email = _valid_email


class ChangePasswordForm(PortalForm):
    current_password = PasswordField("Current password", widget=GovPasswordInput(), validators=[DataRequired("Enter your current password")])
    new_password = PasswordField(
        "New password", description="Use 12 characters or more. Three random words work well.",
        widget=GovPasswordInput(), validators=[DataRequired("Enter a new password")],
    )
    submit = SubmitField("Change password", widget=GovSubmitInput())


class InviteForm(PortalForm):
    name = StringField("Full name", widget=GovTextInput(), validators=[DataRequired("Enter their full name"), Length(max=120, message="Name must be 120 characters or fewer")])
    email = email_field()
    role = RadioField("Role", widget=GovRadioInput(), validators=[InputRequired("Select a role")], choices=[])
    submit = SubmitField("Send invitation", widget=GovSubmitInput())

    validate_email = _valid_email


# Organisations --------------------------------------------------------------------------------


class OrganisationForm(PortalForm):
    name = StringField("Organisation name", widget=GovTextInput(), validators=[DataRequired("Enter the organisation name"), Length(max=200, message="Name must be 200 characters or fewer")])
    kind = RadioField(
        "Kind of organisation", widget=GovRadioInput(), validators=[InputRequired("Select the kind of organisation")],
        choices=[(kind.value, kind.label) for kind in OrganisationKind if kind != OrganisationKind.DWP],
    )
    security_accredited = RadioField(
        "Is it DWP security accredited?",
        description="Organisations that are not accredited see only a customer's name, appointments, language and format needs",
        widget=GovRadioInput(), validators=[InputRequired("Select whether the organisation is DWP security accredited")],
        choices=[("yes", "Yes"), ("no", "No")],
    )
    programmes = SelectMultipleField("Programmes delivered", widget=GovCheckboxesInput(), choices=[], validate_choice=True)
    prime_id = SelectField("Prime provider", description="Only for a sub-contractor", widget=GovSelect(), choices=[], coerce=str)
    submit = SubmitField("Save organisation", widget=GovSubmitInput())


# Referrals ------------------------------------------------------------------------------------


class ReferralForm(PortalForm):
    once = OnceField()
    # R-CUST-1: the reference of the known customer whose referrals the officer was shown (the check step).
    known_customer = HiddenField()
    first_name = StringField("First name", widget=GovTextInput(), validators=[DataRequired("Enter the customer's first name"), Length(max=100)])
    last_name = StringField("Last name", widget=GovTextInput(), validators=[DataRequired("Enter the customer's last name"), Length(max=100)])
    nino = StringField(
        "National Insurance number", description="For example, QQ 12 34 56 C", widget=GovTextInput(),
        filters=[lambda v: re.sub(r"\s+", "", v).upper() if isinstance(v, str) else v],
        validators=[DataRequired("Enter the National Insurance number"), Regexp(NINO_PATTERN, message="Enter a National Insurance number in the correct format, like QQ 12 34 56 C")],
    )
    date_of_birth = GovDateField("Date of birth", validators=[InputRequired("Enter the date of birth")])
    address = TextAreaField("Address", widget=GovTextArea(), validators=[Optional(), Length(max=400)])
    postcode = StringField("Postcode", widget=GovTextInput(), filters=[lambda v: v.upper() if isinstance(v, str) else v],
                           validators=[Optional(), Regexp(POSTCODE_PATTERN, message="Enter a real postcode")])
    phone = StringField("Phone", widget=GovTextInput(), validators=[Optional(), Length(max=40)])
    email = StringField("Email", widget=GovTextInput(), validators=[Optional(), Length(max=254)])
    benefit_type = RadioField("Benefit", widget=GovRadioInput(), validators=[InputRequired("Select the benefit")], choices=[])
    wca_group = RadioField("Work Capability Assessment outcome", widget=GovRadioInput(), validators=[InputRequired("Select the WCA outcome")], choices=[])
    wca_decision_date = GovDateField("WCA decision date", validators=[Optional()])
    health_summary = TextAreaField("Health condition summary", widget=GovCharacterCount(), validators=[Optional(), Length(max=2000)])
    medical_details = TextAreaField("Medical details", widget=GovCharacterCount(), validators=[Optional(), Length(max=4000)])
    learning_disability_or_autism = BooleanField("Learning disability or autism known to adult social care")
    secondary_mental_health = BooleanField("In contact with secondary mental health services")
    on_other_dwp_provision = BooleanField("On other DWP provision")
    jobcentre = StringField("Jobcentre", widget=GovTextInput(), validators=[Optional(), Length(max=120)])
    work_coach = StringField("Work coach", widget=GovTextInput(), validators=[Optional(), Length(max=120)])
    preferred_language = RadioField("Preferred language", widget=GovRadioInput(), default="en", validators=[InputRequired("Select the preferred language")],
                                    choices=[("en", "English"), ("cy", "Welsh (Cymraeg)")])
    format_needs = RadioField("Accessible format needs", widget=GovRadioInput(), default="standard", validators=[InputRequired("Select the format the customer needs")],
                              choices=[("standard", "Standard print"), ("large_print", "Large print"), ("easy_read", "Easy Read")])
    organisation_id = SelectField("Provider", widget=GovSelect(), choices=[], validators=[DataRequired("Select the provider")])
    programme = RadioField("Programme", widget=GovRadioInput(), validators=[InputRequired("Select the programme")], choices=[])
    eso_place = BooleanField("This is an Enhanced Support Offer place")
    eligibility_confirmed = BooleanField("I confirm DWP has checked this customer's eligibility")
    appointment_date = GovDateField("First appointment date", validators=[InputRequired("Enter the date of the first appointment")])
    appointment_time = UKTimeField("First appointment time", description="For example, 14:30", widget=GovTextInput(), validators=[InputRequired("Enter the time of the first appointment, like 14:30")])
    appointment_location = StringField("Where", widget=GovTextInput(), validators=[DataRequired("Enter where the appointment is"), Length(max=200)])
    submit = SubmitField("Refer customer", widget=GovSubmitInput())

    def validate_email(self, field):
        _valid_email(self, field)


class StatusChangeForm(PortalForm):
    effective_on = GovDateField("Date", validators=[InputRequired("Enter the date")])
    reason = TextAreaField("Reason", widget=GovCharacterCount(), validators=[Optional(), Length(max=500, message="Reason must be 500 characters or fewer")])
    submit = SubmitField("Save", widget=GovSubmitInput())


class EndingForm(StatusChangeForm):
    """Completion or early exit (R-EXIT-1): the choices are the active rows of `exit_reason`, set by the view;
    the service checks the code, so an unknown one gets the same error as none."""

    reason_code = RadioField("Why did the referral end?", widget=GovRadioInput(), choices=[], validate_choice=False)
    reason = TextAreaField("Details", widget=GovCharacterCount(),
                           description="Needed when you choose a reason that asks for details",
                           validators=[Optional(), Length(max=500, message="Details must be 500 characters or fewer")])


class StartForm(StatusChangeForm):
    cohort = SelectField("Club", widget=GovSelect(), choices=[], validate_choice=False,
                         description="Only clubs with a free place are listed")


class TransferForm(StatusChangeForm):
    organisation = SelectField("Receiving provider", widget=GovSelect(), choices=[], validators=[DataRequired("Select the receiving provider")])


class ConsentForm(PortalForm):
    once = OnceField()
    kind = RadioField(
        "What has the customer agreed to?", widget=GovRadioInput(), validators=[InputRequired("Select what the customer agreed to")],
        choices=[("data_sharing", "Sharing their information with us"),
                 ("health", "Sharing health information held by DWP"),
                 ("support_network", "Us consulting their family, carers or others who support them")],
    )
    health_items = SelectMultipleField("Which health information?", description="Only for health information", widget=GovCheckboxesInput(), choices=[], validate_choice=True)
    people = TextAreaField("Who may be consulted?", description="Only for the support network. Names and how they know the customer, for example: Mair Jones, mother", widget=GovCharacterCount(), validators=[Optional(), Length(max=1000, message="This must be 1000 characters or fewer")])
    given_on = GovDateField("Date the customer agreed", validators=[InputRequired("Enter the date the customer agreed")])
    submit = SubmitField("Record consent", widget=GovSubmitInput())


class WithdrawConsentForm(PortalForm):
    withdrawn_on = GovDateField("Date the customer withdrew consent", validators=[InputRequired("Enter the date the customer withdrew consent")])
    submit = SubmitField("Withdraw consent", widget=GovSubmitInput())


class ApiClientForm(PortalForm):
    name = StringField("Name of the DWP system", widget=GovTextInput(), validators=[DataRequired("Enter the name of the DWP system"), Length(max=120, message="Name must be 120 characters or fewer")])
    submit = SubmitField("Add client", widget=GovSubmitInput())


class CaseloadFilterForm(PortalForm):
    class Meta(PortalForm.Meta):
        csrf = False

    q = StringField("Name or reference", widget=GovTextInput())
    programme = SelectField("Programme", widget=GovSelect(), choices=[], validate_choice=False)
    status = SelectField("Status", widget=GovSelect(), choices=[], validate_choice=False)
    adviser = SelectField("Adviser", widget=GovSelect(), choices=[], validate_choice=False)
    flag = SelectField("Needs attention", widget=GovSelect(), choices=[], validate_choice=False)
    submit = SubmitField("Apply filters", widget=GovSubmitInput())


class MiFilterForm(PortalForm):
    """The MI page's filters (a GET form: it changes nothing, so no CSRF token). R-MI-1."""

    class Meta(PortalForm.Meta):
        csrf = False

    provider = SelectField("Provider", widget=GovSelect(), choices=[], validate_choice=False)
    programme = SelectField("Programme", widget=GovSelect(), choices=[], validate_choice=False)
    adviser = SelectField("Adviser", widget=GovSelect(), choices=[], validate_choice=False)
    grain = SelectField("Figures by", widget=GovSelect(), validators=[InputRequired("Select month, quarter or year")],
                        choices=[("month", "Month"), ("quarter", "Quarter"), ("year", "Year")])
    date_from = GovDateField("From", validators=[InputRequired("Enter the first date")])
    date_to = GovDateField("To", validators=[InputRequired("Enter the last date")])
    submit = SubmitField("Show figures", widget=GovSubmitInput())

    def validate_date_to(self, field):
        if self.date_from.data and field.data:
            if field.data < self.date_from.data:
                raise ValidationError("The last date must be on or after the first date")
            if (field.data - self.date_from.data).days > 6 * 366:
                raise ValidationError("Choose at most six years")
