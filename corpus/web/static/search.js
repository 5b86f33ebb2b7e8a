// The search page: answers as the user types (each keystroke cancels the query before it).
"use strict";

const q = document.getElementById("q");
const mode = document.getElementById("mode");
let timer = null, inflight = null;

function hitBox(h) {
  const match = h.label;  // 100% or 87% (exact, fuzzy), contains (concordance; or its %), similar 0.62
  const where = h.document_id
    ? el("a", {href: `/documents/${h.document_id}#pair-${h.pair_id}`, text: h.document}) : h.document;
  const more = h.count > 1 ? ` · ${h.count} identical pairs in ${h.documents.length} document(s)` : "";
  return el("div", {class: "hit"},
    el("div", {class: "pair"},
      el("div", {class: "text"}, el("span", {class: `kind ${h.kind}`, text: h.kind}), marked(h.text, h.spans)),
      el("div", {class: "translation"}, marked(h.translation, h.translation_spans, "rendering"))),
    el("div", {class: "meta"}, `${match} · `, where, ` · paragraph ${h.paragraph} · ${h.bead_kind}`,
      ` · confidence ${h.score.toFixed(2)}${more}`));
}

async function run() {
  const text = q.value.trim();
  const params = new URLSearchParams({q: text, k: "30", mode: mode.value});
  history.replaceState(null, "", text ? `/?${new URLSearchParams({q: text})}` : "/");
  if (inflight) inflight.abort();
  const ctl = inflight = new AbortController();
  const err = document.getElementById("error");
  try {
    const res = await fetch(`/api/search?${params}`, {signal: ctl.signal});
    const data = await res.json();
    if (!res.ok) throw new Error(data.error);
    if (ctl !== inflight) return;
    err.textContent = "";
    const counts = Object.entries(data.counts || {}).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`);
    document.getElementById("summary").textContent =
      text ? (counts.length ? `found: ${counts.join(", ")}` : "nothing found") : "";
    const r = document.getElementById("renderings");
    r.replaceChildren();
    if (data.renderings.length) {
      r.append("translations: ");
      for (const x of data.renderings.slice(0, 10)) r.append(el("span", {class: "rendering", text: `${x.text} (${x.count})`}));
    }
    const lexical = data.hits.filter(h => h.kind !== "semantic"), near = data.hits.filter(h => h.kind === "semantic");
    const boxes = lexical.map(hitBox);
    if (near.length) {  // shown apart: near in meaning is not a match of the text
      boxes.push(el("h2", {class: "apart", text: "Similar in meaning (no lexical match; nearest by embedding)"}));
      boxes.push(...near.map(hitBox));
    }
    document.getElementById("hits").replaceChildren(...boxes);
  } catch (e) {
    if (e.name !== "AbortError") err.textContent = e.message;
  }
}

function soon() { clearTimeout(timer); timer = setTimeout(run, 120); }
q.addEventListener("input", soon);
mode.addEventListener("change", run);
const start = new URLSearchParams(location.search).get("q");
if (start) { q.value = start; run(); }
