"""Forms for documents: the customer's copy, the verification page and inspection packs."""
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional

from portal.documents.service import FORMAT_LABELS, LANGUAGE_LABELS
from portal.forms import GovDateField, PortalForm
from portal.models import CopyMethod
from portal.widgets import GovRadioInput


class CopyForm(PortalForm):
    method = RadioField("How was the copy given?", widget=GovRadioInput(),
                        choices=[(m.value, m.label) for m in CopyMethod],
                        validators=[InputRequired("Select how the copy was given")])
    email = StringField("Email address to send the copy to", description="Only when emailing: the portal sends the PDF",
                        widget=GovTextInput(), validators=[Optional(), Length(max=254, message="Email address must be 254 characters or fewer")])
    document_format = RadioField("Format", widget=GovRadioInput(), choices=list(FORMAT_LABELS.items()),
                                 validators=[InputRequired("Select the format of the copy")])
    language = RadioField("Language", widget=GovRadioInput(), choices=list(LANGUAGE_LABELS.items()),
                          validators=[InputRequired("Select the language of the copy")])
    given_on = GovDateField("Date the copy was given", validators=[InputRequired("Enter the date the copy was given")])
    note = StringField("Note (optional)", description="For example, posted to the address the customer asked for",
                       widget=GovTextInput(), validators=[Optional(), Length(max=500, message="The note must be 500 characters or fewer")])
    submit = SubmitField("Record the copy", widget=GovSubmitInput())


class VerifyCodeForm(PortalForm):
    code = StringField("Verification code", description="It is printed on the document, for example K7QD-M2XP-9R",
                       widget=GovTextInput(), validators=[InputRequired("Enter the verification code")])
    submit = SubmitField("Check the code", widget=GovSubmitInput())


class VerifyFileForm(PortalForm):
    document = FileField("Upload the document", description="The PDF or Word file you were given", widget=GovFileInput())
    submit = SubmitField("Check the file", widget=GovSubmitInput())


class PackForm(PortalForm):
    organisation_id = SelectField("Provider", coerce=int, widget=GovSelect(), choices=[],
                                  validators=[InputRequired("Select the provider")])
    programme_id = SelectField("Programme", coerce=int, widget=GovSelect(), choices=[],
                               validators=[InputRequired("Select the programme")])
    date_from = GovDateField("Plans agreed from", validators=[InputRequired("Enter the first date")])
    date_to = GovDateField("Plans agreed up to", validators=[InputRequired("Enter the last date")])
    submit = SubmitField("Build the pack", widget=GovSubmitInput())
