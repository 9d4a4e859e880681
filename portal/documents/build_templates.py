"""Draws the Easy Read pictures and builds the six Word templates in docs_templates/.

The pictures are drawn by drawings.py and the text is written by template_content.py and
easy_read_content.py; this module sets the styles and the package.

    .venv/bin/python -m portal.documents.build_templates [--out DIR]

Every piece of template text is a Jinja expression over the document context (portal/documents/context.py),
mostly its `w` words, so the English and Welsh templates differ only in their language settings. The
output is reproducible (no timestamps), so tests/test_documents_docx.py rebuilds it and compares.
"""
import argparse
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from portal.customer_words import FORMATS, LANGUAGES
from portal.documents.docx import AUTHOR, TEMPLATES_DIR
from portal.documents.docx_checks import LANGUAGE_TAGS, SIZE_FLOORS_PT
from portal.documents.drawings import draw_picture
from portal.documents.easy_read_content import plan_easy_read
from portal.documents.pictures import PICTURE_KEYS
from portal.documents.template_content import (
    LAYOUT_STYLE, TemplateWriter, field, front_matter, plan_content, signatures, verification,
)

FONT = "Arial"
FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Variant:
    body_pt: int
    heading_pt: tuple  # Heading 1, 2, 3
    line_spacing: float
    space_after_pt: int


# Clear print 14 pt, large print 18 pt with 1.5 line spacing (RNIB/UKAAF), Easy Read 16 pt.
VARIANTS = {
    "standard": Variant(14, (22, 18, 16), 1.15, 8),
    "large_print": Variant(18, (24, 22, 20), 1.5, 12),
    "easy_read": Variant(16, (24, 20, 18), 1.5, 12),
}

# --- Content ------------------------------------------------------------------------------------------

def running_text(document):
    """The draft marking on every page (header) and "Page N of M" (footer, PAGE and NUMPAGES fields)."""
    section = document.sections[0]
    header = section.header.paragraphs[0]
    header.add_run("{% if draft %}{{ w.doc_draft }}{% endif %}").bold = True
    footer = section.footer.paragraphs[0]
    footer.add_run("{{ w.doc_page_word }} ")
    field(footer, "PAGE", "1")
    footer.add_run(" {{ w.doc_page_of }} ")
    field(footer, "NUMPAGES", "1")


def write_content(document, document_format, lang):
    t = TemplateWriter(document, lang)
    running_text(document)
    front_matter(t)
    if document_format == "easy_read":
        plan_easy_read(t)
    else:
        plan_content(t)
        signatures(t, large=document_format == "large_print")
        verification(t)


def layout_style(document):
    """The Easy Read layout table's style: no borders, cells padded; docx_checks knows it by name."""
    style = document.styles.add_style(LAYOUT_STYLE, WD_STYLE_TYPE.TABLE)
    style.base_style = document.styles["Normal Table"]
    margins = OxmlElement("w:tblCellMar")
    for side, width in (("top", 80), ("left", 0), ("bottom", 160), ("right", 200)):
        margins.append(OxmlElement(f"w:{side}", {qn("w:w"): str(width), qn("w:type"): "dxa"}))
    table_properties = style.element.get_or_add_tblPr() if hasattr(style.element, "get_or_add_tblPr") else None
    if table_properties is None:
        table_properties = OxmlElement("w:tblPr")
        style.element.append(table_properties)
    table_properties.append(margins)


# --- Styles and package -------------------------------------------------------------------------------

def plain_run_properties(rpr, floor_half_points, body_half_points):
    """Arial, black, no italics, underline or capitals, nothing under the variant's floor."""
    for tag in ("w:i", "w:iCs", "w:u", "w:caps", "w:smallCaps", "w:color", "w:rFonts"):
        for element in rpr.findall(qn(tag)):
            rpr.remove(element)
    fonts = rpr.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), FONT)
    for tag in ("w:sz", "w:szCs"):
        for size in rpr.findall(qn(tag)):
            if int(size.get(qn("w:val"))) < floor_half_points:
                size.set(qn("w:val"), str(body_half_points))


def set_size(style, points):
    style.font.size = Pt(points)
    rpr = style.element.rPr
    for old in rpr.findall(qn("w:szCs")):
        rpr.remove(old)
    rpr.find(qn("w:sz")).addnext(OxmlElement("w:szCs", {qn("w:val"): str(points * 2)}))


