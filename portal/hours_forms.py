"""Forms for the weekly record. Choices are filled per week by the view."""
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount, GovSelect, GovSubmitInput, GovTextArea, GovTextInput,
)
from wtforms import (
    HiddenField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import GovDateField, OnceField, PortalForm
from portal.models import Activity, CircumstanceDecision, CircumstanceKind, Mode, Source
from portal.services import hours_rules
from portal.widgets import GovCheckboxesInput, GovRadioInput


def _quarter_hours(form, field):
    try:
        form.quarters = hours_rules.quarters_from_text(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None


def _quarter_hours_or_none(form, field):
    """Hours worked in a week: 0 is a real answer (no work that week)."""
    if (field.data or "").strip() in ("0", "0.0", "0.00"):
        form.quarters = 0
        return
    try:
        form.quarters = hours_rules.quarters_from_text(field.data)
    except ValueError as error:
        raise ValidationError(str(error)) from None
    if form.quarters > hours_rules.QUARTERS_IN_A_WEEK:
        raise ValidationError("A week cannot have more than 168 hours")


def _activity():
    return SelectField("Activity", widget=GovSelect(), validators=[DataRequired("Select the activity")],
                       choices=[("", "Choose an activity")] + [(a.value, a.label) for a in Activity])


def _hours():
    return StringField("Hours", widget=GovTextInput(), description="In quarter hours, like 1.25 or 3.5",
                       validators=[InputRequired("Enter the hours"), _quarter_hours])


def _description():
    """R-HRS-3: what was done, concisely."""
    limit = hours_rules.DESCRIPTION_LIMIT
    return TextAreaField("What was done", widget=GovCharacterCount(), description=f"A sentence or two, up to {limit} characters",
                         validators=[DataRequired("Describe what was done"),
                                     Length(max=limit, message=f"Description must be {limit} characters or fewer")])


class HoursEntryForm(PortalForm):
    on = SelectField("Day", widget=GovSelect(), choices=[], validators=[DataRequired("Select the day")])
    activity = _activity()
    source = SelectField("Delivered by", widget=GovSelect(), validators=[DataRequired("Select who delivered it")],
                         choices=[(s.value, s.label) for s in Source])
    source_name = StringField("Name of the organisation", widget=GovTextInput(),
                              description="For a sub-contractor, third-tier or other organisation",
                              validators=[Optional(), Length(max=200, message="Name must be 200 characters or fewer")])
    objective = SelectField("Objective it serves", widget=GovSelect(), choices=[], validators=[Optional()])
    mode = SelectField("How", widget=GovSelect(), validators=[DataRequired("Select how it was delivered")],
                       choices=[(m.value, m.label) for m in Mode])
    hours = _hours()
    description = _description()
    esa_confirmed = HiddenField()
    once = OnceField()
    submit = SubmitField("Add activity", widget=GovSubmitInput())

    quarters = None


class ChangeHoursEntryForm(HoursEntryForm):
    lock_version = HiddenField()
    reason = TextAreaField("Reason for the change", widget=GovTextArea(),
                           description="Needed for a past week; inspectors see it",
                           validators=[Optional(), Length(max=500, message="Reason must be 500 characters or fewer")])
    submit = SubmitField("Save change", widget=GovSubmitInput())


class RemoveHoursEntryForm(PortalForm):
    reason = TextAreaField("Reason for removing it", widget=GovTextArea(),
                           description="Needed for a past week; inspectors see it",
                           validators=[Optional(), Length(max=500, message="Reason must be 500 characters or fewer")])
    submit = SubmitField("Remove activity", widget=GovSubmitInput())


class WorkedWeekForm(PortalForm):
    week = SelectField("Week", widget=GovSelect(), choices=[], validators=[DataRequired("Select the week")])
    hours = StringField("Hours worked", widget=GovTextInput(), description="In quarter hours, like 16 or 17.5",
                        validators=[InputRequired("Enter the hours worked"), _quarter_hours_or_none])
    reason = TextAreaField("Reason for the change", widget=GovTextArea(),
                           description="Only if you are changing hours already recorded for that week",
                           validators=[Optional(), Length(max=500, message="Reason must be 500 characters or fewer")])
    submit = SubmitField("Save hours worked", widget=GovSubmitInput())

    quarters = None


class HoursRangeForm(PortalForm):
    """The dates of an hours download (a GET form: no CSRF token needed, it changes nothing)."""

    class Meta:
        csrf = False

    first_day = GovDateField("From", validators=[InputRequired("Enter the first date")])
    last_day = GovDateField("To", validators=[InputRequired("Enter the last date")])
    submit = SubmitField("Download CSV", widget=GovSubmitInput())

    def validate_last_day(self, field):
        if self.first_day.data and field.data and field.data < self.first_day.data:
            raise ValidationError("The last date must be on or after the first date")


class CohortForm(PortalForm):
    once = OnceField()
    programme = SelectField("Programme", widget=GovSelect(), choices=[], validators=[DataRequired("Select the programme")])
    name = StringField("Name", widget=GovTextInput(), description="Optional, for example 'Tuesday club, Pontypridd'",
                       validators=[Optional(), Length(max=120, message="Name must be 120 characters or fewer")])
    starts_on = GovDateField("Start date", validators=[InputRequired("Enter the start date")])
    submit = SubmitField("Create the club", widget=GovSubmitInput())


class GroupSessionForm(PortalForm):
    once = OnceField()
    on = GovDateField("Date of the session", validators=[InputRequired("Enter the date of the session")])
    activity = _activity()
    hours = _hours()
    description = _description()
    attendees = SelectMultipleField("Who attended", widget=GovCheckboxesInput(), choices=[], coerce=int,
                                    validators=[DataRequired("Select who attended")])
    submit = SubmitField("Record the session", widget=GovSubmitInput())

    quarters = None


class CircumstanceForm(PortalForm):
    kind = RadioField("What changed", widget=GovRadioInput(), validators=[DataRequired("Select what changed")],
                      choices=[(k.value, k.label) for k in CircumstanceKind])
    changed_on = GovDateField("Date of the change", validators=[InputRequired("Enter the date of the change")])
    decision = RadioField("What happens now", widget=GovRadioInput(),
                          validators=[DataRequired("Select what happens now")],
                          choices=[(d.value, d.label) for d in CircumstanceDecision])
    note = TextAreaField("Notes", widget=GovTextArea(),
                         validators=[Optional(), Length(max=1000, message="Notes must be 1000 characters or fewer")])
    submit = SubmitField("Save", widget=GovSubmitInput())
