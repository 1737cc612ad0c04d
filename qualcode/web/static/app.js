// qualcode workspace: one plain script, no framework, no build step, nothing fetched from outside.
// Every piece of project text reaches the page through textContent, never innerHTML, so a
// transcript that contains markup shows as text. Offsets from and to the server are UTF-16 code
// units (what the DOM counts); the server converts them to code points.
"use strict";

const QC = JSON.parse(document.getElementById("boot").textContent);
const CSRF = document.querySelector('meta[name="csrf-token"]').content;
const state = {
  coder: localStorage.getItem("qc.coder") || QC.coder || "",
  codes: [], byId: new Map(), pending: 0,
  recent: JSON.parse(localStorage.getItem("qc.recent") || "[]"),
  snap: localStorage.getItem("qc.snap") || "word",
  undo: [], doc: null, view: null,
};

// ---- small helpers --------------------------------------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "style") node.style.cssText = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
const $ = (sel, root = document) => root.querySelector(sel);
const view = () => $("#view");

function toast(message, isError = false) {
  const box = $("#toast");
  box.textContent = message;
  box.className = "show" + (isError ? " error" : "");
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { box.className = ""; }, isError ? 6000 : 2200);
}

async function api(method, path, body) {
  const options = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
  if (method !== "GET") options.headers["X-CSRF-Token"] = CSRF;
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  let data = null;
  try { data = await response.json(); } catch (_) { data = null; }
  if (!response.ok) {
    const message = (data && data.error) || `${response.status} ${response.statusText}`;
    toast(message, true);
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return data;
}

function hexToRgba(hex, alpha) {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex || "");
  if (!m) return `rgba(120,120,120,${alpha})`;
  const n = parseInt(m[1], 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
const codeColor = (id) => (state.byId.get(id) || {}).color || "#888888";
const codeName = (id) => (state.byId.get(id) || {}).name || id;
function fmtTime(seconds) {
  if (seconds === null || seconds === undefined) return "";
  const s = Math.floor(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  const pad = (v) => String(v).padStart(2, "0");
  return h ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== null && v !== undefined) q.set(k, v);
  const text = q.toString();
  return text ? "?" + text : "";
}

// ---- the coder ------------------------------------------------------------------------------
function setCoder(name) {
  state.coder = name.trim();
  localStorage.setItem("qc.coder", state.coder);
  $("#coder").textContent = state.coder || "(set your name)";
}
function needCoder() {
  if (state.coder) return true;
  const name = prompt("Your name as a coder (it is stored with every coding you make):", "");
  if (name && name.trim()) { setCoder(name); return true; }
  toast("Set your coder name first (top right).", true);
  return false;
}
$("#coder").addEventListener("click", () => {
  const name = prompt("Coder name for this tab:", state.coder);
  if (name !== null && name.trim()) setCoder(name);
});
setCoder(state.coder);

// ---- the code tree --------------------------------------------------------------------------
async function loadCodes() {
  const data = await api("GET", "/api/codes");
  state.codes = data.codes;
  state.byId = new Map(data.codes.map((c) => [c.id, c]));
  state.pending = data.pending;
  $("#pending-count").textContent = data.pending ? String(data.pending) : "";
  drawTree();
}

function definitionText(code) {
  const parts = [code.name];
  if (code.description) parts.push(code.description);
  if (code.include && code.include.length) parts.push("Include: " + code.include.join("; "));
  if (code.exclude && code.exclude.length) parts.push("Exclude: " + code.exclude.join("; "));
  return parts.join("\n\n");
}

function drawTree() {
  const filter = $("#tree-filter").value.trim().toLowerCase();
  const tree = $("#tree");
  tree.replaceChildren();
  const depth = new Map();
  const visible = new Set();
  for (const code of state.codes) {
    depth.set(code.id, code.parent ? (depth.get(code.parent) || 0) + 1 : 0);
    if (!filter || code.name.toLowerCase().includes(filter) || code.id.includes(filter)) {
      visible.add(code.id);
      let parent = code.parent;
      while (parent) { visible.add(parent); parent = (state.byId.get(parent) || {}).parent; }
    }
  }
  for (const code of state.codes) {
    if (!visible.has(code.id)) continue;
    const node = el("div", {
      class: "node" + (state.view === "retrieve" && state.retrieveCode === code.id ? " current" : ""),
      role: "treeitem", title: definitionText(code), dataset: { code: code.id },
      style: `padding-left:${8 + 14 * depth.get(code.id)}px`,
      onclick: () => { location.hash = `#/retrieve/${encodeURIComponent(code.id)}`; },
    },
    el("span", { class: "swatch", style: `background:${code.color || "#888"}` }),
    el("span", { class: "name" }, code.name),
    el("span", { class: "count", title: "codings · documents" }, `${code.codings} · ${code.documents}`),
    el("button", { class: "edit", type: "button", title: "Edit this code",
      onclick: (event) => { event.stopPropagation(); editCode(code); } }, "✎"));
    tree.append(node);
  }
}
$("#tree-filter").addEventListener("input", drawTree);
$("#add-code").addEventListener("click", () => editCode(null));

function closePops() { document.querySelectorAll(".pop").forEach((p) => p.remove()); }

function editCode(code) {
  closePops();
  const isNew = code === null;
  const form = el("form", { class: "pop", id: "code-form", style: "left:300px;top:60px;width:420px" });
  const name = el("input", { name: "name", value: isNew ? "" : code.name, required: true, style: "width:100%" });
  const color = el("input", { name: "color", type: "color", value: (code && code.color) || "#3b75af" });
  const parent = el("select", { name: "parent" }, el("option", { value: "" }, "(top level)"),
    state.codes.filter((c) => isNew || c.id !== code.id).map((c) =>
      el("option", { value: c.id, selected: code && code.parent === c.id }, c.name)));
  const description = el("textarea", { name: "description" }, isNew ? "" : code.description || "");
  const merge = el("select", { name: "merge" }, el("option", { value: "" }, "(do not merge)"),
    state.codes.filter((c) => isNew || c.id !== code.id).map((c) => el("option", { value: c.id }, c.name)));
  form.append(
    el("h2", {}, isNew ? "Add a code" : `Edit “${code.name}”`),
    el("label", {}, "Name", name), el("div", {}, el("label", {}, "Colour ", color)),
    el("label", {}, "Parent ", parent), el("label", {}, "Description", description),
    isNew ? null : el("div", {}, el("label", {}, "Merge into ", merge),
      el("div", { class: "muted" }, "Merging moves every coding, child code and memo to the other code and removes this one.")),
    el("div", { class: "toolbar", style: "margin-top:8px" },
      el("button", { class: "primary", type: "submit" }, isNew ? "Add" : "Save"),
      el("button", { type: "button", onclick: closePops }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      if (isNew) {
        await api("POST", "/api/codes", { name: name.value, color: color.value, parent: parent.value || null,
          description: description.value });
        toast(`Added “${name.value}”`);
      } else if (merge.value) {
        await api("POST", `/api/codes/${encodeURIComponent(code.id)}/merge`, { into: merge.value });
        toast(`Merged “${code.name}” into “${codeName(merge.value)}”`);
      } else {
        await api("PATCH", `/api/codes/${encodeURIComponent(code.id)}`, { name: name.value, color: color.value,
          parent: parent.value || null, description: description.value });
        toast(`Saved “${name.value}”`);
      }
      closePops();
      await loadCodes();
      route();
    } catch (_) { /* the toast says why */ }
  });
  document.body.append(form);
  name.focus();
}

// ---- documents list -------------------------------------------------------------------------
async function showDocuments() {
  const data = await api("GET", "/api/documents");
  const attrs = data.attributes;
  const sort = { key: "id", dir: 1 };
  const filterAttr = el("select", {}, el("option", { value: "" }, "(any attribute)"), attrs.map((a) => el("option", { value: a }, a)));
  const filterValue = el("input", { type: "search", placeholder: "value…" });
  const table = el("table", { class: "grid", id: "documents" });
  const columns = [["id", "Document"], ...attrs.map((a) => ["attr:" + a, a]),
    ["words", "Words", true], ["turns", "Turns", true], ["codings", "Codings", true], ["memos", "Memos", true]];
  function value(doc, key) { return key.startsWith("attr:") ? (doc.attributes[key.slice(5)] || "") : doc[key]; }
  function draw() {
    const wantAttr = filterAttr.value, wantValue = filterValue.value.trim().toLowerCase();
    const rows = data.documents.filter((d) => !wantValue || (wantAttr
      ? (d.attributes[wantAttr] || "").toLowerCase().includes(wantValue)
      : Object.values(d.attributes).concat([d.id]).some((v) => String(v).toLowerCase().includes(wantValue))));
    rows.sort((a, b) => {
      const x = value(a, sort.key), y = value(b, sort.key);
      return (typeof x === "number" ? x - y : String(x).localeCompare(String(y), undefined, { numeric: true })) * sort.dir;
    });
    table.replaceChildren(
      el("thead", {}, el("tr", {}, columns.map(([key, label, num]) => el("th", {
        class: "sortable" + (num ? " num" : ""), onclick: () => { sort.dir = sort.key === key ? -sort.dir : 1; sort.key = key; draw(); },
      }, label + (sort.key === key ? (sort.dir > 0 ? " ▲" : " ▼") : ""))))),
      el("tbody", {}, rows.map((d) => el("tr", {}, columns.map(([key, , num]) => key === "id"
        ? el("td", {}, el("a", { href: `#/doc/${encodeURIComponent(d.id)}` }, d.id), el("div", { class: "muted" }, d.source_name))
        : el("td", { class: num ? "num" : "" }, value(d, key)))))));
  }
  filterAttr.addEventListener("change", draw);
  filterValue.addEventListener("input", draw);
  view().replaceChildren(el("h1", {}, `Documents (${data.documents.length})`),
    el("div", { class: "toolbar" }, "Filter:", filterAttr, filterValue), table);
  draw();
}

// ---- one document ---------------------------------------------------------------------------
async function showDocument(docId, at) {
  const data = await api("GET", `/api/documents/${encodeURIComponent(docId)}`);
  state.doc = data;
  const snap = el("select", { id: "snap", title: "How a selection is stretched before it is stored" },
    [["word", "snap to word edges"], ["exact", "exactly as selected"], ["turn", "whole turn"], ["sentence", "whole sentence"]]
      .map(([v, label]) => el("option", { value: v, selected: state.snap === v }, label)));
  snap.addEventListener("change", () => { state.snap = snap.value; localStorage.setItem("qc.snap", snap.value); });
  const attrs = Object.entries(data.attributes).map(([k, v]) => `${k}: ${v}`).join(" · ");
  view().replaceChildren(
    el("h1", {}, data.id, " ", el("span", { class: "muted", style: "font-size:14px" }, data.source_name)),
    el("div", { class: "toolbar" }, attrs ? el("span", { class: "muted" }, attrs) : null,
      el("span", {}, "Selection: ", snap),
      el("button", { type: "button", id: "undo", onclick: undo, title: "Undo (Ctrl+Z)" }, "↶ Undo"),
      el("button", { type: "button", onclick: () => memoForm({ target: "document", document: data.id }) }, "Memo on document"),
      el("span", { class: "muted" }, `${data.codings.length} codings · select text to code it`)),
    el("div", { id: "doc-memos" }),
    el("div", { id: "doc" }, el("div", { id: "turns" }), el("div", { id: "stripes" })));
  drawMemos($("#doc-memos"), data.memos.filter((m) => m.target === "document"));
  renderTranscript();
  if (at !== undefined) scrollToOffset(Number(at));
}

function activeCodings() { return state.doc.codings.filter((c) => c.status !== "rejected"); }

function renderTranscript() {
  const data = state.doc;
  const container = $("#turns");
  const codings = activeCodings().slice().sort((a, b) => a.start - b.start || b.end - a.end);
  const frag = document.createDocumentFragment();
  const turns = (data.turns.length ? data.turns : [{ position: 0, start: 0, end: data.text.length, speaker: null, interviewer: false }])
    .concat((data.notes || []).map((n) => ({ ...n, note: true, speaker: null, position: null })))
    .sort((a, b) => a.start - b.start);
  for (const turn of turns) {
    const inside = [];
    for (let i = 0; i < codings.length && codings[i].start < turn.end; i++) {
      if (codings[i].end > turn.start) inside.push(codings[i]);
    }
    const cuts = new Set([turn.start, turn.end]);
    const terms = [];
    for (const c of inside) {
      cuts.add(Math.max(c.start, turn.start)); cuts.add(Math.min(c.end, turn.end));
      for (const [s, e] of c.matched || []) {
        if (s >= turn.start && e <= turn.end) { cuts.add(s); cuts.add(e); terms.push([s, e]); }
      }
    }
    const points = [...cuts].sort((a, b) => a - b);
    const text = el("div", { class: "text", dataset: { start: turn.start, end: turn.end } });
    for (let i = 0; i + 1 < points.length; i++) {
      const s = points[i], e = points[i + 1];
      const on = inside.filter((c) => c.start <= s && c.end >= e);
      const span = el("span", { class: "seg", dataset: { s } }, data.text.slice(s, e));
      if (on.length) styleSegment(span, on);
      if (terms.some(([ts, te]) => ts <= s && te >= e)) span.classList.add("term");
      text.append(span);
    }
    const who = el("div", { class: "who" }, turn.speaker || "",
      turn.time_start !== null && turn.time_start !== undefined ? el("span", { class: "time" }, fmtTime(turn.time_start)) : null);
    frag.append(el("div", { class: "turn" + (turn.interviewer ? " interviewer" : "") + (turn.note ? " note" : ""),
      dataset: { position: turn.position ?? "" }, title: turn.note ? "Text outside any speaker's turn (a heading or note in the file)" : null }, who, text));
  }
  container.replaceChildren(frag);
  drawStripes();
}

function styleSegment(span, on) {
  span.classList.add("coded");
  const shown = on.slice().sort((a, b) => (b.start - a.start) || (a.end - b.end));
  const innermost = shown[0];
  span.style.background = hexToRgba(codeColor(innermost.code), innermost.status === "suggested" ? 0.12 : 0.26);
  span.style.boxShadow = shown.slice(0, 4).map((c, i) => `inset 0 -${2 * (i + 1)}px 0 ${codeColor(c.code)}`).join(",");
  if (on.every((c) => c.status === "suggested")) span.classList.add("suggested");
  span.dataset.codings = on.map((c) => c.id).join(",");
  span.title = on.map((c) => `${codeName(c.code)} (${c.coder}, ${c.origin}${c.status !== "applied" ? ", " + c.status : ""})`).join("\n");
}

// Where a DOM point (node, offset) falls in the document, in UTF-16 units.
function segOf(node) {
  const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
  return element && element.closest ? element.closest(".seg") : null;
}
function selectionOffsets(range) {
  const segs = [...document.querySelectorAll("#turns .seg")].filter((s) => range.intersectsNode(s.firstChild || s));
  if (!segs.length) return null;
  const firstSeg = segs[0], lastSeg = segs[segs.length - 1];
  let start = Number(firstSeg.dataset.s);
  if (segOf(range.startContainer) === firstSeg && range.startContainer.nodeType === Node.TEXT_NODE) start += range.startOffset;
  let end = Number(lastSeg.dataset.s) + lastSeg.textContent.length;
  if (segOf(range.endContainer) === lastSeg && range.endContainer.nodeType === Node.TEXT_NODE) end = Number(lastSeg.dataset.s) + range.endOffset;
  return end > start ? { start, end } : null;
}

function rangeFor(start, end) {
  const segs = [...document.querySelectorAll("#turns .seg")];
  let startSeg = null, endSeg = null;
  for (const s of segs) {
    const s0 = Number(s.dataset.s), s1 = s0 + s.textContent.length;
    if (!startSeg && s1 > start) startSeg = s;
    if (s0 < end) endSeg = s; else break;
  }
  if (!startSeg || !endSeg) return null;
  const range = document.createRange();
  range.setStart(startSeg.firstChild, Math.max(0, start - Number(startSeg.dataset.s)));
  range.setEnd(endSeg.firstChild, Math.min(endSeg.textContent.length, end - Number(endSeg.dataset.s)));
  return range;
}

function drawStripes() {
  const layer = $("#stripes");
  const doc = $("#doc");
  layer.replaceChildren();
  const base = doc.getBoundingClientRect();
  const laneEnds = [];
  const items = [];
  for (const c of activeCodings()) {
    const range = rangeFor(c.start, c.end);
    if (!range) continue;
    const rects = range.getClientRects();
    if (!rects.length) continue;
    const top = rects[0].top - base.top, bottom = rects[rects.length - 1].bottom - base.top;
    items.push({ c, top, bottom });
  }
  items.sort((a, b) => a.top - b.top || b.bottom - a.bottom);
  for (const item of items) {
    let lane = laneEnds.findIndex((end) => end < item.top - 1);
    if (lane < 0) { lane = laneEnds.length; laneEnds.push(0); }
    laneEnds[lane] = item.bottom;
    const stripe = el("div", {
      class: "stripe" + (item.c.status === "suggested" ? " suggested" : ""),
      title: `${codeName(item.c.code)} · ${item.c.coder} · ${item.c.origin}`,
      style: `top:${item.top}px;height:${Math.max(6, item.bottom - item.top)}px;left:${lane * 9}px;background-color:${codeColor(item.c.code)}`,
      dataset: { coding: item.c.id },
      onclick: (event) => showInfo([item.c.id], event.pageX, event.pageY),
    });
    layer.append(stripe);
  }
  const margin = Math.max(60, laneEnds.length * 9 + 12);
  doc.style.setProperty("--margin", margin + "px");
  layer.style.height = doc.scrollHeight + "px";
}

function scrollToOffset(offset) {
  const range = rangeFor(offset, offset + 1);
  if (!range) return;
  const turn = range.startContainer.parentElement.closest(".turn");
  turn.scrollIntoView({ block: "center" });
  turn.classList.add("flash");
}

// Selecting text opens the code picker; clicking a highlight shows its codings.
document.addEventListener("mouseup", (event) => {
  if (!state.doc || !$("#turns") || event.target.closest(".pop")) return;
  const selection = window.getSelection();
  if (!QC.readonly && selection.rangeCount && !selection.isCollapsed) {
    const range = selection.getRangeAt(0);
    if (!$("#turns").contains(range.commonAncestorContainer) && !range.intersectsNode($("#turns"))) return;
    const offsets = selectionOffsets(range);
    if (offsets) { openPicker(offsets, event.pageX, event.pageY); return; }
  }
  const seg = event.target.closest && event.target.closest(".seg.coded");
  if (seg && !event.target.closest(".pop")) showInfo(seg.dataset.codings.split(",").map(Number), event.pageX, event.pageY);
});

function remember(codeId) {
  state.recent = [codeId, ...state.recent.filter((c) => c !== codeId)].slice(0, 9);
  localStorage.setItem("qc.recent", JSON.stringify(state.recent));
}

function openPicker(offsets, x, y, onPick) {
  closePops();
  const pop = el("div", { class: "pop", id: "picker", style: `left:${Math.min(x, window.innerWidth - 340)}px;top:${y + 12}px` });
  const input = el("input", { type: "search", placeholder: "Type to filter codes; Enter codes; Esc closes" });
  const options = el("div", { class: "options" });
  let list = [], index = 0;
  function draw() {
    const term = input.value.trim().toLowerCase();
    const recent = state.recent.filter((id) => state.byId.has(id));
    const matches = state.codes.filter((c) => !term || c.name.toLowerCase().includes(term) || c.id.includes(term));
    list = term ? matches : [...recent.map((id) => state.byId.get(id)), ...matches.filter((c) => !recent.includes(c.id))];
    index = Math.min(index, Math.max(0, list.length - 1));
    options.replaceChildren();
    list.forEach((code, i) => {
      if (!term && i === 0 && recent.length) options.append(el("div", { class: "sep" }, "recently used"));
      if (!term && i === recent.length && recent.length) options.append(el("div", { class: "sep" }, "all codes"));
      options.append(el("div", { class: "opt" + (i === index ? " sel" : ""), dataset: { code: code.id }, title: definitionText(code),
        onmousedown: (event) => { event.preventDefault(); pick(code.id); } },
      el("span", { class: "swatch", style: `background:${code.color || "#888"};width:11px;height:11px;border-radius:2px` }),
      el("span", { style: "flex:1" }, code.name),
      !term && i < recent.length && i < 9 ? el("kbd", {}, String(i + 1)) : null));
    });
  }
  async function pick(codeId) {
    closePops();
    window.getSelection().removeAllRanges();
    if (onPick) return onPick(codeId);
    await codeSelection(offsets, codeId);
  }
  input.addEventListener("input", () => { index = 0; draw(); });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { closePops(); }
    else if (event.key === "ArrowDown") { index = Math.min(list.length - 1, index + 1); draw(); event.preventDefault(); }
    else if (event.key === "ArrowUp") { index = Math.max(0, index - 1); draw(); event.preventDefault(); }
    else if (event.key === "Enter" && list[index]) { event.preventDefault(); pick(list[index].id); }
    else if (!input.value && /^[1-9]$/.test(event.key)) {
      const recent = state.recent.filter((id) => state.byId.has(id));
      const code = recent[Number(event.key) - 1];
      if (code) { event.preventDefault(); pick(code); }
    }
  });
  pop.append(input, options);
  document.body.append(pop);
  draw();
  input.focus();
}

