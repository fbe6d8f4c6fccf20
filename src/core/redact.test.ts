import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Redactor } from "./redact.js";

describe("Redactor", () => {
  it("removes known secrets and key-shaped tokens", () => {
    const redactor = new Redactor();
    redactor.add("my-very-secret-value", "short");
    expect(redactor.redact("token my-very-secret-value here")).toBe("token [REDACTED] here");
    expect(redactor.redact("short stays")).toBe("short stays");
    expect(redactor.redact("Incorrect API key provided: sk-proj-abcdefghijklmnop1234")).toBe("Incorrect API key provided: [REDACTED]");
    expect(redactor.redact("Authorization: Bearer abcdefghijklmnopqrstuvwxyz")).toBe("Authorization: Bearer [REDACTED]");
    expect(redactor.redact("key AIzaSyA1234567890abcdefghijklmnop")).toBe("key [REDACTED]");
  });

  it("scrubKnown touches only known values", () => {
    const redactor = new Redactor();
    redactor.add("known-secret-123");
    expect(redactor.scrubKnown("a known-secret-123 and sk-abcdefghijklmnopqrst")).toBe("a [REDACTED] and sk-abcdefghijklmnopqrst");
  });

  it("scrubKnown finds every known secret wherever it sits, as a plain search and replace would", () => {
    const naive = (secrets: string[], text: string) => {
      let out = text;
      for (const secret of [...new Set(secrets)].filter((value) => value.length >= 8).sort((a, b) => b.length - a.length)) out = out.split(secret).join("[REDACTED]");
      return out;
    };
    // Small alphabets make overlaps, repeats and near-misses (a secret's tail without its head) common.
    const secret = fc.string({ unit: fc.constantFrom(..."sk-AQz1e\"\n"), minLength: 8, maxLength: 14 });
    const piece = fc.oneof(fc.string({ unit: fc.constantFrom(..."sk-AQz1e\"\n{}"), maxLength: 12 }), secret);
    fc.assert(
      fc.property(fc.array(secret, { minLength: 1, maxLength: 4 }), fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(3), { maxLength: 6 }), (secrets, pieces, picks) => {
        const redactor = new Redactor();
        redactor.add(...secrets);
        const text = [...pieces, ...picks.map((i) => secrets[i % secrets.length]!)].join("");
        expect(redactor.scrubKnown(text)).toBe(naive(secrets, text));
      }),
      { numRuns: 2000 },
    );
  });
});
