"""Forms for the plan's sections and rows. Each carries the version's lock number (optimistic locking)."""
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount, GovCheckboxInput, GovSubmitInput, GovTextInput,
)
from wtforms import (
    BooleanField, DecimalField, HiddenField, IntegerField, RadioField, SelectMultipleField, StringField, SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.forms import GovDateField, OnceField, PortalForm
from portal.services.plan_rules import BARRIER_CATEGORIES, DELIVERERS
from portal.widgets import GovCheckboxesInput, GovRadioInput


def _text(label, max_length=5000, required=None, description=None):
    validators = [DataRequired(required)] if required else [Optional()]
    return TextAreaField(label, description=description, widget=GovCharacterCount(),
                         validators=validators + [Length(max=max_length, message=f"{label} must be {max_length} characters or fewer")])


def _line(label, max_length=200, required=None, description=None):
    validators = [DataRequired(required)] if required else [Optional()]
    return StringField(label, description=description, widget=GovTextInput(),
                       validators=validators + [Length(max=max_length, message=f"{label} must be {max_length} characters or fewer")])


def _hours(label, description=None, required=None):
    validators = [InputRequired(required)] if required else [Optional()]
    return DecimalField(label, description=description, places=2, widget=GovTextInput(),
                        validators=validators + [NumberRange(min=0, max=168, message="Enter a number of hours between 0 and 168")])


def _quarter_hours(form, field):
    if field.data is not None and (field.data * 4) % 1 != 0:
        raise ValidationError("Enter hours in quarter hours, like 2.25 or 7.5")


class PlanForm(PortalForm):
    lock_version = HiddenField()
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


YES_NO = [("yes", "Yes"), ("no", "No")]


class NeedsForm(PlanForm):
    needs_assessment = _text("Needs assessment", 10000, "Record the needs assessment",
                             "What the customer needs to move into work: health, skills, circumstances, what helps")
    needs_assessed_on = GovDateField("Date of the assessment", validators=[Optional()])


class GoalsForm(PlanForm):
    aspirations = _text("The customer's aspirations", 5000, "Record the customer's aspirations",
                        "In the customer's own words where you can")
    job_goal = _line("Job goal", 300, "Record the customer's job goal", "For example, warehouse operative")
    target_weekly_hours = _hours("Hours a week the customer is aiming for", "For example, 16", "Enter the hours a week the customer is aiming for")
    target_hours_reason = _text("Why the target is under 16 hours a week", 2000,
                                description="Only if the target is under 16 hours (R-ISP-2)")


class LengthForm(PlanForm):
    length_rationale = _text("Why this length of time on the programme", 5000, "Record the rationale for the time on the programme")


class ReviewsForm(PlanForm):
    review_every_weeks = IntegerField("Review the plan every (weeks)", widget=GovTextInput(),
                                      validators=[InputRequired("Enter how often the plan will be reviewed, in weeks"),
                                                  NumberRange(min=1, max=52, message="Enter a number of weeks from 1 to 52")])
    first_review_on = GovDateField("First review date", validators=[InputRequired("Enter the first review date")])


class PermittedWorkForm(PlanForm):
    permitted_work = RadioField("Does the customer do permitted work?", widget=GovRadioInput(), choices=YES_NO,
                                validators=[InputRequired("Select yes if the customer does permitted work")])
    permitted_work_hours = _hours("Hours of permitted work a week")
    permitted_work_details = _text("Details", 2000)


class SupportNetworkForm(PlanForm):
    """R-DATA-8 / SES 4.18: whom the customer agrees may be consulted, when they agreed, and any withdrawal."""

    support_network_who = _text("Who the customer agrees may be consulted", 2000,
                                description="For example, their mother, their carer, their social worker")
    support_network_agreed_on = GovDateField("Date the customer agreed", validators=[Optional()])
    support_network_withdrawn_on = GovDateField("Date the customer withdrew their agreement", validators=[Optional()],
                                                description="Only if they have withdrawn it")


class BarrierForm(PlanForm):
    category = RadioField("Kind of barrier", widget=GovRadioInput(), choices=list(BARRIER_CATEGORIES.items()),
                          validators=[InputRequired("Select the kind of barrier")])
    description = _text("The barrier", 2000, "Describe the barrier")
    impact = _text("Its impact on getting or keeping work", 2000)
    response = _text("What we will do about it", 2000, description="For example, advocacy with a housing officer, signposting, coping strategies")


class ObjectiveForm(PlanForm):
    what = _text("Objective", 1000, "Enter the objective", "Specific: what the customer will do or achieve")
    how_often = _line("How often", 200, description="For example, twice a week")
    measure = _line("How progress is measured", 300, description="For example, 5 applications a week")
    target_on = GovDateField("Target date", validators=[Optional()])


class SupportForm(PlanForm):
    kind = RadioField("Is this support or a qualification?", widget=GovRadioInput(),
                      choices=[("support", "Support"), ("qualification", "Qualification")],
                      validators=[InputRequired("Select support or qualification")])
    description = _text("Description", 1000, "Describe the support or qualification")
    deliverer = RadioField("Who delivers it?", widget=GovRadioInput(), choices=list(DELIVERERS.items()),
                           validators=[InputRequired("Select who delivers it")])
    deliverer_name = _line("Name of the organisation", 200, description="Needed unless it is your organisation or the employer")
    planned_hours = _hours("Planned hours", "In total")
    objectives = SelectMultipleField("Objectives it serves", widget=GovCheckboxesInput(), choices=[], coerce=int,
                                     validate_choice=True)


class MilestoneForm(PlanForm):
    description = _text("Milestone", 1000, "Describe the milestone")
    agreed_on = GovDateField("Date agreed for", validators=[Optional()])


class FundingForm(PlanForm):
    source = _line("Who is asked for funding", 200, "Enter who is asked for funding", "For example, social services")
    purpose = _text("What for", 1000, "Enter what the funding is for")
    amount = DecimalField("Amount (£)", places=2, widget=GovTextInput(),
                          validators=[Optional(), NumberRange(min=0, message="Enter an amount of 0 or more")])
    outcome = _line("Outcome", 200, description="For example, approved, refused, waiting")


class PartyForm(PlanForm):
    role = RadioField("Who are they?", widget=GovRadioInput(), validators=[InputRequired("Select who they are")],
                      # The employer signs the in-work support agreement, not the plan (R-ISP-12).
                      choices=[("other", "Someone else, such as a carer or support worker")])
    name = _line("Name", 200, "Enter their name")
    required = BooleanField("Their signature is needed before the plan is agreed", widget=GovCheckboxInput())


class ReasonForm(PortalForm):
    reason = _text("Why is the plan changing?", 500, "Say why the plan is changing",
                   "For example, review on 3 March: new objective for a forklift licence")
    submit = SubmitField("Start a new version", widget=GovSubmitInput())


class LockForm(PortalForm):
    lock_version = HiddenField()
    submit = SubmitField("Send for signature", widget=GovSubmitInput())


# In-work support and its taper are written in the in-work support agreement (R-ISP-12), not the plan:
# a plan version from before 0019 keeps what it had, read-only.
SECTION_FORMS = {
    "needs": NeedsForm, "goals": GoalsForm, "length": LengthForm, "reviews": ReviewsForm,
    "permitted_work": PermittedWorkForm, "support_network": SupportNetworkForm,
}
ITEM_FORMS = {
    "barriers": BarrierForm, "objectives": ObjectiveForm, "support": SupportForm, "milestones": MilestoneForm,
    "funding": FundingForm, "parties": PartyForm,
}
YES_NO_FIELDS = {"permitted_work"}


class SignInPersonForm(PortalForm):
    seen_hash = HiddenField()
    method = RadioField(
        "How is the plan being agreed?", widget=GovRadioInput(), default="in_person",
        choices=[("in_person", "The person signs themselves"),
                 ("representative", "A representative signs for them (appointee or carer)"),
                 ("verbal_witnessed", "They agree out loud, with a witness")],
        validators=[Optional()],
    )
    representative_relationship = _line("Representative's relationship to the customer", 120)
    representative_reason = _text("Why a representative is signing", 1000)
    witness_name = _line("Witness's name", 200)
    witness_relationship = _line("Witness's relationship to the customer", 120)
    witness_reason = _text("Why the customer's agreement is witnessed", 1000)
    declaration = BooleanField("I have read this plan, or had it read to me, and I agree to it", widget=GovCheckboxInput(),
                               validators=[DataRequired("Tick the box to say you agree to the plan")])
    typed_name = _line("Type your full name", 200, "Type your full name to sign")
    submit = SubmitField("Sign the plan", widget=GovSubmitInput())


class ReviewForm(PortalForm):
    once = OnceField()
    held_on = GovDateField("Date of the review", validators=[InputRequired("Enter the date of the review")])
    participants = _text("Who took part", 1000, "Enter who took part", "For example, the customer, their mother, the adviser")
    what_changed = _text("What changed", 5000, description="Progress, and any change to the plan. A change to the plan also needs a new version.")
    next_review_on = GovDateField("Next review date", validators=[InputRequired("Enter the next review date")])
    submit = SubmitField("Record the review", widget=GovSubmitInput())


class AssessmentForm(PortalForm):
    """Fields for each domain (domain_<id>) are added per programme by `assessment_form`."""

    once = OnceField()
    assessed_on = GovDateField("Date of the assessment", validators=[InputRequired("Enter the date of the assessment")])
    label = _line("What this assessment is", 60, "Say what this assessment is", "For example, Start, or Review 2")
    submit = SubmitField("Save scores", widget=GovSubmitInput())


def assessment_form(domains, formdata=None):
    class Form(AssessmentForm):
        pass

    for domain in domains:
        setattr(Form, f"domain_{domain.id}", RadioField(
            domain.label, widget=GovRadioInput(), choices=[(str(n), str(n)) for n in range(1, 11)],
            validators=[InputRequired(f"Give a score for {domain.label.lower()}")]))
    return Form() if formdata is None else Form(formdata=formdata)


class SigningLinkForm(PortalForm):
    email = StringField("Email address to send the link to", widget=GovTextInput(),
                        validators=[DataRequired("Enter the email address to send the link to"), Length(max=254)])
    submit = SubmitField("Send the link", widget=GovSubmitInput())

    def validate_email(self, field):
        from portal.forms import EMAIL_PATTERN

        if not EMAIL_PATTERN.match(field.data or ""):
            raise ValidationError("Enter an email address in the correct format, like name@example.org")
