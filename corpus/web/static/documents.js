// The documents page: every document pair with its review progress.
"use strict";

(async () => {
  try {
    const {documents} = await api("/api/documents");
    const rows = documents.map(d => {
      const pct = d.pairs ? Math.round(100 * d.reviewed / d.pairs) : 0;
      const unaligned = d.reviewable ? `${d.unaligned_src} / ${d.unaligned_tgt}` : "–";
      return el("tr", {},
        el("td", {class: "num", text: String(d.id)}),
        el("td", {}, el("a", {href: `/documents/${d.id}`, text: d.name}),
          d.title ? el("div", {class: "muted", text: d.title}) : null),
        el("td", {class: "num", text: String(d.pairs)}),
        el("td", {class: "num", text: unaligned}),
        el("td", {class: "num", text: d.mean_score === null ? "–" : d.mean_score.toFixed(2)}),
        el("td", {}, el("span", {class: "progress"}, el("i", {style: `width:${pct}%`})), `${d.reviewed} of ${d.pairs}`),
        el("td", {}, el("a", {href: `/documents/${d.id}`, text: d.reviewable ? "Review" : "Pairs"})));
    });
    document.getElementById("docs").replaceChildren(...rows);
  } catch (e) {
    document.getElementById("error").textContent = e.message;
  }
})();
