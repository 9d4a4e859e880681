"""The portal's seal: its keys, the PAdES signature in every original PDF and the signed record of
every original (R-SIGN-3).

The keys live in SIGNING_KEY_DIR (default instance/keys), made by `flask --app portal keys init` (and
by `make run` when absent), never committed. A small private root signs one "document seal"
certificate; verification trusts that root only (ecosystem.md §4.3). This is the provider portal's
electronic seal over what was agreed, not the customer's signature: theirs are the signature records.
"""
import base64
import datetime
import hashlib
import io
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import current_app

ROOT_CERT, ROOT_KEY, SEAL_CERT, SEAL_KEY = "root.cert.pem", "root.key.pem", "seal.cert.pem", "seal.key.pem"
SIGNATURE_FIELD = "PortalSeal"


class KeysMissing(RuntimeError):
    pass


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ISP provider portal"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _usage(*, sign_certificates):
    return x509.KeyUsage(
        digital_signature=not sign_certificates, content_commitment=not sign_certificates,
        key_encipherment=False, data_encipherment=False, key_agreement=False,
        key_cert_sign=sign_certificates, crl_sign=sign_certificates, encipher_only=False, decipher_only=False)


def _pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def init_keys(directory, *, years=10):
    """Create the root and the seal certificate in `directory` unless they exist. True if created."""
    directory = Path(directory)
    if all((directory / name).exists() for name in (ROOT_CERT, SEAL_CERT, SEAL_KEY)):
        return False
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    until = now + datetime.timedelta(days=365 * years)
    root_key, seal_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root = (x509.CertificateBuilder().subject_name(_name("ISP portal root")).issuer_name(_name("ISP portal root"))
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(until)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(sign_certificates=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    # pyHanko checks non-repudiation (content commitment) on the signer at validation.
    seal = (x509.CertificateBuilder().subject_name(_name("ISP portal document seal")).issuer_name(root.subject)
            .public_key(seal_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(until)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(sign_certificates=False), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    for name, data, private in ((ROOT_CERT, root.public_bytes(serialization.Encoding.PEM), False),
                                (ROOT_KEY, _pem_key(root_key), True),
                                (SEAL_CERT, seal.public_bytes(serialization.Encoding.PEM), False),
                                (SEAL_KEY, _pem_key(seal_key), True)):
        path = directory / name
        path.write_bytes(data)
        if private:
            path.chmod(0o600)
    _keys.cache_clear()
    return True


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


def keys():
    return _keys(str(current_app.config["SIGNING_KEY_DIR"]))


def root_fingerprint():
    """SHA-256 of the root certificate, published on the verification page."""
    digest = keys().root_cert.fingerprint(hashes.SHA256()).hex().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


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
    except (InvalidSignature, ValueError):
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
        signing_key=load_private_key_from_pemder_data(_pem_key(k.seal_key), None),
        cert_registry=SimpleCertificateStore.from_certs([_pyhanko_cert(k.root_cert)]),
    )


def seal_pdf(pdf, *, reason):
    """Add the portal's invisible PAdES signature (hidden field: the PDF stays PDF/UA, ecosystem.md §4.3)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    meta = signers.PdfSignatureMetadata(field_name=SIGNATURE_FIELD, subfilter=fields.SigSeedSubFilter.PADES,
                                        reason=reason, name="ISP provider portal")
    spec = fields.SigFieldSpec(SIGNATURE_FIELD, invis_sig_settings=fields.InvisSigSettings(
        set_print_flag=False, set_hidden_flag=True))
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=_signer(str(current_app.config["SIGNING_KEY_DIR"])), new_field_spec=spec).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False), output=out)
    return out.getvalue()


@dataclass(frozen=True)
class PdfSealCheck:
    signed: bool
    intact: bool = False
    trusted: bool = False
    whole_file: bool = False

    @property
    def genuine(self):
        return self.signed and self.intact and self.trusted and self.whole_file


def check_pdf_seal(pdf):
    """Validate the portal's signature in `pdf` against the portal's root only."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
    except Exception:  # noqa: BLE001 - anyone may upload anything: deep nesting (RecursionError), broken
        return PdfSealCheck(signed=False)  # structure or a parser fault all mean "not a file we sealed"
    ours = [s for s in signatures if s.field_name == SIGNATURE_FIELD]
    if not ours:
        return PdfSealCheck(signed=False)
    context = ValidationContext(trust_roots=[_pyhanko_cert(keys().root_cert)])
    try:
        status = validate_pdf_signature(ours[0], context)
    except Exception:  # noqa: BLE001 - a mangled signature is simply not genuine
        return PdfSealCheck(signed=True)
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    return PdfSealCheck(signed=True, intact=status.intact and status.valid, trusted=status.trusted,
                        whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE)
