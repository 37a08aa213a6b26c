// Lianxin's only script (the Content-Security-Policy allows no inline code):
// progress bars that follow a background job, and confirmation before destructive forms.
"use strict";

function setBar(bar, progress) {
  bar.style.width = Math.max(0, Math.min(100, Number(progress) || 0)) + "%";
}

function follow(box) {
  const url = box.dataset.pollUrl;
  const bar = box.querySelector("[data-progress]");
  const status = box.querySelector("[data-status]");
  const download = box.querySelector("[data-download]");
  const reloadOn = (box.dataset.reloadOn || "").split(" ").filter(Boolean);
  function poll() {
    fetch(url, { headers: { Accept: "application/json" } })
      .then((r) => r.json())
      .then((d) => {
        if (status) status.textContent = d.label;
        if (bar) setBar(bar, d.progress);
        if (reloadOn.includes(d.status)) { window.location.reload(); return; }
        if (d.status === "done" && download) { download.hidden = false; return; }
        if (d.status !== "failed" && d.status !== "done") setTimeout(poll, 1000);
      })
      .catch(() => setTimeout(poll, 3000));
  }
  poll();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-progress]").forEach((bar) => setBar(bar, bar.dataset.progress));
  document.querySelectorAll("[data-poll-url]").forEach(follow);
});

document.addEventListener("submit", (event) => {
  const message = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (message && !window.confirm(message)) event.preventDefault();
}, true);
