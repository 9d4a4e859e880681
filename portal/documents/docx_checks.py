"""The project's own accessibility checker for the Word documents it makes.

GOV.UK "Publishing accessible documents", Microsoft's Accessibility Checker rules and UKAAF clear and
large print, mapped to OOXML. `check_docx` returns readable problems, each starting with a rule id:

    DOCX-E001 image without alt text        DOCX-W001 not exactly one Heading 1
    DOCX-E002 no document title             DOCX-W002 heading level skipped
    DOCX-E003 no headings                   DOCX-W003 merged cells
    DOCX-E004 table without a header row    DOCX-W004 text smaller than the format allows
    DOCX-E005 language missing or wrong     DOCX-W005 justified text
    DOCX-E006 floating picture or text box  DOCX-W006 italics
    DOCX-E000 not a readable Word document  DOCX-W007 underline or capitals
    DOCX-E007 layout row without its        DOCX-W008 empty heading
              picture on the left

Easy Read's picture-beside-words rows are a layout table, known by its style (LAYOUT_STYLE_ID): two
columns, no merged cells, a picture and nothing else in the left cell of every row, the words on the right.
Its first row (the part's picture and heading) repeats on each page the part runs on to.
"""
import io
import re
import zipfile

from lxml import etree

LANGUAGE_TAGS = {"en": "en-GB", "cy": "cy-GB"}
SIZE_FLOORS_PT = {"standard": 12, "large_print": 16, "easy_read": 14}
LAYOUT_STYLE_ID = "EasyReadlayout"

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
}
W = "{%s}" % NS["w"]
OFF = {"0", "false", "off"}
JUSTIFIED = {"both", "distribute", "lowKashida", "mediumKashida", "highKashida", "thaiDistribute"}
HEADING_NAME = re.compile(r"heading ([1-9])$", re.IGNORECASE)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def check_docx(data, document_format, lang):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            document, styles, core = (etree.fromstring(package.read(name), _PARSER)
                                      for name in ("word/document.xml", "word/styles.xml", "docProps/core.xml"))
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as error:
        return [f"DOCX-E000 not a readable Word document: {error}"]
    return [
        *title_problems(core),
        *language_problems(styles, core, LANGUAGE_TAGS[lang]),
        *heading_problems(document, styles),
        *table_problems(document),
        *picture_problems(document),
        *size_problems(document, styles, SIZE_FLOORS_PT[document_format]),
        *typography_problems(document, styles),
    ]


def _on(element):
    """A w:b-like toggle: present and not switched off."""
    return element is not None and element.get(W + "val", "true") not in OFF


def _text(element, limit=40):
    text = "".join(element.itertext()).strip()
    return text if len(text) <= limit else text[:limit] + "…"


def _where(rpr):
    """Names the style or quotes the text a run property belongs to."""
    style = next(rpr.iterancestors(W + "style"), None)
    if style is not None:
        return f"style {style.get(W + 'styleId')}"
    if next(rpr.iterancestors(W + "docDefaults"), None) is not None:
        return "document defaults"
    paragraph = next(rpr.iterancestors(W + "p"), None)
    return f"text {_text(paragraph)!r}" if paragraph is not None else "document"


def title_problems(core):
    title = core.find("dc:title", NS)
    if title is None or not (title.text or "").strip():
        return ["DOCX-E002 no document title: set the title in the document properties"]
    return []


def language_problems(styles, core, expected):
    default = styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)
    language = core.find("dc:language", NS)
    found = {
        "the style defaults": default.get(W + "val") if default is not None else None,
        "the document properties": (language.text or "").strip() if language is not None else None,
    }
    return [f"DOCX-E005 language missing or wrong in {where}: {tag} (expected {expected})"
            for where, tag in found.items() if tag != expected]


def heading_problems(document, styles):
    names = {style.get(W + "styleId"): style.find("w:name", NS).get(W + "val")
             for style in styles.iterfind("w:style", NS) if style.find("w:name", NS) is not None}
    headings = []
    for paragraph in document.iterfind(".//w:body//w:p", NS):
        style = paragraph.find("w:pPr/w:pStyle", NS)
        match = HEADING_NAME.match(names.get(style.get(W + "val"), "")) if style is not None else None
        if match:
            headings.append((int(match.group(1)), _text(paragraph)))
    if not headings:
        return ["DOCX-E003 no headings: use the built-in Heading styles"]
    problems = []
    first_level = [text for level, text in headings if level == 1]
    if len(first_level) != 1:
        problems.append(f"DOCX-W001 {len(first_level)} Heading 1 paragraphs (expected one, the title): {first_level}")
    previous = 0
    for level, text in headings:
        if level > previous + 1:
            problems.append(f"DOCX-W002 heading level skipped: Heading {level} after Heading {previous}: {text!r}")
        if not text:
            problems.append(f"DOCX-W008 empty heading (Heading {level})")
        previous = level
    return problems


