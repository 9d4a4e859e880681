"""Draws the Easy Read pictures and builds the six Word templates in docs_templates/.

    .venv/bin/python -m portal.documents.build_templates [--out DIR]

Every piece of template text is a Jinja expression over the document context (portal/documents/context.py),
mostly its `w` words, so the English and Welsh templates differ only in their language settings. The
output is reproducible (no timestamps), so tests/test_documents_docx.py rebuilds it and compares.
"""
import argparse
import io
import math
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from PIL import Image, ImageDraw

from portal.customer_words import FORMATS, LANGUAGES
from portal.documents.docx import AUTHOR, TEMPLATES_DIR
from portal.documents.pictures import PICTURE_KEYS
from portal.documents.docx_checks import LANGUAGE_TAGS, SIZE_FLOORS_PT

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

# --- Easy Read pictures -------------------------------------------------------------------------------

PICTURE_PX = 240
SUPERSAMPLE = 4  # drawn large, then scaled down: smooth edges without Pillow anti-aliasing
UNIT = PICTURE_PX * SUPERSAMPLE / 64  # the web pictures' viewBox is 64 units wide
INK, PAPER = 0, 255


def _px(point):
    return (point[0] * UNIT, point[1] * UNIT)


def _box(cx, cy, r):
    return (_px((cx - r, cy - r)), _px((cx + r, cy + r)))


def _stroke(draw, points, width=4, round_caps=False):
    """A polyline with round joins; round ends where the SVG has stroke-linecap="round"."""
    draw.line([_px(p) for p in points], fill=INK, width=round(width * UNIT), joint="curve")
    if round_caps:
        for x, y in (points[0], points[-1]):
            draw.ellipse(_box(x, y, width / 2), fill=INK)


def _ring(draw, cx, cy, r, width=4):
    draw.ellipse(_box(cx, cy, r + width / 2), outline=INK, width=round(width * UNIT))


def _cubic(p0, p1, p2, p3, steps=24):
    def at(t):
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t ** 3
        return (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])
    return [at(i / steps) for i in range(steps + 1)]


def _plan(draw):
    draw.rounded_rectangle((_px((12, 4)), _px((52, 60))), radius=5 * UNIT, outline=INK, width=round(4 * UNIT))
    for y, end in ((20, 42), (30, 42), (40, 34)):
        _stroke(draw, [(22, y), (end, y)], round_caps=True)


def _goal(draw):
    _ring(draw, 32, 32, 24)
    _ring(draw, 32, 32, 13)
    draw.ellipse(_box(32, 32, 4), fill=INK)


def _barrier(draw):
    _stroke(draw, [(6, 50), (58, 50)])
    _stroke(draw, [(12, 50), (12, 26), (52, 26), (52, 50)])
    for line in (((12, 34), (52, 34)), ((24, 26), (24, 34)), ((40, 34), (40, 42)),
                 ((30, 42), (12, 42)), ((52, 42), (36, 42))):
        _stroke(draw, line, width=3)


def _steps(draw):
    _stroke(draw, [(6, 54), (20, 54), (20, 42), (34, 42), (34, 30), (48, 30), (48, 18), (58, 18)])
    _stroke(draw, [(50, 6), (58, 14), (50, 22)], round_caps=True)


def _help(draw):
    _ring(draw, 20, 16, 7)
    _ring(draw, 44, 16, 7)
    for x in (8, 32):  # a person: c0-14 6-22 12-22 s12 8 12 22
        left = _cubic((x, 52), (x, 38), (x + 6, 30), (x + 12, 30))
        right = _cubic((x + 12, 30), (x + 18, 30), (x + 24, 38), (x + 24, 52))
        _stroke(draw, left + right[1:], round_caps=True)
    _stroke(draw, [(26, 38), (38, 38)], round_caps=True)


def _talk(draw):
    # A closed path ("z"): going on to the second point again joins the last corner too.
    _stroke(draw, [(6, 10), (40, 10), (40, 32), (20, 32), (12, 40), (12, 32), (6, 32), (6, 10), (40, 10)])
    _stroke(draw, [(46, 24), (58, 24), (58, 46), (52, 46), (52, 54), (44, 46), (28, 46), (28, 38)])


def _sign(draw):
    """A pen over a signature line."""
    _stroke(draw, [(6, 56), (58, 56)], round_caps=True)
    scribble = _cubic((8, 48), (11, 36), (16, 36), (18, 46)) + _cubic((18, 46), (20, 54), (25, 52), (28, 44))[1:]
    _stroke(draw, scribble, width=3, round_caps=True)
    tip, far = (30, 46), (56, 14)
    length = math.dist(tip, far)
    along = ((far[0] - tip[0]) / length, (far[1] - tip[1]) / length)
    across = (-along[1] * 5, along[0] * 5)

    def point(distance, side):
        return (tip[0] + along[0] * distance + across[0] * side, tip[1] + along[1] * distance + across[1] * side)

    _stroke(draw, [tip, point(10, 1), point(length, 1), point(length, -1), point(10, -1), tip])
    _stroke(draw, [point(10, 1), point(10, -1)])


