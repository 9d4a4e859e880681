"""An inspection's closing report (issue 13) as sealed originals: Word and PDF, English and Welsh.

The same document service as the plans': one context (facts worded in a language), rendered to a PDF by
WeasyPrint (PDF/UA-1, templates/documents/inspection_report.html) and to Word with the templates' styles
(portal/documents/build_templates.py), both passing the project's checkers; sealed once when the
inspection closes (R-SIGN-3's seal: a signed record of each file's hash, and the PAdES seal in the PDF),
and verifiable at /verify with the code printed in them.
"""
import io

from flask import current_app
from sqlalchemy import select

from portal import audit
from portal.customer_words import LANGUAGES
from portal.extensions import db
from portal.models import DocumentOriginal, VersionSeal
from portal.report_words import report_date, report_words

KINDS = ("pdf", "docx")
LANGUAGE_OF_WRITTEN_TEXT = "en"  # findings and answers stay as written (in English) inside a Welsh report


def _when(moment, lang):
    return report_date(moment.date() if hasattr(moment, "date") else moment, lang) if moment else ""


def report_context(facts, lang, code):
    w = report_words(lang)
    written = LANGUAGE_OF_WRITTEN_TEXT if lang != LANGUAGE_OF_WRITTEN_TEXT else None
    base_url = current_app.config["PORTAL_BASE_URL"].rstrip("/")
    scope = [
        (w["provider"], facts.provider), (w["programmes"], ", ".join(facts.programmes)),
        (w["period"], w["period_value"].format(start=report_date(facts.period_from, lang),
                                              end=report_date(facts.period_to, lang))),
        (w["opened"], report_date(facts.opened_on, lang)), (w["closed"], report_date(facts.closed_on, lang)),
        (w["inspectors"], ", ".join(facts.inspectors) or w["none"]),
    ]
    sections = [
        {"heading": w["scope"], "blocks": [{"kind": "facts", "rows": scope}]},
        {"heading": w["figures"], "blocks": [{"kind": "table", "caption": w["figures"],
                                              "headings": [w["col_figure"], w["col_customers"]],
                                              "rows": [[w["figure_labels"][key], str(count)]
                                                       for key, count in facts.figures.items()]}]},
        {"heading": w["sample"], "blocks": _sample_blocks(facts, w, lang)},
        {"heading": w["results"], "blocks": [
            {"kind": "text", "text": w["results_intro"]},
            {"kind": "table", "caption": w["results"],
             "headings": [w["col_rule"], w["col_check"], w["col_passed"], w["col_failed_count"],
                          w["col_not_applicable"]],
             "rows": [[r.rule, w["rules"].get(r.rule, r.rule), str(r.passed), str(r.failed), str(r.not_applicable)]
                      for r in facts.results]}]},
        {"heading": w["findings"], "blocks": _finding_blocks(facts, w, lang, written)},
    ]
    return {
        "lang": lang, "w": w, "title": w["title"].format(provider=facts.provider), "author": "ISP provider portal",
        "sections": sections, "code": code,
        "verify_text": w["verify_body"].format(url=f"{base_url}/verify?lang={lang}", code=code),
    }


def _sample_blocks(facts, w, lang):
    if not facts.sample:
        return [{"kind": "text", "text": w["sample_none"]}]
    random_count = sum(1 for row in facts.sample if row.how == "random")
    blocks = []
    if facts.seed is not None:
        blocks.append({"kind": "text", "text": w["sample_drawn"].format(
            random=random_count, seed=facts.seed, by_hand=len(facts.sample) - random_count)})
        blocks.append({"kind": "text", "text": "; ".join(
            w["sample_by_programme"].format(size=size, population=facts.population.get(code, 0),
                                            programme=code.replace("_", " "))
            for code, size in facts.sizes.items()) + "."})
        blocks.append({"kind": "text", "text": w["sample_repeat"]})
    blocks.append({"kind": "table", "caption": w["sample"],
                   "headings": [w["col_reference"], w["col_programme"], w["col_how"], w["col_failed"]],
                   "rows": [[row.reference, row.programme, w["how_" + row.how],
                             ", ".join(row.failed_rules) or w["none"]] for row in facts.sample]})
    return blocks


def _finding_blocks(facts, w, lang, written):
    if not facts.findings:
        return [{"kind": "text", "text": w["findings_none"]}]
    blocks = []
    for number, finding in enumerate(facts.findings, start=1):
        blocks.append({"kind": "heading", "text": w["finding_heading"].format(
            number=number, rule=w["rules"].get(finding.rule, finding.rule))})
        blocks.append({"kind": "facts", "rows": [
            (w["col_rule"], finding.rule), (w["finding_on"], finding.reference or w["finding_provider"]),
            (w["severity"], w["severities"][finding.severity]), (w["state"], w["states"][finding.state]),
            (w["due"], report_date(finding.due_on, lang))]})
        blocks.append({"kind": "text", "text": f"{w['found']}: {finding.found}", "lang": written})
        blocks.append({"kind": "text", "text": f"{w['action']}: {finding.action_required}", "lang": written})
        blocks.append({"kind": "table", "caption": w["history"], "headings": [w["col_when"], w["col_who"], w["col_what"]],
                       "rows": [[_when(at, lang), by, w["states"][state] + (f": {text}" if text else "") +
                                 (" " + w["evidence"].format(url=url) if url else "")]
                                for state, at, by, text, url in finding.events]})
    return blocks


