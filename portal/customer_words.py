"""The portal's own words for customers: the plan as they read and sign it, in English or Welsh.

Messages are English gettext ids; the Welsh is in portal/translations/cy (Flask-Babel, compiled by
`make`). What the adviser wrote stays as written; only the portal's own words are translated.
"""
from functools import lru_cache

from babel.dates import format_date
from flask import current_app
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
    "email_subject": _l("Your support plan is ready to read and sign"),
    "email_body": _l("Hello {name},\n\nYour Individual Support Plan is ready. Read it and sign it here:\n\n{url}\n\n"
                     "The link works once and stops working after {days} days. You will be asked for your date of "
                     "birth first.\n\nIf you want help, or want the plan in another format, contact your adviser "
                     "at {provider}."),
    "changes_title": _l("What has changed since you last signed"),
    "change_added": _l("New in “{section}”: {item}"),
    "change_changed": _l("Changed in “{section}”: {item}"),
    "change_removed": _l("Taken out of “{section}”: {item}"),
    "change_field": _l("“{section}” has changed."),
    "needs": _l("What you need"),
    "programme": _l("Your programme"),
    "parties": _l("Who signs the plan"),
    "plan_title": _l("Your plan"),
    "declaration": _l("I have read this plan, or had it read to me. I understand it and I agree to it."),
    "declaration_missing": _l("Tick the box to say you agree to your plan"),
    "name_label": _l("Type your full name"),
    "name_missing": _l("Type your full name to sign"),
    "sign": _l("Sign my plan"),
    "method_question": _l("How are you agreeing to your plan?"),
    "method_in_person": _l("I am signing it myself"),
    "method_representative": _l("Someone is signing for me (an appointee or carer)"),
    "method_witnessed": _l("I am agreeing out loud, with a witness"),
    "representative_relationship": _l("The representative's relationship to you"),
    "representative_reason": _l("Why they are signing for you"),
    "witness_name": _l("The witness's name"),
    "witness_relationship": _l("The witness's relationship to you"),
    "witness_reason": _l("Why a witness is needed"),
    "name_wrong": _l("The name you typed does not match the name we have for you. Type your full name."),
    # The in-work support agreement, as the customer reads and signs it (R-ISP-12).
    "iw_sign_title": _l("Sign your in-work support agreement"),
    "iw_job": _l("The job"),
    "iw_employee": _l("Employee"),
    "iw_employer": _l("Employer"),
    "iw_job_title": _l("Job"),
    "iw_started": _l("Started on"),
    "iw_provider_will": _l("What the provider will do"),
    "iw_not_written": _l("Not written yet"),
    "iw_taper": _l("How support changes over time"),
    "iw_weeks": _l("Weeks"),
    "iw_support": _l("Support"),
    "iw_hours": _l("Hours a week"),
    "iw_weeks_range": _l("{start} to {end}"),
    "iw_onwards": _l("onwards"),
    "iw_no_steps": _l("No steps yet."),
    "iw_contacts": _l("Contacts"),
    "iw_at_employer": _l("At the employer"),
    "iw_at_provider": _l("At the provider"),
    "iw_declaration": _l("I have read this in-work support agreement, or had it read to me. I understand it and I agree to it."),
    "iw_declaration_missing": _l("Tick the box to say you agree"),
    "iw_sign": _l("Sign the agreement"),
    "iw_items": {
        "settled_in": _l("Settling in"),
        "transport": _l("Getting to work"),
        "benefits_advice": _l("Advice about benefits"),
        "support_plan": _l("Your support and how it changes"),
        "adjustments": _l("Changes at work, and advice to your colleagues"),
        "available": _l("Help when something unexpected happens"),
    },
    "customer_mode": _l("This page is for you to read your plan and sign it. When you have finished, give the device back to your adviser."),
    "signing_wait": _l("Signing your plan. This can take a few seconds."),
    "hand_back_title": _l("Thank you for signing your plan"),
    "hand_back_body": _l("Please give the device back to your adviser now."),
    "hand_back_button": _l("I am the adviser: go back to the plan"),
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
    # R-DATA-8 / SES 4.18: whom the customer agrees the provider may talk to.
    "support_network": _l("People we may talk to about you"),
    "support_network_agreed": _l("You agreed on {date}."),
    "support_network_withdrawn": _l("You took back your agreement on {date}."),
    # R-ISP-11: progress is shown beside the agreed plan, never inside it.
    "progress_as_at": _l("Progress as at {date}"),
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
    # Easy Read carries every agreed term (issue 15, R-SIGN-2): one sentence each, the adviser's words after it.
    "er_hours_why": _l("Why these hours:"),
    "er_how_often": _l("How often you will do it:"),
    "er_measure": _l("How we will know it is done:"),
    "er_done": _l("You did this on {date}."),
    "er_planned": _l("Time planned for this help: {hours}."),
    "er_helps_with": _l("This help is for:"),
    "er_impact": _l("How it makes work hard:"),
    "er_milestones": _l("Big steps on the way"),
    "er_funding": _l("Money from other organisations"),
    "er_length": _l("How long you will be on the programme"),
    "er_permitted_work": _l("Work you can do while you get benefits"),
    "er_in_work": _l("Help when you are in work"),
    "er_taper": _l("Weeks {weeks}: {support}. {hours} a week."),
    "er_needs": _l("What you need"),
    "er_progress": _l("How far you have come"),
    # Documents: what was assessed, and page numbers (issue 17).
    "needs_assessment": _l("Needs assessment"),
    "assessed_on": _l("Assessed on {date}"),
    "distance": _l("Distance travelled"),
    "distance_score": _l("{domain}: {score} out of {top}"),
    "doc_page_word": _l("Page"),
    "doc_page_of": _l("of"),
    # Documents (issue 6): the signed plan as Word and PDF, and its verification reference.
    "doc_title": _l("Individual Support Plan"),
    "doc_for": _l("Plan for {name}"),
    "doc_reference": _l("Customer reference"),
    "doc_programme": _l("Programme"),
    "doc_provider": _l("Provider"),
    "doc_version": _l("Version {number}"),
    "doc_agreed_on": _l("Agreed on {date}"),
    "doc_written_on": _l("Written on {date}"),
    "doc_draft": _l("Draft – not agreed"),
    "doc_draft_note": _l("This is a draft. It has not been agreed and signed yet."),
    "doc_signed_heading": _l("Who signed this plan"),
    "doc_not_signed": _l("Nobody has signed this version yet."),
    "doc_col_name": _l("Name"),
    "doc_col_role": _l("Role"),
    "doc_col_how": _l("How they signed"),
    "doc_col_when": _l("When"),
    "doc_verify_heading": _l("Check this document is genuine"),
    "doc_verify_body": _l("Go to {url} and enter the code {code}. You can also scan the QR code."),
    "doc_qr_alt": _l("QR code that opens the page to check document {code}"),
    "doc_seal": _l("The portal has sealed this document with its own digital signature. Any change to the document can be found."),
    "doc_at": _l("{date} at {time}"),
    "doc_roles": {
        "customer": _l("Customer"),
        "adviser": _l("Adviser"),
        "employer": _l("Employer"),
        "other": _l("Other"),
    },
    "doc_methods": {
        "in_person": _l("In person"),
        "remote_link": _l("Online, with a secure link"),
        "representative": _l("By a representative"),
        "verbal_witnessed": _l("Said they agree, with a witness"),
        "adviser": _l("As the adviser"),
    },
    "pictures": {
        "plan": _l("Picture of a plan written on paper"),
        "goal": _l("Picture of a target"),
        "barrier": _l("Picture of a person stopped by a wall"),
        "steps": _l("Picture of steps going up"),
        "help": _l("Picture of two people helping each other"),
        "talk": _l("Picture of two people talking"),
        "sign": _l("Picture of a pen signing a page"),
        "clock": _l("Picture of a clock"),
        "calendar": _l("Picture of a calendar"),
        "tick": _l("Picture of a tick on a list"),
        "flag": _l("Picture of a flag at the top of a hill"),
        "money": _l("Picture of coins"),
        "work": _l("Picture of a work bag"),
        "needs": _l("Picture of a person with a question"),
    },
    # The public verification page (issue 6).
    "verify_title": _l("Check a support plan document"),
    "verify_intro": _l("Check that a support plan document is a genuine, unchanged original from the portal. This page shows no personal information."),
    "verify_code_heading": _l("Check the code on the document"),
    "verify_code_label": _l("Verification code"),
    "verify_code_hint": _l("It is printed on the document, for example K7QD-M2XP-9R"),
    "verify_code_button": _l("Check the code"),
    "verify_file_heading": _l("Check a file"),
    "verify_file_label": _l("Upload the PDF or Word file"),
    "verify_file_button": _l("Check the file"),
    "verify_code_missing": _l("Enter the verification code"),
    "verify_code_unknown": _l("No document has this code. Check the code and try again."),
    "verify_file_missing": _l("Choose a PDF or Word file to check"),
    "verify_found": _l("This code belongs to version {number} of a support plan."),
    "verify_agreed": _l("It was agreed on {date}."),
    "verify_provider": _l("Provider: {provider}. Programme: {programme}."),
    "verify_current": _l("This is the current version of the plan."),
    "verify_superseded": _l("A newer version of the plan has been agreed since: version {number}."),
    "verify_code_note": _l("To check that your copy has not been changed, upload the file."),
    "verify_genuine": _l("This file is a genuine original. It has not been changed since the portal sealed it."),
    "verify_not_original": _l("This file is not an original sealed by the portal, or it has been changed."),
    "verify_changed_pdf": _l("The file carries the portal's seal, but it has been changed since it was sealed."),
    "verify_fingerprint": _l("Fingerprint of the portal's root certificate (SHA-256)"),
    "verify_too_many": _l("Too many checks from your connection. Wait a minute and try again."),
    "verify_check_another": _l("Check another document"),
    "verify_result_title": _l("Result of the check"),
    "verify_empty_file": _l("The file is empty. Choose the PDF or Word file you want to check."),
    "verify_not_a_document": _l("This file is not a PDF or Word document. Only the PDF and Word files the portal made can be checked."),
    "verify_record_broken": _l("The portal's seal record for this document does not match it, so it cannot be confirmed as an original."),
    "verify_code_broken": _l("The portal's records for this code do not match their seal. Documents with this code cannot be confirmed as originals. Contact the provider."),
    "verify_later_copy": _l("This file is a copy made on {made} of the version agreed on {agreed}."),
    "verify_tools_heading": _l("Check the seal with your own software"),
    "verify_tools_body": _l("The portal's PDF files carry a digital seal with a time stamp. To check it with your own software, trust the portal's root certificate and use its certificate revocation list."),
    "verify_root_link": _l("Download the portal's root certificate"),
    "verify_crl_link": _l("Download the certificate revocation list"),
    "verify_report_found": _l("This code belongs to the report of a DWP inspection of {provider}, sealed on {date}."),
    "verify_report_programmes": _l("Programmes inspected: {programme}."),
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
    """Every customer-facing word in `lang` as a plain dict; templates read `text.key`.

    Resolved once per application and language (issue 18: some 250 gettext lookups a page otherwise);
    each caller gets its own copy of the top level to change as it likes."""
    lang = lang if lang in LANGUAGES else "en"
    cache = current_app.extensions.setdefault("portal.customer_words", {})
    resolved = cache.get(lang)
    if resolved is None:
        with force_locale(lang):
            resolved = _resolved(MESSAGES)
        resolved["other_lang"], resolved["other_lang_link"] = LANGUAGE_LINKS[lang]
        cache[lang] = resolved
    return dict(resolved)


def customer_choice(args, preferred_lang, preferred_format):
    """The customer's recorded language and format, unless they asked for others on the page (R-SIGN-2)."""
    lang = args.get("lang") if args.get("lang") in LANGUAGES else preferred_lang
    document_format = args.get("format") if args.get("format") in FORMATS else preferred_format
    return lang, document_format


def date_in(value, lang):
    if value is None:
        return ""
    return _date_in(value, lang if lang in LANGUAGES else "en")


@lru_cache(maxsize=4096)
def _date_in(value, lang):
    # The same day reads the same in a language: Babel's formatting once, not on every page (issue 18).
    return format_date(value, "d MMMM y", locale=lang)
