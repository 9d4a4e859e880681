"""Documents a customer can really use (issue 17): every variant × language × format, with a deliberately long
objective, checked in the files' structure. Word: picture and words in one row of a two-column layout
table (no merged cells), 14 pt and more in Easy Read, page numbers as PAGE/NUMPAGES fields, the draft
marking in the page header, long entries as body text, the adviser's words marked English in Welsh.
PDF: /Scope on every TH, no /ID without the /IDTree, one table (with its caption) across pages with its
header row repeated, "Page N of M" and the draft marking on every page, /Lang on the adviser's words.
Easy Read carries every agreed term (R-SIGN-2). Also the documents page's default and Welsh /verify links.
"""
import io
import re
import zipfile

import docx
import pikepdf
import pytest
from lxml import etree, html as lxml_html
from weasyprint.formatting_structure import boxes

from portal.customer_words import FORMATS, LANGUAGES, words
from portal.documents import pdf
from portal.documents.docx import render_docx
from portal.documents.docx_checks import LAYOUT_STYLE_ID, NS, check_docx
from portal.documents.pdf_checks import check_pdf
from tests.test_documents_docx import full_context

W = "{%s}" % NS["w"]
VARIANTS = [(f, lang) for f in FORMATS for lang in LANGUAGES]
LONG_OBJECTIVE = ("Build up the confidence and the stamina to travel alone by bus to the animal shelter in the town "
                  "centre, three mornings a week, and stay for a full four-hour shift, first with the job coach and "
                  "then alone, so that a work trial can start before the summer holidays begin. ") * 3
# Every agreed term, as the full context fills it (tests/test_documents_docx.full_context, sample.py).
TERMS = ["Every Tuesday", "Attendance sheet", "16 hours", "6 hours", "Cannot do weekend shifts", "Six months, then review.",
         "First work trial", "Access to Work: a support worker", "Up to 16 hours a week at the animal shelter.",
         "Kennel assistant with Happy Paws", "Weekly visit", "Settling in: first week went well",
         "Sam tires easily in the afternoon.", "Objective 1: go to the job club", "No bus on Sundays",
         "Look for weekday work", "Sam wants to work with animals", "Confidence: 3", "30 June 2026"]


def long_context(lang, document_format, draft=False):
    context = full_context(lang, document_format, draft=draft)
    context["objectives"][0]["what"] = LONG_OBJECTIVE.strip()
    for signature in context["signatures"]:
        signature["when"] = context["w"]["doc_at"].format(date="23 December 2026", time="10:42")
    return context


def parts(data):
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {name: etree.fromstring(package.read(name)) for name in package.namelist()
                if name.startswith("word/") and name.endswith(".xml")}


def text_of(element):
    return "".join(element.itertext())


# Word ----------------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def rendered_docx(app):
    with app.test_request_context():
        return {(f, lang, draft): render_docx(long_context(lang, f, draft=draft))
                for f, lang in VARIANTS for draft in (True, False)}


@pytest.fixture(scope="module")
def welsh_and_english(app):
    with app.test_request_context():
        return {lang: words(lang) for lang in LANGUAGES}


