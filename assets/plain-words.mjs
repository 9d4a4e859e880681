// Plain words as the adviser writes (issue 15): a sentence over 15 words is pointed out under the field.
// Guidance only: nothing is blocked, and the same check runs on the server after saving
// (portal/services/plain_words.py), so without JavaScript the adviser still hears about it.
const LIMIT = 15;

function longSentences(text) {
  return text.split(/(?<=[.!?])\s+|\n+/).filter((sentence) => sentence.split(/\s+/).filter(Boolean).length > LIMIT);
}

for (const field of document.querySelectorAll("textarea[data-plain-words]")) {
  const hint = document.createElement("p");
  hint.className = "govuk-hint portal-plain-words";
  hint.id = `${field.id}-plain-words`;
  hint.setAttribute("aria-live", "polite");
  field.insertAdjacentElement("afterend", hint);
  let timer;
  const check = () => {
    const found = longSentences(field.value);
    hint.textContent = found.length
      ? `${found.length} ${found.length === 1 ? "sentence is" : "sentences are"} longer than ${LIMIT} words. Shorter sentences are easier to read.`
      : "";
  };
  field.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 400); });
  check();
}
