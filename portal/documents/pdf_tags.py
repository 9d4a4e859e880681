"""Completes WeasyPrint's tagged PDF where PDF/UA asks for more than it writes (issue 17).

WeasyPrint 70 tags table header cells with /ID but writes no /IDTree and no /Scope, builds the structure
page by page (so a table that runs on to a new page becomes a second table, without its caption) and
sets no /Lang on elements. This pass, run on every PDF before it is sealed:

- gives each TH a /Scope (/Column: the documents' tables have column headers only);
- writes the /IDTree that the /ID keys (and the TDs' /Headers) need;
- joins a table's continuation to the table it continues: one Table with its Caption, its header row
  group and the header row group repeated on the next page (a table in these documents always has a
  caption, so a Table without one is the rest of the one before);
- marks the adviser's words as English in a Welsh document: templates/documents/isp.html puts them, and
  nothing else, in a <span lang="en">, which WeasyPrint 70 tags as a Span holding Span elements (plain
  text runs are Spans holding marked content only); tests/test_documents_layout.py fails if that changes.
"""
import io

import pikepdf
from pikepdf import Array, Dictionary, Name, String

ADVISER_LANG = "en-GB"


def _kids(element):
    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, Array) else [kids]


def _elements(node):
    """Structure elements under `node`, depth first, in document order."""
    for kid in _kids(node):
        if isinstance(kid, Dictionary) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def _as_array(element):
    if not isinstance(element.get("/K"), Array):
        element.K = Array(_kids(element))
    return element.K


def _remove_kid(parent, kid):
    kids = _as_array(parent)
    for index, candidate in enumerate(kids):
        if isinstance(candidate, Dictionary) and candidate.objgen == kid.objgen:
            del kids[index]
            return


def _scope_headers(element):
    attributes = element.get("/A")
    if isinstance(attributes, Array):
        attributes = next((a for a in attributes if isinstance(a, Dictionary) and a.get("/O") == Name.Table), None)
    if attributes is None:
        attributes = Dictionary(O=Name.Table)
        element.A = attributes
    if "/Scope" not in attributes:
        attributes.Scope = Name.Column


def _join(previous, table, parent_tree):
    """Moves the continuation's kids (its repeated header row group and its rows) into `previous`."""
    moved = []
    for kid in _kids(table):
        if isinstance(kid, int):  # marked content of the table itself: keep its page
            kid = Dictionary(Type=Name.MCR, MCID=kid, Pg=table.Pg)
        elif isinstance(kid, Dictionary) and "/S" in kid:
            kid.P = previous
        moved.append(kid)
    _as_array(previous).extend(moved)
    for page_entries in parent_tree:
        if isinstance(page_entries, Array):
            for index, entry in enumerate(page_entries):
                if isinstance(entry, Dictionary) and entry.objgen == table.objgen:
                    page_entries[index] = previous
    parent = table.P
    _remove_kid(parent, table)
    while "/S" in parent and not _kids(parent) and "/P" in parent:  # a wrapper left empty by the move
        grandparent = parent.P
        _remove_kid(grandparent, parent)
        parent = grandparent


def complete_tags(data: bytes, lang: str) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        root = pdf.Root.get("/StructTreeRoot")
        if root is None:
            return data
        parent_tree = [value for value in root.ParentTree.get("/Nums", Array())][1::2]
        previous_table = None
        for element in list(_elements(root)):
            kind = element.S
            if kind == Name.Table:
                captioned = any(isinstance(k, Dictionary) and k.get("/S") == Name.Caption for k in _kids(element))
                if not captioned and previous_table is not None:
                    _join(previous_table, element, parent_tree)
                else:
                    previous_table = element
            elif kind == Name.TH:
                _scope_headers(element)
            elif kind == Name.Span and lang != "en" and any(
                    isinstance(k, Dictionary) and k.get("/S") == Name.Span for k in _kids(element)):
                element.Lang = String(ADVISER_LANG)
        ids = sorted(((bytes(e.ID), e) for e in _elements(root) if "/ID" in e), key=lambda item: item[0])
        if ids:
            names = Array()
            for key, element in ids:
                names.append(String(key))
                names.append(element)
            root.IDTree = pdf.make_indirect(Dictionary(Names=names))
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()
