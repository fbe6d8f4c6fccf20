import { describe, expect, it } from "vitest";
import { MemoryAuditStore } from "../auth/memory-audit-store.js";
import type { VirtualKey } from "../auth/virtual-key.js";
import type { Deployment } from "../router/plan.js";
import { MemoryStateStore } from "../state/memory-state.js";
import { StateUnavailableError } from "../state/state-unavailable.js";
import { GatewayError } from "../core/errors.js";
import { Governance } from "./governance.js";
import type { Pricing } from "./pricing.js";

const KEY: VirtualKey = {
  id: "key_0123456789abcdef", name: "limits", prefix: "sk-sy-abcd", hash: "0".repeat(64), models: [],
  rpm: 5, tpm: 100, budget_usd: null, budget_period: null, expires_at: null, metadata: {},
  log_prompts: false, created_at: 0, updated_at: 0, revoked_at: null,
};
const BUDGETED: VirtualKey = { ...KEY, budget_usd: 1, budget_period: "total" };

const deployment = (model: string): Deployment => ({ provider: "p", model, weight: 1, alias: undefined, retries: 0, id: `p/${model}` });
/** $1 per million tokens in and out; "unpriced" has no price. */
const PRICING = {
  quote: (d: Deployment) => (d.model === "unpriced" ? { priced: false } : { priced: true, price: { input: 1, output: 1 } }),
  maxOutputTokensOf: () => undefined,
} as unknown as Pricing;
/** The one deployment a request may reach. */
const REACH = () => [deployment("m")];
const governanceOf = (state: MemoryStateStore) => new Governance(state, PRICING, new MemoryAuditStore());
/** "hi" bounded at 2 + 4 bytes, plus 100 output tokens: 106 micro-USD. */
const REQUEST = { model: "m", messages: [{ role: "user", content: "hi" }], maxOutputTokens: 100 } as never;
const WORST_CASE_MICROS = 106;

