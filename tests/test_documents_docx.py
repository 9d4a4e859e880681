"""The signed plan as a Word document (issue 6): reproducible templates, the accessibility checker (and
proof it can fail), escaping of what advisers write, and LibreOffice opening the result."""
import io
import re
import shutil
import subprocess
import zipfile

import docx
import pytest
import segno
from docxtpl import DocxTemplate

from portal.customer_words import FORMATS, LANGUAGES, words
from portal.documents.build_templates import build
from portal.documents.docx import PICTURE_KEYS, TEMPLATES_DIR, render_docx
from portal.documents.docx_checks import check_docx
from portal.documents.sample import sample_context

# The document contract (portal/documents/context.py) and the pictures docx.py adds.
CONTRACT_KEYS = {
    "lang", "format", "title", "draft", "w", "customer", "programme", "provider", "version", "needs", "distance", "goals",
    "objectives", "support", "barriers", "milestones", "funding", "reviews", "length", "permitted_work",
    "in_work", "support_network", "progress", "signatures", "verification", "pictures",
}
RENDERER_KEYS = {"qr"} | {f"pic_{key}" for key in PICTURE_KEYS}
VARIANTS = [(f, lang) for f in FORMATS for lang in LANGUAGES]


def qr_png(url):
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="png", scale=4)
    return out.getvalue()


def full_context(lang, document_format, draft=False, text=None):
    """The sample plan with every optional section filled, so every template branch renders."""
    context = sample_context(lang, document_format, draft=draft, text=text)
    if context["verification"]:
        context["verification"]["qr_png"] = qr_png(context["verification"]["url"])
    context["funding"] = ["Access to Work: a support worker"]
    context["permitted_work"] = "Up to 16 hours a week at the animal shelter."
    context["in_work"] = {
        "line": "Kennel assistant with Happy Paws, from 1 July 2026.",
        "taper": [{"weeks": "1 to 4", "support": "Weekly visit", "hours": "2 hours"},
                  {"weeks": "5 onwards", "support": "Phone call", "hours": "30 minutes"}],
        "checks": ["Settling in: first week went well"],
    }
    return context


def document_text(data):
    document = docx.Document(io.BytesIO(data))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([paragraph.text for paragraph in document.paragraphs] + cells)


def xml_parts(path):
    with zipfile.ZipFile(path) as package:
        return {name: package.read(name) for name in package.namelist() if name.endswith((".xml", ".rels"))}


# (a) The committed templates are what the build script makes ------------------------------------------

def test_committed_templates_and_pictures_are_what_the_build_script_makes(tmp_path):
    build(tmp_path)
    for document_format, lang in VARIANTS:
        name = f"isp_{document_format}_{lang}.docx"
        committed, rebuilt = xml_parts(TEMPLATES_DIR / name), xml_parts(tmp_path / name)
        assert committed.keys() == rebuilt.keys(), name
        for part in committed:
            assert committed[part] == rebuilt[part], f"{name} {part}: run python -m portal.documents.build_templates"
    for key in PICTURE_KEYS:
        picture = f"pictures/{key}.png"
        assert (tmp_path / picture).read_bytes() == (TEMPLATES_DIR / picture).read_bytes(), picture


@pytest.mark.parametrize("document_format, lang", VARIANTS)
def test_templates_read_only_the_contract(document_format, lang):
    path = TEMPLATES_DIR / f"isp_{document_format}_{lang}.docx"
    assert DocxTemplate(path).get_undeclared_template_variables() <= CONTRACT_KEYS | RENDERER_KEYS
    assert b"{" not in zipfile.ZipFile(path).read("docProps/core.xml")  # docxtpl would escape it twice


# (b) Every rendered variant passes the checker ---------------------------------------------------------

@pytest.mark.parametrize("draft", [True, False], ids=["draft", "agreed"])
@pytest.mark.parametrize("document_format, lang", VARIANTS)
def test_every_variant_passes_the_checker(app_context, document_format, lang, draft):
    context = full_context(lang, document_format, draft=draft)
    data = render_docx(context)

    assert check_docx(data, document_format, lang) == []
    document = docx.Document(io.BytesIO(data))
    assert document.core_properties.title == context["title"]
    text = document_text(data)
    w = words(lang)
    assert (w["doc_draft"] in text) is draft
    assert (w["doc_draft_note"] in text) is draft
    assert (w["doc_verify_heading"] in text) is not draft
    assert "{{" not in text and "{%" not in text
    pictures = len(re.findall(r"<wp:docPr ", zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()))
    if document_format == "easy_read":  # one picture a row, the QR code being the last part's picture
        assert pictures == sum(len(table.rows) for table in document.tables)
    else:
        assert pictures == (0 if draft else 1)


def test_easy_read_puts_a_picture_beside_each_part_heading(app_context):
    """Issue 17: the picture is in the same row as the heading, to its left (not above it)."""
    document = docx.Document(io.BytesIO(render_docx(full_context("en", "easy_read"))))
    headings = [row.cells[1].paragraphs[0].text for table in document.tables for row in table.rows
                if row.cells[0]._tc.xpath(".//wp:inline") and row.cells[1].paragraphs[0].style.name == "Heading 2"]
    w = words("en")
    assert headings == [w["er_needs"], w["what_you_want"], w["er_hard"], w["er_steps"], w["er_help"],
                        w["er_milestones"], w["er_funding"], w["er_talk"], w["er_length"], w["er_permitted_work"],
                        w["er_in_work"], w["support_network"], w["doc_signed_heading"], w["doc_verify_heading"]]
    assert not [p for p in document.paragraphs if p.style.name == "Heading 2"]


