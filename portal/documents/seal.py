"""The portal's seal: the PAdES signature in every original PDF and the signed record of every original
(R-SIGN-3).

The keys are made by `flask --app portal keys init` (authority.py): the seal key and certificate, the
local time-stamping authority and the published root certificate and CRL in SIGNING_KEY_DIR; the root
key apart, in ROOT_KEY_DIR, and offline if wished. Verification trusts the portal's root only
(ecosystem.md §4.3). This is the provider portal's electronic seal over what was agreed, not the
customer's signature: theirs are the signature records.

PDFs are sealed to PAdES B-LT (issue 17): an RFC 3161 time stamp on the signature and the CRL that
shows the seal and TSA certificates unrevoked embedded in the document security store.
"""
import base64
import hashlib
import io
import json
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app

from portal.documents import authority
from portal.documents.authority import CRL, ROOT_CERT, SEAL_CERT, SEAL_KEY, KeysMissing  # noqa: F401 - re-exported

SIGNATURE_FIELD = "PortalSeal"
LOCAL_TSA_RESERVED_HEX = 24_576  # hex digits kept for the CMS signature: 12 kB, over twice what it needs


class _NoFetchingNote(logging.Filter):
    """pyHanko warns on every seal that it may not fetch revocation data: deliberate here (the published
    CRL is given to it), so the note would only bury real warnings."""

    def filter(self, record):
        return "fetching is not allowed" not in record.getMessage()


logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(_NoFetchingNote())


def init_keys(directory, root_directory=None, **options):
    """See authority.init_keys; clears the cached keys."""
    done = authority.init_keys(directory, root_directory, **options)
    _keys.cache_clear()
    _signer.cache_clear()
    from portal.documents import tsa

    tsa.local_timestamper.cache_clear()
    return done


@dataclass(frozen=True)
class Keys:
    seal_key: object
    seal_cert: x509.Certificate
    root_cert: x509.Certificate


@cache
def _keys(directory):
    directory = Path(directory)
    try:
        return Keys(
            seal_key=serialization.load_pem_private_key((directory / SEAL_KEY).read_bytes(), password=None),
            seal_cert=x509.load_pem_x509_certificate((directory / SEAL_CERT).read_bytes()),
            root_cert=x509.load_pem_x509_certificate((directory / ROOT_CERT).read_bytes()),
        )
    except FileNotFoundError as missing:
        raise KeysMissing(f"No signing keys in {directory}: run `flask --app portal keys init`") from missing


def _directory():
    return str(current_app.config["SIGNING_KEY_DIR"])


def keys():
    return _keys(_directory())


def root_fingerprint():
    """SHA-256 of the root certificate, published on the verification page."""
    digest = keys().root_cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def root_cert_der():
    return keys().root_cert.public_bytes(serialization.Encoding.DER)


class CrlExpired(RuntimeError):
    pass


def crl_der():
    """The published CRL, read afresh: `keys crl` replaces it while the portal runs."""
    try:
        return (Path(_directory()) / CRL).read_bytes()
    except FileNotFoundError as missing:
        raise KeysMissing(f"No CRL in {_directory()}: run `flask --app portal keys crl` with the root key") from missing


def _current_crl():
    """B-LT embeds revocation data valid at signing: an expired CRL stops sealing, with the remedy named."""
    import datetime

    data = crl_der()
    next_update = x509.load_der_x509_crl(data).next_update_utc
    if next_update is not None and next_update < datetime.datetime.now(datetime.timezone.utc):
        raise CrlExpired(f"The portal's CRL expired on {next_update:%Y-%m-%d}: bring the root key and run "
                         "`flask --app portal keys crl` (README, \"The document seal\")")
    return data


# The signed record ------------------------------------------------------------------------------

def canonical(record):
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def sign_record(record):
    """(canonical JSON, base64 ECDSA signature) of what the portal vouches for."""
    text = canonical(record)
    signature = keys().seal_key.sign(text.encode(), ec.ECDSA(hashes.SHA256()))
    return text, base64.b64encode(signature).decode()