async function codeSelection(offsets, codeId) {
  if (!needCoder()) return;
  const result = await api("POST", "/api/codings", { document: state.doc.id, start: offsets.start, end: offsets.end,
    code: codeId, coder: state.coder, snap: state.snap });
  remember(codeId);
  state.doc.codings.push(result.coding);
  state.undo.push({ kind: "add", coding: result.coding });
  renderTranscript();
  toast(`Coded with “${codeName(codeId)}”`);
  loadCodes();
}

async function removeCoding(coding, record = true) {
  await api("DELETE", `/api/codings/${coding.id}${query({ coder: state.coder })}`);
  state.doc.codings = state.doc.codings.filter((c) => c.id !== coding.id);
  if (record) state.undo.push({ kind: "remove", coding });
  renderTranscript();
  loadCodes();
}

async function recodeCoding(coding, codeId, record = true) {
  const result = await api("PATCH", `/api/codings/${coding.id}`, { code: codeId, coder: state.coder });
  state.doc.codings = state.doc.codings.map((c) => (c.id === coding.id ? result.coding : c));
  if (record) state.undo.push({ kind: "recode", coding: result.coding, from: coding.code });
  renderTranscript();
  loadCodes();
}

async function decideSuggestion(coding, decision) {
  const result = await api("POST", `/api/suggestions/${coding.id}`, { decision, coder: state.coder });
  if (state.doc) {
    state.doc.codings = state.doc.codings.map((c) => (c.id === coding.id ? result.coding : c));
    renderTranscript();
  }
  loadCodes();
  return result;
}

