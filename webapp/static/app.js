// Lianxin's only script (the Content-Security-Policy allows no inline code):
// progress bars that follow a background job, confirmation before destructive forms,
// the top bar's menus, a filter box for long pick-lists, and "tick all" boxes.
// Every page works without it.
"use strict";

document.documentElement.classList.add("js");

const MENUS = ".topbar details";
const MANY_OPTIONS = 20;

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

function closeMenus(except) {
  document.querySelectorAll(MENUS + "[open]").forEach((menu) => {
    if (menu !== except && !menu.contains(except)) menu.open = false;
  });
}

function setupNavToggle(button) {
  const nav = document.getElementById(button.getAttribute("aria-controls"));
  if (!nav) return;
  button.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    button.setAttribute("aria-expanded", String(open));
    if (!open) closeMenus(null);
  });
}

function matches(option, query) {
  return option.value === "" || option.text.toLowerCase().includes(query);
}

function filterOptions(select, query) {
  let first = null;
  Array.from(select.options).forEach((option) => {
    option.hidden = !matches(option, query);
    if (!option.hidden && option.value !== "" && !first) first = option;
  });
  select.querySelectorAll("optgroup").forEach((group) => {
    group.hidden = Array.from(group.children).every((option) => option.hidden);
  });
  const chosen = select.selectedOptions[0];
  if (first && (!chosen || chosen.hidden || chosen.value === "")) {
    first.selected = true;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }
}

function makeSearchable(select) {
  const box = document.createElement("input");
  box.type = "search";
  box.className = "selectfilter";
  box.placeholder = document.body.dataset.filterLabel || "";
  box.setAttribute("aria-label", box.placeholder);
  box.autocomplete = "off";
  if (select.id) box.setAttribute("aria-controls", select.id);
  box.addEventListener("input", () => filterOptions(select, box.value.trim().toLowerCase()));
  box.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
  });
  select.before(box);
}

function boxTable(table) {
  if (table.parentElement.closest(".scroll-x, .tablebox")) return;
  const box = document.createElement("div");
  box.className = "tablebox";
  table.before(box);
  box.append(table);
}

function namedBoxes(name) {
  return Array.from(document.querySelectorAll(`input[type="checkbox"][name="${CSS.escape(name)}"]`))
    .filter((box) => !box.disabled);
}

// a box with data-check-all="member_ids" ticks or unticks every box named member_ids on the
// page, and shows whether all, some or none of them are ticked
function setupCheckAll(master) {
  const name = master.dataset.checkAll;
  const reflect = () => {
    const boxes = namedBoxes(name);
    const ticked = boxes.filter((box) => box.checked).length;
    master.checked = boxes.length > 0 && ticked === boxes.length;
    master.indeterminate = ticked > 0 && ticked < boxes.length;
  };
  master.addEventListener("change", () => {
    namedBoxes(name).forEach((box) => { box.checked = master.checked; });
    master.indeterminate = false;
  });
  document.addEventListener("change", (event) => {
    if (event.target !== master && event.target.name === name) reflect();
  });
  reflect();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[type=checkbox][data-check-all]").forEach(setupCheckAll);
  document.querySelectorAll("main table").forEach(boxTable);
  document.querySelectorAll("[data-progress]").forEach((bar) => setBar(bar, bar.dataset.progress));
  document.querySelectorAll("[data-poll-url]").forEach(follow);
  document.querySelectorAll(".navtoggle[aria-controls]").forEach(setupNavToggle);
  document.querySelectorAll("main select:not([multiple])").forEach((select) => {
    if (select.options.length > MANY_OPTIONS) makeSearchable(select);
  });
});

// one top-bar menu open at a time; a click elsewhere or Escape closes it
document.addEventListener("toggle", (event) => {
  if (event.target.matches && event.target.matches(MENUS) && event.target.open) closeMenus(event.target);
}, true);

document.addEventListener("click", (event) => {
  if (!event.target.closest(MENUS)) closeMenus(null);
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  const menu = document.activeElement && document.activeElement.closest(MENUS + "[open]");
  closeMenus(null);
  if (menu) menu.querySelector("summary").focus();
});

document.addEventListener("submit", (event) => {
  const message = event.target.dataset ? event.target.dataset.confirm : undefined;
  if (message && !window.confirm(message)) event.preventDefault();
}, true);
