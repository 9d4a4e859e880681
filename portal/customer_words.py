"""The portal's own words for customers: the plan as they read and sign it, in English or Welsh.

Messages are English gettext ids; the Welsh is in portal/translations/cy (Flask-Babel, compiled by
`make`). What the adviser wrote stays as written; only the portal's own words are translated.
"""
from babel.dates import format_date
from flask_babel import force_locale, lazy_gettext as _l

LANGUAGES = ("en", "cy")
FORMATS = ("standard", "large_print", "easy_read")
# Each language names itself, and the link to the other language is written in that language.
LANGUAGE_LINKS = {"en": ("cy", "Cymraeg"), "cy": ("en", "English")}

MESSAGES = {
    "title": _l("Read and sign your support plan"),
    "dob_intro": _l("To keep your plan private, enter your date of birth."),
    "dob_label": _l("Date of birth"),
    "dob_hint": _l("For example, 27 3 1990"),
    "dob_wrong": _l("The date of birth does not match. You have {left} more tries."),
    "continue": _l("Continue"),
    "gone_title": _l("This link no longer works"),
    "gone_body": _l("The link may have been used already or be more than 7 days old, or the plan may have changed. Ask your adviser for a new link."),
    "changes_title": _l("What has changed since you last signed"),
    "plan_title": _l("Your plan"),
    "declaration": _l("I have read this plan, or had it read to me. I understand it and I agree to it."),
    "declaration_missing": _l("Tick the box to say you agree to your plan"),
    "name_label": _l("Type your full name"),
    "name_missing": _l("Type your full name to sign"),
    "sign": _l("Sign my plan"),
    "done_title": _l("You have signed your plan"),
    "done_body": _l("Thank you. Your adviser will give you a copy of your plan in the format you need."),
    "help": _l("If you do not agree, or you want help, contact your adviser. You do not have to sign today."),
    "problem": _l("There is a problem"),
    "error_prefix": _l("Error"),
    "service": _l("ISP provider portal"),
    "goals": _l("Your goals"),
    "what_you_want": _l("What you want"),
    "job_goal": _l("Job goal"),
    "target_hours": _l("Hours a week you are aiming for"),
    "not_written": _l("Not written yet"),
    "not_agreed": _l("Not agreed yet"),
    "objectives": _l("What you will work on"),
    "how_often": _l("How often"),
    "how_we_know": _l("How we will know"),
    "by": _l("By"),
    "done_on": _l("Done on"),
    "no_objectives": _l("No objectives yet."),
    "support": _l("Support you will get"),
    "qualification": _l("qualification"),
    "given_by": _l("Given by"),
    "planned": _l("planned"),
    "helps_with": _l("Helps with"),
    "no_objective": _l("no objective yet"),
    "no_support": _l("No support agreed yet."),
    "barriers": _l("Things that make work harder"),
    "affects_work": _l("How it affects work"),
    "we_will": _l("What we will do"),
    "none_yet": _l("None recorded yet."),
    "milestones": _l("Milestones"),
    "funding": _l("Funding from other organisations"),
    "reviews": _l("Reviews"),
    "review_every": _l("We will look at this plan together every {weeks} weeks"),
    "first_on": _l("first on {date}"),
    "length": _l("Time on the programme"),
    "permitted_work": _l("Permitted work"),
    "a_week": _l("a week"),
    "in_work": _l("Support in work"),
    "job_with": _l("{job} with {employer}"),
    "from": _l("from {date}"),
    "taper": _l("How support changes over time"),
    "weeks": _l("Weeks"),
    "support_col": _l("Support"),
    "hours_a_week": _l("Hours a week"),
    "to": _l("to"),
    "onwards": _l("onwards"),
    "settled_in": _l("Settling in"),
    "transport": _l("Transport"),
    "benefits_advice": _l("Benefits advice"),
    "adjustments": _l("Adjustments"),
    "hour": _l("hour"),
    "hours": _l("hours"),
    "formats": _l("Read this plan in"),
    "format_names": {
        "standard": _l("Standard print"), "large_print": _l("Large print"), "easy_read": _l("Easy Read"),
    },
    # Easy Read: short sentences, one idea each, a picture beside each part (R-ISP formats).
    "er_intro": _l("This is your plan."),
    "er_intro_2": _l("It says how we will help you get ready for work."),
    "er_want": _l("You want to:"),
    "er_job": _l("The job you would like:"),
    "er_hours": _l("You want to work {hours} a week."),
    "er_hard": _l("What makes work hard for you"),
    "er_we_will": _l("We will:"),
    "er_steps": _l("What you will do"),
    "er_by": _l("We hope you can do this by {date}."),
    "er_help": _l("Help you will get"),
    "er_help_from": _l("Help from: {who}."),
    "er_talk": _l("Talking about your plan"),
    "er_talk_every": _l("We will meet to talk about your plan every {weeks} weeks."),
    "er_change": _l("You can ask to change your plan at any time."),
    "er_nothing": _l("Nothing yet."),
    "barrier_categories": {
        "disability": _l("Disability or health condition"),
        "debt": _l("Debt or money"),
        "housing": _l("Housing"),
        "addiction": _l("Addiction"),
        "confidence": _l("Confidence"),
        "transport": _l("Transport"),
        "caring": _l("Caring responsibilities"),
        "skills": _l("Skills or qualifications"),
        "life_event": _l("A big change in life"),
        "other": _l("Something else"),
    },
    "deliverers": {
        "provider": _l("Your adviser's organisation"),
        "subcontractor": _l("A partner organisation"),
        "employer": _l("Your employer"),
        "third_tier": _l("A local organisation"),
        "other": _l("Another organisation"),
    },
}


def _resolved(messages):
    return {key: _resolved(value) if isinstance(value, dict) else str(value) for key, value in messages.items()}


def words(lang):
    """Every customer-facing word in `lang` as a plain dict; templates read `text.key`."""
    lang = lang if lang in LANGUAGES else "en"
    with force_locale(lang):
        resolved = _resolved(MESSAGES)
    resolved["other_lang"], resolved["other_lang_link"] = LANGUAGE_LINKS[lang]
    return resolved


def customer_choice(args, preferred_lang, preferred_format):
    """The customer's recorded language and format, unless they asked for others on the page (R-SIGN-2)."""
    lang = args.get("lang") if args.get("lang") in LANGUAGES else preferred_lang
    document_format = args.get("format") if args.get("format") in FORMATS else preferred_format
    return lang, document_format


def date_in(value, lang):
    if value is None:
        return ""
    return format_date(value, "d MMMM y", locale=lang if lang in LANGUAGES else "en")