async function undo() {
  const last = state.undo.pop();
  if (!last) { toast("Nothing to undo"); return; }
  try {
    if (last.kind === "add") {
      await removeCoding(last.coding, false);
    } else if (last.kind === "remove") {
      const c = last.coding;
      const result = await api("POST", "/api/codings", { document: c.document, start: c.start, end: c.end, code: c.code,
        coder: state.coder, snap: "exact" });
      if (state.doc && state.doc.id === c.document) { state.doc.codings.push(result.coding); renderTranscript(); }
      loadCodes();
    } else if (last.kind === "recode") {
      await recodeCoding(last.coding, last.from, false);
    }
    toast("Undone");
  } catch (_) { state.undo.push(last); }
}
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key === "z" && !event.target.closest("input, textarea")) {
    event.preventDefault();
    undo();
  } else if (event.key === "Escape") closePops();
});

function showInfo(ids, x, y) {
  closePops();
  const codings = state.doc.codings.filter((c) => ids.includes(c.id));
  const pop = el("div", { class: "pop", id: "info", style: `left:${Math.min(x, window.innerWidth - 400)}px;top:${y + 10}px` });
  for (const c of codings) {
    const mine = (c.origin === "manual" || c.origin === "import") && c.coder === state.coder;
    pop.append(el("div", { class: "coding", style: `border-color:${codeColor(c.code)}`, dataset: { coding: c.id } },
      el("strong", {}, codeName(c.code)),
      el("div", { class: "meta" }, `coded by ${c.coder} · ${c.origin} · ${c.status}`,
        c.confidence !== null && c.confidence !== undefined ? ` · confidence ${c.confidence.toFixed(2)}` : "",
        c.created_at ? ` · ${c.created_at.replace("T", " ").replace("+00:00", " UTC")}` : ""),
      c.rule ? el("div", { class: "meta" }, (c.origin === "rule" ? "rule: " : "") + c.rule) : null,
      el("div", { class: "actions" },
        mine ? el("button", { type: "button", class: "danger", onclick: async () => { closePops(); await removeCoding(c); toast("Coding removed"); } }, "Remove") : null,
        mine ? el("button", { type: "button", onclick: (e) => openPicker(null, e.pageX, e.pageY, (code) => recodeCoding(c, code)) }, "Recode…") : null,
        c.status === "suggested" ? el("button", { type: "button", onclick: async () => { closePops(); await decideSuggestion(c, "accept"); } }, "Accept") : null,
        c.status === "suggested" ? el("button", { type: "button", onclick: async () => { closePops(); await decideSuggestion(c, "reject"); } }, "Reject") : null,
        el("button", { type: "button", onclick: () => memoForm({ target: "coding", coding: c.id, document: c.document }) }, "Memo"))));
    for (const memo of state.doc.memos.filter((m) => m.coding === c.id)) pop.append(memoBox(memo));
  }
  document.body.append(pop);
}

