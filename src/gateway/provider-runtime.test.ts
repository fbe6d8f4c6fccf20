import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { providerSchema, type ProviderConfig } from "../config/schema.js";
import { resolveSecret } from "../config/secrets.js";
import { Redactor } from "../core/redact.js";
import { buildProvider } from "./provider-runtime.js";

const ENV = { GOOD_KEY: "sk-good-key-0123456789", HEADER_TOKEN: "hdr_0a1b2c3d4e5f6a7b" };
const lookup = (reference: string) => resolveSecret(reference, ENV);

function build(config: Record<string, unknown>) {
  const messages: string[] = [];
  const sink = new Writable({
    write(line: Buffer, _encoding, done) {
      messages.push((JSON.parse(line.toString()) as { msg: string }).msg);
      done();
    },
  });
  const redactor = new Redactor();
  const built = buildProvider("p", providerSchema.parse(config) as ProviderConfig, redactor, pino({ level: "warn" }, sink), lookup);
  return { built, redactor, messages };
}

describe("buildProvider secrets", () => {
  for (const type of ["openai-compatible", "ollama", "openai"]) {
    it(`disables a ${type} provider whose configured api_key does not resolve`, () => {
      const { built } = build({ type, base_url: "http://127.0.0.1:9/v1", api_key: "env:NOPE_F" });
      expect(built).toBe("no usable api_key (environment variable NOPE_F is not set)");
    });
  }

  it("disables a provider when none of several keys resolves", () => {
    const { built } = build({ type: "ollama", api_key: ["env:NOPE_1", "env:NOPE_2"] });
    expect(built).toMatch(/^no usable api_key \(environment variable NOPE_1 is not set; environment variable NOPE_2 is not set\)$/);
  });

  it("keeps a provider with no api_key configured keyless", () => {
    const { built } = build({ type: "ollama" });
    expect(typeof built).not.toBe("string");
    expect(built).toMatchObject({ settings: { apiKeys: [] } });
  });

  it("keeps a provider with the keys that resolve and warns about the rest", () => {
    const { built, messages } = build({ type: "openai-compatible", base_url: "http://127.0.0.1:9/v1", api_key: ["env:NOPE_F", "env:GOOD_KEY"] });
    expect(built).toMatchObject({ settings: { apiKeys: [ENV.GOOD_KEY] } });
    expect(messages).toContain("provider 'p': api_key[0] skipped: environment variable NOPE_F is not set");
  });

  it("redacts referenced header values and literal ones named like credentials, and warns about those literals", () => {
    const literal = "tok_9f8e7d6c5b4a3210ffee";
    const title = "Acme Research Assistant";
    const { built, redactor, messages } = build({ type: "ollama", headers: { "X-Token": literal, "X-Other": "env:HEADER_TOKEN", "X-Title": title } });
    expect(built).toMatchObject({ settings: { headers: { "x-token": literal, "x-other": ENV.HEADER_TOKEN, "x-title": title } } });
    expect(redactor.scrubKnown(`bad token ${literal} / ${ENV.HEADER_TOKEN}`)).toBe("bad token [REDACTED] / [REDACTED]");
    // A plain literal (an app title) is not a secret: answers that mention it stay whole.
    expect(redactor.scrubKnown(`Welcome to ${title}`)).toBe(`Welcome to ${title}`);
    expect(messages).toContain("provider 'p': header 'X-Token' is a literal value; prefer env:NAME or file:/path");
    expect(messages.some((message) => message.includes("X-Other") || message.includes("X-Title"))).toBe(false);
  });
});
