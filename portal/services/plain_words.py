"""Plain words in what advisers write (SES 4.08: a plan the customer can understand): a sentence over
15 words is flagged as guidance, never a block."""
import re

SENTENCE_WORDS = 15
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def long_sentences(text, limit=SENTENCE_WORDS):
    """The sentences of `text` with more than `limit` words, in order."""
    found = []
    for sentence in _SENTENCE_END.split(text or ""):
        if len(sentence.split()) > limit:
            found.append(" ".join(sentence.split()))
    return found


def hint(values, labels=None, limit=SENTENCE_WORDS):
    """One line of guidance for the text fields in `values` ({name: text}), or "" when all is short."""
    flagged = [(name, sentence) for name, text in values.items() if isinstance(text, str)
               for sentence in long_sentences(text, limit)]
    if not flagged:
        return ""
    name, first = flagged[0]
    label = (labels or {}).get(name, name.replace("_", " "))
    words = " ".join(first.split()[:6])
    count = len(flagged)
    return (f"Tip: {count} sentence{'s are' if count != 1 else ' is'} longer than {limit} words, for example in "
            f"{label.lower()}: “{words} …”. Shorter sentences are easier to read.")
