/**
 * Admin API access, sign-in, errors and the health badge. Every call uses a
 * relative URL (so the page works behind a path prefix too). The master key,
 * when the gateway has one, is asked for on the first 401 and kept in
 * sessionStorage (this tab only) until "Sign out".
 */
import { $, el } from "./dom.js";

const STORAGE_KEY = "switchyard.dashboard.masterKey";

/** Every endpoint the page calls (the tests check each exists and needs the master key). */
export const API = {
  health: "health",
  spend: "admin/spend",
  savings: "admin/savings",
  requests: "admin/requests",
  providers: "admin/providers",
  keys: "admin/keys",
  audit: "admin/audit",
};
export const keyPath = (id) => "admin/keys/" + encodeURIComponent(id);

// ---------------------------------------------------------------- API access

class ApiError extends Error {
  constructor(what, status, code, message) {
    super(what + ": " + (status ? "HTTP " + status + " — " : "") + message + (code ? " (" + code + ")" : ""));
    this.status = status;
    this.code = code;
  }
}

/** Thrown when the admin API wants the master key; the sign-in form is already showing. */
export class SignInRequired extends Error {}

function storedKey() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function storeKey(value) {
  try {
    if (value === null) sessionStorage.removeItem(STORAGE_KEY);
    else sessionStorage.setItem(STORAGE_KEY, value);
  } catch {
    // Storage disabled: the key then lives only as long as this page.
  }
  memoryKey = value;
}

/** Fallback when sessionStorage is unavailable. */
let memoryKey = null;
export const masterKey = () => storedKey() ?? memoryKey;

/** Calls the gateway; answers the parsed JSON or throws an ApiError that says which call failed and why. */
export async function api(path, { method = "GET", query, body } = {}) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  const search = params.toString();
  const url = search ? path + "?" + search : path;
  const what = method + " /" + path;
  const headers = { accept: "application/json" };
  const key = masterKey();
  if (key) headers.authorization = "Bearer " + key;
  if (body !== undefined) headers["content-type"] = "application/json";

  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store", credentials: "omit", redirect: "error" });
  } catch (error) {
    throw new ApiError(what, 0, null, "the gateway did not answer (" + error.message + ")");
  }
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  const failure = json && typeof json === "object" && json.error ? json.error : null;
  const code = failure?.code ?? null;
  if (response.status === 401 || (response.status === 403 && code === "master_key_required")) {
    const rejected = key !== null;
    if (rejected) storeKey(null);
    showSignIn(rejected ? "The master key was not accepted: " + (failure?.message ?? "HTTP " + response.status) : "This gateway's admin API needs its master key.");
    throw new SignInRequired();
  }
  if (!response.ok) throw new ApiError(what, response.status, code, failure?.message ?? (text.slice(0, 200) || response.statusText));
  if (json === undefined) throw new ApiError(what, response.status, null, "the answer is not JSON");
  return json;
}

// ---------------------------------------------------------------- sign-in, errors, status

export function showSignIn(reason) {
  $("sign-in-reason").textContent = reason;
  $("sign-in").hidden = false;
  $("content").hidden = true;
  $("sign-out").hidden = true;
  $("master-key").focus();
}

export function showError(error) {
  const banner = $("error");
  banner.replaceChildren(el("span", { text: error instanceof Error ? error.message : String(error) }), el("button", { type: "button", className: "link", text: "dismiss", onClick: hideError }));
  banner.hidden = false;
}

export function hideError() {
  $("error").hidden = true;
}

export async function refreshHealth() {
  const node = $("health");
  try {
    const health = await api(API.health);
    node.textContent = (health.status === "ok" ? "● healthy" : "● " + health.status) + " · " + health.providers + " provider" + (health.providers === 1 ? "" : "s");
    node.className = "health " + (health.status === "ok" ? "ok" : "warn");
    node.title = "";
  } catch (error) {
    node.textContent = "● unreachable";
    node.className = "health fail";
    node.title = error.message;
  }
}
