import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../core/errors.js";
import { createLogger } from "./logger.js";
import { KeyRing, MAX_REST_MS, REJECTED_KEY_SIT_OUT_MS } from "./key-ring.js";

const log = createLogger("silent");
const refusal = (status: number, code: string | null = null) =>
  new GatewayError("upstream_auth", `refused (HTTP ${status})`, { upstreamStatus: status, code, provider: "p" });
const limited = (seconds: number) => new GatewayError("rate_limit", "slow down", { upstreamStatus: 429, retryAfterSeconds: seconds, provider: "p" });

function ring(keys: string[]) {
  let now = 1_000_000;
  const keyRing = new KeyRing("p", keys, log, () => now);
  return { keyRing, advance: (ms: number) => (now += ms) };
}

describe("KeyRing", () => {
  it("never hands out no key: the only key, once rejected, still goes (the provider's answer is the error)", () => {
    const { keyRing } = ring(["sk-only-0001"]);
    expect(keyRing.report("sk-only-0001", refusal(401))).toBe(false);
    expect(keyRing.next()).toBe("sk-only-0001");
    expect(keyRing.status()).toEqual([expect.objectContaining({ state: "rejected", reason: "HTTP 401" })]);
  });

  it("a rejected key sits out while another is usable, and comes back after the sit-out", () => {
    const { keyRing, advance } = ring(["sk-one-0001", "sk-two-0002"]);
    expect(keyRing.next()).toBe("sk-one-0001");
    expect(keyRing.report("sk-one-0001", refusal(401))).toBe(true);
    for (let i = 0; i < 4; i++) expect(keyRing.next()).toBe("sk-two-0002");
    advance(REJECTED_KEY_SIT_OUT_MS);
    expect([keyRing.next(), keyRing.next()].sort()).toEqual(["sk-one-0001", "sk-two-0002"]);
    expect(keyRing.status().map((s) => s.state)).toEqual(["active", "active"]);
  });

  it("Gemini's invalid-key reasons reject the key like a 401", () => {
    const { keyRing } = ring(["sk-one-0001", "sk-two-0002"]);
    expect(keyRing.report("sk-one-0001", refusal(400, "api_key_invalid"))).toBe(true);
    expect(keyRing.status()[0]).toMatchObject({ state: "rejected", reason: "HTTP 400" });
  });

  it("a 403 (no access to one model, billing, region) leaves the key in rotation and asks for no key switch", () => {
    const { keyRing } = ring(["sk-one-0001", "sk-two-0002"]);
    expect(keyRing.report("sk-one-0001", refusal(403, "model_not_found"))).toBe(false);
    expect(keyRing.status().map((s) => s.state)).toEqual(["active", "active"]);
  });

  it("when no key is usable, a resting key goes before a rejected one", () => {
    const { keyRing } = ring(["sk-one-0001", "sk-two-0002"]);
    keyRing.report("sk-one-0001", refusal(401));
    expect(keyRing.report("sk-two-0002", limited(30))).toBe(false);
    expect(keyRing.next()).toBe("sk-two-0002");
    expect(keyRing.status()[1]).toMatchObject({ state: "resting" });
  });

  it("a rate-limited key rests as long as its Retry-After says, but never longer than MAX_REST_MS", () => {
    const { keyRing, advance } = ring(["sk-one-0001", "sk-two-0002"]);
    expect(keyRing.next()).toBe("sk-one-0001");
    expect(keyRing.report("sk-one-0001", limited(86_400))).toBe(true);
    advance(MAX_REST_MS - 1);
    expect([keyRing.next(), keyRing.next()]).toEqual(["sk-two-0002", "sk-two-0002"]);
    advance(1);
    expect([keyRing.next(), keyRing.next()].sort()).toEqual(["sk-one-0001", "sk-two-0002"]);
  });

  it("an answer's spent limits rest the key that was sent; once every key rests, the ring says when the first comes back", () => {
    const { keyRing, advance } = ring(["sk-one-0001", "sk-two-0002"]);
    const now = 1_000_000; // the clock ring() starts
    keyRing.observeRateLimit("sk-one-0001", { requestsRemaining: 5, requestsResetAt: now + 9_000, observedAt: now });
    expect(keyRing.allRestingUntil()).toBeUndefined();
    keyRing.observeRateLimit("sk-one-0001", { requestsRemaining: 0, requestsResetAt: now + 20_000, observedAt: now });
    expect([keyRing.next(), keyRing.next()]).toEqual(["sk-two-0002", "sk-two-0002"]);
    expect(keyRing.allRestingUntil()).toBeUndefined();
    keyRing.observeRateLimit("sk-two-0002", { tokensRemaining: 0, tokensResetAt: now + 10 * MAX_REST_MS, retryAfterAt: now + 30_000, observedAt: now });
    // Key two rests for its later reset, held to MAX_REST_MS; key one is back first.
    expect(keyRing.allRestingUntil()).toBe(now + 20_000);
    advance(20_000);
    expect(keyRing.allRestingUntil()).toBeUndefined();
    expect(keyRing.next()).toBe("sk-one-0001");
  });

  it("the rejection's log line says what follows: a switch to another key, or the same key still used", () => {
    const messages: string[] = [];
    const sink = new Writable({
      write(line: Buffer, _encoding, done) {
        messages.push((JSON.parse(line.toString()) as { msg: string }).msg);
        done();
      },
    });
    const logged = (keys: string[], refusals: Array<[string, GatewayError]>) => {
      const keyRing = new KeyRing("p", keys, pino({ level: "error" }, sink), () => 1_000_000);
      for (const [key, error] of refusals) keyRing.report(key, error);
      return messages.at(-1);
    };
    expect(logged(["sk-only-0001"], [["sk-only-0001", refusal(401)]])).toBe(
      "provider 'p' rejected API key #1 (…0001): it is the provider's only key, so requests still use it (and get the provider's refusal) until it is fixed",
    );
    expect(logged(["sk-one-0001", "sk-two-0002"], [["sk-one-0001", refusal(401)]])).toBe(
      "provider 'p' rejected API key #1 (…0001): out of rotation for 10 min while another key is usable",
    );
    expect(logged(["sk-one-0001", "sk-two-0002"], [["sk-two-0002", limited(30)], ["sk-one-0001", refusal(401)]])).toBe(
      "provider 'p' rejected API key #1 (…0001): no other key is usable now, so requests may still use it; for 10 min it goes only when no other key is usable",
    );
  });

  it("a provider without keys gets none", () => {
    expect(ring([]).keyRing.next()).toBeUndefined();
  });

  it("a reload's new ring keeps the refused and resting keys out, and starts new keys usable", () => {
    const { keyRing, advance } = ring(["sk-one-0001", "sk-two-0002", "sk-three-0003"]);
    keyRing.report("sk-one-0001", refusal(401));
    keyRing.report("sk-two-0002", limited(60));
    let now = 1_000_000;
    const reloaded = new KeyRing("p", ["sk-two-0002", "sk-one-0001", "sk-four-0004"], log, () => now);
    reloaded.adopt(keyRing);
    expect(reloaded.status().map((s) => s.state)).toEqual(["resting", "rejected", "active"]);
    for (let i = 0; i < 3; i++) expect(reloaded.next()).toBe("sk-four-0004");
    now += 60_000;
    advance(60_000);
    expect(reloaded.status().map((s) => s.state)).toEqual(["active", "rejected", "active"]);
  });
});
