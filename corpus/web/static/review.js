// The review page of one document pair: both texts side by side, bead by bead; every edit is one POST that
// the store saves at once, and the page shows the document the server sends back.
"use strict";

const docId = location.pathname.split("/").filter(Boolean).pop();
let doc = null, sel = 0;

// n and p stop at every bead below the reviewer's threshold (kept in the browser), and at unaligned sentences
let threshold = Number(localStorage.getItem("tmbuild-threshold") || "0.8");
const doubtful = b => !(b.src.length && b.tgt.length) || (b.review === "automatic" && b.score < threshold);

function row(b, k) {
  const cls = ["bead"];
  if (!(b.src.length && b.tgt.length)) cls.push("unaligned");
  else if (b.review !== "automatic") cls.push(b.review);
  else if (b.score < 0.5) cls.push("low");
  else if (b.score < 0.8) cls.push("mid");
  if (k === sel) cls.push("selected");
  const side = (ids, sents) => el("div", {class: "side"},
    ...ids.map(i => el("p", {}, el("span", {class: "sid", text: String(i)}), sents[i].text)));
  const conf = b.src.length && b.tgt.length
    ? (b.review === "automatic" ? b.score.toFixed(2) : b.review) : "unaligned";
  const r = el("div", {class: cls.join(" "), "data-k": String(k), id: b.pair ? `pair-${b.pair}` : `bead-${k}`},
    el("div", {class: "n", text: String(k + 1)}),
    side(b.src, doc.sentences.src), side(b.tgt, doc.sentences.tgt),
    el("div", {class: "conf", text: conf}));
  r.addEventListener("click", () => select(k));
  return r;
}

function render() {
  const box = document.getElementById("beads");
  if (!doc.beads) {  // no stored sentences: the pairs, read-only
    box.replaceChildren(...doc.pairs_only.map(p => el("div", {class: "bead"}, el("div", {class: "n"}),
      el("div", {class: "side", text: p.src_text}), el("div", {class: "side", text: p.tgt_text}),
      el("div", {class: "conf", text: p.review === "automatic" ? p.score.toFixed(2) : p.review}))));
    document.getElementById("toolbar").hidden = true;
    document.querySelector(".help").hidden = true;
    document.getElementById("error").textContent = doc.origin === "aligned"
      ? "This document was stored by an earlier tmbuild without its sentences: its pairs are shown; build it again to review it."
      : "Imported translation units (human translations, as the file gave them): shown read-only.";
    return;
  }
  sel = Math.max(0, Math.min(sel, doc.beads.length - 1));
  box.replaceChildren(...doc.beads.map(row));
  const pairs = doc.beads.filter(b => b.src.length && b.tgt.length).length;
  const left = doc.beads.filter(doubtful).length;
  document.getElementById("status").textContent =
    `${doc.reviewed} of ${pairs} pairs reviewed · ${left} left below ${threshold.toFixed(2)} or unaligned` +
    (doc.writable ? "" : " · read-only store");
  document.getElementById("undo").disabled = !doc.undo;
}

function select(k, scroll = true) {
  if (!doc || !doc.beads || k < 0 || k >= doc.beads.length) return;
  const box = document.getElementById("beads");
  box.children[sel]?.classList.remove("selected");
  sel = k;
  const r = box.children[sel];
  r.classList.add("selected");
  if (scroll) r.scrollIntoView({block: "center"});
}

function seek(step) {
  for (let k = sel + step; k >= 0 && k < doc.beads.length; k += step) if (doubtful(doc.beads[k])) return select(k);
  document.getElementById("error").textContent =
    `no bead below ${threshold.toFixed(2)} or unaligned ${step > 0 ? "after" : "before"} this one`;
}

async function send(path, body) {
  const b = doc.beads[sel];
  const anchor = b.src.length ? ["src", b.src[0]] : ["tgt", b.tgt[0]];
  try {
    doc = await api(path, body);
    document.getElementById("error").textContent = "";
  } catch (e) {
    document.getElementById("error").textContent = e.message;
    return;
  }
  const k = doc.beads.findIndex(x => x[anchor[0]].includes(anchor[1]));
  sel = k < 0 ? sel : k;
  render();
  select(sel);
}

function edit(action, extra) {
  const b = doc.beads[sel];
  return send(`/api/documents/${docId}/edit`, {action, src: b.src, tgt: b.tgt, ...extra});
}

