"""The PDF of a plan (issue 6): PDF/UA-1 from WeasyPrint, the project's PDF checks on every format and
language, before and after the portal's seal, and customer text that can neither break nor fetch anything."""
import pytest
import weasyprint
from weasyprint.formatting_structure import boxes
from markupsafe import escape

from portal.documents import pdf
from portal.documents.pdf_checks import check_pdf
from portal.documents.sample import sample_context
from portal.documents.seal import check_pdf_seal, seal_pdf

FORMATS = ("standard", "large_print", "easy_read")
DOT_PNG = ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9"
           "awAAAABJRU5ErkJggg==")


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


@pytest.mark.parametrize("lang", ("en", "cy"))
@pytest.mark.parametrize("document_format", FORMATS)
def test_every_format_and_language_passes_the_pdf_checks_before_and_after_the_seal(ctx, lang, document_format):
    for draft in (False, True):
        context = sample_context(lang, document_format, draft=draft)
        data = pdf.render_pdf(context)
        assert check_pdf(data, lang) == [], (lang, document_format, draft)
        sealed = seal_pdf(data, reason="test")
        assert check_pdf(sealed, lang) == []
        assert check_pdf_seal(sealed).genuine and not check_pdf_seal(data).signed
        html = pdf.render_html(context)
        assert (context["w"]["doc_draft"] in html) is draft
        assert f'lang="{lang}"' in html and f"<title>{context['title']}</title>" in html


def test_every_picture_has_its_alt_text(ctx):
    context = sample_context("cy", "easy_read")
    html = pdf.render_html(context)
    for key in ("plan", "goal", "barrier", "steps", "help", "talk", "sign", "clock", "calendar", "tick", "needs"):
        assert f'alt="{escape(context["pictures"][key]["alt"])}"' in html, key
    assert f'alt="{escape(context["verification"]["qr_alt"])}"' in html
    assert 'alt=""' not in html


def test_the_checks_catch_an_untagged_pdf_and_a_figure_without_alt_text():
    untagged = weasyprint.HTML(string="<html><body><p>Plan</p></body></html>").write_pdf()
    rules = {problem.split()[0] for problem in check_pdf(untagged, "en")}
    assert {"PDF-E001", "PDF-E002", "PDF-E003", "PDF-E004", "PDF-E005", "PDF-E006"} <= rules
    no_alt = weasyprint.HTML(string=f"<html lang='en'><head><title>Plan</title></head><body><img src='{DOT_PNG}' alt=''>"
                                    "</body></html>").write_pdf(pdf_variant="pdf/ua-1")
    assert [p.split()[0] for p in check_pdf(no_alt, "en")] == ["PDF-E007"]
    assert check_pdf(b"not a pdf", "en")[0].startswith("PDF-E000")
    welsh_expected = weasyprint.HTML(string="<html lang='en'><head><title>Plan</title></head><body><p>x</p></body></html>"
                                     ).write_pdf(pdf_variant="pdf/ua-1")
    assert [p.split()[0] for p in check_pdf(welsh_expected, "cy")] == ["PDF-E003"]


@pytest.mark.parametrize("text", [
    '<img src="http://127.0.0.1:9/x"> & <b>bold</b>',
    "{{ 7*7 }} {% if true %}x{% endif %}",
    "tab\tline\nbell\x07null\x00escape\x1b end",
])
def test_customer_text_prints_literally_and_never_fetches_anything(ctx, text):
    context = sample_context("en", "standard", text=text)
    html = pdf.render_html(context)
    assert "<img src=\"http://" not in html and "&lt;img src=&#34;http://127.0.0.1:9/x&#34;&gt;" in html or "http" not in text
    assert "49" not in html.replace(str(len(text)), "")  or "7*7" not in text
    assert "\x00" not in html and "\x07" not in html
    data = pdf.render_pdf(context)
    assert data.startswith(b"%PDF") and check_pdf(data, "en") == []


def test_the_fetcher_refuses_everything_but_data_urls(ctx):
    fetcher = pdf.DataURLsOnlyFetcher()
    for url in ("http://127.0.0.1:9/x", "https://example.org/a.png", "file:///etc/passwd", "ftp://x/y"):
        with pytest.raises(pdf.URLRefused):
            fetcher.fetch(url)
    page = f"<html lang='en'><head><title>t</title></head><body><img src='file:///etc/hostname' alt='x'></body></html>"
    with pytest.raises((pdf.ExternalResourceError, pdf.URLRefused)):
        try:
            weasyprint.HTML(string=page, url_fetcher=fetcher).write_pdf(pdf_variant="pdf/ua-1")
        except weasyprint.urls.FatalURLFetchingError as error:
            raise pdf.ExternalResourceError(str(error)) from error


@pytest.mark.parametrize("text", ["word " * 20_000, "x" * 100_000])
def test_a_100_kb_entry_prints_whole_in_seconds(ctx, text):
    """One 100 kB answer (the largest a form could be pasted into) flows over pages and keeps every word."""
    context = sample_context("en", "standard")
    context["goals"]["aspirations"] = text
    document = pdf.lay_out(context)
    assert len(document.pages) > 20
    assert "".join(text.split()) in "".join(laid_out_text(document).split()).replace(pdf.ZERO_WIDTH_SPACE, "")
    assert check_pdf(document.write_pdf(pdf_variant=pdf.PDF_VARIANT), "en") == []


def laid_out_text(document):
    """The text WeasyPrint placed on the pages, in order, without the running headers and footers."""
    def walk(box):
        if isinstance(box, boxes.MarginBox):
            return
        if isinstance(box, boxes.TextBox):
            yield box.text
        for child in getattr(box, "children", ()):
            yield from walk(child)
    return "".join(text for page in document.pages for text in walk(page._page_box))
