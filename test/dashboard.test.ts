/**
 * The operator dashboard (`GET /dashboard`): static files (the page, its
 * stylesheet and its script as ES modules) served with a strict
 * Content-Security-Policy and no credentials, holding no secret, whose script
 * calls only admin endpoints that exist and need the master key.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_ACTIONS } from "../src/auth/audit-log.js";
import type { SwitchyardConfigInput } from "../src/config/schema.js";
import { DASHBOARD_MODULES } from "../src/gateway/http/dashboard.js";
import type { FakeUpstream } from "./helpers/fake-upstream.js";
import { call, createKey, startHarness, type CreatedKey, type Harness } from "./helpers/governance-harness.js";

const MASTER = "sy-master-dashboard-canary-5a4b3c2d1e0f";
const MASTER_ENV = "SY_TEST_DASHBOARD_MASTER";
const PROVIDER_KEY = "prov-dashboard-canary-77e1d2c3b4a59687";
const SECOND_PROVIDER_KEY = "prov-dashboard-canary-second-0f9e8d7c";

const ASSET_FILE = (name: string) => fileURLToPath(new URL(`../data/dashboard/${name}`, import.meta.url));
const HTML = readFileSync(ASSET_FILE("index.html"), "utf8");

/** The module the page loads: the `src` of its one `<script type="module">`, relative to `/dashboard`. */
const ENTRY = /<script type="module" src="dashboard\/([a-z-]+\.js)"><\/script>/.exec(HTML)?.[1] ?? "app.js";

