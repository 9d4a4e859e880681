"""What the Word templates say: docxtpl tags written with python-docx (used by build_templates.py).

Every piece of text is a Jinja expression over the document context (portal/documents/context.py), so the
English and Welsh templates differ only in their language settings. In the Welsh templates the adviser's
words (which are written in English) carry w:lang en-GB, so a screen reader switches voice for them.
"""
from contextlib import contextmanager

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

ADVISER_LANG = "en-GB"
# Easy Read: a picture column on the left and the words on the right (DH 2010: pictures on the left).
PICTURE_COLUMN, WORDS_COLUMN = Mm(34), Mm(136)
LAYOUT_STYLE = "Easy Read layout"


def strong(text):
    return {"text": text, "bold": True}


def said(text, bold=False):
    """Text the adviser wrote (English), marked as English in a Welsh document."""
    return {"text": text, "bold": bold, "adviser": True}


def field(paragraph, instruction, shown):
    """A simple field (PAGE, NUMPAGES): Word and LibreOffice fill in the number on every page."""
    field = OxmlElement("w:fldSimple", {qn("w:instr"): f" {instruction} "})
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


class TagBlocks:
    """`{% if %}` and `{% for %}` blocks around what the `with` body writes, in the writer's own kind of tag
    (a paragraph's or a table row's); `otherwise` writes what a loop says when it has nothing."""

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
            self.otherwise(empty)
        self.tag("endfor")


class TemplateWriter(TagBlocks):
    """python-docx calls that write docxtpl tags: one tag per paragraph, one run per piece of text.

    `container` is the document or a table cell; `lang` is the template's language.
    """

    def __init__(self, container, lang, document=None):
        self.container, self.lang = container, lang
        self.document = document or container

    def inside(self, cell):
        return TemplateWriter(cell, self.lang, self.document)

    def heading(self, text, level):
        return self.container.add_paragraph(text, style=f"Heading {level}")

    def para(self, *runs, style=None):
        paragraph = self.container.add_paragraph(style=style)
        for run in runs:
            spec = {"text": run, "bold": False} if isinstance(run, str) else run
            element = paragraph.add_run(spec["text"])
            if spec.get("bold"):
                element.bold = True
            if spec.get("adviser") and self.lang != "en":
                element._r.get_or_add_rPr().append(OxmlElement("w:lang", {qn("w:val"): ADVISER_LANG}))
        return paragraph

    def bullet(self, *runs):
        self.para(*runs, style="List Bullet")

    def tag(self, statement):
        self.container.add_paragraph(f"{{%p {statement} %}}")

    def otherwise(self, empty):
        self.para(empty)

    def table(self, caption, headings, loop, cells, widths=None):
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
            spec = {"text": text} if isinstance(text, str) else text
            self.inside(cell)._fill_first(spec)
        end_row.cells[0].paragraphs[0].add_run("{%tr endfor %}")
        if widths:
            _set_widths(table, widths)
        for row in table.rows:  # a row stays whole; a long table breaks between rows
            row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        header._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))

    def _fill_first(self, spec):
        paragraph = self.container.paragraphs[0]
        run = paragraph.add_run(spec["text"])
        if spec.get("adviser") and self.lang != "en":
            run._r.get_or_add_rPr().append(OxmlElement("w:lang", {qn("w:val"): ADVISER_LANG}))

    @contextmanager
    def part(self, picture, heading=None):
        """An Easy Read part: a two-column layout table whose first row (the picture and the heading) repeats
        at the top of each page the part runs on to. Rows come from `row` and `rows`."""
        part = EasyReadPart(self, picture, heading)
        yield part
        part.finish()


def _set_widths(table, widths):
    table.autofit = False
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), widths):
        column.set(qn("w:w"), str(width.twips))
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = width


class EasyReadPart(TagBlocks):
    """Rows of (picture | words). Paragraph and row tags (`{%p %}`, `{%tr %}`) work as in any table."""

    def __init__(self, writer, picture, heading):
        self.writer = writer
        self.table = writer.document.add_table(rows=0, cols=2, style=LAYOUT_STYLE)
        self.table.alignment = WD_TABLE_ALIGNMENT.LEFT
        first = self.row(picture)
        if heading:
            # Not "keep with next": in a table that chains every part to the next one (whole parts jump
            # to a new page). The first row repeats on each page instead.
            first.heading(heading, 2).paragraph_format.keep_with_next = False
        self.first = first
        self.table.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))

    def row(self, picture):
        """A new row with `picture` on the left; returns a writer for the words cell."""
        row = self.table.add_row()
        row.cells[0].paragraphs[0].add_run("{{ qr }}" if picture == "qr" else f"{{{{ pic_{picture} }}}}")
        return self.writer.inside(row.cells[1])

    def tag(self, statement):
        self.table.add_row().cells[0].paragraphs[0].add_run(f"{{%tr {statement} %}}")

    def otherwise(self, empty):
        """`empty`: (picture, words), a row of its own."""
        self.row(empty[0]).para(empty[1])

    def finish(self):
        _set_widths(self.table, (PICTURE_COLUMN, WORDS_COLUMN))
        for row in self.table.rows:  # cells start with an empty paragraph: drop it where words follow
            for cell in row.cells:
                paragraphs = cell.paragraphs
                if len(paragraphs) > 1 and not paragraphs[0].text:
                    paragraphs[0]._p.getparent().remove(paragraphs[0]._p)
        # A space after the table, so two parts do not touch.
        self.writer.document.add_paragraph()


