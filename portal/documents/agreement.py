"""The in-work support agreement as a document (R-ISP-12): standard print, English, tagged PDF.

Built from the agreement alone — the job, the six IFS 12 items, the taper, contacts and signatures —
so the employer's copy holds nothing else of the customer's plan (JCP 92). Rendered like the plan's
PDF (portal/documents/pdf.py): escaped text, data: URLs only, PDF/UA-1, checked by pdf_checks.
"""
import weasyprint
from flask import render_template
from weasyprint.urls import FatalURLFetchingError

from portal.documents.context import map_text
from portal.documents.pdf import PDF_VARIANT, STYLESHEET, DataURLsOnlyFetcher, ExternalResourceError, printable
from portal.services import plan_rules
from portal.template_helpers import UK

TEMPLATE = "documents/in_work_agreement.html"
HOW = {"in_person": "In person", "adviser": "In person, for the provider", "employer_in_person": "In person",
       "employer_link": "By a link sent to the employer, with a one-time code", "remote_link": "By a link"}
PARTY = {"customer": "Employee", "employer": "Employer", "provider": "Provider"}


def _date(value):
    return f"{value:%-d %B %Y}" if value else ""


def build_agreement_context(agreement, employee):
    texts = {"settled_in": [agreement.settling_in], "transport": [agreement.transport],
             "benefits_advice": [agreement.benefits_advice], "support_plan": [agreement.support],
             "adjustments": [agreement.adjustments, agreement.colleague_advice],
             "available": [agreement.unexpected_issues]}
    signed = [s for s in agreement.signatures if s.content_hash == agreement.content_hash]
    agreed = agreement.status.was_agreed
    return {
        "lang": "en", "format": "standard", "title": "In-work support agreement",
        "draft": not agreed, "number": agreement.number, "provider": agreement.organisation.name,
        "date_line": f"Agreed on {_date(agreement.agreed_at.astimezone(UK))}" if agreed else "Not agreed yet",
        "job": {"employee": employee or "", "employer": agreement.employer_name or "",
                "title": agreement.job_title or "", "started_on": _date(agreement.started_on)},
        "items": [{"label": label, "texts": [t for t in texts[item] if t]}
                  for item, label in plan_rules.IFS12_ITEMS.items()],
        "taper": [{"weeks": f"{s.from_week} to {s.to_week}" if s.to_week else f"{s.from_week} onwards",
                   "support": s.support, "hours": "" if s.hours_per_week is None else format(s.hours_per_week.normalize(), "f")}
                  for s in agreement.taper_steps],
        "contacts": {"employer": ", ".join(x for x in (agreement.employer_contact_name, agreement.employer_contact_role) if x),
                     "provider": agreement.provider_contact or ""},
        "signatures": [{"name": s.typed_name + (f" ({s.signer_role})" if s.signer_role else ""),
                        "role": PARTY.get(s.party, s.party), "how": HOW.get(s.method.value, s.method.value),
                        "when": _date(s.signed_at.astimezone(UK)) if s.signed_at else ""} for s in signed],
        "content_hash": agreement.content_hash or "",
    }


def render_agreement_pdf(context):
    html = render_template(TEMPLATE, doc=map_text(context, printable), css=STYLESHEET.read_text(encoding="utf-8"))
    page = weasyprint.HTML(string=html, base_url=None, url_fetcher=DataURLsOnlyFetcher())
    try:
        return page.render(pdf_variant=PDF_VARIANT, presentational_hints=False).write_pdf(pdf_variant=PDF_VARIANT)
    except FatalURLFetchingError as error:
        raise ExternalResourceError(str(error)) from error