DRAWINGS = {"plan": _plan, "goal": _goal, "barrier": _barrier, "steps": _steps,
            "help": _help, "talk": _talk, "sign": _sign}


def draw_picture(key):
    size = PICTURE_PX * SUPERSAMPLE
    image = Image.new("L", (size, size), PAPER)
    DRAWINGS[key](ImageDraw.Draw(image))
    image = image.resize((PICTURE_PX, PICTURE_PX), Image.Resampling.BOX)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)  # Pillow writes no time chunk, so the bytes repeat
    return out.getvalue()


# --- Template content ---------------------------------------------------------------------------------

def strong(text):
    return (text, True)


class TemplateWriter:
    """python-docx calls that write docxtpl tags: one tag per paragraph, one run per piece of text."""

    def __init__(self, document):
        self.document = document

    def heading(self, text, level):
        self.document.add_paragraph(text, style=f"Heading {level}")

    def para(self, *runs, style=None):
        paragraph = self.document.add_paragraph(style=style)
        for run in runs:
            text, bold = (run, False) if isinstance(run, str) else run
            run_element = paragraph.add_run(text)
            if bold:
                run_element.bold = True
        return paragraph

    def bullet(self, *runs):
        self.para(*runs, style="List Bullet")

    def tag(self, statement):
        self.document.add_paragraph(f"{{%p {statement} %}}")

    def picture(self, key):
        # Keeps the picture on the same page as the heading it stands beside.
        self.para(f"{{{{ pic_{key} }}}}").paragraph_format.keep_with_next = True

    @contextmanager
    def when(self, condition):
        self.tag(f"if {condition}")
        yield
        self.tag("endif")

    @contextmanager
    def each(self, loop, empty=None):
        self.tag(f"for {loop}")
        yield
        if empty:
            self.tag("else")
            self.para(empty)
        self.tag("endfor")

    def table(self, caption, headings, loop, cells):
        """A data table: a repeating header row, then one row per item ({%tr for %} rows of their own)."""
        table = self.document.add_table(rows=4, cols=len(headings), style="Table Grid")
        caption_element = OxmlElement("w:tblCaption")
        caption_element.set(qn("w:val"), caption)
        table._tbl.tblPr.append(caption_element)
        header, loop_row, item_row, end_row = table.rows
        for cell, text in zip(header.cells, headings):
            cell.paragraphs[0].add_run(text).bold = True
        loop_row.cells[0].paragraphs[0].add_run(f"{{%tr for {loop} %}}")
        for cell, text in zip(item_row.cells, cells):
            cell.paragraphs[0].add_run(text)
        end_row.cells[0].paragraphs[0].add_run("{%tr endfor %}")
        for row in table.rows:
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))


def front_matter(t):
    t.heading("{{ w.doc_title }}", 1)
    with t.when("draft"):
        t.para(strong("{{ w.doc_draft }}"))
        t.para(strong("{{ w.doc_draft_note }}"))
    with t.when("customer.name"):
        t.para("{{ w.doc_for.format(name=customer.name) }}")
    for label, value in (("doc_reference", "customer.reference"), ("doc_programme", "programme"),
                         ("doc_provider", "provider")):
        with t.when(value):
            t.para(strong(f"{{{{ w.{label} }}}}: "), f"{{{{ {value} }}}}")
    t.para("{{ w.doc_version.format(number=version.number) }}")
    t.para("{{ version.date_line }}")