# Rendering ---------------------------------------------------------------------------------------

def render_report_pdf(context):
    import weasyprint
    from flask import render_template

    from portal.documents.pdf import PDF_VARIANT, STYLESHEET, DataURLsOnlyFetcher, printable
    from portal.documents.context import map_text

    html = render_template("documents/inspection_report.html", doc=map_text(context, printable),
                           css=STYLESHEET.read_text(encoding="utf-8"))
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=DataURLsOnlyFetcher())
    return document.render(pdf_variant=PDF_VARIANT, presentational_hints=False).write_pdf(pdf_variant=PDF_VARIANT)


def render_report_docx(context):
    from docx import Document
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    from portal.documents.build_templates import set_package, set_styles
    from portal.documents.context import map_text
    from portal.documents.docx import _UNSAFE_CHARACTERS
    from portal.documents.docx_checks import LANGUAGE_TAGS

    context = map_text(context, lambda text: _UNSAFE_CHARACTERS.sub("", text))
    document = Document()
    set_package(document, context["lang"])
    set_styles(document, "standard", context["lang"])

    def paragraph(text, lang=None, bold_prefix=None):
        element = document.add_paragraph()
        if bold_prefix:
            element.add_run(f"{bold_prefix}: ").bold = True
        run = element.add_run(text)
        if lang:  # text written in another language than the document's (the inspector's English)
            language = OxmlElement("w:lang")
            language.set(qn("w:val"), LANGUAGE_TAGS[lang])
            run._r.get_or_add_rPr().append(language)

    document.add_paragraph(context["title"], style="Heading 1")
    paragraph(context["w"]["intro"])
    for section in context["sections"]:
        document.add_paragraph(section["heading"], style="Heading 2")
        for block in section["blocks"]:
            if block["kind"] == "text":
                paragraph(block["text"], block.get("lang"))
            elif block["kind"] == "heading":
                document.add_paragraph(block["text"], style="Heading 3")
            elif block["kind"] == "facts":
                for term, value in block["rows"]:
                    paragraph(value, bold_prefix=term)
            elif block["kind"] == "table":
                _table(document, block, OxmlElement, qn)
    document.add_paragraph(context["w"]["verify_heading"], style="Heading 2")
    paragraph(context["verify_text"])
    properties = document.core_properties
    properties.title = context["title"]
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _table(document, block, OxmlElement, qn):
    table = document.add_table(rows=1 + len(block["rows"]), cols=len(block["headings"]), style="Table Grid")
    caption = OxmlElement("w:tblCaption")
    caption.set(qn("w:val"), block["caption"])
    table._tbl.tblPr.append(caption)
    for cell, text in zip(table.rows[0].cells, block["headings"]):
        cell.paragraphs[0].add_run(text).bold = True
    table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for row, values in zip(table.rows[1:], block["rows"]):
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        for cell, text in zip(row.cells, values):
            cell.paragraphs[0].add_run(text)


RENDERERS = {"pdf": render_report_pdf, "docx": render_report_docx}


# Sealing -----------------------------------------------------------------------------------------

def seal_report(inspection, facts):
    """At closing: the report in both languages, Word and PDF, sealed once (a second close cannot happen:
    closing is claimed, portal/services/inspections.py)."""
    from portal.documents.service import new_code, store_original

    seal = VersionSeal(inspection_id=inspection.id, code=new_code())
    db.session.add(seal)
    db.session.flush()
    reason = f"Inspection report of {facts.provider}, closed {facts.closed_on.isoformat()}"
    for lang in LANGUAGES:
        context = report_context(facts, lang, seal.code)
        for kind in KINDS:
            store_original(seal, kind, RENDERERS[kind](context), document_format="standard", lang=lang,
                           reason=reason, record={"inspection_id": inspection.id,
                                                  "closed_on": facts.closed_on.isoformat()})
    db.session.flush()
    audit.record("inspection.report_sealed", subject_type="inspection", subject_id=inspection.id,
                 detail={"code": seal.code, "originals": [f"{k}/{lang}" for lang in LANGUAGES for k in KINDS]})
    return seal


def report_seal(inspection):
    return db.session.scalar(select(VersionSeal).where(VersionSeal.inspection_id == inspection.id))


def report_original(inspection, kind, lang):
    seal = report_seal(inspection)
    if seal is None:
        return None
    return db.session.scalar(select(DocumentOriginal).where(
        DocumentOriginal.seal_id == seal.id, DocumentOriginal.kind == kind, DocumentOriginal.language == lang))


def filename(inspection, kind, lang):
    return f"inspection-{inspection.id}-report-{lang}.{kind}"
