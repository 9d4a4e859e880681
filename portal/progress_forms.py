"""Forms for what is recorded against an agreed plan: progress (R-ISP-11), Work Choice strands, DEA
approvals and quality checks (R-WC-1). Each creates a row, so each carries a one-time token."""
from govuk_frontend_wtf.wtforms_widgets import GovCharacterCount, GovSubmitInput
from wtforms import RadioField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.forms import GovDateField, OnceField, PortalForm
from portal.services.strands import STRANDS
from portal.widgets import GovRadioInput


def _note(label, required=None, max_length=2000):
    validators = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(label, widget=GovCharacterCount(), validators=validators + [
        Length(max=max_length, message=f"{label} must be {max_length} characters or fewer")])


class ProgressForm(PortalForm):
    once = OnceField()
    done_on = GovDateField("Date", validators=[InputRequired("Enter the date")])
    note = _note("Note")
    submit = SubmitField("Record progress", widget=GovSubmitInput())


class StrandForm(PortalForm):
    once = OnceField()
    strand = RadioField("Strand", widget=GovRadioInput(), choices=list(STRANDS.items()),
                        validators=[InputRequired("Select the strand")])
    started_on = GovDateField("Date the strand starts", validators=[InputRequired("Enter the date the strand starts")])
    submit = SubmitField("Record the strand", widget=GovSubmitInput())


class ApprovalForm(PortalForm):
    once = OnceField()
    approved_on = GovDateField("Date of approval", validators=[InputRequired("Enter the date of approval")])
    note = _note("Why longer-term support is needed", "Say why longer-term support is needed")
    submit = SubmitField("Approve the move to longer-term support", widget=GovSubmitInput())


class QualityCheckForm(PortalForm):
    once = OnceField()
    checked_on = GovDateField("Date of the check", validators=[InputRequired("Enter the date of the check")])
    outcome = _note("What the check found", "Say what the check found")
    submit = SubmitField("Record the check", widget=GovSubmitInput())