// ---- memos ----------------------------------------------------------------------------------
function memoBox(memo) {
  const box = el("div", { class: "memo", dataset: { memo: memo.id } });
  const body = el("div", { class: "body" }, memo.text);
  const mine = memo.author === state.coder;
  box.append(el("div", { class: "meta" }, `${memo.author} · ${memo.updated_at.replace("T", " ").replace("+00:00", " UTC")} · on ${memo.target}`,
    memo.target === "code" ? ` ${codeName(memo.code)}` : "", memo.document ? ` ${memo.document}` : "",
    mine ? el("button", { type: "button", class: "memo-edit", style: "margin-left:8px", onclick: () => editMemo(box, body, memo) }, "Edit") : null,
    mine ? el("button", { type: "button", class: "memo-delete danger", style: "margin-left:4px", onclick: async () => {
      if (!confirm("Delete this memo?")) return;
      await api("DELETE", `/api/memos/${memo.id}`);
      box.remove();
      if (state.doc) state.doc.memos = state.doc.memos.filter((m) => m.id !== memo.id);
      toast("Memo deleted");
    } }, "Delete") : null), body);
  return box;
}
function editMemo(box, body, memo) {
  const text = el("textarea", { class: "memo-edit-text" }, memo.text);
  const form = el("form", {}, text, el("div", { class: "toolbar" },
    el("button", { type: "submit", class: "primary" }, "Save"),
    el("button", { type: "button", onclick: () => form.replaceWith(body) }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const result = await api("PATCH", `/api/memos/${memo.id}`, { text: text.value });
    Object.assign(memo, result.memo);
    body.textContent = memo.text;
    form.replaceWith(body);
    toast("Memo saved");
  });
  body.replaceWith(form);
  text.focus();
}
function drawMemos(container, memos) {
  container.replaceChildren(...memos.map(memoBox));
}
function memoForm(target) {
  if (!needCoder()) return;
  closePops();
  const text = el("textarea", { id: "memo-text", placeholder: "Write a memo…" });
  const label = target.target === "code" ? `code “${codeName(target.code)}”` : target.target === "coding" ? "this coding" : `document ${target.document}`;
  const form = el("form", { class: "pop", id: "memo-form", style: "left:320px;top:90px;width:460px" },
    el("h2", {}, `Memo on ${label}`), text,
    el("div", { class: "toolbar", style: "margin-top:8px" },
      el("button", { type: "submit", class: "primary" }, "Save memo"),
      el("button", { type: "button", onclick: closePops }, "Cancel")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    const result = await api("POST", "/api/memos", { ...target, text: text.value, author: state.coder });
    closePops();
    toast("Memo saved");
    if (state.doc && state.view === "doc") {
      state.doc.memos.push(result.memo);
      drawMemos($("#doc-memos"), state.doc.memos.filter((m) => m.target === "document"));
    }
    if (state.view === "memos" || state.view === "retrieve") route();
  });
  document.body.append(form);
  text.focus();
}

async function showMemos(q) {
  const input = el("input", { type: "search", value: q || "", placeholder: "Search memos…", id: "memo-search" });
  const list = el("div", { id: "memo-list" });
  async function load() {
    const data = await api("GET", "/api/memos" + query({ q: input.value.trim() }));
    list.replaceChildren(...(data.memos.length ? data.memos.map((m) => {
      const box = memoBox(m);
      if (m.document) box.append(el("a", { href: `#/doc/${encodeURIComponent(m.document)}${m.start16 !== null && m.start16 !== undefined ? "/" + m.start16 : ""}` }, "open in transcript"));
      return box;
    }) : [el("p", { class: "muted" }, "No memos yet. Write one on a document, a code (Retrieve) or a coding (click a highlight).")]));
  }
  input.addEventListener("input", () => { clearTimeout(load.timer); load.timer = setTimeout(load, 200); });
  view().replaceChildren(el("h1", {}, "Memos"), el("div", { class: "toolbar" }, input), list);
  await load();
}

// ---- retrieve -------------------------------------------------------------------------------
async function showRetrieve(codeId, params) {
  state.retrieveCode = codeId;
  drawTree();
  if (!codeId) {
    view().replaceChildren(el("h1", {}, "Retrieve"), el("p", { class: "muted" }, "Click a code in the tree to see every excerpt coded with it, across documents."));
    return;
  }
  const data = await api("GET", `/api/codes/${encodeURIComponent(codeId)}/excerpts` + query(params));
  const code = data.code;
  const filters = el("form", { class: "toolbar", id: "retrieve-filters" });
  const attr = el("select", { name: "attribute" }, el("option", { value: "" }, "(any attribute)"),
    data.attributes.map((a) => el("option", { value: a, selected: params.attribute === a }, a)));
  const value = el("select", { name: "value" });
  function fillValues() {
    value.replaceChildren(el("option", { value: "" }, "(any value)"),
      (data.attribute_values[attr.value] || []).map((v) => el("option", { value: v, selected: params.value === v }, v)));
  }
  attr.addEventListener("change", fillValues);
  fillValues();
  const coder = el("select", { name: "coder" }, el("option", { value: "" }, "(any coder)"),
    data.coders.map((c) => el("option", { value: c, selected: params.coder === c }, c)));
  const origin = el("select", { name: "origin" }, el("option", { value: "" }, "(any origin)"),
    ["rule", "manual", "import", "ml"].map((o) => el("option", { value: o, selected: params.origin === o }, o)));
  const status = el("select", { name: "status" }, el("option", { value: "" }, "(applied + accepted)"),
    ["applied", "accepted", "suggested", "rejected"].map((s) => el("option", { value: s, selected: params.status === s }, s)));
  filters.append("Filter:", attr, value, coder, origin, status, el("button", { type: "submit" }, "Apply"));
  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = `#/retrieve/${encodeURIComponent(codeId)}` + query({ attribute: attr.value, value: value.value, coder: coder.value, origin: origin.value, status: status.value });
  });
  const excerpts = data.excerpts.map((x) => el("div", { class: "excerpt", style: `--c:${codeColor(x.code)}` },
    el("div", { class: "meta" }, el("a", { href: `#/doc/${encodeURIComponent(x.document)}/${x.start16}` }, x.document),
      x.speaker ? ` · ${x.speaker}` : "", x.time !== null ? ` · ${fmtTime(x.time)}` : "",
      ` · ${codeName(x.code)} · ${x.coder} · ${x.origin} · ${x.status}`),
    el("span", { class: "ctx" }, x.before), el("mark", {}, x.text), el("span", { class: "ctx" }, x.after)));
  view().replaceChildren(
    el("h1", {}, el("span", { class: "swatch", style: `display:inline-block;width:14px;height:14px;background:${code.color || "#888"};border-radius:3px;margin-right:6px` }), code.name),
    el("div", { class: "card" }, el("div", { class: "definition" }, definitionText(code)),
      el("div", { class: "toolbar", style: "margin-top:8px" },
        el("button", { type: "button", onclick: () => memoForm({ target: "code", code: code.id }) }, "Memo on this code"),
        el("span", { class: "muted" }, `${data.excerpts.length} excerpts in ${new Set(data.excerpts.map((x) => x.document)).size} documents (with the codes under it)`))),
    el("div", { id: "code-memos" }), filters, el("div", { id: "excerpts" }, excerpts));
  drawMemos($("#code-memos"), data.memos);
}

