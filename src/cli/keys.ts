/**
 * `switchyard keys create|list|revoke`: virtual keys. With `--url` (or
 * SWITCHYARD_URL) it talks to a running gateway's admin API with the master key,
 * so a revoke applies to that gateway's very next request; without it, it works
 * on the store in `storage.url` directly (a running gateway sees changes within
 * its key cache's 5 s).
 */
import { loadStartupConfig } from "../config/load.js";
import { createGateway, type Gateway } from "../gateway/gateway.js";
import { createLogger } from "../gateway/logger.js";
import { storesOnly } from "./offline-gateway.js";
import { printTable, usd } from "./table.js";

export interface KeysOptions {
  config?: string;
  url?: string;
  name?: string;
  models?: string;
  rpm?: string;
  tpm?: string;
  budget?: string;
  period?: string;
  expires?: string;
}

async function adminCall(options: KeysOptions, method: string, path: string, body?: unknown): Promise<unknown> {
  const url = options.url ?? process.env.SWITCHYARD_URL;
  if (url) {
    const base = url.replace(/\/$/, "");
    const masterKey = process.env.SWITCHYARD_MASTER_KEY;
    if (!masterKey) throw new Error(`set SWITCHYARD_MASTER_KEY to the master key of the gateway at ${base}`);
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: { "content-type": "application/json", authorization: `Bearer ${masterKey}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      // fetch says only "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, …) is on its cause.
      const cause = (error as Error).cause as { code?: unknown; message?: unknown } | undefined;
      const reason = typeof cause?.code === "string" ? cause.code : typeof cause?.message === "string" ? cause.message : (error as Error).message;
      throw new Error(`cannot reach a gateway at ${base} (${reason}): check --url or SWITCHYARD_URL`);
    }
    const text = await response.text();
    let json: { error?: { message?: string } } | undefined;
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      json = undefined;
    }
    if (!response.ok) throw new Error(json?.error?.message ?? `${base} answered HTTP ${response.status}`);
    if (typeof json !== "object" || json === null) throw new Error(`${base} answered HTTP ${response.status} without JSON: is it a Switchyard gateway?`);
    return json;
  }
  // Local: the same admin handler, in-process, acting as the master key.
  const { config } = loadStartupConfig(options.config);
  if (config.storage.url.startsWith("memory")) throw new Error("storage.url is memory://: keys would not outlive this command; use --url with a running gateway");
  const gateway: Gateway = await createGateway({ config: storesOnly(config), logger: createLogger("error") });
  try {
    return await gateway.admin(method, path, body);
  } finally {
    await gateway.close();
  }
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * A limit flag's number. `Number("abc")` is NaN, which JSON sends as null, and
 * null means "no limit": a typo must stop the command, not create an unlimited key.
 * Whether it is a positive integer (rpm) or ≥ 0 (budget) is the admin API's check.
 */
function limit(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = DECIMAL.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isFinite(parsed)) throw new Error(`${flag} expects a number, got '${value}'`);
  return parsed;
}

/** `--models a,b`; an empty list would silently mean "all models", so it is refused. */
function modelList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const models = value.split(",").map((m) => m.trim()).filter(Boolean);
  if (models.length === 0) throw new Error("--models expects a comma-separated list of aliases or provider/model patterns; leave it out to allow all models");
  return models;
}

/** The admin API's field names, as the flags that set them. */
const FLAG_OF: Readonly<Record<string, string>> = {
  name: "--name", models: "--models", rpm: "--rpm", tpm: "--tpm", budget_usd: "--budget", budget_period: "--period", expires_at: "--expires",
};

/** An admin API message ("budget_period: expected …; rpm: …") in the flags the user typed ("--period: expected …"). */
export function inFlagNames(message: string): string {
  return message.replace(/(^|; )([a-z_]+)(?=[:[.])/g, (whole, lead: string, field: string) => (FLAG_OF[field] ? `${lead}${FLAG_OF[field]}` : whole));
}

export async function runKeysCreate(options: KeysOptions): Promise<void> {
  const body = {
    name: options.name,
    models: modelList(options.models),
    rpm: limit("--rpm", options.rpm),
    tpm: limit("--tpm", options.tpm),
    budget_usd: limit("--budget", options.budget),
    budget_period: options.period,
    expires_at: options.expires,
  };
  const created = (await adminCall(options, "POST", "/admin/keys", body).catch((error: unknown) => {
    throw error instanceof Error ? new Error(inFlagNames(error.message), { cause: error }) : error;
  })) as { id: string; key: string; name: string };
  console.log(`Created key ${created.id} (${created.name}). Store it now; it is not shown again:\n\n  ${created.key}\n`);
}

export async function runKeysList(options: KeysOptions): Promise<void> {
  const { data } = (await adminCall(options, "GET", "/admin/keys")) as { data?: Array<Record<string, unknown>> };
  if (!Array.isArray(data)) throw new Error("the answer holds no key list: is --url a Switchyard gateway?");
  printTable(
    ["id", "name", "prefix", "models", "rpm", "tpm", "budget", "period", "expires", "status"],
    data.map((k) => [
      String(k.id), String(k.name), `${String(k.prefix)}…`, (k.models as string[]).join(",") || "*",
      String(k.rpm ?? "-"), String(k.tpm ?? "-"), k.budget_usd === null ? "-" : usd(k.budget_usd as number), String(k.budget_period ?? "-"),
      typeof k.expires_at === "number" ? new Date(k.expires_at).toISOString().replace(".000Z", "Z") : "-",
      k.revoked_at ? "revoked" : k.expires_at && (k.expires_at as number) < Date.now() ? "expired" : "active",
    ]),
  );
}

export async function runKeysRevoke(id: string, options: KeysOptions): Promise<void> {
  await adminCall(options, "DELETE", `/admin/keys/${encodeURIComponent(id)}`);
  console.log(`Revoked ${id}.`);
}
