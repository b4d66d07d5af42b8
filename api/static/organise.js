// Organising in the page: a selection of the inbox edited together, a document's
// correspondent and notes, the correspondents (rename, merge) and the tag rules. Uses api()
// and el() from app.js; each edit reloads the page it changed.
"use strict";

function tell(id, text, bad) {
  const node = document.getElementById(id);
  if (!node) return;
  node.textContent = text;
  node.classList.toggle("error", Boolean(bad));
}

async function change(method, url, body, statusId) {
  try { await api(method, url, body); location.reload(); }
  catch (error) { tell(statusId, error.message, true); }
}

// --- the inbox: a selection edited together ---------------------------------------------
const BULK_VALUE = { tag: "tag", untag: "tag", type: "type", correspondent: "correspondent (empty: none)" };
const BULK_LIST = { tag: "bulk-tags", untag: "bulk-tags", type: "bulk-types", correspondent: "bulk-correspondents" };

function picked() {
  return [...document.querySelectorAll("#docs input.pick:checked")].map((box) => Number(box.value));
}

function setUpBulk() {
  const form = document.getElementById("bulk");
  if (!form) return;
  const action = document.getElementById("bulk-action");
  const value = document.getElementById("bulk-value");
  const refresh = () => {
    const ids = picked();
    const needs = action.value in BULK_VALUE;
    tell("bulk-count", ids.length ? `${ids.length} selected` : "Select documents to edit them together.");
    for (const control of [action, document.getElementById("bulk-apply")]) control.disabled = !ids.length;
    value.disabled = !ids.length || !needs;
    value.hidden = !needs;
    value.placeholder = BULK_VALUE[action.value] || "";
    const options = document.getElementById(BULK_LIST[action.value]);
    document.getElementById("bulk-values").replaceChildren(...(options ? [...options.children].map((o) => o.cloneNode()) : []));
  };
  document.getElementById("docs").addEventListener("change", (e) => {
    if (e.target.id === "pick-all")
      document.querySelectorAll("#docs input.pick").forEach((box) => { box.checked = e.target.checked; });
    refresh();
  });
  action.addEventListener("change", refresh);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const ids = picked();
    const body = { ids, action: action.value, value: action.value in BULK_VALUE ? value.value.trim() || null : null };
    try {
      const result = await api("POST", "/v1/documents/bulk", body);
      const refused = Object.entries(result.refused).map(([id, why]) => `${id}: ${why}`);
      if (!refused.length) { location.reload(); return; }
      tell("bulk-status", `${result.done.length} done; not done: ${refused.join("; ")}`, true);
    } catch (error) { tell("bulk-status", error.message, true); }
  });
  refresh();
}

// --- a document: its correspondent and its notes ----------------------------------------
function setUpDocumentOrganise() {
  const head = document.querySelector("section.head");
  if (!head) return;
  const base = `/v1/documents/${head.dataset.id}`;
  document.getElementById("correspondent-form")?.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = document.getElementById("correspondent").value.trim();
    change("PATCH", base + "/correspondent", { name: name || null }, "edit-status");
  });
  document.getElementById("note-form")?.addEventListener("submit", (e) => {
    e.preventDefault();
    change("POST", base + "/notes", { text: document.getElementById("note-text").value }, "note-status");
  });
  document.querySelectorAll("button.delete-note").forEach((b) => b.addEventListener("click", () =>
    change("DELETE", `${base}/notes/${b.dataset.note}`, undefined, "note-status")));
}

// --- the organise page: correspondents and tag rules ------------------------------------
function setUpOrganisePage() {
  if (!document.getElementById("correspondents")) return;
  document.querySelectorAll("form.rename").forEach((form) => form.addEventListener("submit", (e) => {
    e.preventDefault();
    change("PATCH", `/v1/correspondents/${form.dataset.id}`, { name: form.elements.name.value }, "organise-status");
  }));
  document.querySelectorAll("form.merge").forEach((form) => form.addEventListener("submit", (e) => {
    e.preventDefault();
    const into = form.elements.into.value;
    if (!into) { tell("organise-status", "choose the correspondent to merge into", true); return; }
    change("POST", `/v1/correspondents/${form.dataset.id}/merge`, { into }, "organise-status");
  }));
  document.getElementById("rule-form")?.addEventListener("submit", (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const body = { name: f.name.value, tag: f.tag.value, doc_type: f.doc_type.value || null,
      condition: f.condition.value || null, correspondent: f.correspondent.value || null };
    change("POST", "/v1/tag-rules", body, "rule-status");
  });
  document.querySelectorAll("button.delete-rule").forEach((b) => b.addEventListener("click", () =>
    change("DELETE", `/v1/tag-rules/${b.dataset.rule}`, undefined, "rule-status")));
}

document.addEventListener("DOMContentLoaded", () => { setUpBulk(); setUpDocumentOrganise(); setUpOrganisePage(); });