# --- The standard and large print plan ----------------------------------------------------------------

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


def needs_and_distance(t):
    with t.when("needs.text or distance"):
        t.heading("{{ w.needs_assessment }}", 2)
        with t.when("needs.text"):
            t.para(said("{{ needs.text }}"))
            with t.when("needs.assessed_on"):
                t.para("{{ w.assessed_on.format(date=needs.assessed_on) }}")
        with t.when("distance"):
            t.heading("{{ w.distance }}", 3)
            with t.each("d in distance"):
                t.para(strong("{{ d.label }}"))
                with t.each("score in d.scores"):
                    t.bullet("{{ score }}")


def plan_content(t):
    """templates/components/plan.html, macro plan_content, with headings from level 2."""
    needs_and_distance(t)
    t.heading("{{ w.goals }}", 2)
    for label, value in (("what_you_want", "goals.aspirations"), ("job_goal", "goals.job_goal")):
        t.para(strong(f"{{{{ w.{label} }}}}: "), said(f"{{{{ {value} }}}}"),
               f"{{% if not {value} %}}{{{{ w.not_written }}}}{{% endif %}}")
    t.para(strong("{{ w.target_hours }}: "), "{{ goals.target_hours or w.not_agreed }}")
    with t.when("goals.target_hours_reason"):
        t.para(said("{{ goals.target_hours_reason }}"))

    t.heading("{{ w.objectives }}", 2)
    # An objective is body text, not a heading: a long one would otherwise become a page of bold heading.
    with t.each("o in objectives", empty="{{ w.no_objectives }}"):
        t.para(strong("{{ o.number }}. "), said("{{ o.what }}"))
        for label, value in (("how_often", "o.how_often"), ("how_we_know", "o.measure")):
            with t.when(value):
                t.bullet(f"{{{{ w.{label} }}}}: ", said(f"{{{{ {value} }}}}"))
        with t.when("o.by"):
            t.bullet("{{ w.by }}: {{ o.by }}")

    t.heading("{{ w.support }}", 2)
    with t.each("s in support", empty="{{ w.no_support }}"):
        t.para(said("{{ s.description }}", bold=True), strong("{% if s.qualification %} ({{ w.qualification }}){% endif %}"))
        t.para("{{ w.given_by }}: {{ s.given_by }}{% if s.planned %}, {{ s.planned }} {{ w.planned }}{% endif %}")
        t.para("{{ w.helps_with }}: ", said("{{ s.helps_with }}"), "{% if not s.helps_with %}{{ w.no_objective }}{% endif %}")

    t.heading("{{ w.barriers }}", 2)
    with t.each("b in barriers", empty="{{ w.none_yet }}"):
        t.para(strong("{{ b.category }}"))
        t.para(said("{{ b.description }}"))
        with t.when("b.impact"):
            t.para("{{ w.affects_work }}: ", said("{{ b.impact }}"))
        with t.when("b.response"):
            t.para("{{ w.we_will }}: ", said("{{ b.response }}"))

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
            t.para(said(f"{{{{ {key} }}}}") if key == "length" else f"{{{{ {key} }}}}")

    with t.when("in_work"):
        t.heading("{{ w.in_work }}", 2)
        with t.when("in_work.line"):
            t.para("{{ in_work.line }}")
        with t.when("in_work.taper"):
            t.heading("{{ w.taper }}", 3)
            t.table("{{ w.taper }}", ["{{ w.weeks }}", "{{ w.support_col }}", "{{ w.hours_a_week }}"],
                    "step in in_work.taper", ["{{ step.weeks }}", said("{{ step.support }}"), "{{ step.hours }}"])
        with t.each("check in in_work.checks"):
            t.bullet("{{ check }}")

    # R-DATA-8: whom the customer agrees may be consulted (SES 4.18).
    with t.when("support_network"):
        t.heading("{{ w.support_network }}", 2)
        t.para(said("{{ support_network.who }}"))
        for key in ("agreed", "withdrawn"):
            with t.when(f"support_network.{key}"):
                t.para(f"{{{{ support_network.{key} }}}}")

    # R-ISP-11: progress as at a date, only in live renders (originals are sealed without it).
    with t.when("progress"):
        t.heading("{{ progress.heading }}", 2)
        with t.each("line in progress.lines", empty="{{ w.none_yet }}"):
            t.bullet("{{ line }}")


def signatures(t, large):
    t.heading("{{ w.doc_signed_heading }}", 2)
    t.tag("if signatures")
    # Widths that hold the longest words whole ("Cynghorydd" at 18 pt needs about 36 mm, plus the cell margins).
    widths = (Mm(38), Mm(44), Mm(44), Mm(44)) if large else (Mm(50), Mm(34), Mm(43), Mm(43))
    t.table("{{ w.doc_signed_heading }}",
            ["{{ w.doc_col_name }}", "{{ w.doc_col_role }}", "{{ w.doc_col_how }}", "{{ w.doc_col_when }}"],
            "signature in signatures",
            ["{{ signature.name }}", "{{ signature.role }}", "{{ signature.how }}", "{{ signature.when }}"], widths)
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