@pytest.mark.parametrize("document_format, lang", VARIANTS)
def test_docx_structure_of_every_variant(rendered_docx, welsh_and_english, document_format, lang):
    for draft in (True, False):
        data = rendered_docx[(document_format, lang, draft)]
        assert check_docx(data, document_format, lang) == []
        xml = parts(data)
        body = xml["word/document.xml"]
        assert not body.findall(".//w:vMerge", NS) and not body.findall(".//w:gridSpan", NS)
        # Page N of M as fields, on every page (footer); the draft marking in the header on every page.
        footers = [x for name, x in xml.items() if name.startswith("word/footer")]
        instructions = {f.get(W + "instr").strip() for x in footers for f in x.iterfind(".//w:fldSimple", NS)}
        assert instructions == {"PAGE", "NUMPAGES"}
        w = welsh_and_english[lang]
        assert any(w["doc_page_word"] in text_of(x) for x in footers)
        headers = "".join(text_of(x) for name, x in xml.items() if name.startswith("word/header"))
        assert (w["doc_draft"] in headers) is draft
        # A long objective is body text, never a heading.
        for paragraph in body.iterfind(".//w:p", NS):
            style = paragraph.find("w:pPr/w:pStyle", NS)
            if style is not None and style.get(W + "val").startswith("Heading"):
                assert "Build up the confidence" not in text_of(paragraph)
        assert LONG_OBJECTIVE.strip() in text_of(body)
        # The adviser's words carry w:lang en-GB in Welsh, and nothing needs it in English.
        marked = [r for r in body.iterfind(".//w:r", NS) if r.find("w:rPr/w:lang", NS) is not None
                  and r.find("w:rPr/w:lang", NS).get(W + "val") == "en-GB"]
        assert any("Build up the confidence" in text_of(r) for r in marked) is (lang == "cy")
        # Welsh documents send their readers to the Welsh check page.
        if not draft:
            assert ("/verify/K7QD-M2XP-9R?lang=cy" in text_of(body)) is (lang == "cy")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_docx_easy_read_puts_a_picture_left_of_every_chunk_of_words(rendered_docx, lang):
    data = rendered_docx[("easy_read", lang, False)]
    body = parts(data)["word/document.xml"]
    layout = [t for t in body.iterfind(".//w:tbl", NS) if t.find("w:tblPr/w:tblStyle", NS).get(W + "val") == LAYOUT_STYLE_ID]
    assert len(layout) >= 12
    for table in layout:
        assert len(table.findall("w:tblGrid/w:gridCol", NS)) == 2
        assert table.find("w:tr/w:trPr/w:tblHeader", NS) is not None  # the part's picture and heading repeat
        for row in table.iterfind("w:tr", NS):
            left, right = row.findall("w:tc", NS)
            picture = left.find(".//wp:inline/wp:docPr", NS)
            assert picture is not None and picture.get("descr") and not text_of(left).strip()
            assert text_of(right).strip()
    # Nothing after the title block stands outside a picture row.
    outside = [text_of(p) for p in body.iterfind("w:body/w:p", NS) if text_of(p).strip()]
    assert len(outside) <= 10, outside
    # 14 pt or more everywhere (the checker's floor), 16 pt body.
    sizes = [int(s.get(W + "val")) for s in body.iterfind(".//w:sz", NS)]
    assert all(size >= 28 for size in sizes)
    styles = parts(data)["word/styles.xml"]
    assert styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:sz", NS).get(W + "val") == "32"


@pytest.mark.parametrize("document_format, lang", VARIANTS)
def test_easy_read_and_the_others_carry_every_agreed_term(rendered_docx, document_format, lang):
    document = docx.Document(io.BytesIO(rendered_docx[(document_format, lang, False)]))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    missing = [term for term in TERMS if term not in text]
    if lang == "cy":  # dates are in Welsh
        missing = [term for term in missing if term != "30 June 2026"]
    assert missing == []


def test_large_print_signature_columns_hold_a_long_month_whole(rendered_docx):
    body = parts(rendered_docx[("large_print", "en", False)])["word/document.xml"]
    signatures = [t for t in body.iterfind(".//w:tbl", NS) if t.find("w:tblPr/w:tblCaption", NS) is not None][-1]
    widths = [int(c.get(W + "w")) for c in signatures.iterfind("w:tblGrid/w:gridCol", NS)]
    assert len(widths) == 4 and min(widths[1:]) >= 40 * 1440 / 25.4  # "Cynghorydd" at 18 pt is about 36 mm


# PDF -----------------------------------------------------------------------------------------------------

def structure(data):
    pdf_file = pikepdf.open(io.BytesIO(data))
    root = pdf_file.Root.StructTreeRoot
    found, stack = [], [root]
    while stack:
        node = stack.pop()
        kids = node.get("/K")
        kids = list(kids) if isinstance(kids, pikepdf.Array) else ([kids] if kids is not None else [])
        for kid in reversed(kids):
            if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                found.append(kid)
                stack.append(kid)
    return pdf_file, root, found


def id_tree(root):
    names = root.get("/IDTree", pikepdf.Dictionary()).get("/Names", pikepdf.Array())
    return {bytes(names[i]): names[i + 1] for i in range(0, len(names), 2)}


