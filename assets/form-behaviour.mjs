// Small behaviours of forms (issue 16). Without JavaScript the forms work as they are.

// A form that can take a few seconds (the last signature seals the plan's documents) says so while it
// works, in a live region, instead of leaving the person waiting with no feedback.
for (const form of document.querySelectorAll("form[data-progress-form]")) {
  const message = form.querySelector("[data-progress-message]");
  form.addEventListener("submit", () => {
    if (message) message.textContent = message.dataset.progressMessage;
  });
}

// Fields needed for one answer of a radio group show only when that answer is chosen. (GOV.UK's own
// conditional reveal puts aria-expanded on the radios, which axe refuses.)
for (const box of document.querySelectorAll("[data-reveal-when]")) {
  const [name, value] = box.dataset.revealWhen.split("=");
  const radios = [...document.querySelectorAll(`input[type=radio][name="${name}"]`)];
  const sync = () => { box.hidden = !radios.some((radio) => radio.checked && radio.value === value); };
  radios.forEach((radio) => radio.addEventListener("change", sync));
  sync();
}
