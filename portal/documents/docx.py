"""The document context (portal/documents/context.py) as a Word document, from the docxtpl templates in
docs_templates/ (built by portal/documents/build_templates.py).

Beyond the contract the templates read `qr` and `pic_<key>`: pictures this module adds with alt text.
"""
import io
import re
from functools import cache
from xml.sax.saxutils import quoteattr

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import Environment, StrictUndefined

from portal.config import PROJECT_ROOT
from portal.customer_words import FORMATS, LANGUAGES
from portal.documents.context import map_text
from portal.documents.docx_checks import LANGUAGE_TAGS
from portal.documents.pictures import PICTURE_KEYS

TEMPLATES_DIR = PROJECT_ROOT / "docs_templates"
AUTHOR = "ISP provider portal"

PICTURE_WIDTH = Mm(28)  # in the Easy Read picture column (template_content.PICTURE_COLUMN)
QR_WIDTH = Mm(40)
# What XML 1.0 cannot hold (C0 controls but tab and newline, U+FFFE/FFFF, lone surrogates); \r, \a and
# \f would also turn into line, paragraph and page breaks in docxtpl.
_UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")
_DOC_PR = re.compile(r"(<wp:docPr\b[^>]*?)\s*(/?>)")


class DescribedImage(InlineImage):
    """An inline picture with alt text in wp:docPr/@descr, which docxtpl 0.20.2 cannot write."""

    def __init__(self, tpl, png, alt_text, width):
        super().__init__(tpl, io.BytesIO(png), width=width)
        self.alt_text = alt_text

    def _insert_image(self):
        xml = super()._insert_image()
        return _DOC_PR.sub(lambda m: f"{m.group(1)} descr={quoteattr(self.alt_text)}{m.group(2)}", xml, count=1)


@cache
def template_bytes(document_format, lang):
    if document_format not in FORMATS or lang not in LANGUAGES:
        raise ValueError(f"no Word template for {document_format!r} in {lang!r}")
    return (TEMPLATES_DIR / f"isp_{document_format}_{lang}.docx").read_bytes()


def pictures(tpl, context):
    """`qr` and `pic_<key>` for the template; "" where there is no picture, so the paragraph stays empty."""
    found = {"qr": ""} | {f"pic_{key}": "" for key in PICTURE_KEYS}
    verification = context.get("verification") or {}
    if verification.get("qr_png"):
        width = PICTURE_WIDTH if context.get("format") == "easy_read" else QR_WIDTH
        found["qr"] = DescribedImage(tpl, verification["qr_png"], verification["qr_alt"], width)
    for key, picture in (context.get("pictures") or {}).items():
        if picture.get("png"):
            found[f"pic_{key}"] = DescribedImage(tpl, picture["png"], picture["alt"], PICTURE_WIDTH)
    return found


def render_docx(context):
    lang = context["lang"]
    tpl = DocxTemplate(io.BytesIO(template_bytes(context["format"], lang)))
    values = map_text(context, lambda text: _UNSAFE_CHARACTERS.sub("", text))
    values |= pictures(tpl, values)
    # Autoescape, or docxtpl's recovering XML parser silently drops text holding < or &.
    # StrictUndefined: a context that breaks the contract fails loudly instead of leaving gaps.
    tpl.render(values, jinja_env=Environment(autoescape=True, undefined=StrictUndefined), autoescape=True)
    properties = tpl.docx.core_properties  # set after render: docxtpl would escape them a second time
    properties.title = values["title"]
    properties.language = LANGUAGE_TAGS[lang]
    properties.author = AUTHOR
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()