def test_unsigned_plan_says_so_instead_of_an_empty_table(app_context):
    context = full_context("en", "standard", draft=True)
    context["signatures"] = []
    data = render_docx(context)
    assert words("en")["doc_not_signed"] in document_text(data)
    assert len(docx.Document(io.BytesIO(data)).tables) == 1  # the taper table only
    assert check_docx(data, "standard", "en") == []


# (c) The checker can fail -------------------------------------------------------------------------------

def with_part(data, name, change):
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.namelist():
            content = source.read(member)
            target.writestr(member, change(content.decode()).encode() if member == name else content)
    return out.getvalue()


def add_paragraph(paragraph_xml):
    return lambda xml: xml.replace("<w:sectPr", paragraph_xml + "<w:sectPr", 1)


BREAKAGES = {
    "image without alt text": ("E001", "word/document.xml", lambda xml: re.sub(r' descr="[^"]*"', "", xml)),
    "merged cell": ("W003", "word/document.xml",
                    lambda xml: re.sub(r"(<w:tcW [^>]*/>)", r'\1<w:gridSpan w:val="2"/>', xml, count=1)),
    "10 pt run": ("W004", "word/document.xml",
                  add_paragraph('<w:p><w:r><w:rPr><w:sz w:val="20"/></w:rPr><w:t>Small print</w:t></w:r></w:p>')),
    "justified paragraph": ("W005", "word/document.xml",
                            add_paragraph('<w:p><w:pPr><w:jc w:val="both"/></w:pPr><w:r><w:t>x</w:t></w:r></w:p>')),
    "italic run": ("W006", "word/document.xml",
                   add_paragraph("<w:p><w:r><w:rPr><w:i/></w:rPr><w:t>Slanted</w:t></w:r></w:p>")),
    "missing title": ("E002", "docProps/core.xml", lambda xml: re.sub(r"<dc:title>.*?</dc:title>", "<dc:title/>", xml)),
    "no header row": ("E004", "word/document.xml", lambda xml: xml.replace("<w:tblHeader/>", "")),
    "layout row without its picture": ("E007", "word/document.xml",
                                       lambda xml: re.sub(r"<w:drawing>.*?</w:drawing>", "", xml, count=1, flags=re.S)),
    "heading level skip": ("W002", "word/document.xml",
                           lambda xml: xml.replace('w:val="Heading2"', 'w:val="Heading3"', 1)),
    "two Heading 1s": ("W001", "word/document.xml", lambda xml: xml.replace('w:val="Heading2"', 'w:val="Heading1"', 1)),
    "wrong language": ("E005", "word/styles.xml", lambda xml: xml.replace('w:val="en-GB"', 'w:val="en-US"')),
    "floating picture": ("E006", "word/document.xml", lambda xml: xml.replace("wp:inline", "wp:anchor")),
}


@pytest.fixture(scope="module")
def easy_read_docx(app):
    with app.app_context():
        return render_docx(full_context("en", "easy_read"))


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_checker_finds_each_broken_rule(easy_read_docx, breakage):
    rule, part, change = BREAKAGES[breakage]
    problems = check_docx(with_part(easy_read_docx, part, change), "easy_read", "en")
    assert any(problem.startswith(f"DOCX-{rule} ") for problem in problems), problems


def test_size_floor_depends_on_the_format(easy_read_docx):
    fifteen_pt = with_part(easy_read_docx, "word/document.xml",
                           add_paragraph('<w:p><w:r><w:rPr><w:sz w:val="30"/></w:rPr><w:t>15 pt</w:t></w:r></w:p>'))
    assert not [p for p in check_docx(fifteen_pt, "easy_read", "en") if p.startswith("DOCX-W004")]
    assert [p for p in check_docx(fifteen_pt, "large_print", "en") if p.startswith("DOCX-W004")]
    assert [p for p in check_docx(easy_read_docx, "easy_read", "cy") if p.startswith("DOCX-E005")]


def test_checker_reports_a_file_that_is_not_a_word_document():
    assert check_docx(b"not a zip", "standard", "en")[0].startswith("DOCX-E000 ")


# (d) What advisers write stays text ------------------------------------------------------------------

CONTROLS = "a\x00b\x08c\x0bd\x0ce\x0df\x1fg\ufffeh\uffffi\ud800j\tk\nl"
PAYLOADS = {
    "markup": ("<b>&amp; </w:t>", "<b>&amp; </w:t>"),
    "jinja expression": ("{{ 7*7 }}", "{{ 7*7 }}"),
    "jinja statement": ("{% if %}", "{% if %}"),
    "control characters": (CONTROLS, "abcdefghij\tk\nl"),
    "100 kB": ("Long text " * 10_000, "Long text " * 10_000),
}


@pytest.mark.parametrize("document_format", FORMATS)
@pytest.mark.parametrize("payload", PAYLOADS)
def test_adviser_text_is_never_markup_or_template(app_context, document_format, payload):
    text, expected = PAYLOADS[payload]
    data = render_docx(full_context("en", document_format, text=text))
    shown = document_text(data)
    assert expected in shown
    assert "49" not in shown
    assert check_docx(data, document_format, "en") == []


# (e) LibreOffice opens it --------------------------------------------------------------------------------

def test_libreoffice_converts_the_document_to_pdf(app_context, tmp_path):
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) is not installed; install Debian libreoffice-writer-nogui")
    source = tmp_path / "plan.docx"
    source.write_bytes(render_docx(full_context("cy", "easy_read")))
    result = subprocess.run(
        ["soffice", "--headless", "--norestore", f"-env:UserInstallation={(tmp_path / 'lo').as_uri()}",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        capture_output=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "plan.pdf").read_bytes().startswith(b"%PDF")