// ---- review suggestions ---------------------------------------------------------------------
async function showReview() {
  const data = await api("GET", "/api/suggestions");
  let index = 0;
  const items = data.suggestions;
  const box = el("div", { id: "review-card" });
  function draw() {
    if (!items.length) {
      box.replaceChildren(el("p", { class: "muted" }, "No suggestions are waiting. Run `qualcode suggest` to make some."));
      return;
    }
    index = Math.max(0, Math.min(index, items.length - 1));
    const s = items[index];
    const code = state.byId.get(s.code) || { name: s.code };
    box.replaceChildren(el("div", { class: "card", dataset: { suggestion: s.id } },
      el("div", { class: "toolbar" }, el("strong", {}, `${index + 1} of ${items.length}`),
        el("span", { class: "muted" }, `${s.document}${s.speaker ? " · " + s.speaker : ""} · confidence ${s.confidence.toFixed(2)}${s.decided ? " · " + s.decided : ""}`),
        el("a", { href: `#/doc/${encodeURIComponent(s.document)}/${s.start16}` }, "open in transcript")),
      el("h2", {}, el("span", { class: "swatch", style: `display:inline-block;width:12px;height:12px;background:${code.color || "#888"};margin-right:6px` }), code.name),
      el("div", { class: "excerpt", style: `--c:${code.color || "#888"}` }, el("span", { class: "ctx" }, s.before), el("mark", {}, s.text), el("span", { class: "ctx" }, s.after)),
      el("p", {}, el("strong", {}, "Why: "), s.reason || "(no reason given)"),
      el("div", { class: "definition" }, definitionText(code)),
      el("div", { class: "toolbar", style: "margin-top:10px" },
        el("button", { class: "primary", type: "button", onclick: () => decide("accept") }, "Accept ", el("kbd", {}, "a")),
        el("button", { type: "button", onclick: () => decide("reject") }, "Reject ", el("kbd", {}, "r")),
        el("button", { type: "button", onclick: () => { index--; draw(); } }, "Previous ", el("kbd", {}, "k")),
        el("button", { type: "button", onclick: () => { index++; draw(); } }, "Next ", el("kbd", {}, "j")))));
  }
  async function decide(decision) {
    const s = items[index];
    if (!s || s.decided || !needCoder()) return;
    await api("POST", `/api/suggestions/${s.id}`, { decision, coder: state.coder });
    s.decided = decision === "accept" ? "accepted" : "rejected";
    toast(`${s.decided}: ${codeName(s.code)}`);
    loadCodes();
    items.splice(index, 1);
    draw();
  }
  state.reviewKeys = (event) => {
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "a") decide("accept");
    else if (event.key === "r") decide("reject");
    else if (event.key === "j" || event.key === "ArrowRight") { index++; draw(); }
    else if (event.key === "k" || event.key === "ArrowLeft") { index--; draw(); }
  };
  view().replaceChildren(el("h1", {}, "Review suggestions"),
    el("p", { class: "muted" }, "Each decision is saved at once, as `qualcode review` saves it. Keys: a accept, r reject, j next, k previous."), box);
  draw();
}
document.addEventListener("keydown", (event) => { if (state.view === "review" && state.reviewKeys) state.reviewKeys(event); });

