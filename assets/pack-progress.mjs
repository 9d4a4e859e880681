// Keeps the inspection pack page's progress up to date, then reloads it when the pack is ready.
const region = document.getElementById('pack-progress')

async function poll () {
  const response = await fetch(region.dataset.progressUrl, { credentials: 'same-origin' })
  if (!response.ok) return
  const progress = await response.json()
  if (progress.status === 'done' || progress.status === 'failed') {
    window.location.reload()
    return
  }
  const done = region.querySelector('.portal-pack-done')
  if (done) done.textContent = String(progress.done)
  window.setTimeout(poll, 2000)
}

if (region) window.setTimeout(poll, 2000)
