"""The project's own PDF accessibility checks (pikepdf): the parts of PDF/UA-1 a machine can check here.

veraPDF is the reference validator but cannot be installed from this project's registries
(ecosystem.md §4.2); these checks run on every format and language, before and after sealing.
"""
import io

import pikepdf


def _structure_elements(root):
    """Every structure element under the StructTreeRoot, depth first (kids may be a dict or an array)."""
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if isinstance(node, pikepdf.Array):
            stack.extend(node)
            continue
        if not isinstance(node, pikepdf.Dictionary):
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        if "/S" in node:
            yield node
        if "/K" in node:
            stack.append(node.K)


def check_pdf(data, lang):
    """Problems found, each with a rule id; [] means the document passed."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PdfError as error:
        return [f"PDF-E000 not a readable PDF: {error}"]
    problems = []
    root = pdf.Root
    mark_info = root.get("/MarkInfo")
    if mark_info is None or not bool(mark_info.get("/Marked", False)):
        problems.append("PDF-E001 not tagged: /MarkInfo /Marked is not true")
    if "/StructTreeRoot" not in root:
        problems.append("PDF-E002 no structure tree (/StructTreeRoot)")
    language = str(root.get("/Lang", ""))
    if not language.lower().startswith(lang.lower()):
        problems.append(f"PDF-E003 document language {language or 'missing'}, expected {lang}")
    preferences = root.get("/ViewerPreferences")
    if preferences is None or not bool(preferences.get("/DisplayDocTitle", False)):
        problems.append("PDF-E004 the viewer is not told to show the title (/DisplayDocTitle)")
    metadata = pdf.open_metadata()
    if not (metadata.get("dc:title") or "").strip():
        problems.append("PDF-E005 no title in the XMP metadata (dc:title)")
    if str(metadata.get("pdfuaid:part", "")) != "1":
        problems.append("PDF-E006 no PDF/UA-1 identifier (pdfuaid:part)")
    if "/StructTreeRoot" in root:
        for element in _structure_elements(root.StructTreeRoot):
            if element.S == "/Figure" and not str(element.get("/Alt", "")).strip():
                problems.append("PDF-E007 a figure without alternative text (/Alt)")
    for number, page in enumerate(pdf.pages, start=1):
        if "/Annots" in page.obj and str(page.obj.get("/Tabs", "")) != "/S":
            problems.append(f"PDF-E008 page {number} has annotations but no structure tab order (/Tabs /S)")
    return problems