// ---- search ---------------------------------------------------------------------------------
async function showSearch(params) {
  const q = el("input", { type: "search", name: "q", value: params.q || "", placeholder: "word or phrase", id: "search-q", style: "width:280px" });
  const mode = el("select", { name: "mode" }, el("option", { value: "lemma", selected: params.mode !== "exact" }, "all word forms (as the rules match)"),
    el("option", { value: "exact", selected: params.mode === "exact" }, "exact words"));
  const speakers = el("select", { name: "speakers" }, el("option", { value: "all" }, "everyone's turns"),
    el("option", { value: "participants", selected: params.speakers === "participants" }, "participants' turns only"));
  const form = el("form", { class: "toolbar" }, q, mode, speakers, el("button", { type: "submit", class: "primary" }, "Search"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    location.hash = "#/search" + query({ q: q.value.trim(), mode: mode.value, speakers: speakers.value });
  });
  const results = el("div", { id: "search-results" });
  view().replaceChildren(el("h1", {}, "Search"), form, results);
  if (!params.q) { q.focus(); return; }
  const data = await api("GET", "/api/search" + query(params));
  const codeAll = el("button", { type: "button", id: "code-all", onclick: (e) => openPicker(null, e.pageX, e.pageY, async (code) => {
    if (!needCoder()) return;
    const done = await api("POST", "/api/codings/batch", { spans: data.results.map((r) => r.span), code, coder: state.coder, snap: "word" });
    toast(`Coded ${done.added} passages with “${codeName(code)}” (${done.already} already were)`);
    loadCodes();
  }) }, `Code all ${data.results.length} with…`);
  const keyword = el("button", { type: "button", id: "make-keyword", onclick: (e) => openPicker(null, e.pageX, e.pageY, async (code) => {
    await api("POST", `/api/codes/${encodeURIComponent(code)}/keywords`, { term: params.q, exact: params.mode === "exact" });
    toast(`“${params.q}” is now a keyword of “${codeName(code)}”; run qualcode code to apply it`);
    loadCodes();
  }) }, "Make this a keyword of…");
  results.replaceChildren(
    el("div", { class: "toolbar" }, el("strong", {}, `${data.results.length} matches in ${data.documents} documents`), data.results.length ? codeAll : null, keyword,
      data.truncated ? el("span", { class: "muted" }, `(first ${data.results.length} shown)`) : null),
    el("table", { class: "grid kwic" }, el("tbody", {}, data.results.map((r) => el("tr", {},
      el("td", {}, el("a", { href: `#/doc/${encodeURIComponent(r.document)}/${r.start16}` }, r.document), r.speaker ? el("div", { class: "muted" }, r.speaker) : null),
      el("td", { class: "left" }, el("bdi", {}, r.left)), el("td", { class: "kw" }, r.match), el("td", { class: "right" }, r.right))))));
}

