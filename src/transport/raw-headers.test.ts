import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { NO_HEADERS, RawHeaders } from "./raw-headers.js";

const raw = (pairs: Array<[string, string]>) => pairs.flatMap(([name, value]) => [Buffer.from(name, "latin1"), Buffer.from(value, "latin1")]);

describe("RawHeaders", () => {
  it("finds a header whatever the case of its name, first value of repeated ones", () => {
    const headers = new RawHeaders(raw([["Content-Type", "application/json"], ["X-RateLimit-Remaining-Requests", "99"], ["retry-after", "7"], ["Retry-After", "9"]]));
    expect(headers.get("x-ratelimit-remaining-requests")).toBe("99");
    expect(headers.get("retry-after")).toBe("7");
    expect(headers.get("content-type")).toBe("application/json");
  });

  it("answers undefined for absent names, names of the same length included", () => {
    const headers = new RawHeaders(raw([["retry-after", "7"], ["x-request-id", "req_1"]]));
    expect(headers.get("xetry-after")).toBeUndefined();
    expect(headers.get("retry-after-ms")).toBeUndefined();
    expect(headers.get("x-request-ix")).toBeUndefined();
    expect(NO_HEADERS.get("retry-after")).toBeUndefined();
  });

  it("takes names that are also Object.prototype members as plain names", () => {
    const headers = new RawHeaders(raw([["Constructor", "a"], ["__proto__", "b"], ["toString", "c"]]));
    expect(headers.get("constructor")).toBe("a");
    expect(headers.get("__proto__")).toBe("b");
    expect(headers.get("tostring")).toBe("c");
    expect(headers.get("hasownproperty")).toBeUndefined();
  });

  it("reads string lists too, and keeps latin1 values byte for byte", () => {
    const headers = new RawHeaders(["X-Note", "caf\u00e9", "retry-after", "3"]);
    expect(headers.get("x-note")).toBe("caf\u00e9");
    expect(new RawHeaders(raw([["X-Note", "caf\u00e9"]])).get("x-note")).toBe("caf\u00e9");
    expect(headers.get("retry-after")).toBe("3");
  });

  it("agrees with decoding every header up front", () => {
    const name = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/);
    const value = fc.string({ maxLength: 16 }).map((s) => s.replace(/[^\x20-\x7e]/g, "a"));
    fc.assert(
      fc.property(fc.array(fc.tuple(name, value), { maxLength: 8 }), name, (pairs, probe) => {
        const headers = new RawHeaders(raw(pairs));
        const decoded = new Map<string, string>();
        for (const [n, v] of pairs) if (!decoded.has(n.toLowerCase())) decoded.set(n.toLowerCase(), v);
        for (const [n] of pairs) expect(headers.get(n.toLowerCase())).toBe(decoded.get(n.toLowerCase()));
        expect(headers.get(probe.toLowerCase())).toBe(decoded.get(probe.toLowerCase()));
      }),
    );
  });
});
