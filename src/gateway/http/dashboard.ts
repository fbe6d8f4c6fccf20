/**
 * GET /dashboard: the operator dashboard, static files from `data/dashboard/`
 * (the HTML page, its stylesheet and its script as native ES modules, no build
 * step). The page holds no data and no secret: its script reads the admin API
 * with the master key the operator types in. Assets are separate same-origin
 * files so a strict Content-Security-Policy (no inline script or style) applies.
 * Only the files listed here are served, each on its own exact route: no other
 * name, no directory listing, no path resolution.
 */
import { readFile } from "node:fs/promises";
import { GatewayError } from "../../core/errors.js";
import type { Route } from "./common.js";
import type { GatewayReply } from "./types.js";

/** `data/dashboard/`: three levels up from both `src/gateway/http/` and `dist/gateway/http/`. */
const ASSET_DIR = new URL("../../../data/dashboard/", import.meta.url);

export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The script's modules: `app.js` is the entry point the page loads, and it imports the others (`./api.js`, …). */
export const DASHBOARD_MODULES = ["app.js", "api.js", "dom.js", "table.js", "pager.js", "overview.js", "requests.js", "providers.js", "keys.js", "audit.js"] as const;

const JAVASCRIPT = "text/javascript; charset=utf-8";

const ASSETS: Record<string, { file: string; type: string }> = {
  "/dashboard": { file: "index.html", type: "text/html; charset=utf-8" },
  "/dashboard/app.css": { file: "app.css", type: "text/css; charset=utf-8" },
  ...Object.fromEntries(DASHBOARD_MODULES.map((file) => [`/dashboard/${file}`, { file, type: JAVASCRIPT }])),
};

/** Each file is read once, on its first request; a failed read is retried next time. */
const loaded = new Map<string, Promise<string>>();

function load(file: string): Promise<string> {
  let text = loaded.get(file);
  if (!text) {
    text = readFile(new URL(file, ASSET_DIR), "utf8");
    loaded.set(file, text);
    text.catch(() => loaded.delete(file));
  }
  return text;
}

function securityHeaders(contentType: string): Record<string, string> {
  return {
    "content-type": contentType,
    "content-security-policy": DASHBOARD_CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-frame-options": "DENY",
  };
}

const serveAsset: Route = async (_runtime, request): Promise<GatewayReply> => {
  const asset = ASSETS[request.path]!;
  let body: string;
  try {
    body = await load(asset.file);
  } catch (error) {
    throw new GatewayError("internal", `Dashboard file data/dashboard/${asset.file} could not be read`, { status: 500, code: "dashboard_unavailable", cause: error });
  }
  return { status: 200, headers: securityHeaders(asset.type), body };
};

/** `/dashboard/` sends the browser to `/dashboard`, where the page's relative URLs resolve (`../dashboard` also works behind a path prefix). */
const toDashboard: Route = async () => ({ status: 308, headers: { location: "../dashboard", "cache-control": "no-store" }, body: "" });

export const DASHBOARD_ROUTES: Record<string, Route> = {
  ...Object.fromEntries(Object.keys(ASSETS).map((path) => [`GET ${path}`, serveAsset])),
  "GET /dashboard/": toDashboard,
};

/** Whether a path belongs to the dashboard, which is served without credentials. */
export function isDashboardPath(path: string): boolean {
  return path === "/dashboard" || path.startsWith("/dashboard/");
}
