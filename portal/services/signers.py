"""Who really signed (R-SIGN-4): the typed name matches the party as recorded, or a representative or
witness gives their own name, relationship and reason.

Names are compared normalised, so "mary-jane o'neill" matches "Mary Jane O’Neill": case, spaces,
apostrophes and hyphens are how people type, not who they are.
"""
import re
import unicodedata

APOSTROPHES = "'’‘`´ʼ"
NAME_MISMATCH = "The name typed does not match"
HYPHENS = "-‐‑‒–—"


def normalise_name(name):
    text = unicodedata.normalize("NFKC", name or "").casefold()
    text = text.translate({ord(c): None for c in APOSTROPHES})
    text = text.translate({ord(c): " " for c in HYPHENS + "."})
    return re.sub(r"\s+", " ", text).strip()


def same_name(typed, recorded):
    return bool(normalise_name(typed)) and normalise_name(typed) == normalise_name(recorded)


def signer_problem(*, party_role, method, recorded_names, typed_name, representative_relationship=None,
                   representative_reason=None, witness_name=None, witness_relationship=None, witness_reason=None):
    """(field, message) for the first thing wrong with who is signing, or None.

    `recorded_names` are the names the party is recorded under (the plan's party name and, for the
    customer, the name on their record). `method` is the SignatureMethod's value."""
    typed = (typed_name or "").strip()
    if not typed:
        return "typed_name", "Type your name to sign"
    if method == "representative":
        # The representative types their own name (not the customer's) and says who they are and why.
        if any(same_name(typed, name) for name in recorded_names):
            return "typed_name", "Type the representative's own name, not the customer's"
        if not (representative_relationship or "").strip():
            return "representative_relationship", "Enter the representative's relationship to the customer"
        if not (representative_reason or "").strip():
            return "representative_reason", "Enter why a representative is signing"
        return None
    if method == "verbal_witnessed":
        if not (witness_name or "").strip():
            return "witness_name", "Enter the name of the witness to the customer's agreement"
        if any(same_name(witness_name, name) for name in recorded_names):
            return "witness_name", "The witness must be someone other than the customer"
        if not (witness_relationship or "").strip():
            return "witness_relationship", "Enter the witness's relationship to the customer"
        if not (witness_reason or "").strip():
            return "witness_reason", "Enter why the customer's agreement is witnessed"
    if not any(same_name(typed, name) for name in recorded_names):
        who = "the customer's name as recorded" if party_role == "customer" else "the name of the person signing"
        return "typed_name", f"{NAME_MISMATCH} {who}. Type the full name, or choose another way to sign"
    return None
