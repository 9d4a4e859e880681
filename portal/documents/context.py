"""A plan version as the plain dict every document renderer reads (the document contract).

Renderers (docx.py, pdf.py) never touch a model: they read only this dict. DWP-held data (the
customer's name) comes through portal.data_access for the user the document is made for (R-DATA-1).

The contract (every value is already a display string in the document's language unless noted):

    lang            "en" | "cy"
    format          "standard" | "large_print" | "easy_read"
    title           the document title (core properties / <title>)
    draft           bool: True unless the version is agreed or superseded; drafts show w.doc_draft
    w               every customer word in `lang` (portal.customer_words.words), e.g. w.goals, w.doc_signed_heading
    customer        {name, reference}     name is "" when the policy hides it from the reader
    programme, provider
    version         {number (int), date_line ("Agreed on 3 May 2026" or "Written on …")}
    needs           {text, assessed_on}        the needs assessment ("" when not written)
    distance        [{label, scores: [str]}]   distance-travelled assessments up to the version's date
    goals           {aspirations, job_goal, target_hours, target_hours_reason}
    objectives      [{number (int), what, how_often, measure, by}]
    support         [{description, qualification (bool), given_by, planned, helps_with}]
    barriers        [{category, description, impact, response}]
    milestones      [str]
    funding         [str]
    reviews         str (one sentence)
    length          str ("" when not written)
    permitted_work  str ("" when none)
    in_work         None | {line, taper: [{weeks, support, hours}], checks: [str]}
    support_network None | {who, agreed, withdrawn}   R-DATA-8: whom the customer agrees may be consulted
    progress        None | {heading ("Progress as at 3 May 2026"), lines: [str]}   R-ISP-11: only in live
                    renders (build_context(progress_on=date)); sealed originals never carry it
    signatures      [{name, role, how, when}]   from the signature records (R-SIGN-1)
    verification    None (drafts) | {code, url, text, qr_png (bytes), qr_alt}
    pictures        {key: {png (bytes), alt}}   Easy Read pictures (portal.documents.pictures.PICTURE_KEYS)

Adviser-written text is English; the Welsh documents mark it as English (lang) where it appears.

Empty strings mean "leave the line out".
"""
import io

import segno
from flask import current_app

from portal import data_access
from portal.customer_words import date_in, words
from portal.documents.pictures import PICTURE_KEYS, picture_png
from portal.template_helpers import UK, hours_in


def map_text(value, change):
    """The context with `change` applied to every string in it (renderers clean adviser text with this)."""
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {key: map_text(item, change) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [map_text(item, change) for item in value]
    return value


def qr_png(url):
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=6, border=4)
    return out.getvalue()


def verification_block(code, base_url, w, lang="en"):
    """The check page in the document's language: /verify answers in Welsh with ?lang=cy (views/verify.py)."""
    page = f"{base_url.rstrip('/')}/verify"
    suffix = "" if lang == "en" else f"?lang={lang}"
    url = f"{page}/{code}{suffix}"
    return {"code": code, "url": url, "qr_png": qr_png(url), "qr_alt": w["doc_qr_alt"].format(code=code),
            "text": w["doc_verify_body"].format(url=page + suffix, code=code)}


def _distance(version, lang, w):
    """The distance-travelled assessments made by the version's date (an agreed document never grows)."""
    until = (version.agreed_at or version.created_at).astimezone(UK).date() if version.status.was_agreed else None
    rows = []
    for assessment in version.plan.assessments:
        if until is not None and assessment.assessed_on and assessment.assessed_on > until:
            continue
        scores = sorted(assessment.scores, key=lambda s: s.domain.position)
        rows.append({"label": " – ".join(filter(None, (assessment.label, date_in(assessment.assessed_on, lang)))),
                     "scores": [w["distance_score"].format(
                         domain=(s.domain.label_cy if lang == "cy" and s.domain.label_cy else s.domain.label),
                         score=s.score, top=10) for s in scores]})
    return rows


def _when(moment, lang, w):
    local = moment.astimezone(UK)
    return w["doc_at"].format(date=date_in(local.date(), lang), time=local.strftime("%H:%M"))


def _signatures(version, lang, w):
    rows = []
    for signature in version.signatures:
        if signature.content_hash != version.content_hash:
            continue
        party = signature.party
        rows.append({"name": signature.typed_name, "role": w["doc_roles"].get(party.role, party.role),
                     "how": w["doc_methods"][str(signature.method)], "when": _when(signature.signed_at, lang, w)})
    return rows


def _in_work(version, lang, w):
    if not version.in_work:
        return None
    line = w["job_with"].format(job=version.job_title or "", employer=version.employer_name or "")
    if version.job_start_on:
        line += ", " + w["from"].format(date=date_in(version.job_start_on, lang))
    checks = [f"{w[label]}: {value}" for label, value in (
        ("settled_in", version.check_settled_in), ("transport", version.check_transport),
        ("benefits_advice", version.check_benefits_advice), ("adjustments", version.check_adjustments)) if value]
    taper = [{"weeks": f"{s.from_week} {w['to']} {s.to_week}" if s.to_week else f"{s.from_week} {w['onwards']}",
              "support": s.support, "hours": hours_in(s.hours_per_week, lang) if s.hours_per_week is not None else ""}
             for s in version.taper_steps]
    return {"line": line + ".", "taper": taper, "checks": checks}