def table_problems(document):
    problems = []
    for number, table in enumerate(document.iterfind(".//w:tbl", NS), start=1):
        first_row = table.find("w:tr", NS)
        if first_row is None or not _on(first_row.find("w:trPr/w:tblHeader", NS)):
            problems.append(f"DOCX-E004 table {number} has no header row: mark its first row 'repeat as header row'")
        spans = [span for span in table.iterfind(".//w:gridSpan", NS) if int(span.get(W + "val", "1")) > 1]
        merges = spans + table.findall(".//w:vMerge", NS) + table.findall(".//w:hMerge", NS)
        if merges:
            problems.append(f"DOCX-W003 table {number} has {len(merges)} merged cells: screen readers lose their place")
        style = table.find("w:tblPr/w:tblStyle", NS)
        if style is not None and style.get(W + "val") == LAYOUT_STYLE_ID:
            problems += layout_problems(number, table)
    return problems


def layout_problems(number, table):
    if len(table.findall("w:tblGrid/w:gridCol", NS)) != 2:
        return [f"DOCX-E007 layout table {number} is not two columns (picture | words)"]
    problems = []
    for row_number, row in enumerate(table.iterfind("w:tr", NS), start=1):
        cells = row.findall("w:tc", NS)
        left = cells[0] if cells else None
        if left is None or left.find(".//wp:inline", NS) is None or _text(left) or len(cells) != 2:
            problems.append(f"DOCX-E007 layout table {number} row {row_number}: no picture on the left of "
                            f"{_text(cells[-1]) if cells else 'the row'!r}")
    return problems


def picture_problems(document):
    problems = [f"DOCX-E001 image without alt text: {picture.get('name', 'unnamed picture')}"
                for picture in document.iterfind(".//wp:docPr", NS) if not (picture.get("descr") or "").strip()]
    if document.find(".//wp:anchor", NS) is not None:
        problems.append("DOCX-E006 floating picture (wp:anchor): keep pictures in line with text")
    if document.find(".//w:txbxContent", NS) is not None:
        problems.append("DOCX-E006 text box: screen readers may skip it or read it out of order")
    return problems


def size_problems(document, styles, floor_pt):
    if styles.find("w:docDefaults/w:rPrDefault/w:rPr/w:sz", NS) is None:
        return [f"DOCX-W004 no default text size: Word then uses 10 pt (at least {floor_pt} pt)"]
    problems = []
    for root in (styles, document):
        for size in [*root.iterfind(".//w:rPr/w:sz", NS), *root.iterfind(".//w:rPr/w:szCs", NS)]:
            half_points = int(size.get(W + "val", "0"))
            if half_points < floor_pt * 2:
                problems.append(f"DOCX-W004 text at {half_points / 2:g} pt (at least {floor_pt} pt): "
                                f"{_where(size.getparent())}")
    return problems


def typography_problems(document, styles):
    problems = []
    for root in (styles, document):
        for justification in root.iterfind(".//w:pPr/w:jc", NS):
            if justification.get(W + "val") in JUSTIFIED:
                problems.append(f"DOCX-W005 justified text: {_where(justification.getparent())}")
        for rpr in root.iterfind(".//w:rPr", NS):
            if _on(rpr.find("w:i", NS)) or _on(rpr.find("w:iCs", NS)):
                problems.append(f"DOCX-W006 italics: {_where(rpr)}")
            underline = rpr.find("w:u", NS)
            linked = next(rpr.iterancestors(W + "hyperlink"), None) is not None
            if underline is not None and underline.get(W + "val", "single") != "none" and not linked:
                problems.append(f"DOCX-W007 underline (keep it for links): {_where(rpr)}")
            if _on(rpr.find("w:caps", NS)) or _on(rpr.find("w:smallCaps", NS)):
                problems.append(f"DOCX-W007 capitals: {_where(rpr)}")
    return problems