/** Static import and re-export specifiers (`import … from "./x.js"`, `import "./x.js"`, `export … from "./x.js"`). */
const importsOf = (source: string) => [...source.matchAll(/^(?:(?:import|export)\b[^;"'`\n]*?\bfrom\s*|import\s*)["']([^"']+)["']/gm)].map((match) => match[1]!);

/**
 * The script's modules, from the page's entry through every import, each with
 * its source; specifiers that are not `./name.js` and files that do not exist
 * are collected for the tests to report.
 */
function scriptGraph() {
  const sources = new Map<string, string>();
  const problems: string[] = [];
  const pending = [ENTRY];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (sources.has(name)) continue;
    if (!existsSync(ASSET_FILE(name))) {
      problems.push(`${name}: no such file in data/dashboard/`);
      continue;
    }
    const source = readFileSync(ASSET_FILE(name), "utf8");
    sources.set(name, source);
    for (const specifier of importsOf(source)) {
      const local = /^\.\/([a-z-]+\.js)$/.exec(specifier);
      if (local) pending.push(local[1]!);
      else problems.push(`${name}: import "${specifier}" is not a sibling module (./name.js)`);
    }
  }
  return { sources, problems };
}

const SCRIPTS = scriptGraph();
/** Every module, in a stable order, for checks that look at the script as a whole. */
const SCRIPT_NAMES = [...SCRIPTS.sources.keys()].sort();
const ALL_JS = SCRIPT_NAMES.map((name) => SCRIPTS.sources.get(name)!).join("\n");

const RESOURCES = [
  { path: "/dashboard", type: "text/html" },
  { path: "/dashboard/app.css", type: "text/css" },
  ...SCRIPT_NAMES.map((name) => ({ path: `/dashboard/${name}`, type: "text/javascript" })),
];

const EXPECTED_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

process.env[MASTER_ENV] = MASTER;

function configFor(upstream: FakeUpstream, master: boolean): SwitchyardConfigInput {
  return {
    server: master ? { master_key: `env:${MASTER_ENV}` } : {},
    storage: { url: "sqlite::memory:" },
    providers: {
      fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: [PROVIDER_KEY, SECOND_PROVIDER_KEY], models: ["gpt-fake"] },
    },
    models: { smart: { deployments: [{ provider: "fake", model: "gpt-fake" }] } },
  };
}

/** Every `admin/...` path literal in the script's modules (query strings and trailing slashes are added at run time). */
function adminPathsInScript(): string[] {
  const paths = new Set<string>();
  for (const match of ALL_JS.matchAll(/["'`](admin\/[A-Za-z0-9_/-]*)["'`]/g)) paths.add(match[1]!);
  return [...paths].sort();
}

describe("dashboard with a master key", () => {
  let harness: Harness;
  let key: CreatedKey;

  beforeAll(async () => {
    harness = await startHarness({ config: (upstream) => configFor(upstream, true), master: MASTER });
    key = await createKey(harness, { name: "dash-team", models: ["smart"], rpm: 60 });
    // Traffic, so the spend and requests reports have rows.
    const chat = await call(harness, "POST", "/v1/chat/completions", { key: key.secret, body: { model: "smart", messages: [{ role: "user", content: "hi" }] } });
    expect(chat.status, chat.text).toBe(200);
  });
  afterAll(() => harness.close());

  it.each(RESOURCES)("serves $path without credentials, with its content type and the security headers", async ({ path, type }) => {
    const result = await call(harness, "GET", path, { key: null });
    expect(result.status, result.text).toBe(200);
    expect(result.headers.get("content-type")).toBe(`${type}; charset=utf-8`);
    expect(result.headers.get("content-security-policy")).toBe(EXPECTED_CSP);
    expect(result.headers.get("x-content-type-options")).toBe("nosniff");
    expect(result.headers.get("referrer-policy")).toBe("no-referrer");
    expect(result.headers.get("cache-control")).toBe("no-store");
    expect(result.text).toBe(readFileSync(ASSET_FILE(path === "/dashboard" ? "index.html" : path.slice("/dashboard/".length)), "utf8"));
  });

  it("holds no secret: not the master key, a provider key or a virtual key", async () => {
    for (const { path } of RESOURCES) {
      const result = await call(harness, "GET", path, { key: null });
      for (const secret of [MASTER, PROVIDER_KEY, SECOND_PROVIDER_KEY, key.secret, PROVIDER_KEY.slice(-4)]) expect(result.text).not.toContain(secret);
      expect(result.text).not.toMatch(/sk-sy-[A-Za-z0-9_-]{43}/);
    }
  });

  it("answers 404 for an unknown dashboard file, and sends /dashboard/ to /dashboard", async () => {
    const notServed = [
      "/dashboard/xyz", "/dashboard/app.js.map", "/dashboard/index.html", "/dashboard/app.mjs", "/dashboard/dom", "/dashboard/app.js/",
      "/dashboard/..%2Fpackage.json", "/dashboard/..%2F..%2Fpackage.json", "/dashboard/%2E%2E%2Fsrc%2Findex.ts", "/dashboard/.%2Fapp.js",
      "/dashboard/data/dashboard/app.js", "/dashboard/dashboard/app.js",
    ];
    for (const path of notServed) {
      const result = await call(harness, "GET", path, { key: null });
      expect(result.status, path).toBe(404);
      expect(result.text).not.toContain(MASTER);
    }
    const slash = await fetch(`${harness.url}/dashboard/`, { redirect: "manual" });
    expect(slash.status).toBe(308);
    expect(new URL(slash.headers.get("location")!, `${harness.url}/dashboard/`).pathname).toBe("/dashboard");
  });

  it("refuses methods other than GET on the page", async () => {
    const result = await call(harness, "POST", "/dashboard", { key: null, body: {} });
    expect(result.status).toBe(405);
  });

  it("references only its own same-origin assets, which are served", async () => {
    const html = (await call(harness, "GET", "/dashboard", { key: null })).text;
    const references = [...html.matchAll(/\s(?:src|href|action|srcset|poster|data)\s*=\s*"([^"]*)"/gi)].map((match) => match[1]!);
    expect(references.length).toBeGreaterThanOrEqual(2);
    const page = new URL(`${harness.url}/dashboard`);
    const assets: string[] = [];
    for (const reference of references) {
      if (reference === "data:,") continue; // the empty favicon, allowed by img-src data:
      expect(reference, "a relative URL").not.toMatch(/^([a-z][a-z0-9+.-]*:|\/\/)/i);
      const resolved = new URL(reference, page);
      expect(resolved.origin).toBe(page.origin);
      assets.push(resolved.pathname);
    }
    expect(assets.sort()).toEqual(["/dashboard/app.css", `/dashboard/${ENTRY}`]);
    expect(html, "the script is loaded as an ES module").toMatch(/<script type="module" src="dashboard\/app\.js"><\/script>/);
    // No inline script or style: the CSP would block them.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html).not.toMatch(/<style|\sstyle\s*=|\son[a-z]+\s*=/i);
    for (const path of assets) expect((await call(harness, "GET", path, { key: null })).status).toBe(200);
  });

  it("serves exactly the modules the page and its imports load, and every one of them", async () => {
    expect(SCRIPTS.problems).toEqual([]);
    expect(SCRIPT_NAMES).toContain(ENTRY);
    // The server's list, the import graph and the script files on disk are the same set.
    expect([...DASHBOARD_MODULES].sort()).toEqual(SCRIPT_NAMES);
    const onDisk = readdirSync(fileURLToPath(new URL("../data/dashboard/", import.meta.url))).filter((name) => /\.m?js$/.test(name)).sort();
    expect(onDisk).toEqual(SCRIPT_NAMES);
    // Only static imports, so the graph above is the whole script.
    expect(ALL_JS).not.toMatch(/\bimport\s*\(/);
    for (const name of SCRIPT_NAMES) {
      const result = await call(harness, "GET", `/dashboard/${name}`, { key: null });
      expect(result.status, name).toBe(200);
      expect(result.headers.get("content-type"), name).toBe("text/javascript; charset=utf-8");
      expect(result.text, name).toBe(SCRIPTS.sources.get(name));
    }
  });

  it("has modules that parse, write no HTML from strings and keep the key out of localStorage", () => {
    // Each file checked as an ES module (.mjs), whatever the nearest package.json says.
    const directory = mkdtempSync(join(tmpdir(), "switchyard-dashboard-"));
    try {
      for (const name of SCRIPT_NAMES) {
        const copy = join(directory, name.replace(/\.js$/, ".mjs"));
        copyFileSync(ASSET_FILE(name), copy);
        const check = spawnSync(process.execPath, ["--check", copy], { encoding: "utf8" });
        expect(check.status, `${name}: ${check.stderr}`).toBe(0);
      }
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
    expect(SCRIPT_NAMES.length).toBeGreaterThan(1);
    for (const name of SCRIPT_NAMES) {
      const source = SCRIPTS.sources.get(name)!;
      expect(source, name).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/);
      expect(source, name).not.toMatch(/localStorage/);
      // Relative URLs only: absolute paths would break behind a path prefix.
      expect(source, name).not.toMatch(/["'`]\/(admin|health)/);
    }
    expect(ALL_JS).toMatch(/sessionStorage/);
  });

  it("calls admin paths that exist and answer 200 with the master key and 401 without", async () => {
    const paths = adminPathsInScript();
    expect(paths).toEqual(expect.arrayContaining(["admin/audit", "admin/keys", "admin/keys/", "admin/providers", "admin/requests", "admin/spend"]));
    for (const literal of paths) {
      const path = `/${literal.endsWith("/") ? literal + key.id : literal}`;
      const withKey = await call(harness, "GET", path);
      expect(withKey.status, `${path}: ${withKey.text}`).toBe(200);
      const without = await call(harness, "GET", path, { key: null });
      expect(without.status, path).toBe(401);
    }
    expect(ALL_JS).toMatch(/["']health["']/);
    expect((await call(harness, "GET", "/health", { key: null })).status).toBe(200);
  });

  it("uses query parameters the admin API accepts", async () => {
    const from = new Date(Date.now() - 6 * 86_400_000).toISOString().slice(0, 10);
    for (const group of ["model", "provider", "key", "day"]) {
      expect(ALL_JS).toContain(`spend("${group}")`);
      const result = await call(harness, "GET", `/admin/spend?group_by=${group}&from=${from}`);
      expect(result.status, result.text).toBe(200);
      expect(result.json.data.length).toBeGreaterThan(0);
    }
    expect((await call(harness, "GET", `/admin/savings?from=${from}`)).status).toBe(200);
    const html = (await call(harness, "GET", "/dashboard", { key: null })).text;
    for (const limit of [...html.matchAll(/<option(?: selected)?>(\d+)<\/option>/g)].map((match) => match[1])) {
      expect((await call(harness, "GET", `/admin/requests?limit=${limit}`)).status).toBe(200);
      expect((await call(harness, "GET", `/admin/audit?limit=${limit}`)).status).toBe(200);
    }
  });

  it("pages requests and the audit log the way the script does: every row once", async () => {
    expect(ALL_JS).toContain("before_id: cursor?.before_id");
    expect(ALL_JS.match(/createPager\("(requests|audit)"\)/g)).toHaveLength(2); // both tabs page the same way
    for (let i = 0; i < 3; i++) {
      const chat = await call(harness, "POST", "/v1/chat/completions", { key: key.secret, body: { model: "smart", messages: [{ role: "user", content: `page ${i}` }] } });
      expect(chat.status, chat.text).toBe(200);
      expect((await call(harness, "GET", "/admin/keys", { key: "sk-sy-wrong" })).status).toBe(401);
    }
    const everything = (await call(harness, "GET", "/admin/requests?limit=1000")).json.data as { id: string; ts: number }[];
    const paged: string[] = [];
    let cursor = "";
    for (let page = 0; page < 50; page++) {
      const rows = (await call(harness, "GET", `/admin/requests?limit=2${cursor}`)).json.data as { id: string; ts: number }[];
      paged.push(...rows.map((row) => row.id));
      if (rows.length < 2) break;
      const last = rows.at(-1)!;
      cursor = `&before=${last.ts}&before_id=${encodeURIComponent(last.id)}`;
    }
    expect(paged).toEqual(everything.map((row) => row.id));

    const events = (await call(harness, "GET", "/admin/audit?limit=1000")).json.data as { id: string; ts: number }[];
    expect(events.length).toBeGreaterThan(3);
    const seenEvents: string[] = [];
    cursor = "";
    for (let page = 0; page < 50; page++) {
      const data = (await call(harness, "GET", `/admin/audit?limit=2${cursor}`)).json.data as { id: string; ts: number }[];
      seenEvents.push(...data.map((event) => event.id));
      if (data.length < 2) break;
      const last = data.at(-1)!;
      cursor = `&before=${last.ts}&before_id=${encodeURIComponent(last.id)}`;
    }
    expect(seenEvents).toEqual(events.map((event) => event.id));
  });

  it("offers exactly the audit log's actions as filters", async () => {
    const listed = /const AUDIT_ACTIONS = (\[[^\]]*\])/.exec(ALL_JS);
    expect(listed).not.toBeNull();
    expect(JSON.parse(listed![1]!)).toEqual([...AUDIT_ACTIONS]);
    for (const action of AUDIT_ACTIONS) expect((await call(harness, "GET", `/admin/audit?action=${action}`)).status).toBe(200);
  });

  it("creates, changes and revokes keys the way the script does, and only with the master key", async () => {
    for (const method of ["POST", "PATCH", "DELETE"]) expect(ALL_JS).toContain(`method: "${method}"`);
    // The body the key form sends: every field, empty ones as null.
    const body = { name: "from-dashboard", models: ["smart"], rpm: null, tpm: 1000, budget_usd: 5, budget_period: "weekly", expires_at: new Date(Date.now() + 86_400_000).toISOString(), log_prompts: false };
    expect((await call(harness, "POST", "/admin/keys", { key: null, body })).status).toBe(401);
    const created = await call(harness, "POST", "/admin/keys", { body });
    expect(created.status, created.text).toBe(201);
    expect(created.json.key).toMatch(/^sk-sy-/);
    const path = `/admin/keys/${created.json.id}`;
    expect((await call(harness, "PATCH", path, { key: null, body: { rpm: 10 } })).status).toBe(401);
    expect((await call(harness, "PATCH", path, { body: { rpm: 10, budget_usd: null, budget_period: null } })).status).toBe(200);
    expect((await call(harness, "DELETE", path, { key: null })).status).toBe(401);
    expect((await call(harness, "DELETE", path)).status).toBe(200);
    const listed = await call(harness, "GET", "/admin/keys");
    expect(listed.json.data.find((entry: { id: string }) => entry.id === created.json.id).revoked_at).toEqual(expect.any(Number));
  });

  it("a virtual key gets the page but not the admin API (403 master_key_required)", async () => {
    expect((await call(harness, "GET", "/dashboard", { key: key.secret })).status).toBe(200);
    const admin = await call(harness, "GET", "/admin/keys", { key: key.secret });
    expect(admin.status).toBe(403);
    expect(admin.json.error.code).toBe("master_key_required");
    expect(ALL_JS).toContain('"master_key_required"');
  });
});

describe("dashboard script and page, without a browser", () => {
  /** dom.js touches `document` only when a DOM helper is called, so its formatting functions run in Node. */
  const loadDom = async () => (await import(pathToFileURL(ASSET_FILE("dom.js")).href)) as {
    formatUsd: (value: number | null | undefined) => string;
    formatShare: (part: number | null | undefined, whole: number) => string;
  };
  const localeNumber = (value: number, options: Intl.NumberFormatOptions) => value.toLocaleString(undefined, options);

  it("formats costs so that a real cost never reads as zero, and large ones in full", async () => {
    const { formatUsd } = await loadDom();
    expect(formatUsd(null)).toBe("—");
    expect(formatUsd(undefined)).toBe("—");
    expect(formatUsd(Number.NaN)).toBe("—");
    expect(formatUsd(0)).toBe("$" + localeNumber(0, { minimumFractionDigits: 2 }));
    // Below a millionth: significant digits, not "$0.000000".
    for (const tiny of [1e-7, 1.2e-7, 4e-9]) {
      expect(formatUsd(tiny)).not.toMatch(/^\$0[.,]0+$/);
      expect(formatUsd(tiny)).toBe("$" + localeNumber(tiny, { maximumSignificantDigits: 2 }));
    }
    expect(formatUsd(0.000001)).toBe("$" + localeNumber(0.000001, { minimumFractionDigits: 6, maximumFractionDigits: 6 }));
    expect(formatUsd(0.000375)).toBe("$" + localeNumber(0.000375, { minimumFractionDigits: 6, maximumFractionDigits: 6 }));
    expect(formatUsd(0.5)).toBe("$" + localeNumber(0.5, { minimumFractionDigits: 4, maximumFractionDigits: 4 }));
    expect(formatUsd(1_234_567)).toBe("$" + localeNumber(1_234_567, { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    expect(formatUsd(-0.5)).toBe("-$" + localeNumber(0.5, { minimumFractionDigits: 4, maximumFractionDigits: 4 }));
  });

  it("shows a tiny share as '< 0.1 %', not '0.0 %'", async () => {
    const { formatShare } = await loadDom();
    expect(formatShare(0.000375, 1_234_567)).toBe("< 0.1 %");
    expect(formatShare(0, 10)).toBe("0.0 %");
    expect(formatShare(5, 10)).toBe("50.0 %");
    expect(formatShare(5, 0)).toBe("—");
  });

  it("finds in the page every element the script looks up by id", () => {
    const ids = new Set([...HTML.matchAll(/\sid="([^"]+)"/g)].map((match) => match[1]!));
    const used = [...ALL_JS.matchAll(/\$\("([A-Za-z0-9_-]+)"\)/g)].map((match) => match[1]!);
    expect(used.length).toBeGreaterThan(20);
    for (const tab of ALL_JS.match(/const TABS = \{([^}]*)\}/)![1]!.matchAll(/(\w+):/g)) used.push(`tab-${tab[1]}`);
    expect(used.filter((id) => !ids.has(id))).toEqual([]);
    for (const id of ["requests-older", "requests-newer", "audit-older", "audit-newer"]) expect(ids.has(id), id).toBe(true);
  });

  it("has no fixed column width wider than a phone's screen in its grids", () => {
    const css = readFileSync(ASSET_FILE("app.css"), "utf8");
    const fixed = [...css.matchAll(/minmax\(\s*(\d+)px/g)].map((match) => Number(match[1]));
    expect(fixed.filter((width) => width > 320)).toEqual([]);
  });
});

describe("dashboard without a master key (loopback only)", () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness({ config: (upstream) => configFor(upstream, false) });
  });
  afterAll(() => harness.close());

  it("serves the page, and the admin API answers without credentials", async () => {
    expect((await call(harness, "GET", "/dashboard")).status).toBe(200);
    for (const literal of adminPathsInScript().filter((path) => !path.endsWith("/"))) {
      const result = await call(harness, "GET", `/${literal}`);
      expect(result.status, `${literal}: ${result.text}`).toBe(200);
    }
  });
});
