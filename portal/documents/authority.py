"""The portal's small certificate authority (R-SIGN-3, issue 17): a root, the document-seal certificate,
the time-stamping authority's certificate and the root's certificate revocation list (CRL).

Two places, so the root key can be kept offline:
- ROOT_KEY_DIR holds root.key.pem (and root.cert.pem). It is needed only to issue the seal and TSA
  certificates (once) and to sign a new CRL (periodically, `flask --app portal keys crl`).
- SIGNING_KEY_DIR holds what the running portal needs: the seal key and certificate, the TSA key and
  certificate, and the published root certificate and CRL (served from /verify). Never the root key.
"""
import datetime
import shutil
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT_CERT, ROOT_KEY, SEAL_CERT, SEAL_KEY = "root.cert.pem", "root.key.pem", "seal.cert.pem", "seal.key.pem"
TSA_CERT, TSA_KEY, CRL = "tsa.cert.pem", "tsa.key.pem", "root.crl"
# Published under /verify (the seal certificate names these addresses for third-party validators).
ROOT_CERT_PATH, CRL_PATH = "/verify/portal-root.crt", "/verify/portal-root.crl"
CRL_DAYS = 90


class KeysMissing(RuntimeError):
    pass


def _now():
    return datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ISP provider portal"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _usage(*, sign_certificates):
    return x509.KeyUsage(
        digital_signature=not sign_certificates, content_commitment=not sign_certificates,
        key_encipherment=False, data_encipherment=False, key_agreement=False,
        key_cert_sign=sign_certificates, crl_sign=sign_certificates, encipher_only=False, decipher_only=False)


def pem_key(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write(path, data, *, private=False):
    path.write_bytes(data)
    if private:
        path.chmod(0o600)


def _load_key(path):
    return serialization.load_pem_private_key(path.read_bytes(), password=None)


def _load_cert(path):
    return x509.load_pem_x509_certificate(path.read_bytes())


def _make_root(years):
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    cert = (x509.CertificateBuilder().subject_name(_name("ISP portal root")).issuer_name(_name("ISP portal root"))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=365 * years))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_usage(sign_certificates=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def _issue(root_key, root_cert, public_key, common_name, *, base_url, years, timestamping=False):
    """An end-entity certificate under the root, naming where its CRL and issuer are published."""
    now = _now()
    base = base_url.rstrip("/")
    builder = (x509.CertificateBuilder().subject_name(_name(common_name)).issuer_name(root_cert.subject)
               .public_key(public_key).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(min(now + datetime.timedelta(days=365 * years),
                                                          root_cert.not_valid_after_utc))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               # pyHanko checks non-repudiation (content commitment) on the signer at validation.
               .add_extension(_usage(sign_certificates=False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                              critical=False)
               .add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                   full_name=[x509.UniformResourceIdentifier(base + CRL_PATH)], relative_name=None,
                   reasons=None, crl_issuer=None)]), critical=False)
               .add_extension(x509.AuthorityInformationAccess([x509.AccessDescription(
                   x509.oid.AuthorityInformationAccessOID.CA_ISSUERS,
                   x509.UniformResourceIdentifier(base + ROOT_CERT_PATH))]), critical=False))
    if timestamping:  # RFC 3161 §2.3: the TSA's certificate has only this purpose, marked critical
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    return builder.sign(root_key, hashes.SHA256())


def make_crl(root_key, root_cert, *, days=CRL_DAYS, revoked=()):
    now = _now()
    builder = (x509.CertificateRevocationListBuilder().issuer_name(root_cert.subject)
               .last_update(now).next_update(now + datetime.timedelta(days=days))
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                              critical=False)
               .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False))
    for serial, since in dict(revoked).items():  # serial -> revocation date (None: now)
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(since or now).build())
    return builder.sign(root_key, hashes.SHA256())


def default_root_dir(signing_dir):
    return f"{str(signing_dir).rstrip('/')}-root"


def _has_crl_point(cert):
    try:
        cert.extensions.get_extension_for_class(x509.CRLDistributionPoints)
    except x509.ExtensionNotFound:
        return False
    return True