// ---- tables ---------------------------------------------------------------------------------
function barChart(rows, total) {
  const width = 640, bar = 18, gap = 6, labelWidth = 260;
  const height = rows.length * (bar + gap) + 10;
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("width", width);
  svg.setAttribute("height", height);
  svg.setAttribute("role", "img");
  rows.forEach((row, i) => {
    const y = 5 + i * (bar + gap);
    const label = document.createElementNS(ns, "text");
    label.setAttribute("x", labelWidth - 6); label.setAttribute("y", y + bar - 5); label.setAttribute("text-anchor", "end");
    label.textContent = row.name.length > 38 ? row.name.slice(0, 37) + "…" : row.name;
    const rect = document.createElementNS(ns, "rect");
    const w = total ? (width - labelWidth - 50) * row.cases / total : 0;
    rect.setAttribute("class", "bar"); rect.setAttribute("x", labelWidth); rect.setAttribute("y", y);
    rect.setAttribute("width", Math.max(1, w)); rect.setAttribute("height", bar);
    if (row.color) rect.style.fill = row.color;
    const value = document.createElementNS(ns, "text");
    value.setAttribute("x", labelWidth + w + 4); value.setAttribute("y", y + bar - 5);
    value.textContent = `${row.cases} of ${total}`;
    svg.append(label, rect, value);
  });
  return svg;
}

