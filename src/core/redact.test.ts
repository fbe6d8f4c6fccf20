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
});