def margin_texts(document):
    def walk(box):
        if isinstance(box, boxes.TextBox):
            yield box.text
        for child in getattr(box, "children", ()):
            yield from walk(child)
    return [" ".join(t for m in page._page_box.children if isinstance(m, boxes.MarginBox) for t in walk(m))
            for page in document.pages]


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("document_format, lang", VARIANTS)
def test_pdf_structure_of_every_variant(ctx, document_format, lang):
    for draft in (True, False):
        context = long_context(lang, document_format, draft=draft)
        data = pdf.render_pdf(context)
        assert check_pdf(data, lang) == []
        _pdf, root, elements = structure(data)
        ids = id_tree(root)
        for element in elements:
            if element.S == pikepdf.Name.TH:
                assert element.A.Scope == pikepdf.Name.Column
            if "/ID" in element:
                assert bytes(element.ID) in ids
            if element.S == pikepdf.Name.TD and "/Headers" in element.get("/A", {}):
                assert all(bytes(h) in ids for h in element.A.Headers)
        marked = [e for e in elements if e.S == pikepdf.Name.Span and "/Lang" in e]
        if lang == "cy":  # one span for each piece of the adviser's words printed
            # (a span running over lines or pages is tagged once for each piece)
            assert len(marked) >= pdf.render_html(context).count('<span lang="en">') > 10
            assert all(str(e.Lang) == "en-GB" for e in marked)
        else:
            assert not marked
        w = context["w"]
        pages = margin_texts(pdf.lay_out(context))
        for number, text in enumerate(pages, start=1):
            assert f"{w['doc_page_word']} {number} {w['doc_page_of']} {len(pages)}" in text
            assert (w["doc_draft"] in text) is draft
        if document_format == "easy_read":
            page = lxml_html.fromstring(pdf.render_html(context))
            rows = page.find_class("row")
            assert rows and all(r[0].tag == "img" and r[0].get("alt") for r in rows)
            words_text = " ".join(r.text_content() for r in rows)
            missing = [t for t in TERMS if t not in words_text and not (lang == "cy" and t == "30 June 2026")]
            assert missing == []


def test_a_table_across_pages_stays_one_table_with_its_caption_and_repeated_header(ctx):
    context = long_context("en", "large_print")
    context["signatures"] = context["signatures"] * 20
    data = pdf.render_pdf(context)
    _pdf, root, elements = structure(data)
    tables = [e for e in elements if e.S == pikepdf.Name.Table]
    captions = [e for e in elements if e.S == pikepdf.Name.Caption]
    assert len(tables) == len(captions) == 2  # the taper table and the signatures
    signatures = tables[-1]
    kinds = [k.S for k in signatures.K if isinstance(k, pikepdf.Dictionary)]
    assert kinds.count(pikepdf.Name.THead) >= 2 and kinds[0] == pikepdf.Name.Caption
    rows = sum(len(list(k.K)) for k in signatures.K if isinstance(k, pikepdf.Dictionary) and k.S == pikepdf.Name.TBody)
    assert rows == 40
    assert check_pdf(data, "en") == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_large_print_never_splits_a_word_in_the_signature_table(ctx, lang):
    context = long_context(lang, "large_print")
    vocabulary = set()
    for signature in context["signatures"]:
        for value in signature.values():
            vocabulary.update(value.split())
    w = context["w"]
    for key in ("doc_col_name", "doc_col_role", "doc_col_how", "doc_col_when"):
        vocabulary.update(w[key].split())
    document = pdf.lay_out(context)

    def lines(box, in_table=False):
        in_table = in_table or isinstance(box, boxes.TableCellBox)
        if isinstance(box, boxes.LineBox) and in_table:
            yield "".join(t.text for t in box.descendants() if isinstance(t, boxes.TextBox))
            return
        for child in getattr(box, "children", ()):
            yield from lines(child, in_table)
    tokens = {word for page in document.pages for line in lines(page._page_box) for word in line.split()}
    long_words = {word for word in vocabulary if len(word) >= 6}
    assert long_words & tokens  # e.g. "December" / "Rhagfyr" printed whole
    fragments = [t for t in tokens - vocabulary if len(t) >= 3 and any(v.startswith(t) or v.endswith(t) for v in long_words)]
    assert fragments == []
