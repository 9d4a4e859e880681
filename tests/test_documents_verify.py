"""/verify consults every piece of evidence (issue 17, R-SIGN-3): the stored bytes and hash, the signed seal
record and the PDF's own seal. A row changed in the database never makes a changed file an original;
junk and empty uploads are told so, not called changed originals."""
import io
import json

import pikepdf
from docx import Document as WordDocument
from sqlalchemy import select

from portal.documents import seal as sealing
from portal.documents import service as documents
from portal.extensions import db
from portal.models import DocumentOriginal
from tests.test_documents_service import agreed, originals  # noqa: F401 - `agreed` is a fixture
from tests.test_plans import started  # noqa: F401 - `started` is a fixture

NOT_ORIGINAL = "not an original sealed by the portal"


def _upload(client, data, name):
    return client.post("/verify/", data={"document": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def _stored(version, kind):
    return next(o for o in originals(version) if o.kind == kind and (o.document_format, o.language) == ("standard", "en"))


def _modified_docx(data):
    document = WordDocument(io.BytesIO(data))
    document.add_paragraph("The provider will pay the customer £1,000 a week.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _altered_pdf(data):
    """A visibly altered copy: a new page of text, saved whole (the PAdES signature is carried along)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.add_blank_page()
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def _point_stored_hash_at(original, data):
    """The attack of issue 17: change only the stored sha256 in the database."""
    db.session.execute(DocumentOriginal.__table__.update().where(DocumentOriginal.id == original.id)
                       .values(sha256=sealing.sha256(data)))
    db.session.commit()


def test_a_modified_docx_is_refused_when_only_the_stored_hash_was_altered(client, agreed):
    _customer, _plan, version = agreed
    original = _stored(version, "docx")
    changed = _modified_docx(original.content)
    _point_stored_hash_at(original, changed)
    page = _upload(client, changed, "plan.docx").get_data(as_text=True)
    assert NOT_ORIGINAL in page and "seal record for this document does not match it" in page
    assert "genuine original" not in page


def test_an_altered_pdf_is_refused_when_only_the_stored_hash_was_altered(client, agreed):
    _customer, _plan, version = agreed
    original = _stored(version, "pdf")
    changed = _altered_pdf(original.content)
    assert sealing.check_pdf_seal(original.content).genuine
    _point_stored_hash_at(original, changed)
    page = _upload(client, changed, "plan.pdf").get_data(as_text=True)
    assert NOT_ORIGINAL in page and "genuine original" not in page


def test_an_altered_signed_record_or_signature_is_refused(client, agreed):
    _customer, _plan, version = agreed
    original = _stored(version, "docx")
    genuine = original.content
    assert "genuine original" in _upload(client, genuine, "plan.docx").get_data(as_text=True)
    record = json.loads(original.record)
    record["format"] = "easy_read"  # a record changed by hand no longer carries the portal's signature
    table = DocumentOriginal.__table__
    db.session.execute(table.update().where(table.c.id == original.id).values(record=sealing.canonical(record)))
    db.session.commit()
    assert NOT_ORIGINAL in _upload(client, genuine, "plan.docx").get_data(as_text=True)
    # A record re-signed would need the seal key; a signature from another record does not fit this one.
    other = _stored(version, "pdf")
    db.session.execute(table.update().where(table.c.id == original.id).values(
        record=other.record, signature=other.signature))
    db.session.commit()
    assert NOT_ORIGINAL in _upload(client, genuine, "plan.docx").get_data(as_text=True)


def test_stored_bytes_changed_in_the_database_are_refused_and_the_code_says_so(client, agreed):
    _customer, _plan, version = agreed
    original = _stored(version, "pdf")
    changed = _altered_pdf(original.content)
    table = DocumentOriginal.__table__
    db.session.execute(table.update().where(table.c.id == original.id).values(
        content=changed, sha256=sealing.sha256(changed)))
    db.session.commit()
    assert NOT_ORIGINAL in _upload(client, changed, "plan.pdf").get_data(as_text=True)
    code = documents.seal_of(version).code
    page = client.get(f"/verify/{code}").get_data(as_text=True)
    assert "do not match their seal" in page


def test_a_code_whose_originals_agree_with_their_seal_has_no_warning(client, agreed):
    _customer, _plan, version = agreed
    page = client.get(f"/verify/{documents.seal_of(version).code}").get_data(as_text=True)
    assert "do not match their seal" not in page and "version 1 of a support plan" in page


def test_junk_and_empty_uploads_get_their_own_messages(client, agreed):
    empty = _upload(client, b"", "plan.pdf")
    assert empty.status_code == 400 and "The file is empty" in empty.get_data(as_text=True)
    junk = _upload(client, b"GIF89a not a plan at all", "plan.pdf")
    text = junk.get_data(as_text=True)
    assert junk.status_code == 400 and "is not a PDF or Word document" in text and NOT_ORIGINAL not in text
    zip_not_word = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(zip_not_word, "w") as archive:
        archive.writestr("hello.txt", "hi")
    assert "is not a PDF or Word document" in _upload(client, zip_not_word.getvalue(), "a.docx").get_data(as_text=True)
    welsh = client.post("/verify/", data={"document": (io.BytesIO(b""), "plan.pdf"), "lang": "cy"},
                        content_type="multipart/form-data").get_data(as_text=True)
    assert "Mae'r ffeil yn wag" in welsh.replace("&#39;", "'")
    # A PDF that is not ours is "not an original", not junk.
    page = _upload(client, b"%PDF-1.7\n%%EOF\n", "plan.pdf").get_data(as_text=True)
    assert NOT_ORIGINAL in page


def test_the_stored_rows_are_untouched_by_checks(client, agreed):
    _customer, _plan, version = agreed
    before = [(o.id, o.sha256) for o in db.session.scalars(select(DocumentOriginal).order_by(DocumentOriginal.id))]
    _upload(client, _stored(version, "pdf").content, "plan.pdf")
    after = [(o.id, o.sha256) for o in db.session.scalars(select(DocumentOriginal).order_by(DocumentOriginal.id))]
    assert before == after