def set_styles(document, document_format, lang):
    variant = VARIANTS[document_format]
    floor, body = SIZE_FLOORS_PT[document_format] * 2, variant.body_pt * 2
    styles = document.styles.element
    for style in styles.findall(qn("w:style")):  # colourful table styles this document never uses
        if style.get(qn("w:type")) == "table" and style.get(qn("w:styleId")) not in ("TableNormal", "TableGrid"):
            styles.remove(style)
    for rpr in styles.iter(qn("w:rPr")):
        plain_run_properties(rpr, floor, body)
    for ppr in styles.iter(qn("w:pPr")):
        for justification in ppr.findall(qn("w:jc")):
            ppr.remove(justification)
        for spacing in ppr.findall(qn("w:spacing")):
            if spacing.get(qn("w:line")) is not None:
                spacing.set(qn("w:line"), str(round(240 * variant.line_spacing)))
                spacing.set(qn("w:lineRule"), "auto")

    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    defaults.get_or_add_sz().set(qn("w:val"), str(body))
    defaults.find(qn("w:szCs")).set(qn("w:val"), str(body))
    defaults.get_or_add_color().set(qn("w:val"), "000000")
    language = defaults.find(qn("w:lang"))
    for attribute in ("w:val", "w:eastAsia", "w:bidi"):
        language.set(qn(attribute), LANGUAGE_TAGS[lang])

    normal = document.styles["Normal"]
    set_size(normal, variant.body_pt)
    for style in [normal] + [document.styles[f"Heading {level}"] for level in (1, 2, 3)]:
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
        style.paragraph_format.line_spacing = variant.line_spacing
        style.paragraph_format.space_after = Pt(variant.space_after_pt)
    for level, size in enumerate(variant.heading_pt, start=1):
        heading = document.styles[f"Heading {level}"]
        set_size(heading, size)
        heading.font.bold = True
        heading.paragraph_format.space_before = Pt(variant.space_after_pt * 2)


def set_package(document, lang):
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Mm(20))

    theme_language = document.settings.element.find(qn("w:themeFontLang"))
    theme_language.set(qn("w:val"), LANGUAGE_TAGS[lang])
    theme_language.set(qn("w:eastAsia"), LANGUAGE_TAGS[lang])

    # python-docx's default template carries a thumbnail, Word 2010 duplicate styles and a sample
    # bibliography: parts the templates do not need.
    package_rels, document_rels = document.part.package.rels, document.part.rels
    for rels, unused in ((package_rels, RT.THUMBNAIL), (document_rels, RT.CUSTOM_XML),
                         (document_rels, "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects")):
        for rel_id in [rel_id for rel_id, rel in rels.items() if rel.reltype == unused]:
            rels.pop(rel_id)
    for part in document.part.package.iter_parts():
        if part.partname == "/docProps/app.xml":
            part._blob = (
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
                b"<Application>" + AUTHOR.encode() + b"</Application></Properties>"
            )

    # No Jinja here: docxtpl would escape it twice. The renderer sets the title after rendering.
    properties = document.core_properties
    properties.title = properties.subject = properties.keywords = properties.comments = ""
    properties.category = properties.last_modified_by = ""
    properties.author = AUTHOR
    properties.language = LANGUAGE_TAGS[lang]
    properties.revision = 1
    properties.created = properties.modified = FIXED_DATE


def with_fixed_zip_dates(data):
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(zipfile.ZipInfo(member.filename, date_time=ZIP_DATE), source.read(member.filename),
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def template_docx(document_format, lang):
    document = Document()
    set_package(document, lang)
    set_styles(document, document_format, lang)
    layout_style(document)
    write_content(document, document_format, lang)
    out = io.BytesIO()
    document.save(out)
    return with_fixed_zip_dates(out.getvalue())


def build(out_dir):
    out_dir = Path(out_dir)
    (out_dir / "pictures").mkdir(parents=True, exist_ok=True)
    for key in PICTURE_KEYS:
        (out_dir / "pictures" / f"{key}.png").write_bytes(draw_picture(key))
    for document_format in FORMATS:
        for lang in LANGUAGES:
            (out_dir / f"isp_{document_format}_{lang}.docx").write_bytes(template_docx(document_format, lang))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(TEMPLATES_DIR), help="folder to write to (default: docs_templates/)")
    build(parser.parse_args(argv).out)


if __name__ == "__main__":
    main()
