// docintel's web page: upload, live status, seeking a recording, retry, a person's edits and ask.
// Plain JS, no build step; the page works (read-only) without it.
"use strict";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}

function statusBadge(status) {
  return el("span", { class: "status s-" + status }, status);
}

async function api(method, url, body) {
  const init = { method, credentials: "same-origin", headers: {} };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(url, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.detail || response.status + " " + response.statusText);
  return data;
}

// --- inbox -------------------------------------------------------------------------------
function rowFor(doc) {
  const tbody = document.querySelector("#docs tbody");
  let row = tbody.querySelector(`tr[data-id="${doc.id}"]`);
  if (row) return row;
  tbody.querySelector("tr.empty")?.remove();
  const parent = doc.parent_id && tbody.querySelector(`tr[data-id="${doc.parent_id}"]`);
  const pick = document.getElementById("pick-all")
    ? [el("input", { type: "checkbox", class: "pick", value: doc.id, "aria-label": `Select document ${doc.id}` }), " "] : [];
  row = el("tr", parent ? { "data-id": doc.id, "data-parent": doc.parent_id, class: "child" } : { "data-id": doc.id },
    el("td", {}, ...pick, String(doc.id)),
    el("td", { class: "name" }, el("a", { href: "/documents/" + doc.id }, doc.name || "")),
    el("td", {}, doc.kind || ""), el("td", {}, doc.doc_type || ""), el("td", { class: "from" }, ""),
    el("td", {}, statusBadge(doc.status)), el("td", {}, "just now"));
  if (parent) parent.after(row); else tbody.prepend(row);  // an attachment under its e-mail
  return row;
}

function setRowStatus(doc) {
  const row = rowFor(doc);
  row.querySelector(".status").replaceWith(statusBadge(doc.status));
  if (doc.kind) row.children[2].textContent = doc.kind;
  if (doc.doc_type) row.children[3].textContent = doc.doc_type;
}

async function upload(file) {
  const drop = document.getElementById("drop");
  const maxMb = Number(drop.dataset.maxMb);
  const item = el("li", {}, file.name + ": ");
  const state = el("span", { class: "upload-state" }, "uploading…");
  item.append(state);
  document.getElementById("uploads").append(item);
  if (file.size > maxMb * 1048576) {
    state.textContent = `over ${maxMb} MB, not sent`;
    return;
  }
  const form = new FormData();
  form.append("file", file, file.name);
  try {
    const doc = await api("POST", "/v1/documents", form);
    state.textContent = doc.duplicate_of ? `same as document ${doc.duplicate_of}` : `document ${doc.id}`;
    setRowStatus({ ...doc, name: doc.name || file.name });
  } catch (error) {
    state.textContent = "refused: " + error.message;
    state.classList.add("error");
  }
}

function setUpInbox() {
  const drop = document.getElementById("drop");
  if (!drop) return;
  const input = document.getElementById("file-input");
  // a viewer has no file control (the page says why); a file dropped anyway is refused in words
  if (input) input.addEventListener("change", () => { [...input.files].forEach(upload); input.value = ""; });
  for (const type of ["dragenter", "dragover"])
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.add("over"); });
  for (const type of ["dragleave", "drop"])
    drop.addEventListener(type, (e) => { e.preventDefault(); drop.classList.remove("over"); });
  drop.addEventListener("drop", (e) => [...e.dataTransfer.files].forEach(upload));
  const trashView = new URLSearchParams(location.search).get("trash") === "true";
  listen((doc) => {
    const row = document.querySelector(`#docs tr[data-id="${doc.id}"]`);
    // a document put in the trash (or taken out) leaves the view it no longer belongs in
    if (Boolean(doc.trashed) !== trashView) { row?.remove(); return; }
    const filtered = new URLSearchParams(location.search).toString() !== "";
    if (row || !filtered) setRowStatus(doc);
  });
}

// --- live status ----------------------------------------------------------------------
function listen(onChange) {
  const source = new EventSource("/v1/events");
  source.addEventListener("status", (e) => onChange(JSON.parse(e.data)));
  // a page left open in the back-forward cache would keep its stream, and the browser's
  // few connections to this server run out: the next request waits for ever
  window.addEventListener("pagehide", () => source.close());
  window.addEventListener("pageshow", (e) => { if (e.persisted) location.reload(); });  // back: fresh
  return source;
}

