"""RFC 3161 time stamps for the seal (issue 17, PAdES B-T and up).

With TSA_URL set, the seal asks that time-stamping authority over HTTP (its root must then be in
TSA_TRUST_ROOTS, a PEM file, unless the portal's own root issued it). Without it, the portal is its own
TSA: a key and certificate issued by the portal's root (authority.py), used in the process, or served
over HTTP by `responder` (the tests start it in a thread; `flask --app portal keys tsa-serve` in
development), so that the HTTP path is exercised as well.
"""
import datetime
import threading
import uuid
from functools import cache
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from asn1crypto import cms, core, tsp
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from pyhanko.sign import general
from pyhanko.sign.general import simple_cms_attribute
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from portal.documents.authority import ROOT_CERT, TSA_CERT, TSA_KEY, KeysMissing

# A private policy OID under 2.25 (ITU-T X.667: a UUID as an OID), fixed for this portal's TSA.
POLICY = "2.25." + str(uuid.UUID("5b0d6f3e-8c1a-4f57-9a53-7e2b6c0d4a11").int)
MEDIA_TYPE_QUERY, MEDIA_TYPE_REPLY = "application/timestamp-query", "application/timestamp-reply"


class PortalTimeStamper(DummyTimeStamper):
    """The portal's own TSA: pyHanko's token builder with this portal's policy and a current UTC time.

    The key is loaded once: pyHanko's builder reloads (and re-checks) an RSA key for every token, which
    cost about half a second per seal on a busy machine (issue 17 benchmark)."""

    def __init__(self, *, tsa_private_key, **options):
        super().__init__(**options)
        self._private_key = tsa_private_key

    def _sign_tst_info(self, tst_info_data, md_algorithm, dt):
        digest = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
        digest.update(tst_info_data)
        signed_attrs = cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
            simple_cms_attribute("signing_certificate", general.as_signing_certificate(self.tsa_cert)),
            simple_cms_attribute("message_digest", digest.finalize()),
        ])
        signature = self._private_key.sign(signed_attrs.dump(), PKCS1v15(),
                                           get_pyca_cryptography_hash(md_algorithm.upper()))
        return signature, signed_attrs

    def _build_tst_info(self, message_imprint, dt, req):
        info = super()._build_tst_info(message_imprint, dt, req)
        info["policy"] = tsp.ObjectIdentifier(POLICY)
        return info

    def request_tsa_response(self, req):
        self.fixed_dt = datetime.datetime.now(datetime.timezone.utc)
        return super().request_tsa_response(req)


def _der_of(pem_path):
    from cryptography import x509

    return x509.load_pem_x509_certificate(Path(pem_path).read_bytes()).public_bytes(serialization.Encoding.DER)


@cache
def local_timestamper(directory):
    directory = Path(directory)
    try:
        key = serialization.load_pem_private_key((directory / TSA_KEY).read_bytes(), password=None)
        cert = asn1_x509.Certificate.load(_der_of(directory / TSA_CERT))
        root = asn1_x509.Certificate.load(_der_of(directory / ROOT_CERT))
    except FileNotFoundError as missing:
        raise KeysMissing(f"No time-stamping key in {directory}: run `flask --app portal keys init`") from missing
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return PortalTimeStamper(tsa_cert=cert, tsa_key=asn1_keys.PrivateKeyInfo.load(der), certs_to_embed=[root],
                             tsa_private_key=key)


def timestamper(config):
    url = config.get("TSA_URL")
    if url:
        return HTTPTimeStamper(url, timeout=int(config.get("TSA_TIMEOUT_S", 10)))
    return local_timestamper(str(config["SIGNING_KEY_DIR"]))


def extra_trust_roots(config):
    """PEM certificates of an outside TSA's chain (TSA_TRUST_ROOTS), as asn1crypto certificates."""
    path = config.get("TSA_TRUST_ROOTS")
    if not path:
        return []
    from pyhanko.keys import load_certs_from_pemder

    return list(load_certs_from_pemder([path]))


# Serving the local TSA over HTTP --------------------------------------------------------------------

def responder(directory):
    """A WSGI app answering RFC 3161 requests (POST, application/timestamp-query) with the local TSA."""
    stamper = local_timestamper(str(directory))

    def app(environ, start_response):
        if environ["REQUEST_METHOD"] != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST")])
            return [b""]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            request = tsp.TimeStampReq.load(environ["wsgi.input"].read(min(length, 65536)))
            reply = stamper.request_tsa_response(request).dump()
        except Exception:  # noqa: BLE001 - anything unparsable is refused, as RFC 3161 §2.4.2 "rejection"
            reply = tsp.TimeStampResp({"status": {"status": "rejection", "fail_info": {"bad_data_format"}}}).dump()
        start_response("200 OK", [("Content-Type", MEDIA_TYPE_REPLY), ("Content-Length", str(len(reply)))])
        return [reply]

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


class _ThreadingServer(WSGIServer):
    daemon_threads = True


def serve_in_thread(directory, host="127.0.0.1", port=0):
    """Start the local TSA on host:port (0: any free port) in a daemon thread; returns (server, url)."""
    server = make_server(host, port, responder(directory), server_class=_ThreadingServer,
                         handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="local-tsa", daemon=True).start()
    return server, f"http://{host}:{server.server_port}/"
