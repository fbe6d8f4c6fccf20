/** The keys tab: virtual keys listed, created (the secret shown once), edited and revoked. */
import { api, API, keyPath, SignInRequired } from "./api.js";
import { $, badge, el, formatInt, formatUsd, muted, timeCell } from "./dom.js";
import { renderTable } from "./table.js";

/** The key being edited, or null when the form creates a key. */
let editing = null;

function keyStatus(key) {
  if (key.revoked_at) return ["revoked", "fail"];
  if (key.expires_at && key.expires_at <= Date.now()) return ["expired", "warn"];
  return ["active", "ok"];
}

export async function loadKeys() {
  const keys = await api(API.keys);
  const showRevoked = $("keys-show-revoked").checked;
  const rows = keys.data.filter((key) => showRevoked || !key.revoked_at);
  renderTable($("keys-table"), {
    id: "keys", rows, defaultSort: { key: "created", descending: true }, empty: keys.data.length ? "Every key is revoked." : "No virtual key yet.",
    rowClass: (key) => (key.revoked_at ? "revoked" : undefined),
    columns: [
      { key: "name", label: "Name", value: (key) => key.name, className: "wrap" },
      { key: "id", label: "Id", value: (key) => key.id, className: "mono small" },
      { key: "prefix", label: "Prefix", value: (key) => key.prefix, render: (key) => key.prefix + "…", className: "mono nowrap" },
      { key: "models", label: "Models", value: (key) => key.models.join(", "), render: (key) => (key.models.length ? key.models.join(", ") : muted("all")), className: "wrap" },
      { key: "rpm", label: "RPM", value: (key) => key.rpm, numeric: true, render: (key) => (key.rpm === null ? "—" : formatInt(key.rpm)) },
      { key: "tpm", label: "TPM", value: (key) => key.tpm, numeric: true, render: (key) => (key.tpm === null ? "—" : formatInt(key.tpm)) },
      { key: "budget", label: "Budget", value: (key) => key.budget_usd, numeric: true, render: (key) => (key.budget_usd === null ? "—" : formatUsd(key.budget_usd) + " / " + key.budget_period) },
      { key: "expires", label: "Expires", value: (key) => key.expires_at, render: (key) => timeCell(key.expires_at) },
      { key: "created", label: "Created", value: (key) => key.created_at, render: (key) => timeCell(key.created_at) },
      { key: "status", label: "Status", value: (key) => keyStatus(key)[0], render: (key) => badge(...keyStatus(key)) },
      {
        key: "actions", label: "", value: () => "", sortable: false,
        render: (key) => (key.revoked_at ? null : el("span", { className: "row-actions" },
          el("button", { type: "button", text: "Edit", onClick: () => editKey(key) }),
          el("button", { type: "button", className: "danger", text: "Revoke", onClick: () => revokeKey(key) }))),
      },
    ],
  });
}

function numberField(form, name) {
  const raw = form.elements[name].value.trim();
  if (raw === "") return null;
  const value = Number(raw);
  if (!Number.isFinite(value)) throw new Error(name + ": expected a number");
  return value;
}