async function showTables(params) {
  const data = await api("GET", "/api/tables" + query({ by: params.by || "" }));
  const by = el("select", { id: "table-by" }, el("option", { value: "" }, "(no split)"), data.attributes.map((a) => el("option", { value: a, selected: params.by === a }, a)));
  by.addEventListener("change", () => { location.hash = "#/tables" + query({ by: by.value }); });
  const downloads = el("span", {}, "Download: ",
    el("a", { href: "/download/themes.csv" + query({ by: params.by || "" }) }, "CSV"), " · ",
    el("a", { href: "/download/themes.xlsx" + query({ by: params.by || "" }) }, "Excel"), " · ",
    el("a", { href: "/download/report.docx" + query({ by: params.by || "" }) }, "Word report"));
  const link = (code, count, extra = {}) => count
    ? el("a", { href: `#/retrieve/${encodeURIComponent(code)}` + query(extra) }, String(count)) : "0";
  const themeTable = el("table", { class: "grid", id: "themes-table" },
    el("thead", {}, el("tr", {}, el("th", {}, "Code"), el("th", { class: "num" }, data.case_label), el("th", { class: "num" }, "Excerpts"),
      data.groups.map((g) => el("th", { class: "num" }, `${g.name} (n=${g.n})`)))),
    el("tbody", {}, data.rows.map((r) => el("tr", {},
      el("td", { style: `padding-left:${10 + 14 * r.depth}px` }, r.name),
      el("td", { class: "num" }, link(r.code, r.cases), ` of ${data.n_cases}`),
      el("td", { class: "num" }, link(r.code, r.excerpts)),
      data.groups.map((g) => el("td", { class: "num" }, link(r.code, r.by[g.name] || 0, { attribute: data.by, value: g.name })))))));
  const co = data.cooccurrence;
  const coTable = co.codes.length ? el("table", { class: "grid", id: "cooccurrence" },
    el("thead", {}, el("tr", {}, el("th", {}, ""), co.codes.map((c) => el("th", { class: "num", title: codeName(c) }, codeName(c).slice(0, 14))))),
    el("tbody", {}, co.codes.map((a, i) => el("tr", {}, el("th", {}, codeName(a)),
      co.matrix[i].map((v) => el("td", { class: "num" }, v || "")))))) : el("p", { class: "muted" }, "No co-occurring themes yet.");
  view().replaceChildren(el("h1", {}, "Tables"),
    el("div", { class: "toolbar" }, "Split by ", by, downloads,
      el("span", { class: "muted" }, `counting ${data.selection}`)),
    barChart(data.rows.filter((r) => r.depth === 0), data.n_cases),
    el("h2", {}, "Themes and codes"), themeTable,
    el("h2", {}, "Co-occurrence of themes (turns coded with both)"), coTable);
}

// ---- routing --------------------------------------------------------------------------------
async function route() {
  closePops();
  const hash = location.hash || "#/documents";
  const [path, rawQuery] = hash.slice(2).split("?");
  const params = Object.fromEntries(new URLSearchParams(rawQuery || ""));
  const parts = path.split("/").map(decodeURIComponent);
  const name = parts[0] || "documents";
  state.view = name;
  if (name !== "doc") state.doc = null;
  document.querySelectorAll("#bar nav a").forEach((a) => a.classList.toggle("active", a.dataset.view === name || (name === "doc" && a.dataset.view === "documents")));
  try {
    if (name === "documents") await showDocuments();
    else if (name === "doc") await showDocument(parts[1], parts[2]);
    else if (name === "retrieve") await showRetrieve(parts[1], params);
    else if (name === "review") await showReview();
    else if (name === "memos") await showMemos(params.q);
    else if (name === "search") await showSearch(params);
    else if (name === "tables") await showTables(params);
    else view().replaceChildren(el("div", { class: "error-box" }, `No such page: ${hash}`));
  } catch (error) {
    view().replaceChildren(el("div", { class: "error-box" }, error.message));
  }
  document.body.dataset.ready = name;
}
window.addEventListener("hashchange", route);
window.addEventListener("resize", () => { if (state.doc && $("#stripes")) drawStripes(); });
loadCodes().then(route);