def record_is_genuine(text, signature_b64):
    try:
        keys().seal_cert.public_key().verify(base64.b64decode(signature_b64), text.encode(), ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def sha256(data):
    return hashlib.sha256(data).hexdigest()


# PAdES --------------------------------------------------------------------------------------------

def _pyhanko_cert(certificate):
    from pyhanko.keys import load_certs_from_pemder_data

    return next(iter(load_certs_from_pemder_data(certificate.public_bytes(serialization.Encoding.PEM))))


@cache
def _signer(directory):
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    k = _keys(directory)
    return signers.SimpleSigner(
        signing_cert=_pyhanko_cert(k.seal_cert),
        signing_key=load_private_key_from_pemder_data(authority.pem_key(k.seal_key), None),
        cert_registry=SimpleCertificateStore.from_certs([_pyhanko_cert(k.root_cert)]),
    )


def validation_context(*, revocation_mode="hard-fail", crl=None):
    """Trust the portal's root (and an outside TSA's, if configured); revocation from the published CRL
    only, never fetched: the portal must not depend on reaching itself over HTTP to seal."""
    from pyhanko_certvalidator import ValidationContext

    from portal.documents import tsa

    return ValidationContext(trust_roots=[_pyhanko_cert(keys().root_cert), *tsa.extra_trust_roots(current_app.config)],
                             crls=[crl or crl_der()], allow_fetching=False, revocation_mode=revocation_mode)


def _pdf_17_signer_class():
    from pyhanko.sign import signers
    from pyhanko.sign.signers import constants

    class Pdf17Signer(signers.PdfSigner):
        """pyHanko declares ISO 32002 for an ECDSA P-256 seal, which raises the file to PDF 2.0 while it
        says PDF/UA-1 (a PDF 1.7 standard, issue 17). PAdES needs only PDF 1.7 with the ESIC extension."""

        def register_extensions(self, pdf_out, *, md_algorithm):
            pdf_out.ensure_output_version(version=(1, 7))
            pdf_out.register_extension(constants.ESIC_EXTENSION_1)

    return Pdf17Signer


def seal_pdf(pdf, *, reason):
    """Add the portal's invisible PAdES B-LT signature (hidden field: the PDF stays PDF/UA, ecosystem.md §4.3)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    from portal.documents import tsa

    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES, reason=reason,
        name="ISP provider portal", embed_validation_info=True, use_pades_lta=False,
        validation_context=validation_context(crl=_current_crl()))
    spec = fields.SigFieldSpec(SIGNATURE_FIELD, invis_sig_settings=fields.InvisSigSettings(
        set_print_flag=False, set_hidden_flag=True))
    out = io.BytesIO()
    # With the local TSA the signature's size is known (about 5 kB): reserving room for it skips pyHanko's
    # trial signature and time stamp, a third of the sealing time. An outside TSA's chain is measured.
    reserved = None if current_app.config.get("TSA_URL") else LOCAL_TSA_RESERVED_HEX
    _pdf_17_signer_class()(meta, signer=_signer(_directory()), timestamper=tsa.timestamper(current_app.config),
                           new_field_spec=spec).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), output=out, bytes_reserved=reserved)
    return out.getvalue()


@dataclass(frozen=True)
class PdfSealCheck:
    signed: bool
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False
    timestamped: bool = False

    @property
    def genuine(self):
        return self.signed and self.intact and self.trusted and self.whole_file


def check_pdf_seal(pdf):
    """Validate the portal's signature in `pdf`: integrity, the chain to the portal's root only, and
    not revoked according to the portal's published CRL."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception:  # noqa: BLE001 - anyone may upload anything: deep nesting (RecursionError), broken
        return PdfSealCheck(signed=False)  # structure or a parser fault all mean "not a file we sealed"
    ours = [s for s in signatures if s.field_name == SIGNATURE_FIELD]
    if not ours:
        return PdfSealCheck(signed=False)
    try:
        context = validation_context(revocation_mode="soft-fail")
        status = validate_pdf_signature(ours[0], signer_validation_context=context, ts_validation_context=context)
    except Exception:  # noqa: BLE001 - a mangled signature is simply not genuine
        return PdfSealCheck(signed=True)
    timestamp = status.timestamp_validity
    # B-LT adds the validation data after the signature, in one more revision that may hold nothing else.
    whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE or (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level == ModificationLevel.LTA_UPDATES)
    return PdfSealCheck(signed=True, intact=status.intact and status.valid, trusted=status.trusted,
                        whole_file=whole_file,
                        timestamped=timestamp is not None and timestamp.intact and timestamp.valid and timestamp.trusted)
