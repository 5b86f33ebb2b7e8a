// The documents page: every document pair with its review progress; sorted by any column, filtered by name,
// file or title and by what is left to do. The list is kept in the page: sorting and filtering ask nothing.
"use strict";

let documents = [], sortKey = "id", sortDir = 1;

const pct = d => d.pairs ? d.reviewed / d.pairs : 0;
const SORTS = {
  id: d => d.id, name: d => d.name.toLowerCase(), pairs: d => d.pairs,
  unaligned: d => d.reviewable ? d.unaligned_src + d.unaligned_tgt : -1,
  doubtful: d => d.doubtful, confidence: d => d.mean_score ?? -1, reviewed: pct, added: d => d.added,
};

function fileName(path) {
  return path ? path.split(/[\\/]/).pop() : "";
}

function row(d) {
  const unaligned = d.reviewable ? `${d.unaligned_src} / ${d.unaligned_tgt}` : "–";
  const files = d.origin === "aligned" ? `${fileName(d.src_path)} + ${fileName(d.tgt_path)}` : `imported from ${fileName(d.src_path)}`;
  return el("tr", {},
    el("td", {class: "num", text: String(d.id)}),
    el("td", {}, el("a", {href: `/documents/${d.id}`, text: d.name}),
      el("div", {class: "muted files", text: files, title: [d.src_path, d.tgt_path].filter(Boolean).join("\n")}),
      d.title ? el("div", {class: "muted", text: d.title}) : null),
    el("td", {class: "num", text: String(d.pairs)}),
    el("td", {class: "num", text: unaligned}),
    el("td", {class: "num", text: String(d.doubtful), title: "automatic pairs below 0.8"}),
    el("td", {class: "num", text: d.mean_score === null ? "–" : d.mean_score.toFixed(3)}),
    el("td", {}, el("span", {class: "progress"}, el("i", {style: `width:${Math.round(100 * pct(d))}%`})),
      `${d.reviewed} of ${d.pairs}`),
    el("td", {class: "date", text: (d.added || "").slice(0, 10)}),
    el("td", {}, el("a", {href: `/documents/${d.id}`, text: d.reviewable ? "Review" : "Pairs"})));
}

function show() {
  const words = document.getElementById("filter").value.toLowerCase().split(/\s+/).filter(Boolean);
  const which = document.getElementById("which").value;
  const shown = documents.filter(d => {
    const text = `${d.id} ${d.name} ${d.title} ${d.src_path} ${d.tgt_path}`.toLowerCase();
    if (!words.every(w => text.includes(w))) return false;
    if (which === "todo") return d.reviewed < d.pairs;
    if (which === "doubtful") return d.doubtful > 0 || (d.reviewable && d.unaligned_src + d.unaligned_tgt > 0);
    if (which === "done") return d.pairs > 0 && d.reviewed === d.pairs;
    return true;
  });
  const key = SORTS[sortKey];
  shown.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.id - b.id) * sortDir);
  document.getElementById("docs").replaceChildren(...shown.map(row));
  document.getElementById("count").textContent = `${shown.length} of ${documents.length} document pairs`;
  for (const th of document.querySelectorAll("th[data-sort]")) {
    th.classList.toggle("sorted", th.dataset.sort === sortKey);
    th.dataset.dir = th.dataset.sort === sortKey ? (sortDir > 0 ? "▲" : "▼") : "";
  }
}

for (const th of document.querySelectorAll("th[data-sort]")) {
  th.addEventListener("click", () => {
    sortDir = sortKey === th.dataset.sort ? -sortDir : 1;
    sortKey = th.dataset.sort;
    show();
  });
}
document.getElementById("filter").addEventListener("input", show);
document.getElementById("which").addEventListener("change", show);

(async () => {
  try {
    ({documents} = await api("/api/documents"));
    show();
  } catch (e) {
    document.getElementById("error").textContent = e.message;
  }
})();
