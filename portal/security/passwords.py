"""Password hashing (Argon2id) and the password policy (ASVS 6.2; security.md tests A1, A2, A6).

Policy: at least 12 characters, at most 1,024, verified exactly as typed; no composition rules;
refused if on the deny-list (common passwords and the portal's own words) once case, spaces and
trailing digits or symbols are set aside.
"""
import re
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app

MIN_LENGTH = 12
MAX_LENGTH = 1024
DENY_LIST_PATH = Path(__file__).with_name("password_deny_list.txt")

_PROFILES = {
    # argon2-cffi's RFC 9106 low-memory profile: 64 MiB, t=3, p=4.
    "production": dict(time_cost=3, memory_cost=65536, parallelism=4),
    # Tests only: check_production_config refuses it in production.
    "test": dict(time_cost=1, memory_cost=1024, parallelism=1),
}


@lru_cache(maxsize=None)
def _hasher(profile):
    return PasswordHasher(type=Type.ID, **_PROFILES[profile])


def hasher():
    return _hasher(current_app.config["PASSWORD_HASH_PROFILE"])


def hash_password(password):
    return hasher().hash(password)


def verify_password(stored_hash, password):
    """True if the password matches. Always spends the hashing time, even with no stored hash."""
    ph = hasher()
    if not stored_hash:
        ph.hash(password)  # an unknown email costs the same as a wrong password
        return False
    try:
        return ph.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash):
    return hasher().check_needs_rehash(stored_hash)


@lru_cache(maxsize=1)
def deny_list():
    words = set()
    for line in DENY_LIST_PATH.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(_normalise(line))
    return frozenset(words)


def _normalise(text):
    text = re.sub(r"\s+", "", text.lower())
    return re.sub(r"[\d\W_]+$", "", text) or text


def password_problem(password, *, email=None, name=None):
    """The reason a new password is refused, or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    normalised = _normalise(password)
    personal = set()
    if email:
        personal.add(_normalise(email.split("@")[0]))
    if name:
        personal.add(_normalise(name))
    if normalised in deny_list() or normalised in personal or len(set(normalised)) < 4:
        return "Password is too easy to guess. Try three random words"
    return None