/** `datetime-local` is local time; the API wants a zone, so it gets UTC. */
const toDateTimeLocal = (ms) => {
  const date = new Date(ms);
  return new Date(ms - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** The form as an API body: every field, empty ones as null. */
function readKeyForm(form) {
  const budget = numberField(form, "budget_usd");
  const expires = form.elements.expires_at.value;
  return {
    name: form.elements.name.value.trim(),
    models: form.elements.models.value.split(/[\s,]+/).filter(Boolean),
    rpm: numberField(form, "rpm"),
    tpm: numberField(form, "tpm"),
    budget_usd: budget,
    budget_period: budget === null ? null : form.elements.budget_period.value,
    expires_at: expires ? new Date(expires).toISOString() : null,
    log_prompts: form.elements.log_prompts.checked,
  };
}

export function formMessage(text, kind) {
  const node = $("key-form-message");
  node.textContent = text;
  node.className = "form-message " + (kind ?? "");
}

export function resetKeyForm() {
  editing = null;
  $("key-form").reset();
  $("key-form-title").textContent = "Create a key";
  $("key-submit").textContent = "Create key";
  $("key-cancel").hidden = true;
}

function editKey(key) {
  hideNewKey();
  editing = key;
  const form = $("key-form");
  form.elements.name.value = key.name;
  form.elements.models.value = key.models.join(", ");
  form.elements.rpm.value = key.rpm ?? "";
  form.elements.tpm.value = key.tpm ?? "";
  form.elements.budget_usd.value = key.budget_usd ?? "";
  form.elements.budget_period.value = key.budget_period ?? "monthly";
  form.elements.expires_at.value = key.expires_at ? toDateTimeLocal(key.expires_at) : "";
  form.elements.log_prompts.checked = Boolean(key.log_prompts);
  $("key-form-title").textContent = "Edit " + key.name;
  $("key-submit").textContent = "Save changes";
  $("key-cancel").hidden = false;
  formMessage("", "");
  form.elements.name.focus();
}

/** Only the fields that differ from the key being edited. */
function changedFields(key, body) {
  const current = { ...key, expires_at: key.expires_at ? toDateTimeLocal(key.expires_at) : null };
  const wanted = { ...body, expires_at: body.expires_at ? toDateTimeLocal(Date.parse(body.expires_at)) : null };
  const patch = {};
  for (const name of Object.keys(body)) if (JSON.stringify(current[name] ?? null) !== JSON.stringify(wanted[name] ?? null)) patch[name] = body[name];
  return patch;
}

export async function submitKeyForm(event) {
  event.preventDefault();
  formMessage("", "");
  try {
    const body = readKeyForm(event.target);
    if (editing) {
      const patch = changedFields(editing, body);
      if (Object.keys(patch).length === 0) return formMessage("Nothing changed.", "");
      const updated = await api(keyPath(editing.id), { method: "PATCH", body: patch });
      resetKeyForm();
      formMessage("Saved " + updated.name + " (" + Object.keys(patch).join(", ") + ").", "ok");
    } else {
      const created = await api(API.keys, { method: "POST", body });
      resetKeyForm();
      showNewKey(created);
    }
    await loadKeys();
  } catch (error) {
    if (!(error instanceof SignInRequired)) formMessage(error.message, "error");
  }
}

function showNewKey(created) {
  $("new-key-name").textContent = created.name + " (" + created.id + ")";
  $("new-key-secret").value = created.key;
  $("new-key-copied").textContent = "";
  $("new-key").hidden = false;
  $("new-key-secret").select();
}

export function hideNewKey() {
  $("new-key-secret").value = "";
  $("new-key").hidden = true;
}

export async function copyNewKey() {
  const input = $("new-key-secret");
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    // The Clipboard API needs a secure context (HTTPS or localhost); the old way works elsewhere.
    input.select();
    if (!document.execCommand("copy")) {
      $("new-key-copied").textContent = "Copying was refused: select the key and copy it by hand.";
      return;
    }
  }
  $("new-key-copied").textContent = "Copied.";
}

/** A modal yes/no; resolves true on confirmation. */
function confirmAction(text, confirmLabel) {
  const dialog = $("confirm");
  if (typeof dialog.showModal !== "function") return Promise.resolve(window.confirm(text));
  $("confirm-text").textContent = text;
  $("confirm-ok").textContent = confirmLabel;
  return new Promise((resolve) => {
    const finish = (answer) => {
      $("confirm-ok").removeEventListener("click", yes);
      $("confirm-cancel").removeEventListener("click", no);
      dialog.removeEventListener("cancel", no);
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    const yes = () => finish(true);
    const no = () => finish(false);
    $("confirm-ok").addEventListener("click", yes);
    $("confirm-cancel").addEventListener("click", no);
    dialog.addEventListener("cancel", no);
    dialog.showModal();
    $("confirm-cancel").focus();
  });
}

async function revokeKey(key) {
  const sure = await confirmAction("Revoke “" + key.name + "” (" + key.id + ", " + key.prefix + "…)? Requests with it are refused from the next one on. This cannot be undone.", "Revoke");
  if (!sure) return;
  try {
    await api(keyPath(key.id), { method: "DELETE" });
    if (editing?.id === key.id) resetKeyForm();
    formMessage("Revoked " + key.name + ".", "ok");
    await loadKeys();
  } catch (error) {
    if (!(error instanceof SignInRequired)) formMessage(error.message, "error");
  }
}
