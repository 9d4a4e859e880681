// The week page: as an adviser types the hours, say what the day and the week would total (R-HRS-4).
// Only an aid: the server checks every limit again when the activity is saved.
const form = document.querySelector("[data-hours-form]");
const table = document.querySelector("[data-hours-week]");

if (form && table) {
  const hoursInput = form.querySelector("[data-hours-input]");
  const daySelect = form.querySelector("[data-hours-day]");
  const preview = form.querySelector("[data-hours-preview]");
  const dayTotals = JSON.parse(form.dataset.dayTotals || "{}");
  const weekTotal = Number(table.dataset.weekTotal || 0);
  const text = (quarters) => String(quarters / 4);

  const update = () => {
    const hours = Number(hoursInput.value);
    if (!hoursInput.value.trim() || !Number.isFinite(hours) || hours <= 0) {
      preview.textContent = "";
      return;
    }
    const quarters = Math.round(hours * 4);
    const dayName = daySelect.options[daySelect.selectedIndex].text;
    const day = (dayTotals[daySelect.value] || 0) + quarters;
    const week = weekTotal + quarters;
    let message = `With this activity: ${dayName} ${text(day)} hours, the week ${text(week)} hours.`;
    if (day > 96) message += " That is more than 24 hours in a day.";
    if (week > 672) message += " That is more than 168 hours in a week.";
    preview.textContent = message;
  };
  hoursInput.addEventListener("input", update);
  daySelect.addEventListener("change", update);
}
