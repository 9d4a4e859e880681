"""The portal's seal to a third party (issue 17, R-SIGN-3): PAdES B-LT with a time stamp from an RFC 3161
authority and the CRL embedded, validated by pyHanko against the published root alone; the root key
apart from the seal key; the PDF/UA identification unchanged by sealing."""
import io
import os
import stat
from pathlib import Path

import pikepdf
import pytest
from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore, validate_pdf_signature

from portal.documents import authority, pdf, tsa
from portal.documents import seal as sealing
from portal.documents.pdf_checks import check_pdf
from portal.documents.sample import sample_context


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


def _published_root(client):
    """What a third party downloads from /verify: the root certificate (and nothing of the portal's keys)."""
    from pyhanko.keys import load_certs_from_pemder_data

    der = client.get("/verify/portal-root.crt").data
    return x509.load_der_x509_certificate(der), next(iter(load_certs_from_pemder_data(der)))


def _validate_lt(data, root):
    """As a third party would for B-LT: trust the published root only, no network, and revocation data
    required (hard-fail) but taken from the file's own document security store alone."""
    reader = PdfFileReader(io.BytesIO(data))
    context = DocumentSecurityStore.read_dss(reader).as_validation_context(
        {"trust_roots": [root], "allow_fetching": False, "revocation_mode": "hard-fail"})
    return validate_pdf_signature(reader.embedded_signatures[0], signer_validation_context=context,
                                  ts_validation_context=context)


@pytest.mark.parametrize("lang", ("en", "cy"))
def test_a_third_partys_validator_finds_the_seal_valid_to_b_lt_against_the_published_root(ctx, client, lang):
    """R-SIGN-3: trusted, intact, time-stamped and with revocation data, using only what the file holds."""
    _cert, root = _published_root(client)
    data = pdf.render_pdf(sample_context(lang, "standard"))
    with ctx.test_request_context():
        sealed = sealing.seal_pdf(data, reason="Individual Support Plan version 2 agreed on 3 May 2026")
    status = _validate_lt(sealed, root)
    assert status.bottom_line and status.trusted and status.intact
    assert status.timestamp_validity is not None and status.timestamp_validity.trusted
    with pikepdf.open(io.BytesIO(sealed)) as document:
        dss = document.Root.DSS
        assert len(dss.CRLs) >= 1 and len(dss.Certs) >= 1  # the revocation information is in the file
        assert str(document.pdf_version) == "1.7" and "/Version" not in document.Root
        meta = document.open_metadata()
        assert meta.get("pdfuaid:part") == "1"
    assert check_pdf(sealed, lang) == []


def test_the_seal_is_time_stamped_by_a_tsa_reached_by_url(ctx, client):
    server, url = tsa.serve_in_thread(ctx.config["SIGNING_KEY_DIR"])
    try:
        ctx.config["TSA_URL"] = url
        with ctx.test_request_context():
            sealed = sealing.seal_pdf(pdf.render_pdf(sample_context("en", "easy_read")), reason="test")
    finally:
        ctx.config["TSA_URL"] = None
        server.shutdown()
    _cert, root = _published_root(client)
    status = _validate_lt(sealed, root)
    assert status.bottom_line and status.timestamp_validity.trusted
    assert sealing.check_pdf_seal(sealed).timestamped


def test_the_root_certificate_and_crl_are_published_on_the_verification_page(client):
    page = client.get("/verify/").get_data(as_text=True)
    assert 'href="/verify/portal-root.crt"' in page and 'href="/verify/portal-root.crl"' in page
    cert, _ = _published_root(client)
    assert cert.subject == cert.issuer  # the root, not the seal
    crl = x509.load_der_x509_crl(client.get("/verify/portal-root.crl").data)
    assert crl.issuer == cert.subject and crl.is_signature_valid(cert.public_key())
    welsh = client.get("/verify/?lang=cy").get_data(as_text=True)
    assert 'href="/verify/portal-root.crt"' in welsh


