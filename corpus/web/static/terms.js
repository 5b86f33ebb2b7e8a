// The terms page: candidates best first; accept, reject or edit each with the keyboard.
"use strict";

const langSel = document.getElementById("lang");
let rows = [], at = 0, editing = null;

function row(c) {
  const target = el("td", {class: "target", text: c.target});
  const tr = el("tr", {class: `term ${c.status || ""}`},
    el("td", {class: "num", text: c.score.toFixed(1)}),
    el("td", {class: "termtext", text: c.term}),
    target,
    el("td", {class: "num", text: String(c.frequency)}),
    el("td", {class: "num", text: `${Math.round(100 * c.consistency)}%`}),
    el("td", {class: "muted", text: c.renderings.slice(1, 4).map(r => `${r.text} (${r.count})`).join(", ")}),
    el("td", {class: "status", text: c.status || ""}));
  tr.candidate = c;
  tr.addEventListener("click", () => select(rows.indexOf(tr)));
  return tr;
}

function select(i) {
  if (!rows.length) return;
  at = Math.max(0, Math.min(rows.length - 1, i));
  rows.forEach((r, k) => r.classList.toggle("selected", k === at));
  rows[at].scrollIntoView({block: "nearest"});
}

async function decide(status, target) {
  // the decided row is captured and the selection moves on at once: a key pressed before the answer comes
  // decides the next row, not this one again
  const k = at, tr = rows[k], c = tr.candidate;
  const err = document.getElementById("error");
  if (target === undefined) select(at + 1);
  try {
    const got = await api("/api/terms/decide",
      {lang: c.lang, term: c.term, target: target === undefined ? c.target : target, status});
    c.status = got.status; c.target = got.target;
    tr.className = `term ${c.status}` + (k === at ? " selected" : "");
    tr.querySelector(".status").textContent = c.status;
    tr.querySelector(".target").textContent = c.target;
    err.textContent = "";
  } catch (e) { err.textContent = e.message; }
}

function edit() {
  const cell = rows[at].querySelector(".target");
  const input = el("input", {type: "text", class: "edit"});
  input.value = rows[at].candidate.target;
  cell.replaceChildren(input);
  editing = input;
  input.focus();
  input.addEventListener("keydown", ev => {
    ev.stopPropagation();
    if (ev.key === "Enter") { editing = null; decide("accepted", input.value.trim()); }
    else if (ev.key === "Escape") { editing = null; cell.textContent = rows[at].candidate.target; }
  });
}

document.addEventListener("keydown", ev => {
  if (editing || ev.target.tagName === "SELECT" || ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const key = {j: () => select(at + 1), ArrowDown: () => select(at + 1), k: () => select(at - 1),
               ArrowUp: () => select(at - 1), a: () => decide("accepted"), r: () => decide("rejected"),
               e: () => edit()}[ev.key];
  if (key) { ev.preventDefault(); key(); }
});

async function load() {
  const progress = document.getElementById("progress");
  progress.textContent = "extracting candidates from the memory…";
  try {
    const data = await api(`/api/terms?${new URLSearchParams({lang: langSel.value, limit: "100"})}`);
    rows = data.terms.map(row);
    document.getElementById("terms").replaceChildren(...rows);
    progress.textContent = `${data.terms.length} candidates, ${data.accepted} accepted, ${data.rejected} rejected`;
    document.getElementById("tbx").href = `/api/terms.tbx?accepted_only=1`;
    select(0);
  } catch (e) {
    progress.textContent = "";
    document.getElementById("error").textContent = e.message;
  }
}
langSel.addEventListener("change", load);
load();
