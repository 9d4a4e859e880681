// Warns a signed-in user before the 30-minute idle timeout ends their session, so long edits are
// not lost; "Stay signed in" tells the server they are still here. Without JavaScript, unsaved work
// posted after a timeout is kept on the server and offered back after signing in again.
const root = document.querySelector("[data-session-timeout]");
if (root) {
  const idleSeconds = Number(root.dataset.idleSeconds);
  const warnSeconds = Number(root.dataset.warnSeconds);
  const button = root.querySelector("button");
  const countdown = root.querySelector("[data-countdown]");
  let warnTimer;
  let tick;

  const hide = () => {
    root.hidden = true;
    clearInterval(tick);
  };

  const show = () => {
    let left = warnSeconds;
    root.hidden = false;
    countdown.textContent = Math.ceil(left / 60);
    button.focus();
    tick = setInterval(() => {
      left -= 15;
      countdown.textContent = Math.max(1, Math.ceil(left / 60));
      if (left <= 0) {
        clearInterval(tick);
      }
    }, 15000);
  };

  const schedule = () => {
    clearTimeout(warnTimer);
    warnTimer = setTimeout(show, Math.max(0, idleSeconds - warnSeconds) * 1000);
  };

  button.addEventListener("click", async () => {
    const response = await fetch(root.dataset.keepAliveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": root.dataset.csrfToken },
      credentials: "same-origin",
    });
    if (response.ok) {
      hide();
      schedule();
    } else {
      window.location.reload();
    }
  });

  schedule();
}
