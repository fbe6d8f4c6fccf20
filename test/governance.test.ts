/**
 * Governance end to end over HTTP: who may call (master key, virtual keys,
 * the admin API), which models a key may use, its request/token rates and its
 * budget under concurrency, the audit trail, and that no secret (provider key,
 * master key, virtual key) leaks through any response, header, log line,
 * ledger row or audit event.
 */
import { createHash } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SwitchyardConfigInput } from "../src/config/schema.js";
import { chunk, sendJson, sendSse, type FakeUpstream } from "./helpers/fake-upstream.js";
import {
  call,
  chatBody,
  createKey,
  embeddingsBody,
  FAKE_PROMPT_TOKENS,
  governanceHandler,
  messagesBody,
  startHarness,
  type CallResult,
  type Harness,
} from "./helpers/governance-harness.js";

const MASTER = "sy-master-canary-1f2e3d4c5b6a7980";
const MASTER_ENV = "SY_TEST_MASTER";
/** Deliberately not shaped like a known credential: only exact-value redaction can catch it. */
const PROVIDER_KEY = "prov-canary-8c1f0e2d3b4a5968f7e6";
/** Right shape, never issued. */
const UNKNOWN_VIRTUAL_KEY = `sk-sy-${"Q".repeat(43)}`;
const SECRET_SHAPE = /^sk-sy-[A-Za-z0-9_-]{43}$/;
/** USD per 1M tokens: big, so a handful of requests exhaust a budget. */
const PRICE = 1000;

process.env[MASTER_ENV] = MASTER;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

function configFor(upstream: FakeUpstream, options: { master: boolean }): SwitchyardConfigInput {
  return {
    server: options.master ? { master_key: `env:${MASTER_ENV}` } : {},
    storage: { url: "sqlite::memory:" },
    providers: {
      // openai-compatible models are free unless priced under `pricing:`.
      fake: { type: "openai-compatible", base_url: upstream.baseUrl, api_key: PROVIDER_KEY, models: ["gpt-fake", "allowed-1", "other", "priced"] },
      // An OpenAI-type provider: models missing from the catalog are unpriced.
      vendor: { type: "openai", base_url: upstream.baseUrl, api_key: PROVIDER_KEY, models: ["mystery-model"] },
    },
    models: { smart: { deployments: [{ provider: "fake", model: "gpt-fake" }] } },
    pricing: { "fake/priced": { input: PRICE, output: PRICE } },
  };
}

const secured = () => startHarness({ config: (upstream) => configFor(upstream, { master: true }), master: MASTER });

/** The OpenAI error shape, or Anthropic's under /v1/messages. */
function expectError(result: CallResult, status: number, code: string | null, anthropicType?: string): void {
  expect(result.status, result.text).toBe(status);
  if (anthropicType) {
    expect(result.json).toMatchObject({ type: "error", error: { type: anthropicType } });
  } else {
    expect(result.json.error.code).toBe(code);
  }
}

interface ClientRoute {
  name: string;
  method: "GET" | "POST";
  path: string;
  body?: (model: string) => unknown;
  anthropic?: boolean;
}

const CLIENT_ROUTES: ClientRoute[] = [
  { name: "chat", method: "POST", path: "/v1/chat/completions", body: (model) => chatBody(model) },
  { name: "embeddings", method: "POST", path: "/v1/embeddings", body: (model) => embeddingsBody(model) },
  { name: "messages", method: "POST", path: "/v1/messages", body: (model) => messagesBody(model), anthropic: true },
  { name: "models", method: "GET", path: "/v1/models" },
  { name: "model", method: "GET", path: "/v1/models/smart" },
];

const ADMIN_PATHS = ["/admin/keys", "/admin/spend?group_by=key", "/admin/requests", "/admin/audit", "/admin/providers", "/metrics"];

