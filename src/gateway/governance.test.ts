import { describe, expect, it } from "vitest";
import { MemoryAuditStore } from "../auth/memory-audit-store.js";
import type { VirtualKey } from "../auth/virtual-key.js";
import { MemoryStateStore } from "../state/memory-state.js";
import { Governance } from "./governance.js";
import type { Pricing } from "./pricing.js";

const KEY: VirtualKey = {
  id: "key_0123456789abcdef", name: "limits", prefix: "sk-sy-abcd", hash: "0".repeat(64), models: [],
  rpm: 5, tpm: 100, budget_usd: null, budget_period: null, expires_at: null, metadata: {},
  log_prompts: false, created_at: 0, updated_at: 0, revoked_at: null,
};

/** Memory state whose rate answers wait until released, recording what was asked meanwhile. */
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
  release(): void {
    for (const release of this.releases.splice(0)) release();
  }
}

describe("Governance", () => {
  it("asks the request and token limits at once (one round trip with Redis state), then admits", async () => {
    const state = new HeldState();
    const governance = new Governance(state, {} as Pricing, new MemoryAuditStore());
    const admitted = governance.admit(KEY, { model: "m", routedModel: "m", messages: [] } as never, () => [], "req_1");
    await new Promise((resolve) => setImmediate(resolve));
    // Both questions are out before either has an answer.
    expect(state.asked).toEqual(["takeRequest", "checkTokens"]);
    state.release();
    await expect(admitted).resolves.toMatchObject({ settle: expect.any(Function) });
  });
});