/** Memory state whose answers wait until released, recording what was asked meanwhile. */
class HeldState extends MemoryStateStore {
  readonly asked: string[] = [];
  private releases: Array<() => void> = [];
  private hold<T>(name: string, answer: () => Promise<T>): Promise<T> {
    this.asked.push(name);
    return new Promise<void>((resolve) => this.releases.push(resolve)).then(answer);
  }
  override takeRequest(scope: string, limit: number, now: number) {
    return this.hold("takeRequest", () => super.takeRequest(scope, limit, now));
  }
  override checkTokens(scope: string, limit: number, now: number) {
    return this.hold("checkTokens", () => super.checkTokens(scope, limit, now));
  }
  override reserveBudget(scope: string, period: string, amount: number, limit: number) {
    return this.hold("reserveBudget", () => super.reserveBudget(scope, period, amount, limit));
  }
  release(): void {
    for (const release of this.releases.splice(0)) release();
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe("Governance", () => {
  it("asks the request and token limits at once (one round trip with Redis state), then admits", async () => {
    const state = new HeldState();
    const governance = new Governance(state, {} as Pricing, new MemoryAuditStore());
    const admitted = governance.admit(KEY, { model: "m", routedModel: "m", messages: [] } as never, () => [], "req_1");
    await turn();
    // Both questions are out before either has an answer.
    expect(state.asked).toEqual(["takeRequest", "checkTokens"]);
    state.release();
    await expect(admitted).resolves.toMatchObject({ settle: expect.any(Function) });
  });

  it("asks for the budget reservation in the same round trip as the limits", async () => {
    const state = new HeldState();
    const governance = governanceOf(state);
    const admitted = governance.admit(BUDGETED, REQUEST, REACH, "req_1");
    await turn();
    expect(state.asked).toEqual(["takeRequest", "checkTokens", "reserveBudget"]);
    state.release();
    const admission = await admitted;
    expect(await state.budgetUsage(BUDGETED.id, "total")).toEqual({ spentMicros: 0, reservedMicros: WORST_CASE_MICROS });
    admission.settle(0.00005, 10);
    await turn();
    expect(await state.budgetUsage(BUDGETED.id, "total")).toEqual({ spentMicros: 50, reservedMicros: 0 });
  });

  it("releases the reservation of a request a rate limit refuses, and the refusal is the limit's", async () => {
    // Two instances sharing state: the second has not seen the key near its limit, so it asks for the budget at once.
    const state = new MemoryStateStore();
    const key = { ...BUDGETED, rpm: 1, tpm: null };
    await governanceOf(state).admit(key, REQUEST, REACH, "req_1");
    const other = governanceOf(state);
    await expect(other.admit(key, REQUEST, REACH, "req_2")).rejects.toMatchObject({ status: 429, code: "rate_limit_exceeded" });
    await turn();
    // Only the admitted request's reservation is held.
    expect(await state.budgetUsage(key.id, "total")).toEqual({ spentMicros: 0, reservedMicros: WORST_CASE_MICROS });
  });

  it("gives an early reservation back when a limit cannot be asked (the state store failed)", async () => {
    const state = new MemoryStateStore();
    state.takeRequest = () => Promise.reject(new Error("state store down"));
    const governance = governanceOf(state);
    await expect(governance.admit({ ...BUDGETED, tpm: null }, REQUEST, REACH, "req_1")).rejects.toThrow("state store down");
    await turn();
    expect(await state.budgetUsage(BUDGETED.id, "total")).toEqual({ spentMicros: 0, reservedMicros: 0 });
  });

  it("answers 503 state_store_unavailable when the state store cannot answer, and audits no denial", async () => {
    const cases: Array<(state: MemoryStateStore, down: () => Promise<never>) => void> = [
      (state, down) => (state.takeRequest = down),
      (state, down) => (state.checkTokens = down),
      (state, down) => (state.reserveBudget = down),
    ];
    for (const breakStore of cases) {
      const state = new MemoryStateStore();
      breakStore(state, () => Promise.reject(new StateUnavailableError("Reached the max retries per request limit (which is 1)")));
      const audit = new MemoryAuditStore();
      const error = await new Governance(state, PRICING, audit).admit(BUDGETED, REQUEST, REACH, "req_1").catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GatewayError);
      expect(error).toMatchObject({ status: 503, code: "state_store_unavailable", retryAfterSeconds: 5, message: "Rate-limit and budget state is unavailable; retry later" });
      expect((error as GatewayError).toJSON().error.type).toBe("api_error");
      expect(await audit.list()).toEqual([]);
      await turn();
      expect(await state.budgetUsage(BUDGETED.id, "total")).toEqual({ spentMicros: 0, reservedMicros: 0 });
    }
    // Any other failure is still a bug, answered as one (500).
    const state = new MemoryStateStore();
    state.takeRequest = () => Promise.reject(new TypeError("a bug"));
    await expect(governanceOf(state).admit(KEY, REQUEST, REACH, "req_1")).rejects.toThrow(TypeError);
  });

  it("releases the reservation when the cost is not a number, rather than leave it held", async () => {
    const state = new MemoryStateStore();
    const admission = await governanceOf(state).admit(BUDGETED, REQUEST, REACH, "req_1");
    admission.settle(Number.NaN, 10);
    await turn();
    expect(await state.budgetUsage(BUDGETED.id, "total")).toEqual({ spentMicros: 0, reservedMicros: 0 });
  });

  it("answers a rate refusal with 429 even when the early reservation failed", async () => {
    const state = new MemoryStateStore();
    const key = { ...BUDGETED, rpm: 1, tpm: null };
    await governanceOf(state).admit(key, REQUEST, REACH, "req_1");
    state.reserveBudget = () => Promise.reject(new Error("state store down"));
    const other = governanceOf(state);
    await expect(other.admit(key, REQUEST, REACH, "req_2")).rejects.toMatchObject({ status: 429, code: "rate_limit_exceeded" });
  });

  it("asks for the budget only after the limits answer once the key is near a rate limit", async () => {
    const state = new HeldState();
    let clock = 1_000_000;
    const governance = new Governance(state, PRICING, new MemoryAuditStore(), () => clock);
    const key = { ...BUDGETED, rpm: 2, tpm: null };
    const admitOnce = async () => {
      state.asked.length = 0;
      const outcome = governance.admit(key, REQUEST, REACH, "req").then(() => "admitted", (error: { code: string }) => error.code);
      await turn();
      const together = [...state.asked];
      state.release();
      await turn();
      state.release();
      return [await outcome, together];
    };
    expect(await admitOnce()).toEqual(["admitted", ["takeRequest", "reserveBudget"]]); // one request left after it
    expect(await admitOnce()).toEqual(["admitted", ["takeRequest", "reserveBudget"]]); // none left after it: near
    expect(await admitOnce()).toEqual(["rate_limit_exceeded", ["takeRequest"]]);
    // Nothing was reserved for the refused request.
    expect(state.asked).toEqual(["takeRequest"]);
    expect(await state.budgetUsage(key.id, "total")).toEqual({ spentMicros: 0, reservedMicros: 2 * WORST_CASE_MICROS });
    // A minute later the limit has refilled: asked one after the other once more, then together again.
    clock += 60_000;
    expect(await admitOnce()).toEqual(["admitted", ["takeRequest"]]);
    expect(await admitOnce()).toEqual(["admitted", ["takeRequest", "reserveBudget"]]);
  });

  it("reserves the output once per choice asked for (n): the prompt is billed once, every choice may reach max_tokens", async () => {
    const state = new MemoryStateStore();
    await governanceOf(state).admit(BUDGETED, { ...(REQUEST as object), choices: 8 } as never, REACH, "req_1");
    // 6 prompt-bound tokens once, 100 output tokens eight times.
    expect(await state.budgetUsage(BUDGETED.id, "total")).toEqual({ spentMicros: 0, reservedMicros: 6 + 8 * 100 });
  });

  it("a budget refusal under the limits is a budget refusal, and reserves nothing", async () => {
    const state = new MemoryStateStore();
    const governance = governanceOf(state);
    const key = { ...BUDGETED, budget_usd: 0.0001 };
    await expect(governance.admit(key, REQUEST, REACH, "req_1")).rejects.toMatchObject({ status: 429, code: "budget_exceeded" });
    expect(await state.budgetUsage(key.id, "total")).toEqual({ spentMicros: 0, reservedMicros: 0 });
  });

  it("a budget spent in full says when it renews (Retry-After); one with some left, or a total budget, does not", async () => {
    const state = new MemoryStateStore();
    const now = Date.UTC(2026, 11, 7, 23, 59, 0);
    const governance = new Governance(state, PRICING, new MemoryAuditStore(), () => now);
    const daily = { ...BUDGETED, budget_usd: 0.0001, budget_period: "daily" as const };
    // Some of the $0.0001 (100 micro-USD) is left, but not the 106 this request may cost: a smaller one may fit.
    await expect(governance.admit(daily, REQUEST, REACH, "req_1")).rejects.toMatchObject({ code: "budget_exceeded", retryAfterSeconds: undefined });
    await state.reserveBudget(daily.id, "2026-12-07", 100, 100);
    await expect(governance.admit(daily, REQUEST, REACH, "req_2")).rejects.toMatchObject({ code: "budget_exceeded", retryAfterSeconds: 60 });
    const total = { ...daily, id: "k-total", budget_period: "total" as const };
    await state.reserveBudget(total.id, "total", 100, 100);
    await expect(governance.admit(total, REQUEST, REACH, "req_3")).rejects.toMatchObject({ code: "budget_exceeded", retryAfterSeconds: undefined });
  });

  it("refuses an absurd max_tokens as over budget (429), not with a 500 from micro-USD past 2^53", async () => {
    const state = new MemoryStateStore();
    const governance = governanceOf(state);
    const huge = { ...(REQUEST as object), maxOutputTokens: 1e16 } as never;
    await expect(governance.admit({ ...BUDGETED, rpm: null, tpm: null }, huge, REACH, "req_1")).rejects.toMatchObject({ status: 429, code: "budget_exceeded" });
    expect(await state.budgetUsage(BUDGETED.id, "total")).toEqual({ spentMicros: 0, reservedMicros: 0 });
  });

  it("serves a key whose stored budget is past what micro-USD count exactly (made before the admin API's bound)", async () => {
    const state = new MemoryStateStore();
    const admission = await governanceOf(state).admit({ ...BUDGETED, budget_usd: 1e12, rpm: null, tpm: null }, REQUEST, REACH, "req_1");
    admission.settle(1e11, 10);
    await turn();
    expect(await state.budgetUsage(BUDGETED.id, "total")).toEqual({ spentMicros: Number.MAX_SAFE_INTEGER, reservedMicros: 0 });
  });

  it("refuses an unpriced deployment for a budgeted key before any limit is taken", async () => {
    const state = new MemoryStateStore();
    const governance = governanceOf(state);
    const key = { ...BUDGETED, rpm: 1 };
    await expect(governance.admit(key, REQUEST, () => [deployment("m"), deployment("unpriced")], "req_1")).rejects.toMatchObject({ status: 400, code: "unpriced_model" });
    // The key's one request a minute is still there.
    await expect(governance.admit(key, REQUEST, REACH, "req_2")).resolves.toBeDefined();
  });

  it("admits a request that generates nothing on the request limit alone: no tokens, no budget; a refusal is audited, an outage a 503", async () => {
    const state = new HeldState();
    const audit = new MemoryAuditStore();
    const governance = new Governance(state, PRICING, audit);
    const key = { ...BUDGETED, rpm: 1, tpm: 100, budget_usd: 0 };
    const admitted = governance.admitRequestOnly(key, REQUEST, "req_1");
    await turn();
    expect(state.asked).toEqual(["takeRequest"]);
    state.release();
    expect(await admitted).toEqual({ "x-ratelimit-limit-requests": "1", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "60s" });
    const refused = governance.admitRequestOnly(key, REQUEST, "req_2");
    await turn();
    state.release();
    await expect(refused).rejects.toMatchObject({ status: 429, code: "rate_limit_exceeded", headers: { "x-ratelimit-remaining-requests": "0" } });
    expect(await audit.list()).toEqual([expect.objectContaining({ action: "request.denied", request_id: "req_2" })]);
    expect(await state.budgetUsage(key.id, "total")).toEqual({ spentMicros: 0, reservedMicros: 0 });
    await expect(governance.admitRequestOnly({ ...key, rpm: null }, REQUEST, "req_3")).resolves.toBeUndefined();

    const down = new MemoryStateStore();
    down.takeRequest = () => Promise.reject(new StateUnavailableError("down"));
    await expect(governanceOf(down).admitRequestOnly(key, REQUEST, "req_4")).rejects.toMatchObject({ status: 503, code: "state_store_unavailable" });
  });
});
