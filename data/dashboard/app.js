/**
 * Switchyard operator dashboard: tabs, refresh, sign-in and start-up. Everything
 * shown comes from the gateway's own admin API (api.js), each tab from its own
 * module; data is written with DOM calls only, never as HTML (dom.js).
 */
import { hideError, masterKey, refreshHealth, showError, showSignIn, SignInRequired, storeKey } from "./api.js";
import { AUDIT_ACTIONS, auditPager, loadAudit } from "./audit.js";
import { $, el } from "./dom.js";
import { copyNewKey, formMessage, hideNewKey, loadKeys, resetKeyForm, submitKeyForm } from "./keys.js";
import { loadOverview } from "./overview.js";
import { loadProviders } from "./providers.js";
import { loadRequests, renderRequests, requestsPager } from "./requests.js";

const REFRESH_MS = 10_000;

// ---------------------------------------------------------------- tabs and refresh

const TABS = { overview: loadOverview, requests: loadRequests, providers: loadProviders, keys: loadKeys, audit: loadAudit };
let currentTab = "overview";
/** The refresh running now, and whether another was asked for meanwhile (a tab, period or filter change). */
let refreshing = false;
let refreshAgain = false;

function selectTab(name) {
  currentTab = Object.hasOwn(TABS, name) ? name : "overview";
  for (const tab of Object.keys(TABS)) $("tab-" + tab).hidden = tab !== currentTab;
  for (const button of document.querySelectorAll("[data-tab]")) button.setAttribute("aria-current", button.dataset.tab === currentTab ? "page" : "false");
}

/**
 * Reloads the health badge and the visible tab; errors are shown, not swallowed.
 * One refresh runs at a time: one asked for meanwhile runs once the current one
 * ends, so what is shown always matches the tab, period and filters chosen last.
 */
async function refresh() {
  if (refreshing) {
    refreshAgain = true;
    return;
  }
  refreshing = true;
  refreshAgain = false;
  try {
    await Promise.all([refreshHealth(), TABS[currentTab]()]);
    hideError();
    $("content").hidden = false;
    $("sign-in").hidden = true;
    $("sign-out").hidden = masterKey() === null;
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
  } catch (error) {
    if (!(error instanceof SignInRequired)) showError(error);
  } finally {
    refreshing = false;
  }
  if (refreshAgain && $("sign-in").hidden) refresh();
}

function autoRefresh() {
  const waiting = !$("sign-in").hidden || document.visibilityState !== "visible" || $("confirm").open;
  if ($("auto-refresh").checked && !waiting) refresh();
}

// ---------------------------------------------------------------- sign-in and start-up

function signIn(event) {
  event.preventDefault();
  const value = $("master-key").value.trim();
  if (!value) return;
  storeKey(value);
  $("master-key").value = "";
  $("sign-in").hidden = true;
  $("content").hidden = false;
  refresh();
}

/** Forgets the key and everything shown with it. */
function signOut() {
  storeKey(null);
  requestsPager.newest();
  auditPager.newest();
  for (const id of ["totals", "spend-chart", "spend-day", "spend-model", "spend-provider", "spend-key", "savings", "requests-table", "providers-table", "deployments-table", "keys-table", "audit-table"]) $(id).replaceChildren();
  hideNewKey();
  hideError();
  showSignIn("Signed out.");
}

function start() {
  for (const action of AUDIT_ACTIONS) $("audit-action").append(el("option", { value: action, text: action }));
  for (const button of document.querySelectorAll("[data-tab]")) button.addEventListener("click", () => { location.hash = button.dataset.tab; });
  window.addEventListener("hashchange", () => {
    selectTab(location.hash.slice(1));
    refresh();
  });
  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", signOut);
  $("refresh-now").addEventListener("click", refresh);
  $("period").addEventListener("change", refresh);
  $("requests-limit").addEventListener("change", () => { requestsPager.newest(); refresh(); });
  $("requests-older").addEventListener("click", () => { if (requestsPager.older()) refresh(); });
  $("requests-newer").addEventListener("click", () => { if (requestsPager.newer()) refresh(); });
  $("requests-filter").addEventListener("input", renderRequests);
  $("requests-failures").addEventListener("change", renderRequests);
  $("keys-show-revoked").addEventListener("change", refresh);
  $("audit-action").addEventListener("change", () => { auditPager.newest(); refresh(); });
  $("audit-limit").addEventListener("change", () => { auditPager.newest(); refresh(); });
  $("audit-older").addEventListener("click", () => { if (auditPager.older()) refresh(); });
  $("audit-newer").addEventListener("click", () => { if (auditPager.newer()) refresh(); });
  $("key-form").addEventListener("submit", submitKeyForm);
  $("key-cancel").addEventListener("click", () => { resetKeyForm(); formMessage("", ""); });
  $("new-key-copy").addEventListener("click", copyNewKey);
  $("new-key-done").addEventListener("click", hideNewKey);
  document.addEventListener("visibilitychange", autoRefresh);
  setInterval(autoRefresh, REFRESH_MS);
  selectTab(location.hash.slice(1));
  refresh();
}

start();