def plan_content(t):
    """templates/components/plan.html, macro plan_content, with headings from level 2."""
    t.heading("{{ w.goals }}", 2)
    t.para(strong("{{ w.what_you_want }}: "), "{{ goals.aspirations or w.not_written }}")
    t.para(strong("{{ w.job_goal }}: "), "{{ goals.job_goal or w.not_written }}")
    t.para(strong("{{ w.target_hours }}: "), "{{ goals.target_hours or w.not_agreed }}")
    with t.when("goals.target_hours_reason"):
        t.para("{{ goals.target_hours_reason }}")

    t.heading("{{ w.objectives }}", 2)
    with t.each("o in objectives", empty="{{ w.no_objectives }}"):
        t.heading("{{ o.number }}. {{ o.what }}", 3)
        for label, value in (("how_often", "o.how_often"), ("how_we_know", "o.measure"), ("by", "o.by")):
            with t.when(value):
                t.bullet(f"{{{{ w.{label} }}}}: {{{{ {value} }}}}")
        with t.when("o.done_on"):
            t.bullet("{{ w.done_on }} {{ o.done_on }}")

    t.heading("{{ w.support }}", 2)
    with t.each("s in support", empty="{{ w.no_support }}"):
        t.heading("{{ s.description }}{% if s.qualification %} ({{ w.qualification }}){% endif %}", 3)
        t.para("{{ w.given_by }}: {{ s.given_by }}{% if s.planned %}, {{ s.planned }} {{ w.planned }}{% endif %}")
        t.para("{{ w.helps_with }}: {{ s.helps_with or w.no_objective }}")

    t.heading("{{ w.barriers }}", 2)
    with t.each("b in barriers", empty="{{ w.none_yet }}"):
        t.heading("{{ b.category }}", 3)
        t.para("{{ b.description }}")
        with t.when("b.impact"):
            t.para("{{ w.affects_work }}: {{ b.impact }}")
        with t.when("b.response"):
            t.para("{{ w.we_will }}: {{ b.response }}")

    for key in ("milestones", "funding"):
        with t.when(key):
            t.heading(f"{{{{ w.{key} }}}}", 2)
            with t.each(f"item in {key}"):
                t.bullet("{{ item }}")

    t.heading("{{ w.reviews }}", 2)
    t.para("{{ reviews or w.not_agreed }}")
    for key in ("length", "permitted_work"):
        with t.when(key):
            t.heading(f"{{{{ w.{key} }}}}", 2)
            t.para(f"{{{{ {key} }}}}")

    with t.when("in_work"):
        t.heading("{{ w.in_work }}", 2)
        with t.when("in_work.line"):
            t.para("{{ in_work.line }}")
        with t.when("in_work.taper"):
            t.heading("{{ w.taper }}", 3)
            t.table("{{ w.taper }}", ["{{ w.weeks }}", "{{ w.support_col }}", "{{ w.hours_a_week }}"],
                    "step in in_work.taper", ["{{ step.weeks }}", "{{ step.support }}", "{{ step.hours }}"])
        with t.each("check in in_work.checks"):
            t.bullet("{{ check }}")


def plan_easy_read(t):
    """templates/components/plan.html, macro plan_easy_read: a picture before each part, one idea a paragraph."""
    t.picture("plan")
    t.para("{{ w.er_intro }}")
    t.para("{{ w.er_intro_2 }}")

    t.picture("goal")
    t.heading("{{ w.what_you_want }}", 2)
    with t.when("goals.aspirations"):
        t.para("{{ w.er_want }}")
        t.para("{{ goals.aspirations }}")
    with t.when("goals.job_goal"):
        t.para("{{ w.er_job }}")
        t.para("{{ goals.job_goal }}")
    with t.when("goals.target_hours"):
        t.para("{{ w.er_hours.format(hours=goals.target_hours) }}")
    with t.when("not (goals.aspirations or goals.job_goal)"):
        t.para("{{ w.er_nothing }}")

    t.picture("barrier")
    t.heading("{{ w.er_hard }}", 2)
    with t.each("b in barriers", empty="{{ w.er_nothing }}"):
        t.heading("{{ b.category }}", 3)
        t.para("{{ b.description }}")
        with t.when("b.response"):
            t.para("{{ w.er_we_will }} {{ b.response }}")

    t.picture("steps")
    t.heading("{{ w.er_steps }}", 2)
    with t.each("o in objectives", empty="{{ w.er_nothing }}"):
        t.para(strong("{{ o.number }}."), " {{ o.what }}")
        with t.when("o.by"):
            t.para("{{ w.er_by.format(date=o.by) }}")

    t.picture("help")
    t.heading("{{ w.er_help }}", 2)
    with t.each("s in support", empty="{{ w.er_nothing }}"):
        t.heading("{{ s.description }}", 3)
        t.para("{{ w.er_help_from.format(who=s.given_by) }}")

    t.picture("talk")
    t.heading("{{ w.er_talk }}", 2)
    with t.when("reviews"):
        t.para("{{ reviews }}")
    t.para("{{ w.er_change }}")


def signatures(t):
    t.heading("{{ w.doc_signed_heading }}", 2)
    t.tag("if signatures")
    t.table("{{ w.doc_signed_heading }}",
            ["{{ w.doc_col_name }}", "{{ w.doc_col_role }}", "{{ w.doc_col_how }}", "{{ w.doc_col_when }}"],
            "signature in signatures",
            ["{{ signature.name }}", "{{ signature.role }}", "{{ signature.how }}", "{{ signature.when }}"])
    t.tag("else")
    t.para("{{ w.doc_not_signed }}")
    t.tag("endif")


def verification(t):
    with t.when("verification"):
        t.heading("{{ w.doc_verify_heading }}", 2)
        t.para("{{ verification.text }}")
        t.para("{{ verification.url }}")
        with t.when("qr"):
            t.para("{{ qr }}")
        t.para("{{ w.doc_seal }}")


def write_content(document, document_format):
    t = TemplateWriter(document)
    front_matter(t)
    if document_format == "easy_read":
        plan_easy_read(t)
        t.picture("sign")
    else:
        plan_content(t)
    signatures(t)
    verification(t)


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
    write_content(document, document_format)
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