describe("authentication with a master key", () => {
  let h: Harness;
  let virtual: string;

  beforeAll(async () => {
    h = await secured();
    virtual = (await createKey(h, { name: "client" })).secret;
  });
  afterAll(() => h?.close());

  for (const route of CLIENT_ROUTES) {
    describe(`${route.method} ${route.path}`, () => {
      const send = (key: string | null, headers?: Record<string, string>) => call(h, route.method, route.path, { key, body: route.body?.("smart"), headers });
      const authType = route.anthropic ? "authentication_error" : undefined;

      it("refuses a request without a key with 401, before any upstream call", async () => {
        const before = h.upstream.requests.length;
        expectError(await send(null), 401, "missing_api_key", authType);
        expect(h.upstream.requests.length).toBe(before);
      });

      it("refuses a wrong key with 401", async () => {
        expectError(await send("sk-wrong-key-0123456789abcdef"), 401, "invalid_api_key", authType);
        expectError(await send(UNKNOWN_VIRTUAL_KEY), 401, "invalid_api_key", authType);
      });

      it("serves the master key", async () => {
        expect((await send(MASTER)).status).toBe(200);
      });

      it("serves a virtual key, as a Bearer token or in x-api-key", async () => {
        expect((await send(virtual)).status).toBe(200);
        expect((await send(null, { "x-api-key": virtual })).status).toBe(200);
      });
    });
  }

  describe("admin routes", () => {
    for (const path of ADMIN_PATHS) {
      it(`GET ${path}: 401 without a key, 403 with a virtual key, 200 with the master key`, async () => {
        expectError(await call(h, "GET", path, { key: null }), 401, "missing_api_key");
        const forbidden = await call(h, "GET", path, { key: virtual });
        expectError(forbidden, 403, "master_key_required");
        expect(forbidden.json.error.type).toBe("permission_error");
        expect((await call(h, "GET", path, { key: MASTER })).status).toBe(200);
      });
    }

    it("refuses to create keys with a virtual key", async () => {
      expectError(await call(h, "POST", "/admin/keys", { key: virtual, body: { name: "escalate" } }), 403, "master_key_required");
    });
  });

  it("leaves /health open, whatever credential is sent", async () => {
    expect((await call(h, "GET", "/health", { key: null })).status).toBe(200);
    expect((await call(h, "GET", "/health", { key: "garbage-credential" })).status).toBe(200);
    // Load balancers probe with HEAD: a 200 with no body.
    const head = await fetch(`${h.url}/health`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });

  it("works with the official openai SDK: a virtual key succeeds, a wrong key is an AuthenticationError", async () => {
    const good = new OpenAI({ apiKey: virtual, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const completion = await good.chat.completions.create({ model: "smart", messages: [{ role: "user", content: "hi" }] });
    expect(completion.choices[0]!.message.content).toBe("Hello");
    const bad = new OpenAI({ apiKey: UNKNOWN_VIRTUAL_KEY, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const error = await bad.chat.completions.create({ model: "smart", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
  });

  it("never forwards the client's credential upstream", async () => {
    await call(h, "POST", "/v1/chat/completions", { key: virtual, body: chatBody("smart") });
    await call(h, "POST", "/v1/chat/completions", { key: MASTER, body: chatBody("smart") });
    for (const request of h.upstream.requests) {
      expect(request.headers.authorization).toBe(`Bearer ${PROVIDER_KEY}`);
      expect(JSON.stringify(request.headers) + request.raw).not.toContain(virtual);
      expect(JSON.stringify(request.headers) + request.raw).not.toContain(MASTER);
    }
  });
});

describe("without a master key", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ config: (upstream) => configFor(upstream, { master: false }) });
  });
  afterAll(() => h?.close());

  it("serves /v1/* without any key", async () => {
    for (const route of CLIENT_ROUTES) {
      const result = await call(h, route.method, route.path, { key: null, body: route.body?.("smart") });
      expect(result.status, `${route.path}: ${result.text}`).toBe(200);
    }
  });

  it("ignores a credential that is not a virtual key (clients send placeholder keys)", async () => {
    expect((await call(h, "POST", "/v1/chat/completions", { key: "sk-placeholder-000000000000", body: chatBody("smart") })).status).toBe(200);
  });

  it("still authenticates a presented virtual key: an unknown or revoked one gets 401", async () => {
    expectError(await call(h, "POST", "/v1/chat/completions", { key: UNKNOWN_VIRTUAL_KEY, body: chatBody("smart") }), 401, "invalid_api_key");
    const key = await createKey(h, { name: "gone" });
    expect((await call(h, "DELETE", `/admin/keys/${key.id}`)).status).toBe(200);
    expectError(await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") }), 401, "key_revoked");
  });

  it("applies a presented virtual key's rate limit and model scope", async () => {
    const key = await createKey(h, { name: "limited", rpm: 1, models: ["smart"] });
    expect((await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") })).status).toBe(200);
    expectError(await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") }), 429, "rate_limit_exceeded");
    const scoped = await createKey(h, { name: "scoped", models: ["smart"] });
    expectError(await call(h, "POST", "/v1/chat/completions", { key: scoped.secret, body: chatBody("fake/other") }), 403, "model_not_allowed");
    // The same key sent Anthropic-style, in x-api-key.
    expectError(await call(h, "POST", "/v1/messages", { key: null, headers: { "x-api-key": scoped.secret }, body: messagesBody("fake/other") }), 403, null, "permission_error");
  });

  it("does not skip a virtual key in Authorization because x-api-key holds a placeholder", async () => {
    const key = await createKey(h, { name: "both-headers", models: ["smart"] });
    const result = await call(h, "POST", "/v1/chat/completions", { key: key.secret, headers: { "x-api-key": "placeholder" }, body: chatBody("fake/other") });
    expectError(result, 401, "malformed_api_key");
  });
});

describe("admin key API", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await secured();
  });
  afterAll(() => h?.close());

  const chat = (secret: string, model = "smart") => call(h, "POST", "/v1/chat/completions", { key: secret, body: chatBody(model) });

  it("returns the secret once, at creation, and never again (nor its hash)", async () => {
    const created = await call(h, "POST", "/admin/keys", { body: { name: "team-a", rpm: 60, metadata: { team: "a" } } });
    expect(created.status).toBe(201);
    const secret: string = created.json.key;
    expect(secret).toMatch(SECRET_SHAPE);
    expect(created.json).toMatchObject({ name: "team-a", rpm: 60, prefix: secret.slice(0, 10), revoked_at: null, metadata: { team: "a" } });
    expect(created.json.id).toMatch(/^key_[0-9a-f]{16}$/);
    expect(created.json).not.toHaveProperty("hash");
    expect(created.text).not.toContain(sha256(secret));

    const list = await call(h, "GET", "/admin/keys");
    const one = await call(h, "GET", `/admin/keys/${created.json.id}`);
    expect(list.status).toBe(200);
    expect(one.status).toBe(200);
    expect(list.json.data.map((k: { id: string }) => k.id)).toContain(created.json.id);
    expect(one.json).toMatchObject({ id: created.json.id, name: "team-a", prefix: secret.slice(0, 10) });
    for (const result of [list, one]) {
      expect(result.text).not.toContain(secret);
      expect(result.text).not.toContain(secret.slice(10));
      expect(result.text).not.toContain(sha256(secret));
      expect(result.text).not.toMatch(/"(hash|key|secret)"\s*:/);
    }
  });

  it("PATCH changes limits, effective on the next request", async () => {
    const key = await createKey(h, { name: "patched" });
    expect((await chat(key.secret)).status).toBe(200); // cached by the authenticator now
    const patched = await call(h, "PATCH", `/admin/keys/${key.id}`, { body: { rpm: 1, models: ["smart"] } });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ id: key.id, rpm: 1, models: ["smart"] });
    expect(patched.json).not.toHaveProperty("hash");
    expect(patched.text).not.toContain(key.secret);
    expect((await chat(key.secret)).status).toBe(200);
    expectError(await chat(key.secret), 429, "rate_limit_exceeded");
    expectError(await chat(key.secret, "fake/other"), 403, "model_not_allowed");
    const lifted = await call(h, "PATCH", `/admin/keys/${key.id}`, { body: { rpm: null, models: [] } });
    expect(lifted.json).toMatchObject({ rpm: null, models: [] });
    expect((await chat(key.secret, "fake/other")).status).toBe(200);
  });

  it("DELETE revokes: the very next request with the key gets 401", async () => {
    const key = await createKey(h, { name: "doomed" });
    expect((await chat(key.secret)).status).toBe(200); // warm the key cache
    const deleted = await call(h, "DELETE", `/admin/keys/${key.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.json).toEqual({ id: key.id, revoked: true });
    expectError(await chat(key.secret), 401, "key_revoked");
    expectError(await call(h, "POST", "/v1/embeddings", { key: key.secret, body: embeddingsBody("smart") }), 401, "key_revoked");
    const shown = await call(h, "GET", `/admin/keys/${key.id}`);
    expect(shown.json.revoked_at).toEqual(expect.any(Number));
  });

  it("DELETE twice is idempotent and audited once", async () => {
    const key = await createKey(h, { name: "twice" });
    expect((await call(h, "DELETE", `/admin/keys/${key.id}`)).status).toBe(200);
    const again = await call(h, "DELETE", `/admin/keys/${key.id}`);
    expect(again.status).toBe(200);
    expect(again.json).toEqual({ id: key.id, revoked: true });
    const audit = await call(h, "GET", "/admin/audit?action=key.revoked&limit=1000");
    expect(audit.json.data.filter((e: { target: string }) => e.target === key.id)).toHaveLength(1);
  });

  it("an expired key gets 401", async () => {
    const key = await createKey(h, { name: "short-lived", expires_at: Date.now() + 400 });
    expect((await chat(key.secret)).status).toBe(200);
    await sleep(450);
    expectError(await chat(key.secret), 401, "key_expired");
  });

  it("answers unknown key ids with 404", async () => {
    expectError(await call(h, "GET", "/admin/keys/key_0000000000000000"), 404, "key_not_found");
    expectError(await call(h, "PATCH", "/admin/keys/key_0000000000000000", { body: { rpm: 1 } }), 404, "key_not_found");
    expectError(await call(h, "DELETE", "/admin/keys/key_0000000000000000"), 404, "key_not_found");
  });

  const invalidCreates: Array<[string, unknown, string]> = [
    ["no name", {}, "name"],
    ["an empty name", { name: "  " }, "name"],
    ["rpm of zero", { name: "x", rpm: 0 }, "rpm"],
    ["tpm as a string", { name: "x", tpm: "many" }, "tpm"],
    ["a negative budget", { name: "x", budget_usd: -1 }, "budget_usd"],
    ["a budget period without a budget", { name: "x", budget_period: "daily" }, "budget_period"],
    ["an unknown budget period", { name: "x", budget_usd: 1, budget_period: "hourly" }, "budget_period"],
    ["a '*' inside a model pattern", { name: "x", models: ["smart", "a*b"] }, "models[1]"],
    ["an expiry in the past", { name: "x", expires_at: Date.now() - 1000 }, "expires_at"],
    ["an expiry without a time zone", { name: "x", expires_at: "2030-01-01T00:00:00" }, "expires_at"],
    ["an unknown field", { name: "x", admin: true }, "admin"],
  ];
  for (const [what, body, param] of invalidCreates) {
    it(`POST /admin/keys rejects ${what} with 400 and param '${param}'`, async () => {
      const result = await call(h, "POST", "/admin/keys", { body });
      expectError(result, 400, "invalid_key_request");
      expect(result.json.error.param).toBe(param);
    });
  }

  it("PATCH rejects bad bodies with 400 and a param", async () => {
    const key = await createKey(h, { name: "patch-target" });
    const cases: Array<[unknown, string | null]> = [
      [{ rpm: -5 }, "rpm"],
      [{ revoked: false }, "revoked"],
      [{ hash: "00" }, "hash"],
      [{}, null],
    ];
    for (const [body, param] of cases) {
      const result = await call(h, "PATCH", `/admin/keys/${key.id}`, { body });
      expectError(result, 400, "invalid_key_request");
      expect(result.json.error.param).toBe(param);
    }
  });

  it("rejects malformed JSON with 400", async () => {
    expectError(await call(h, "POST", "/admin/keys", { body: "{name:" }), 400, "invalid_json");
  });
});

describe("model scope (key × model × route)", () => {
  let h: Harness;
  let secret: string;

  beforeAll(async () => {
    h = await secured();
    secret = (await createKey(h, { name: "scoped", models: ["smart", "fake/allowed-*"] })).secret;
  });
  afterAll(() => h?.close());

  const routes: Array<{ name: string; path: string; body: (model: string) => unknown; anthropic?: boolean }> = [
    { name: "chat", path: "/v1/chat/completions", body: (model) => chatBody(model) },
    { name: "chat stream", path: "/v1/chat/completions", body: (model) => chatBody(model, { stream: true }) },
    { name: "embeddings", path: "/v1/embeddings", body: (model) => embeddingsBody(model) },
    { name: "messages", path: "/v1/messages", body: (model) => messagesBody(model), anthropic: true },
    { name: "messages stream", path: "/v1/messages", body: (model) => messagesBody(model, { stream: true }), anthropic: true },
  ];

  for (const route of routes) {
    it(`${route.name}: smart and fake/allowed-1 pass, fake/other is 403 model_not_allowed`, async () => {
      for (const model of ["smart", "fake/allowed-1"]) {
        const result = await call(h, "POST", route.path, { key: secret, body: route.body(model) });
        expect(result.status, `${model}: ${result.text}`).toBe(200);
      }
      const before = h.upstream.requests.length;
      const denied = await call(h, "POST", route.path, { key: secret, body: route.body("fake/other") });
      expectError(denied, 403, "model_not_allowed", route.anthropic ? "permission_error" : undefined);
      expect(h.upstream.requests.length).toBe(before);
    });
  }

  it("checks every entry of an OpenRouter-style `models` fallback list", async () => {
    const before = h.upstream.requests.length;
    expectError(await call(h, "POST", "/v1/chat/completions", { key: secret, body: chatBody("smart", { models: ["fake/allowed-2", "fake/other"] }) }), 403, "model_not_allowed");
    expectError(await call(h, "POST", "/v1/chat/completions", { key: secret, body: chatBody("smart", { stream: true, models: ["fake/other"] }) }), 403, "model_not_allowed");
    expect(h.upstream.requests.length).toBe(before);
    const allowed = await call(h, "POST", "/v1/chat/completions", { key: secret, body: chatBody("fake/allowed-1", { models: ["smart", "fake/allowed-2"] }) });
    expect(allowed.status, allowed.text).toBe(200);
  });

  it("checks the `models` fallback list on embeddings too (it routes there as well)", async () => {
    const before = h.upstream.requests.length;
    const body = { ...(embeddingsBody("fake/allowed-1") as object), models: ["fake/other"] };
    expectError(await call(h, "POST", "/v1/embeddings", { key: secret, body }), 403, "model_not_allowed");
    expect(h.upstream.requests.length).toBe(before);
  });

  it("is a PermissionDeniedError for the openai SDK", async () => {
    const client = new OpenAI({ apiKey: secret, baseURL: `${h.url}/v1`, maxRetries: 0 });
    const error = await client.chat.completions.create({ model: "fake/other", messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((error as InstanceType<typeof OpenAI.PermissionDeniedError>).code).toBe("model_not_allowed");
    const ok = await client.embeddings.create({ model: "fake/allowed-1", input: "hi" });
    expect(ok.data).toHaveLength(1);
  });

  it("does not restrict the master key", async () => {
    expect((await call(h, "POST", "/v1/chat/completions", { key: MASTER, body: chatBody("fake/other") })).status).toBe(200);
  });
});

describe("budgets", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await secured();
  });
  afterAll(() => h?.close());

  // A prompt of "hi" is estimated at 8 tokens and the fake reports 5; with max_tokens 20 every
  // request may cost up to 28 tokens × $0.001 = $0.028 and really costs 25 × $0.001 = $0.025.
  const MAX_TOKENS = 20;
  const BUDGET = 0.1;

  async function spendOf(keyId: string) {
    const spend = await call(h, "GET", "/admin/spend?group_by=key");
    expect(spend.status).toBe(200);
    return spend.json.data.find((row: { group: string | null }) => row.group === keyId) as { requests: number; cost_usd: number; output_tokens: number };
  }

  it("holds under 100 concurrent requests: some are refused, the admitted ones never overspend", async () => {
    const key = await createKey(h, { name: "capped", budget_usd: BUDGET, budget_period: "total" });
    h.knobs.delayMs = 40; // keep the admitted requests in flight while the others arrive
    try {
      const results = await Promise.all(
        Array.from({ length: 100 }, () => call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("fake/priced", { max_tokens: MAX_TOKENS }) })),
      );
      const admitted = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status === 429);
      expect(admitted.length + refused.length, results.map((r) => r.status).join(",")).toBe(100);
      expect(admitted.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) {
        expect(r.json.error).toMatchObject({ code: "budget_exceeded", type: "rate_limit_error" });
        expect(r.json.error.message).toMatch(/Budget exceeded for key 'capped'/);
      }
      let total = 0;
      for (const r of admitted) {
        expect(r.json.usage.completion_tokens).toBeLessThanOrEqual(MAX_TOKENS);
        expect(r.json.usage.cost).toBeCloseTo((FAKE_PROMPT_TOKENS + MAX_TOKENS) * PRICE / 1e6, 12);
        expect(Number(r.headers.get("x-switchyard-cost-usd"))).toBeCloseTo(r.json.usage.cost, 12);
        total += r.json.usage.cost;
      }
      expect(total).toBeLessThanOrEqual(BUDGET + 1e-12);

      const ledger = await spendOf(key.id);
      expect(ledger.requests).toBe(100);
      expect(ledger.cost_usd).toBeCloseTo(total, 9);
      expect(ledger.cost_usd).toBeLessThanOrEqual(BUDGET + 1e-12);
    } finally {
      h.knobs.delayMs = 0;
    }
  });

  it("holds a tokens-per-minute limit under 50 concurrent requests: each admission reserves its prompt and max_tokens", async () => {
    const key = await createKey(h, { name: "tpm-burst", tpm: 1_000 });
    h.knobs.delayMs = 40;
    try {
      const results = await Promise.all(
        Array.from({ length: 50 }, () => call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("fake/priced", { max_tokens: 300 }) })),
      );
      // "hi" reserves 2 + 300 tokens: admitted with 0, 302, 604 and 906 in the window, refused from 1,208
      // (a settle only raises a request's 302 to the 305 it used, so the count is exact however they interleave).
      const admitted = results.filter((r) => r.status === 200);
      expect(admitted, results.map((r) => r.status).join(",")).toHaveLength(4);
      for (const r of results.filter((r) => r.status !== 200)) {
        expect(r.status).toBe(429);
        expect(r.json.error).toMatchObject({ code: "rate_limit_exceeded", type: "rate_limit_error" });
        expect(r.json.error.message).toMatch(/1000 tokens per minute/);
      }
    } finally {
      h.knobs.delayMs = 0;
    }
    // Settled to what they used: 4 × (5 + 300) tokens now fill the window.
    const after = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("fake/priced", { max_tokens: 1 }) });
    expect(after.status).toBe(429);
    expect(after.headers.get("x-ratelimit-remaining-tokens")).toBe("0");
  });

  it("gives the token reservation of a request refused after the tokens check back", async () => {
    // $0.001 a token: 100 output tokens fit the budget, 900 do not.
    const key = await createKey(h, { name: "tpm-giveback", tpm: 1_000, budget_usd: 0.5, budget_period: "total" });
    const first = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("fake/priced", { max_tokens: 100 }) });
    expect(first.status).toBe(200);
    // Admitted by the tokens limit (902 reserved), then refused by the budget: the 902 are given back.
    const refused = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("fake/priced", { max_tokens: 900 }) });
    expect(refused.json.error.code).toBe("budget_exceeded");
    const next = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("fake/priced", { max_tokens: 10 }) });
    expect(next.status).toBe(200);
    // The window holds the first request's 5 + 100 and this one's reservation, 2 + 10: nothing of the refused one.
    expect(next.headers.get("x-ratelimit-remaining-tokens")).toBe(String(1_000 - 105 - 12));
  });

  it("holds for concurrent streams too (cost in the final usage chunk)", async () => {
    const key = await createKey(h, { name: "capped-stream", budget_usd: BUDGET, budget_period: "total" });
    h.knobs.delayMs = 40;
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, () =>
          call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("fake/priced", { max_tokens: MAX_TOKENS, stream: true, stream_options: { include_usage: true } }) }),
        ),
      );
      const admitted = results.filter((r) => r.status === 200);
      const refused = results.filter((r) => r.status === 429);
      expect(admitted.length + refused.length).toBe(40);
      expect(admitted.length).toBeGreaterThan(0);
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) expect(r.json.error.code).toBe("budget_exceeded");
      let total = 0;
      for (const r of admitted) {
        const events = r.text.trim().split("\n\n").map((event) => event.replace(/^data: /, ""));
        expect(events.at(-1)).toBe("[DONE]");
        const usage = JSON.parse(events.at(-2)!).usage;
        expect(usage.cost).toEqual(expect.any(Number));
        total += usage.cost;
      }
      expect(total).toBeLessThanOrEqual(BUDGET + 1e-12);
      expect((await spendOf(key.id)).cost_usd).toBeLessThanOrEqual(BUDGET + 1e-12);
    } finally {
      h.knobs.delayMs = 0;
    }
  });

  it("refuses a request whose worst case alone exceeds what is left", async () => {
    const key = await createKey(h, { name: "tiny", budget_usd: 0.01 });
    const before = h.upstream.requests.length;
    const result = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("fake/priced", { max_tokens: MAX_TOKENS }) });
    expectError(result, 429, "budget_exceeded");
    expect(h.upstream.requests.length).toBe(before);
    // A request that fits is served.
    expect((await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("fake/priced", { max_tokens: 1 }) })).status).toBe(200);
  });

  it("refuses an unpriced model for a budgeted key with 400 unpriced_model", async () => {
    const key = await createKey(h, { name: "budgeted", budget_usd: 1 });
    const before = h.upstream.requests.length;
    const result = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("vendor/mystery-model") });
    expectError(result, 400, "unpriced_model");
    expect(result.json.error.param).toBe("model");
    expect(h.upstream.requests.length).toBe(before);
    // A key without a budget may use it.
    const free = await createKey(h, { name: "unbudgeted" });
    expect((await call(h, "POST", "/v1/chat/completions", { key: free.secret, body: chatBody("vendor/mystery-model") })).status).toBe(200);
  });
});

describe("rate limits", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await secured();
  });
  afterAll(() => h?.close());

  it("rpm: 3 admits three requests in a row and refuses the fourth with 429 and rate-limit headers", async () => {
    const key = await createKey(h, { name: "rpm3", rpm: 3 });
    for (let i = 0; i < 3; i++) {
      expect((await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") })).status).toBe(200);
    }
    const before = h.upstream.requests.length;
    const limited = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") });
    expectError(limited, 429, "rate_limit_exceeded");
    expect(limited.json.error.type).toBe("rate_limit_error");
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get("x-ratelimit-limit-requests")).toBe("3");
    expect(limited.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(limited.headers.get("x-ratelimit-reset-requests")).toMatch(/^\d+(\.\d+)?s$/);
    expect(h.upstream.requests.length).toBe(before);
    // Embeddings and the Anthropic front count against the same limit.
    expectError(await call(h, "POST", "/v1/embeddings", { key: key.secret, body: embeddingsBody("smart") }), 429, "rate_limit_exceeded");
    const anthropic = await call(h, "POST", "/v1/messages", { key: key.secret, body: messagesBody("smart") });
    expectError(anthropic, 429, null, "rate_limit_error");
    expect(anthropic.headers.get("retry-after")).toMatch(/^\d+$/);
  });

  it("rpm is per key", async () => {
    const a = await createKey(h, { name: "rpm1-a", rpm: 1 });
    const b = await createKey(h, { name: "rpm1-b", rpm: 1 });
    expect((await call(h, "POST", "/v1/chat/completions", { key: a.secret, body: chatBody("smart") })).status).toBe(200);
    expect((await call(h, "POST", "/v1/chat/completions", { key: a.secret, body: chatBody("smart") })).status).toBe(429);
    expect((await call(h, "POST", "/v1/chat/completions", { key: b.secret, body: chatBody("smart") })).status).toBe(200);
  });

  it("tpm: once a request's tokens are recorded, the next request over the limit gets 429", async () => {
    const key = await createKey(h, { name: "tpm", tpm: 10 });
    // The fake reports 5 prompt + 5 completion tokens = 10.
    const first = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") });
    expect(first.status).toBe(200);
    expect(first.json.usage.total_tokens).toBe(10);
    const limited = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") });
    expectError(limited, 429, "rate_limit_exceeded");
    expect(limited.headers.get("x-ratelimit-limit-tokens")).toBe("10");
    expect(limited.headers.get("x-ratelimit-remaining-tokens")).toBe("0");
    expect(limited.headers.get("x-ratelimit-reset-tokens")).toMatch(/^\d+(\.\d+)?s$/);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("rpm and tpm together: both are asked at once and the request limit answers first", async () => {
    const key = await createKey(h, { name: "rpm-tpm", rpm: 2, tpm: 10 });
    expect((await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") })).status).toBe(200);
    // Over tpm (10 tokens recorded) with a request slot left: the tokens limit refuses.
    const byTokens = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") });
    expectError(byTokens, 429, "rate_limit_exceeded");
    expect(byTokens.headers.get("x-ratelimit-limit-tokens")).toBe("10");
    // That refusal took the second slot (as when asked one after the other); now both refuse and the request limit speaks.
    const byRequests = await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") });
    expectError(byRequests, 429, "rate_limit_exceeded");
    expect(byRequests.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(byRequests.headers.get("x-ratelimit-limit-tokens")).toBeNull();
  });
});

describe("audit log", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await secured();
  });
  afterAll(() => h?.close());

  it("records key changes and denied requests (401, 403, 429) with key prefixes and never a secret", async () => {
    const key = await createKey(h, { name: "audited", models: ["smart"], rpm: 1 });
    const other = await createKey(h, { name: "revoked-later" });
    await call(h, "PATCH", `/admin/keys/${key.id}`, { body: { name: "audited-2" } });
    // 429 (rpm), 403 (scope), 403 (admin route with a virtual key)
    await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") });
    expect((await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("smart") })).status).toBe(429);
    expect((await call(h, "POST", "/v1/chat/completions", { key: key.secret, body: chatBody("fake/other") })).status).toBe(403);
    expect((await call(h, "GET", "/admin/keys", { key: key.secret })).status).toBe(403);
    // 401: revoked, unknown, missing
    expect((await call(h, "DELETE", `/admin/keys/${other.id}`)).status).toBe(200);
    expect((await call(h, "POST", "/v1/chat/completions", { key: other.secret, body: chatBody("smart") })).status).toBe(401);
    expect((await call(h, "POST", "/v1/chat/completions", { key: UNKNOWN_VIRTUAL_KEY, body: chatBody("smart") })).status).toBe(401);
    expect((await call(h, "POST", "/v1/chat/completions", { key: null, body: chatBody("smart") })).status).toBe(401);

    const audit = await call(h, "GET", "/admin/audit?limit=1000");
    expect(audit.status).toBe(200);
    const events = audit.json.data as Array<{ actor: string; action: string; key_prefix: string | null; target: string | null; reason: string | null; status: number | null }>;
    const find = (predicate: (e: (typeof events)[number]) => boolean) => events.find(predicate);

    expect(find((e) => e.action === "key.created" && e.target === key.id)).toMatchObject({ actor: "master", key_prefix: key.prefix });
    expect(find((e) => e.action === "key.updated" && e.target === key.id)).toMatchObject({ actor: "master", key_prefix: key.prefix, reason: "name" });
    expect(find((e) => e.action === "key.revoked" && e.target === other.id)).toMatchObject({ actor: "master", key_prefix: other.prefix });

    const denied = events.filter((e) => e.action === "request.denied");
    expect(find((e) => e.action === "request.denied" && e.status === 429)).toMatchObject({ actor: key.id, key_prefix: key.prefix, target: "smart" });
    expect(find((e) => e.action === "request.denied" && e.status === 403 && e.target === "fake/other")).toMatchObject({ actor: key.id, key_prefix: key.prefix });
    expect(find((e) => e.action === "request.denied" && e.status === 403 && e.target === "/admin/keys")).toMatchObject({ actor: key.id, key_prefix: key.prefix });
    expect(find((e) => e.action === "request.denied" && e.status === 401 && e.key_prefix === other.prefix)).toMatchObject({ actor: other.id, reason: expect.stringMatching(/^key_revoked/) });
    expect(find((e) => e.action === "request.denied" && e.status === 401 && e.key_prefix === UNKNOWN_VIRTUAL_KEY.slice(0, 10))).toMatchObject({ actor: "system" });
    expect(find((e) => e.action === "request.denied" && e.status === 401 && e.key_prefix === null)).toMatchObject({ reason: expect.stringMatching(/^missing_api_key/) });
    expect(new Set(denied.map((e) => e.status))).toEqual(new Set([401, 403, 429]));

    const onlyDenied = await call(h, "GET", "/admin/audit?action=request.denied&limit=1000");
    expect(onlyDenied.json.data.length).toBe(denied.length);
    const badFilter = await call(h, "GET", "/admin/audit?action=key.stolen");
    expectError(badFilter, 400, null);
    expect(badFilter.json.error.param).toBe("action");

    for (const secret of [key.secret, other.secret, UNKNOWN_VIRTUAL_KEY, MASTER]) {
      expect(audit.text).not.toContain(secret);
      expect(audit.text).not.toContain(secret.slice(10));
    }
    for (const event of events) if (event.key_prefix) expect(event.key_prefix.length).toBeLessThanOrEqual(10);
  });
});

describe("secrets never leak", () => {
  let h: Harness;
  let virtual: string;
  let revoked: string;
  /** Every response body and header seen by a client. */
  const seen: string[] = [];

  const record = (label: string, result: CallResult) => {
    const headers: string[] = [];
    result.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
    seen.push(`### ${label} ${result.status}\n${headers.join("\n")}\n\n${result.text}`);
    return result;
  };
  const send = async (label: string, method: string, path: string, options: Parameters<typeof call>[3] = {}) => record(label, await call(h, method, path, options));

  beforeAll(async () => {
    h = await startHarness({
      config: (upstream) => ({ ...configFor(upstream, { master: true }), log: { level: "trace" } }),
      master: MASTER,
    });
    virtual = (await createKey(h, { name: "canary" })).secret;
    const gone = await createKey(h, { name: "canary-revoked" });
    revoked = gone.secret;
    await call(h, "DELETE", `/admin/keys/${gone.id}`);
  });
  afterAll(() => h?.close());

  const echo = () => `the key you sent was ${PROVIDER_KEY} (master ${MASTER})`;

  it("drives every error path and finds no secret in responses, headers, logs, ledger or audit log", async () => {
    const knobs = { delayMs: 0 };
    const normal = governanceHandler(knobs);
    const chat = (model = "smart", extra: Record<string, unknown> = {}) => ({ key: virtual, body: chatBody(model, extra) });

    // Upstream 401 echoing the provider key.
    h.upstream.handle((_req, res) => sendJson(res, 401, { error: { message: `Incorrect API key provided: ${PROVIDER_KEY}`, type: "invalid_request_error", code: "invalid_api_key" } }));
    expect((await send("upstream 401", "POST", "/v1/chat/completions", chat())).status).toBe(502);
    expect((await send("upstream 401 stream", "POST", "/v1/chat/completions", chat("smart", { stream: true }))).status).toBe(502);
    expect((await send("upstream 401 messages", "POST", "/v1/messages", { key: virtual, body: messagesBody("smart") })).status).toBe(502);

    // Upstream 500 echoing it (and the master key).
    h.upstream.handle((_req, res) => sendJson(res, 500, { error: { message: echo(), type: "server_error" } }));
    expect((await send("upstream 500", "POST", "/v1/chat/completions", chat("fake/allowed-1"))).status).toBeGreaterThanOrEqual(500);
    expect((await send("upstream 500 embeddings", "POST", "/v1/embeddings", { key: virtual, body: embeddingsBody("fake/other") })).status).toBeGreaterThanOrEqual(500);
    expect((await send("upstream 500 messages", "POST", "/v1/messages", { key: virtual, body: messagesBody("fake/gpt-fake") })).status).toBeGreaterThanOrEqual(500);
    h.upstream.handle((_req, res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end(echo());
    });
    expect((await send("upstream 500 text", "POST", "/v1/chat/completions", chat("fake/priced"))).status).toBeGreaterThanOrEqual(500);

    // Upstream 200 with the key in the answer.
    h.upstream.handle((request, res) => {
      if (request.url.endsWith("/embeddings")) return sendJson(res, 200, { object: "list", model: echo(), data: [{ object: "embedding", index: 0, embedding: [0.5] }], usage: { prompt_tokens: 1, total_tokens: 1 } });
      sendJson(res, 200, { id: "x", object: "chat.completion", created: 1, model: "m", choices: [{ index: 0, message: { role: "assistant", content: echo() }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } });
    });
    const answered = await send("upstream 200 echo", "POST", "/v1/chat/completions", chat());
    expect(answered.status).toBe(200);
    expect(answered.json.choices[0].message.content).toContain("[REDACTED]");
    expect((await send("upstream 200 echo messages", "POST", "/v1/messages", { key: virtual, body: messagesBody("smart") })).status).toBe(200);
    expect((await send("upstream 200 echo embeddings", "POST", "/v1/embeddings", { key: virtual, body: embeddingsBody("smart") })).status).toBe(200);

    // A stream chunk echoing it, then a mid-stream error event echoing it.
    h.upstream.handle((_req, res) =>
      sendSse(res, [
        JSON.stringify(chunk("m", { role: "assistant", content: "" })),
        JSON.stringify(chunk("m", { content: echo() })),
        JSON.stringify({ error: { message: echo(), type: "server_error" } }),
      ]),
    );
    const streamed = await send("stream echo", "POST", "/v1/chat/completions", chat("smart", { stream: true }));
    expect(streamed.status).toBe(200);
    expect(streamed.text).toContain("[REDACTED]");
    expect((await send("stream echo messages", "POST", "/v1/messages", { key: virtual, body: messagesBody("smart", { stream: true }) })).status).toBe(200);

    // Client-side failures.
    h.upstream.handle(normal);
    expect((await send("unknown virtual key", "POST", "/v1/chat/completions", { key: UNKNOWN_VIRTUAL_KEY, body: chatBody("smart") })).status).toBe(401);
    expect((await send("revoked key", "POST", "/v1/chat/completions", { key: revoked, body: chatBody("smart") })).status).toBe(401);
    expect((await send("revoked key x-api-key", "POST", "/v1/messages", { key: null, headers: { "x-api-key": revoked }, body: messagesBody("smart") })).status).toBe(401);
    expect((await send("conflicting keys", "POST", "/v1/chat/completions", { key: virtual, headers: { "x-api-key": revoked }, body: chatBody("smart") })).status).toBe(401);
    expect((await send("malformed bearer", "POST", "/v1/chat/completions", { key: null, headers: { authorization: `Token ${virtual}` }, body: chatBody("smart") })).status).toBe(401);
    expect((await send("virtual key on admin", "GET", "/admin/keys", { key: virtual })).status).toBe(403);
    expect((await send("bad JSON", "POST", "/v1/chat/completions", { key: virtual, body: `{"model": "smart", "note": "${virtual}", oops` })).status).toBe(400);
    expect((await send("bad JSON with the key first", "POST", "/v1/chat/completions", { key: virtual, body: `${virtual}` })).status).toBe(400);
    expect((await send("bad JSON messages", "POST", "/v1/messages", { key: virtual, body: `{"model": ${MASTER}}` })).status).toBe(400);
    const broke = await createKey(h, { name: "canary-broke", budget_usd: 0.000001 });
    expect((await send("over budget", "POST", "/v1/chat/completions", { key: broke.secret, body: chatBody("fake/priced", { max_tokens: 10 }) })).status).toBe(429);
    expect((await send("404 model", "POST", "/v1/chat/completions", chat("no-such-model"))).status).toBe(404);
    expect((await send("404 model messages", "POST", "/v1/messages", { key: virtual, body: messagesBody("nobody/nothing") })).status).toBe(404);
    expect((await send("unpriced model", "POST", "/v1/chat/completions", { key: broke.secret, body: chatBody("vendor/mystery-model") })).status).toBe(400);

    // What an admin can read afterwards.
    for (const path of ["/admin/requests?limit=1000", "/admin/audit?limit=1000", "/admin/spend?group_by=key", "/admin/keys", "/admin/providers", "/metrics"]) {
      const result = await send(`admin ${path}`, "GET", path, { key: MASTER });
      expect(result.status).toBe(200);
    }
    const requests = await call(h, "GET", "/admin/requests?limit=1000");
    expect(requests.json.data.length).toBeGreaterThanOrEqual(15);

    await h.gateway.close(); // flushes the ledger and the logger
    expect(h.logs.length).toBeGreaterThan(0);
    const everything = [...seen, ...h.logs].join("\n");
    const secrets = { provider: PROVIDER_KEY, master: MASTER, virtual, revoked, broke: broke.secret, unknown: UNKNOWN_VIRTUAL_KEY };
    for (const [name, secret] of Object.entries(secrets)) {
      // Neither the whole secret nor any long part of it (a 16-character slice past a key's display prefix).
      const where = seen.find((text) => text.includes(secret) || text.includes(secret.slice(10, 26)));
      expect(where, `${name} secret leaked in:\n${where}`).toBeUndefined();
      expect(everything.includes(secret), `${name} secret in logs`).toBe(false);
      expect(everything.includes(secret.slice(10, 26)), `${name} secret fragment`).toBe(false);
    }
  });
});
