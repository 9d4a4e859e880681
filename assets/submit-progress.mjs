// A form that can take a few seconds (the last signature seals the plan's documents) says so while it
// works, in a live region, instead of leaving the person waiting with no feedback (issue 16).
for (const form of document.querySelectorAll("form[data-progress-form]")) {
  const message = form.querySelector("[data-progress-message]");
  form.addEventListener("submit", () => {
    if (message) message.textContent = message.dataset.progressMessage;
  });
}
