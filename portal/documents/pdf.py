"""The plan as an accessible PDF (PDF/UA-1): the document context -> HTML -> WeasyPrint.

The page is templates/documents/isp.html with templates/documents/isp.css inlined. Adviser-written text
is escaped by the template; the URL fetcher is the second wall: the page may only use data: URLs, so
nothing in a plan can make the renderer read a file or call the network. The PDF's /Lang is the
context's lang ("en" or "cy", from <html lang>); portal/documents/pdf_checks.py checks it.
"""
import base64
import re
from pathlib import Path

import weasyprint
from flask import render_template
from weasyprint.urls import FatalURLFetchingError, URLFetcher

from portal.documents.context import map_text
from portal.documents.pdf_tags import complete_tags

TEMPLATE = "documents/isp.html"
STYLESHEET = Path(__file__).resolve().parents[2] / "templates" / "documents" / "isp.css"
PDF_VARIANT = "pdf/ua-1"
# C0 controls except tab and newline, DEL and C1: invalid in the PDF's XMP (XML) and meaningless in print.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# When a line has no break opportunity, WeasyPrint lays out the whole rest of the paragraph again for
# every line, so one long unbroken run makes rendering quadratic (a pasted 100 kB token took minutes).
# In long strings only, such runs get a zero-width space every few characters, where a line may break.
LONG_STRING = 2_000
UNBROKEN_RUN = re.compile(r"\S{20}(?=\S)")
ZERO_WIDTH_SPACE = "\u200b"


class URLRefused(ValueError):
    """The page asked for something other than a data: URL."""


class ExternalResourceError(RuntimeError):
    """Rendering stopped because the page asked for a resource the fetcher refuses."""


class DataURLsOnlyFetcher(URLFetcher):
    """Serves data: URLs and refuses everything else (http, https, file, ftp …)."""

    def __init__(self):
        # Fatal, so a refused resource stops the render instead of leaving a hole in a signed document.
        super().__init__(allowed_protocols=("data",), allow_redirects=False, fail_on_errors=True)

    def fetch(self, url, headers=None):
        if not url.lower().startswith("data:"):
            raise URLRefused(f"Refused to fetch {url[:100]!r}: documents may only use data: URLs")
        return super().fetch(url, headers)


def png_src(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def printable(text):
    """`text` without control characters and lone surrogates, with break points in long unbroken runs."""
    text = CONTROL_CHARACTERS.sub("", text.encode("utf-8", "replace").decode("utf-8"))
    if len(text) > LONG_STRING:
        text = UNBROKEN_RUN.sub(lambda run: run.group() + ZERO_WIDTH_SPACE, text)
    return text


def render_html(context: dict) -> str:
    """The page WeasyPrint prints (needs an app context, for render_template)."""
    return render_template(TEMPLATE, doc=map_text(context, printable), css=STYLESHEET.read_text(encoding="utf-8"),
                           png_src=png_src)


def lay_out(context: dict) -> weasyprint.Document:
    html = weasyprint.HTML(string=render_html(context), base_url=None, url_fetcher=DataURLsOnlyFetcher())
    try:
        # Presentational hints stay off: they let HTML attributes become CSS (CVE-2026-49452).
        return html.render(pdf_variant=PDF_VARIANT, presentational_hints=False)
    except FatalURLFetchingError as error:  # a BaseException: turn it into one callers can catch
        raise ExternalResourceError(str(error)) from error


def render_pdf(context: dict) -> bytes:
    return complete_tags(lay_out(context).write_pdf(pdf_variant=PDF_VARIANT), context["lang"])
