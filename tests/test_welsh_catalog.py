"""Every word the portal says in Welsh is translated by a person, not guessed: no entry of the Welsh
catalogue is empty or marked fuzzy (Babel leaves fuzzy entries out of the compiled catalogue, so the
page would fall back to English without anyone noticing)."""
from pathlib import Path

from babel.messages.pofile import read_po

PO = Path(__file__).resolve().parents[1] / "portal" / "translations" / "cy" / "LC_MESSAGES" / "messages.po"


def test_the_welsh_catalogue_has_no_empty_or_fuzzy_entry():
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    empty = [m.id for m in catalog if m.id and not m.string]
    fuzzy = [m.id for m in catalog if m.id and "fuzzy" in m.flags]
    assert (empty, fuzzy) == ([], [])


def test_each_welsh_entry_has_the_same_placeholders_as_its_english():
    """A guessed translation of another message shows up as different {placeholders} (and a KeyError)."""
    import re

    with PO.open("rb") as handle:
        catalog = read_po(handle)
    names = lambda text: sorted(set(re.findall(r"\{(\w*)\}", text)))  # noqa: E731
    assert [m.id for m in catalog if isinstance(m.id, str) and m.id and names(m.id) != names(m.string)] == []
