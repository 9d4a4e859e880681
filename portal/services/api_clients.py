"""DWP systems that send referrals: clients and their bearer tokens (stored as SHA-256 only)."""
from sqlalchemy import select

from portal import audit
from portal.extensions import db
from portal.models import ApiClient, ApiToken
from portal.models.base import utcnow
from portal.security.tokens import new_token, token_hash

TOKEN_PREFIX = "isp_"


class ApiClientError(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def all_clients():
    return db.session.scalars(select(ApiClient).order_by(ApiClient.name)).all()


def create_client(name):
    name = name.strip()
    if db.session.scalar(select(ApiClient).where(ApiClient.name == name)) is not None:
        raise ApiClientError("There is already a client with this name", field="name")
    client = ApiClient(name=name)
    db.session.add(client)
    db.session.flush()
    audit.record("api_client.created", subject_type="api_client", subject_id=client.id, detail={"name": name})
    db.session.commit()
    return client


def issue_token(client, *, by):
    """A new token; the only time its value is seen."""
    token = TOKEN_PREFIX + new_token()
    row = ApiToken(client=client, token_hash=token_hash(token), prefix=token[:10], created_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    audit.record("api_token.issued", subject_type="api_token", subject_id=row.id, detail={"client": client.name})
    db.session.commit()
    return token


def revoke_token(row):
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("api_token.revoked", subject_type="api_token", subject_id=row.id,
                     detail={"client": row.client.name})
        db.session.commit()


def client_for_token(token):
    """The client a live bearer token belongs to, or None."""
    if not token or not token.startswith(TOKEN_PREFIX):
        return None
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
        row.last_used_at = now
        db.session.commit()
    return row.client