def test_keys_init_keeps_the_root_key_apart_from_the_seal_key(tmp_path):
    seal_dir, root_dir = tmp_path / "seal", tmp_path / "root"
    done = authority.init_keys(seal_dir, root_dir, base_url="https://portal.example")
    assert (root_dir / authority.ROOT_KEY).exists() and not (seal_dir / authority.ROOT_KEY).exists()
    assert [p.name for p in seal_dir.iterdir() if b"PRIVATE KEY" in p.read_bytes()] and not [
        p for p in seal_dir.iterdir() if p.read_bytes() == (root_dir / authority.ROOT_KEY).read_bytes()]
    assert stat.S_IMODE(os.stat(seal_dir / authority.SEAL_KEY).st_mode) == 0o600
    seal = x509.load_pem_x509_certificate((seal_dir / authority.SEAL_CERT).read_bytes())
    root = x509.load_pem_x509_certificate((seal_dir / authority.ROOT_CERT).read_bytes())
    assert seal.issuer == root.subject and seal.verify_directly_issued_by(root) is None
    points = seal.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    assert points[0].full_name[0].value == "https://portal.example/verify/portal-root.crl"
    assert "made the root" in " ".join(done)
    # With the root key taken offline the portal still has all it needs; a new CRL needs the root key back.
    offline = tmp_path / "offline"
    root_dir.rename(offline)
    assert authority.init_keys(seal_dir, root_dir) == []
    with pytest.raises(authority.KeysMissing):
        authority.write_crl(seal_dir, root_dir)
    authority.write_crl(seal_dir, offline, days=30)


def test_keys_init_moves_a_root_key_found_beside_the_seal_key(tmp_path):
    """The layout before issue 17 kept them together: the seal key (and its signed records) stay valid."""
    seal_dir, root_dir = tmp_path / "seal", tmp_path / "root"
    authority.init_keys(seal_dir, root_dir)
    old_seal_key = (seal_dir / authority.SEAL_KEY).read_bytes()
    (root_dir / authority.ROOT_KEY).rename(seal_dir / authority.ROOT_KEY)
    for name in (authority.TSA_CERT, authority.CRL):
        (seal_dir / name).unlink()
    done = authority.init_keys(seal_dir, tmp_path / "new-root")
    assert not (seal_dir / authority.ROOT_KEY).exists() and (tmp_path / "new-root" / authority.ROOT_KEY).exists()
    assert (seal_dir / authority.SEAL_KEY).read_bytes() == old_seal_key and "moved the root key" in done[0]


def test_a_revoked_seal_certificate_is_refused_and_stays_revoked_on_later_crls(app, client, tmp_path):
    """The CRL is what a validator consults: a seal whose certificate the root revoked is not genuine."""
    from portal.cli import keys_crl_command

    with app.test_request_context():
        sealed = sealing.seal_pdf(pdf.render_pdf(sample_context("en", "standard")), reason="test")
        assert sealing.check_pdf_seal(sealed).genuine
    seal_dir = Path(app.config["SIGNING_KEY_DIR"])
    published = (seal_dir / authority.CRL).read_bytes()
    serial = x509.load_pem_x509_certificate((seal_dir / authority.SEAL_CERT).read_bytes()).serial_number
    runner = app.test_cli_runner()
    try:
        result = runner.invoke(keys_crl_command, ["--revoke", str(serial), "--days", "30"])
        assert result.exit_code == 0, result.output
        assert runner.invoke(keys_crl_command, ["--days", "30"]).exit_code == 0  # a later CRL keeps it
        crl = x509.load_der_x509_crl(client.get("/verify/portal-root.crl").data)
        assert crl.get_revoked_certificate_by_serial_number(serial) is not None
        with app.test_request_context():
            assert not sealing.check_pdf_seal(sealed).genuine
    finally:
        (seal_dir / authority.CRL).write_bytes(published)


def test_an_expired_crl_stops_sealing_and_names_the_remedy(app, monkeypatch):
    seal_dir = Path(app.config["SIGNING_KEY_DIR"])
    published = (seal_dir / authority.CRL).read_bytes()
    try:
        authority.write_crl(seal_dir, app.config["ROOT_KEY_DIR"], days=1)
        crl = x509.load_der_x509_crl((seal_dir / authority.CRL).read_bytes())
        import datetime

        later = crl.next_update_utc + datetime.timedelta(days=1)

        class Later(datetime.datetime):
            @classmethod
            def now(cls, tz=None):
                return later

        monkeypatch.setattr(datetime, "datetime", Later)
        with app.test_request_context(), pytest.raises(sealing.CrlExpired, match="keys crl"):
            sealing.seal_pdf(b"%PDF-1.7", reason="test")
    finally:
        (seal_dir / authority.CRL).write_bytes(published)