def _reviews(version, lang, w):
    if not version.review_every_weeks:
        return w["not_agreed"] + "."
    sentence = w["review_every"].format(weeks=version.review_every_weeks)
    if version.first_review_on:
        sentence += ", " + w["first_on"].format(date=date_in(version.first_review_on, lang))
    return sentence + "."


def _support_network(version, lang, w):
    if not version.support_network_who:
        return None
    return {"who": version.support_network_who,
            "agreed": w["support_network_agreed"].format(date=date_in(version.support_network_agreed_on, lang))
            if version.support_network_agreed_on else "",
            "withdrawn": w["support_network_withdrawn"].format(date=date_in(version.support_network_withdrawn_on, lang))
            if version.support_network_withdrawn_on else ""}


def _progress(version, lang, w, on):
    """R-ISP-11: progress beside the plan, dated; None for originals (their sealed bytes never change)."""
    if on is None:
        return None
    from portal.services import progress

    lines = [f"{line.text}: {w['done_on'].lower()} {date_in(line.done_on, lang)}" + (f" ({line.note})" if line.note else "")
             for line in progress.lines(version)]
    return {"heading": w["progress_as_at"].format(date=date_in(on, lang)), "lines": lines}


def build_context(version, *, reader, lang, document_format, verification=None, progress_on=None):
    """The document of `version` for `reader` (whose data policy applies), in `lang` and `document_format`.
    `progress_on` (a date) adds progress as at that day: only for live renders, never for originals."""
    w = words(lang)
    customer = version.plan.customer
    name = data_access.visible_names(reader, [customer.id]).get(customer.id, "") if reader is not None else ""
    agreed = version.status.was_agreed
    version_label = w["doc_version"].format(number=version.number)
    if agreed:
        date_line = w["doc_agreed_on"].format(date=date_in(version.agreed_at.astimezone(UK).date(), lang))
    else:
        date_line = w["doc_written_on"].format(date=date_in(version.created_at.astimezone(UK).date(), lang))
    target = version.target_weekly_hours
    return {
        "lang": lang,
        "format": document_format,
        "title": " – ".join(part for part in (w["doc_title"], name or customer.reference, version_label) if part),
        "draft": not agreed,
        "w": w,
        "customer": {"name": name, "reference": customer.reference},
        "programme": version.plan.programme.name,
        "provider": version.organisation.name,
        "version": {"number": version.number, "date_line": date_line},
        "needs": {"text": version.needs_assessment or "",
                  "assessed_on": date_in(version.needs_assessed_on, lang)},
        "distance": _distance(version, lang, w),
        "goals": {"aspirations": version.aspirations or "", "job_goal": version.job_goal or "",
                  "target_hours": hours_in(target, lang) if target is not None else "",
                  "target_hours_reason": version.target_hours_reason or ""},
        "objectives": [{"number": n, "what": o.what, "how_often": o.how_often or "", "measure": o.measure or "",
                        "by": date_in(o.target_on, lang)}
                       for n, o in enumerate(version.objectives, start=1)],
        "support": [{"description": s.description, "qualification": s.kind == "qualification",
                     "given_by": s.deliverer_name or (version.organisation.name if s.deliverer == "provider"
                                                      else w["deliverers"].get(s.deliverer, "")),
                     "planned": hours_in(s.planned_hours, lang) if s.planned_hours is not None else "",
                     "helps_with": "; ".join(o.what for o in s.objectives)}
                    for s in version.support_items],
        "barriers": [{"category": w["barrier_categories"].get(b.category, b.category), "description": b.description,
                      "impact": b.impact or "", "response": b.response or ""} for b in version.barriers],
        "milestones": [m.description + (f" ({w['by'].lower()} {date_in(m.agreed_on, lang)})" if m.agreed_on else "")
                       for m in version.milestones],
        "funding": [f"{f.source}: {f.purpose}" + (f" (£{f.amount})" if f.amount is not None else "")
                    + (f", {f.outcome}" if f.outcome else "") for f in version.funding],
        "reviews": _reviews(version, lang, w),
        "length": version.length_rationale or "",
        "permitted_work": (" ".join(filter(None, (
            f"{hours_in(version.permitted_work_hours, lang)} {w['a_week']}." if version.permitted_work_hours is not None
            else "", version.permitted_work_details or ""))) if version.permitted_work else ""),
        "in_work": _in_work(version, lang, w),
        "support_network": _support_network(version, lang, w),
        "progress": _progress(version, lang, w, progress_on),
        "signatures": _signatures(version, lang, w),
        "verification": verification_block(verification, _base_url(), w, lang) if verification and agreed else None,
        "pictures": {key: {"png": picture_png(key), "alt": w["pictures"][key]} for key in PICTURE_KEYS},
    }


def _base_url():
    return current_app.config["PORTAL_BASE_URL"]
