// tmbuild serve: helpers shared by the pages. Segment text is always put into the page as text
// (textContent, text nodes), never as markup.
"use strict";

async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
  const res = await fetch(path, opts);
  const data = await res.json().catch(() => ({error: `${res.status} ${res.statusText}`}));
  if (!res.ok) throw new Error(data.error || `${res.status} ${res.statusText}`);
  return data;
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k === "style") e.style.cssText = v;  // through the CSSOM: the page's CSP allows no style attributes
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// text with the character spans [start, end) marked
function marked(text, spans, cls) {
  const out = document.createDocumentFragment();
  let at = 0;
  for (const [a, b] of (spans || []).slice().sort((x, y) => x[0] - y[0])) {
    if (a < at) continue;
    out.append(text.slice(at, a));
    out.append(el("mark", {class: cls || "", text: text.slice(a, b)}));
    at = b;
  }
  out.append(text.slice(at));
  return out;
}

async function showStore() {
  try {
    const s = await api("/api/status");
    const where = document.querySelector("header .store");
    where.textContent = `${s.store}: ${s.documents} documents, ${s.pairs} pairs` + (s.writable ? "" : " (read-only)");
  } catch (e) { /* the page still works */ }
}
document.addEventListener("DOMContentLoaded", showStore);
