"""Single-use tokens for links (invitations, password resets): only the SHA-256 is stored."""
import hashlib
import secrets


def new_token():
    return secrets.token_urlsafe(32)


def token_hash(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
