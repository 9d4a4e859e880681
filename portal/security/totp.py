"""TOTP (RFC 6238, 30-second steps, ±1 step for clock drift) with replay refusal (ASVS 6.5.1).

pyotp checks a code but does not remember it: we keep the last accepted time step on the user and
refuse any code from that step or an earlier one.
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


def _fernet():
    key = hashlib.sha256(("totp-secret:" + current_app.config["SECRET_KEY"]).encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def new_secret():
    return pyotp.random_base32()


def encrypt_secret(secret):
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(encrypted):
    try:
        return _fernet().decrypt(encrypted.encode()).decode()
    except InvalidToken:
        return None


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