// e: the selected bead's sentences become text fields; Enter saves the changed ones, Esc leaves them as they were
function editText() {
  const b = doc.beads[sel];
  const r = document.getElementById("beads").children[sel];
  const sides = r.querySelectorAll(".side");
  const fields = [];
  ["src", "tgt"].forEach((side, s) => {
    const ps = sides[s].querySelectorAll("p");
    b[side].forEach((i, n) => {
      const box = el("textarea", {class: "edit", rows: "3", "aria-label": `${side === "src" ? "source" : "target"} sentence ${i}`});
      box.value = doc.sentences[side][i].text;
      box.dataset.side = side;
      box.dataset.i = String(i);
      ps[n].replaceChildren(el("span", {class: "sid", text: String(i)}), box);
      fields.push(box);
    });
  });
  if (!fields.length) return;
  fields[0].focus();
  for (const f of fields) f.addEventListener("keydown", ev => {
    if (ev.key === "Escape") {
      ev.preventDefault();
      render();
      select(sel, false);
    } else if (ev.key === "Enter" && !ev.shiftKey) {
      ev.preventDefault();
      const changed = fields.filter(x => x.value.trim() !== doc.sentences[x.dataset.side][Number(x.dataset.i)].text)
        .map(x => ({side: x.dataset.side, sentence: Number(x.dataset.i), text: x.value}));
      (async () => {
        for (const c of changed) await send(`/api/documents/${docId}/edit`, {action: "text", ...c});
        if (!changed.length) { render(); select(sel, false); }
      })();
    }
  });
}

const keys = {
  "j": () => select(sel + 1), "ArrowDown": () => select(sel + 1),
  "k": () => select(sel - 1), "ArrowUp": () => select(sel - 1),
  "n": () => seek(+1), "p": () => seek(-1),
  "c": () => edit("confirm").then(() => select(sel + 1)), "Enter": () => keys.c(),
  "m": () => edit("merge", {to: "next"}), "M": () => edit("merge", {to: "previous"}),
  "s": () => edit("split"),
  "]": () => edit("move", {side: "src", to: "next"}), "[": () => edit("move", {side: "src", to: "previous"}),
  "}": () => edit("move", {side: "tgt", to: "next"}), "{": () => edit("move", {side: "tgt", to: "previous"}),
  "x": () => { const b = doc.beads[sel]; return edit("detach", {side: "src", sentence: b.src[b.src.length - 1]}); },
  "X": () => { const b = doc.beads[sel]; return edit("detach", {side: "tgt", sentence: b.tgt[b.tgt.length - 1]}); },
  "u": () => edit("unalign"),
  "e": () => editText(),
  "z": () => send(`/api/documents/${docId}/undo`, {}),
};

document.addEventListener("keydown", e => {
  if (e.target.closest("input, select, textarea") || e.altKey || e.metaKey) return;
  const key = e.ctrlKey ? (e.key === "z" ? "z" : null) : e.key;
  if (!doc || !doc.beads || !keys[key]) return;
  e.preventDefault();
  keys[key]();
});
const limit = document.getElementById("threshold");
limit.value = threshold.toFixed(2);
limit.addEventListener("change", () => {
  const v = Number(limit.value);
  if (!(v >= 0 && v <= 1)) { limit.value = threshold.toFixed(2); return; }
  threshold = v;
  localStorage.setItem("tmbuild-threshold", String(v));
  if (doc?.beads) render();
});
document.getElementById("toolbar").addEventListener("click", e => {
  const k = e.target.closest("button")?.dataset.key;
  if (k && doc?.beads) keys[k]();
});

(async () => {
  try {
    doc = await api(`/api/documents/${docId}`);
  } catch (e) {
    document.getElementById("error").textContent = e.message;
    document.getElementById("toolbar").hidden = true;
    return;
  }
  document.getElementById("title").textContent = `Review: ${doc.name}` + (doc.title ? ` · ${doc.title}` : "");
  document.title = `${doc.name} · tmbuild`;
  const want = location.hash.startsWith("#pair-") ? Number(location.hash.slice(6)) : null;
  render();
  if (doc.beads) {
    const k = want === null ? -1 : doc.beads.findIndex(b => b.pair === want);
    select(k < 0 ? 0 : k, k >= 0);
  }
})();