// --- a document -------------------------------------------------------------------------
function seekTo(seconds) {
  const player = document.getElementById("player");
  if (!player) return;
  player.currentTime = seconds;
  player.play().catch(() => {});  // autoplay may be refused; the time is set either way
  document.querySelectorAll(".segment, .word").forEach((s) =>
    s.classList.toggle("playing", Number(s.dataset.start) === seconds));
}

function setUpDocument() {
  const head = document.querySelector("section.head");
  if (!head) return;
  document.querySelectorAll(".seek").forEach((node) =>
    node.addEventListener("click", (e) => { e.preventDefault(); seekTo(Number(node.dataset.start)); }));
  const t = location.hash.match(/^#t=([\d.]+)/);
  if (t) document.getElementById("player")?.addEventListener("loadedmetadata", () => seekTo(Number(t[1])), { once: true });
  const retry = document.getElementById("retry");
  retry?.addEventListener("click", async () => {
    retry.disabled = true;
    try { await api("POST", `/v1/documents/${retry.dataset.id}/retry`); location.reload(); }
    catch (error) { retry.disabled = false; alert(error.message); }
  });
  const id = Number(head.dataset.id);
  setUpEditing(id);
  const shown = document.getElementById("doc-status").textContent;
  listen((doc) => {
    if (doc.id !== id || doc.status === shown) return;
    document.getElementById("doc-status").replaceWith(Object.assign(statusBadge(doc.status), { id: "doc-status" }));
    if (doc.status === "done" || doc.status === "failed") location.reload();  // the results are in
  });
}

// --- a person's edits: fields, type, tags, trash (each reloads the page it changed) -----
function say(text) {
  const status = document.getElementById("edit-status");
  status.textContent = text;
  status.classList.add("error");
}

async function edit(method, url, body) {
  try { await api(method, url, body); location.reload(); }
  catch (error) { say(error.message); }
}

function setUpEditing(id) {
  const base = `/v1/documents/${id}`;
  const on = (selector, type, handler) => document.querySelectorAll(selector).forEach((node) =>
    node.addEventListener(type, (e) => { e.preventDefault(); handler(node); }));
  on("form.fix", "submit", (form) => edit("PATCH", base + "/fields", { [form.dataset.field]: form.elements.value.value }));
  on("button.undo", "click", (b) => edit("PATCH", base + "/fields", { [b.dataset.field]: null }));
  on("#type-form", "submit", () => edit("PATCH", base, { doc_type: document.getElementById("doc-type").value }));
  on("#type-undo", "click", () => edit("PATCH", base, { doc_type: null }));
  on("#tag-form", "submit", () => edit("PUT", `${base}/tags/${encodeURIComponent(document.getElementById("new-tag").value.trim())}`));
  on("button.untag", "click", (b) => edit("DELETE", `${base}/tags/${encodeURIComponent(b.dataset.tag)}`));
  on("#delete", "click", () => edit("DELETE", base));
  on("#restore", "click", () => edit("POST", base + "/restore"));
}

// --- ask --------------------------------------------------------------------------------
function citationLink(c) {
  let href = "/documents/" + c.document_id, where = "";
  if (c.page) { href += "#page-" + c.page; where = "p. " + c.page; }
  else if (c.seconds) { href += "#t=" + c.seconds[0]; where = c.seconds[0] + "–" + c.seconds[1] + " s"; }
  return el("a", { href, class: "citation" }, `${c.document} ${where}`.trim());
}

function setUpAsk() {
  const form = document.getElementById("ask-form");
  if (!form) return;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    button.textContent = "Thinking…";
    try {
      const answer = await api("POST", "/v1/ask", { question: document.getElementById("question").value });
      document.getElementById("answer-text").textContent = answer.answer;
      const list = document.getElementById("citations");
      list.replaceChildren(...answer.citations.map((c) => {
        const quote = (c.quote || c.text || "").split(/\s+/).join(" ").slice(0, 220);
        return el("li", {}, citationLink(c), el("div", { class: "hint" }, quote));
      }));
      document.getElementById("answer").hidden = false;
    } catch (error) {
      document.getElementById("answer-text").textContent = "No answer: " + error.message;
      document.getElementById("answer").hidden = false;
    } finally {
      button.disabled = false;
      button.textContent = "Ask";
    }
  });
}

document.addEventListener("DOMContentLoaded", () => { setUpInbox(); setUpDocument(); setUpAsk(); });