def init_keys(directory, root_directory=None, *, base_url="http://127.0.0.1:5000", years=10, crl_days=CRL_DAYS):
    """Make what is missing: the root (in `root_directory`), the seal and TSA certificates and the CRL
    (in `directory`). A root key found beside the seal key (the layout before issue 17) is moved out.
    Returns the list of things done (empty when everything was there)."""
    directory, root_directory = Path(directory), Path(root_directory or default_root_dir(directory))
    done = []
    directory.mkdir(parents=True, exist_ok=True)
    if (directory / ROOT_KEY).exists() and not (root_directory / ROOT_KEY).exists():
        root_directory.mkdir(parents=True, exist_ok=True)
        shutil.move(directory / ROOT_KEY, root_directory / ROOT_KEY)
        shutil.copy(directory / ROOT_CERT, root_directory / ROOT_CERT)
        done.append(f"moved the root key to {root_directory}")
    need_seal = not (directory / SEAL_CERT).exists() or not _has_crl_point(_load_cert(directory / SEAL_CERT))
    need_tsa = not (directory / TSA_CERT).exists()
    need_crl = not (directory / CRL).exists()
    if not (need_seal or need_tsa or need_crl):
        return done
    if not (root_directory / ROOT_KEY).exists():
        if (directory / ROOT_CERT).exists():
            raise KeysMissing(f"The root key is not in {root_directory}: bring it there (it is kept offline) "
                              "to issue the seal and time-stamping certificates or a CRL")
        root_directory.mkdir(parents=True, exist_ok=True)
        root_key, root_cert = _make_root(years)
        _write(root_directory / ROOT_KEY, pem_key(root_key), private=True)
        _write(root_directory / ROOT_CERT, root_cert.public_bytes(serialization.Encoding.PEM))
        done.append(f"made the root in {root_directory}")
    root_key, root_cert = _load_key(root_directory / ROOT_KEY), _load_cert(root_directory / ROOT_CERT)
    shutil.copy(root_directory / ROOT_CERT, directory / ROOT_CERT)
    if need_seal:
        # An existing seal key is kept: the signed records made with it must still verify.
        seal_key = (_load_key(directory / SEAL_KEY) if (directory / SEAL_KEY).exists()
                    else ec.generate_private_key(ec.SECP256R1()))
        _write(directory / SEAL_KEY, pem_key(seal_key), private=True)
        cert = _issue(root_key, root_cert, seal_key.public_key(), "ISP portal document seal", base_url=base_url,
                      years=years)
        _write(directory / SEAL_CERT, cert.public_bytes(serialization.Encoding.PEM))
        done.append("issued the seal certificate")
    if need_tsa:
        # RSA: pyHanko's time-stamp token builder signs with RSA PKCS#1 v1.5.
        tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
        _write(directory / TSA_KEY, pem_key(tsa_key), private=True)
        cert = _issue(root_key, root_cert, tsa_key.public_key(), "ISP portal time-stamping authority",
                      base_url=base_url, years=years, timestamping=True)
        _write(directory / TSA_CERT, cert.public_bytes(serialization.Encoding.PEM))
        done.append("issued the time-stamping certificate")
    write_crl(directory, root_directory, days=crl_days)
    done.append("signed a CRL")
    return done


def write_crl(directory, root_directory=None, *, days=CRL_DAYS, revoked=()):
    """Sign a fresh CRL with the root key and publish it in `directory` (run it before the last expires)."""
    directory, root_directory = Path(directory), Path(root_directory or default_root_dir(directory))
    if not (root_directory / ROOT_KEY).exists():
        raise KeysMissing(f"The root key is not in {root_directory}")
    entries = {serial: None for serial in revoked}
    if (directory / CRL).exists():  # a revocation stays on every later CRL, with its first date
        entries |= {entry.serial_number: entry.revocation_date_utc
                    for entry in x509.load_der_x509_crl((directory / CRL).read_bytes())}
    crl = make_crl(_load_key(root_directory / ROOT_KEY), _load_cert(root_directory / ROOT_CERT), days=days,
                   revoked=entries.items())
    _write(directory / CRL, crl.public_bytes(serialization.Encoding.DER))
    return crl
