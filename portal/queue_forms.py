"""Forms of the work queue and the reminder preference (R-REM-1)."""
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import InputRequired

from portal.forms import PortalForm
from portal.widgets import GovRadioInput


class ReminderForm(PortalForm):
    frequency = RadioField("How often do you want an email of your work queue?", widget=GovRadioInput(),
                           validators=[InputRequired("Select how often you want the email")], choices=[])
    submit = SubmitField("Save email preference", widget=GovSubmitInput())


class ReassignForm(PortalForm):
    adviser = SelectField("New adviser", widget=GovSelect(), choices=[],
                          validators=[InputRequired("Select an adviser")])
    submit = SubmitField("Reassign", widget=GovSubmitInput())
