"""TOTP (RFC 6238, 30-second steps, ±1 step for clock drift) with replay refusal (ASVS 6.5.1).

pyotp checks a code but does not remember it: we keep the last accepted time step on the user and
refuse any code from that step or an earlier one.

The secrets are stored encrypted with TOTP_ENCRYPTION_KEY, a key of their own (issue 12, finding 4):
changing SECRET_KEY no longer touches them. A secret that key cannot open is a configuration
problem, never a wrong code: `TotpKeyError` is logged and shown as such, and counts as no failure.
`reencrypt()` moves secrets from an earlier key (before this change, the SECRET_KEY) to the current one.
"""
import base64
import hashlib
import io
from datetime import datetime, timezone

import pyotp
import segno
from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

ISSUER = "ISP provider portal"
VALID_WINDOW = 1


class TotpKeyError(RuntimeError):
    """A stored TOTP secret cannot be decrypted with TOTP_ENCRYPTION_KEY."""


def _fernet(key=None):
    key = key if key is not None else current_app.config["TOTP_ENCRYPTION_KEY"]
    digest = hashlib.sha256(("totp-secret:" + key).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def new_secret():
    return pyotp.random_base32()


def encrypt_secret(secret):
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(encrypted):
    try:
        return _fernet().decrypt(encrypted.encode()).decode()
    except InvalidToken:
        current_app.logger.error("a stored TOTP secret cannot be decrypted with TOTP_ENCRYPTION_KEY: is it the key "
                                 "the secrets were encrypted with? (flask --app portal totp reencrypt)")
        raise TotpKeyError("the TOTP secrets cannot be read with TOTP_ENCRYPTION_KEY") from None


def reencrypt(encrypted, old_keys):
    """The secret encrypted with the current key; None if it already is. TotpKeyError if no key opens it."""
    try:
        _fernet().decrypt(encrypted.encode())
        return None
    except InvalidToken:
        pass
    for key in old_keys:
        if not key:
            continue
        try:
            return encrypt_secret(_fernet(key).decrypt(encrypted.encode()).decode())
        except InvalidToken:
            continue
    raise TotpKeyError("no key given opens this TOTP secret")


def matching_timecode(secret, code, now=None):
    """The time step the code belongs to, or None if it is not valid now."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    now = now or datetime.now(timezone.utc)
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def provisioning_uri(secret, email):
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_png_data_uri(secret, email):
    buffer = io.BytesIO()
    segno.make(provisioning_uri(secret, email), error="m").save(buffer, kind="png", scale=5, border=2)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def grouped(secret):
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
