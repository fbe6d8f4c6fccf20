/**
 * Admin API bodies for creating (`POST /admin/keys`) and changing
 * (`PATCH /admin/keys/:id`) virtual keys. Errors name the field and what was
 * expected ("rpm: expected a positive integer") and surface as 400s.
 */
import { z } from "zod";
import { GatewayError } from "../core/errors.js";
import { BUDGET_PERIODS, type BudgetPeriod, type KeyMetadata } from "./virtual-key.js";

const MAX_METADATA_ENTRIES = 64;

const name = z.string({ error: "expected a string" }).trim()
  .min(1, "expected 1 to 100 characters").max(100, "expected 1 to 100 characters");

const modelPattern = z.string({ error: "expected a string" })
  .min(1, "expected a non-empty model pattern").max(256, "expected at most 256 characters")
  .refine((pattern) => !pattern.slice(0, -1).includes("*"), "'*' is only allowed at the end of a pattern");

const positiveInt = z.number({ error: "expected a positive integer" })
  .int("expected a positive integer").positive("expected a positive integer");

/** Budgets are counted in integer micro-USD, exact below 2^53 (≈ $9 billion). */
const MAX_BUDGET_USD = 1_000_000_000;
const BUDGET_EXPECTED = `expected a number from 0 to ${MAX_BUDGET_USD} (USD)`;
const budgetUsd = z.number({ error: BUDGET_EXPECTED }).nonnegative(BUDGET_EXPECTED).max(MAX_BUDGET_USD, BUDGET_EXPECTED);

const budgetPeriod = z.enum(BUDGET_PERIODS, { error: `expected one of ${BUDGET_PERIODS.map((p) => `"${p}"`).join(", ")}` });

const metadata = z.record(
  z.string().min(1, "expected non-empty metadata keys").max(64, "expected metadata keys of at most 64 characters"),
  z.union([z.string().max(1024, "expected at most 1024 characters"), z.number(), z.boolean()], { error: "expected a string, number or boolean" }),
  { error: "expected an object of strings, numbers and booleans" },
).refine((value) => Object.keys(value).length <= MAX_METADATA_ENTRIES, `expected at most ${MAX_METADATA_ENTRIES} entries`);

const logPrompts = z.boolean({ error: "expected true or false" });

/** Date-only (UTC midnight) or date-time with `Z` or an offset: a bare local time would depend on the server's zone. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const EXPIRES_AT_EXPECTED = "expected an ISO 8601 date-time with a time zone (e.g. 2030-01-01T00:00:00Z) or epoch milliseconds";

/** ISO string or epoch ms → epoch ms, which must be later than `now()`. */
function expiresAt(now: () => number) {
  return z.union([z.number().int(), z.string()], { error: EXPIRES_AT_EXPECTED }).transform((value, ctx) => {
    const ms = typeof value === "number" ? value : ISO_DATE.test(value) ? Date.parse(value) : Number.NaN;
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: "custom", message: EXPIRES_AT_EXPECTED });
      return z.NEVER;
    }
    if (ms <= now()) {
      // A number in the past is most often epoch seconds.
      ctx.addIssue({ code: "custom", message: typeof value === "number" ? "must be in the future (epoch milliseconds, not seconds)" : "must be in the future" });
      return z.NEVER;
    }
    return ms;
  });
}

/** Schema of `POST /admin/keys`; `now` decides what "in the future" means. */
export function keyCreateSchema(now: () => number = Date.now) {
  return z.strictObject({
    name,
    models: z.array(modelPattern, { error: "expected an array of model names or patterns" }).default([]),
    rpm: positiveInt.nullable().default(null),
    tpm: positiveInt.nullable().default(null),
    budget_usd: budgetUsd.nullable().default(null),
    budget_period: budgetPeriod.nullable().default(null),
    expires_at: expiresAt(now).nullable().default(null),
    metadata: metadata.default({}),
    log_prompts: logPrompts.default(false),
  }, { error: "expected a JSON object" }).superRefine((body, ctx) => {
    if (body.budget_period !== null && body.budget_usd === null) {
      ctx.addIssue({ code: "custom", path: ["budget_period"], message: "requires budget_usd" });
    }
  }).transform((body) => ({
    ...body,
    budget_period: body.budget_usd === null ? null : (body.budget_period ?? "monthly"),
  }));
}

/**
 * Schema of `PATCH /admin/keys/:id`: every field optional, `null` clears a
 * limit. `revoked` is refused: revocation is `DELETE` only, and permanent.
 */
export function keyPatchSchema(now: () => number = Date.now) {
  return z.strictObject({
    name: name.optional(),
    models: z.array(modelPattern, { error: "expected an array of model names or patterns" }).optional(),
    rpm: positiveInt.nullable().optional(),
    tpm: positiveInt.nullable().optional(),
    budget_usd: budgetUsd.nullable().optional(),
    budget_period: budgetPeriod.nullable().optional(),
    expires_at: expiresAt(now).nullable().optional(),
    metadata: metadata.optional(),
    log_prompts: logPrompts.optional(),
    revoked: z.never({ error: "cannot be changed: revoke a key with DELETE /admin/keys/:id (revocation is permanent)" }).optional(),
  }, { error: "expected a JSON object" }).refine((body) => Object.keys(body).length > 0, {
    message: "expected at least one field to change",
    // Only for a clean body: `{ "id": … }` should say "unknown field", not also "empty".
    when: (payload) => payload.issues.length === 0,
  });
}

/** A validated create body, defaults applied. */
export type KeyCreate = z.output<ReturnType<typeof keyCreateSchema>>;
/** What a key store needs to create a key: a name, the rest defaulted as in `KeyCreate`. */
export type KeyCreateInput = Pick<KeyCreate, "name"> & Partial<Omit<KeyCreate, "name">>;
/** A validated PATCH body: only the fields present change. */
export interface KeyPatch {
  name?: string;
  models?: string[];
  rpm?: number | null;
  tpm?: number | null;
  budget_usd?: number | null;
  budget_period?: BudgetPeriod | null;
  expires_at?: number | null;
  metadata?: KeyMetadata;
  log_prompts?: boolean;
}

/** Validates a create body or throws a 400 naming every bad field. */
export function parseKeyCreate(body: unknown, now: () => number = Date.now): KeyCreate {
  const parsed = keyCreateSchema(now).safeParse(body);
  if (!parsed.success) throw invalidBody(parsed.error.issues);
  return parsed.data;
}

/** Validates a PATCH body or throws a 400 naming every bad field. */
export function parseKeyPatch(body: unknown, now: () => number = Date.now): KeyPatch {
  const parsed = keyPatchSchema(now).safeParse(body);
  if (!parsed.success) throw invalidBody(parsed.error.issues);
  const { revoked: _revoked, ...patch } = parsed.data;
  return patch;
}

function keyPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}

function invalidBody(issues: z.core.$ZodIssue[]): GatewayError {
  const problems = issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const where = keyPath(issue.path);
      return `${where ? `${where}: ` : ""}unknown field${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
    }
    return `${keyPath(issue.path) || "(body)"}: ${issue.message}`;
  });
  const first = issues[0];
  const param = first ? keyPath(first.code === "unrecognized_keys" ? [...first.path, first.keys[0] ?? ""] : first.path) : "";
  return new GatewayError("bad_request", problems.join("; "), { code: "invalid_key_request", param: param || null });
}
