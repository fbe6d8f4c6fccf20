import { describe, expect, it } from "vitest";
import { ConfigError } from "../config/load.js";
import { passesLuhn, redactCardNumbers } from "./card-numbers.js";
import { PromptRedactor, promptRedactionSchema } from "./prompt-redaction.js";

describe("passesLuhn", () => {
  it.each(["4111111111111111", "5500000000000004", "378282246310005", "6011111111111117", "4222222222222", "79927398713"])("accepts %s", (n) => {
    expect(passesLuhn(n)).toBe(true);
  });
  it.each(["4111111111111112", "1234567812345678", "79927398710", "", "41111111111111a1"])("rejects %j", (n) => {
    expect(passesLuhn(n)).toBe(false);
  });
});

describe("redactCardNumbers", () => {
  it.each([
    ["card 4111111111111111 ok", "card [CARD] ok"],
    ["card 4111 1111 1111 1111.", "card [CARD]."],
    ["amex 3782-822463-10005", "amex [CARD]"],
    ["mixed 4111-1111 1111-1111", "mixed [CARD]"],
    ["19 digits 6304000000000000000", "19 digits [CARD]"],
    ["two 4111111111111111 5500000000000004", "two [CARD] [CARD]"],
    ["card then cvv 4111 1111 1111 1111 123", "card then cvv [CARD] 123"],
    ["zip then card 94103 4111111111111111", "zip then card 94103 [CARD]"],
    ["(4111111111111111)", "([CARD])"],
    ["13 digits 4222222222222", "13 digits [CARD]"],
  ])("%j → %j", (input, output) => {
    expect(redactCardNumbers(input)).toBe(output);
  });

  it.each([
    "not luhn 4111111111111112",
    "too short 411111111111",
    "too long 41111111111111111111111",
    "phone +1 (555) 123-4567",
    "order 1234-5678-9012-3456 fails luhn",
    "date 2024-01-15 and 10:30",
    // 14 digits passing Luhn, but in 2-digit groups: a list of numbers, not a card.
    "spaced groups 34 56 78 90 12 34 56",
    "version 1.2.3.4.5.6.7.8.9.0.1.2.3.4",
  ])("leaves %j alone", (input) => {
    expect(redactCardNumbers(input)).toBe(input);
  });
});

describe("PromptRedactor", () => {
  it("redacts emails and cards by default", () => {
    const redactor = new PromptRedactor();
    expect(redactor.redact("Contact bob.smith+tag@mail.example.co.uk or a_b@x.io; pay with 4111 1111 1111 1111."))
      .toBe("Contact [EMAIL] or [EMAIL]; pay with [CARD].");
    expect(redactor.redact("no @ here, user@localhost, @handle, x@y")).toBe("no @ here, user@localhost, @handle, x@y");
  });

  it("applies custom patterns after the built-ins", () => {
    const redactor = new PromptRedactor({ patterns: ["ACME-\\d{6}", "(?:password|token)=\\S+"] });
    expect(redactor.redact("ticket ACME-123456, password=hunter2 token=abc mail a@b.com"))
      .toBe("ticket [REDACTED], [REDACTED] [REDACTED] mail [EMAIL]");
  });

  it("can turn the built-ins off", () => {
    const redactor = new PromptRedactor({ emails: false, card_numbers: false });
    expect(redactor.active).toBe(false);
    expect(redactor.redact("a@b.com 4111111111111111")).toBe("a@b.com 4111111111111111");
  });

  it("redacts every string in a structured value, keys untouched", () => {
    const redactor = new PromptRedactor();
    const messages = [{ role: "user", content: [{ type: "text", text: "mail me at a@b.com" }] }, { role: "assistant", content: null, n: 4111111111111111 }];
    expect(redactor.redactValue(messages)).toEqual([{ role: "user", content: [{ type: "text", text: "mail me at [EMAIL]" }] }, { role: "assistant", content: null, n: 4111111111111111 }]);
    expect(JSON.stringify(messages)).toContain("a@b.com");
  });

  it("refuses invalid or empty-matching patterns with the config path", () => {
    try {
      new PromptRedactor({ patterns: ["ok", "(unclosed", "a*"] }, { source: "switchyard.yaml", path: "logging.redact" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems;
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(/^logging\.redact\.patterns\[1\]: invalid regular expression \(/);
      expect(problems[1]).toBe("logging.redact.patterns[2]: matches the empty string; it must match at least one character");
      expect((error as ConfigError).message).toContain("Invalid config (switchyard.yaml)");
    }
  });

  it("the config schema applies defaults and reports bad patterns by path", () => {
    expect(promptRedactionSchema.parse({})).toEqual({ emails: true, card_numbers: true, patterns: [] });
    const result = promptRedactionSchema.safeParse({ patterns: ["[z-a]"] });
    expect(result.success).toBe(false);
    if (!result.success) expect(result.error.issues[0]).toMatchObject({ path: ["patterns", 0], message: expect.stringMatching(/^invalid regular expression/) });
  });

  it("stays linear on hostile input", () => {
    const redactor = new PromptRedactor();
    const hostile = `${"a".repeat(200_000)}@${"b-".repeat(50_000)} ${"1 ".repeat(100_000)}`;
    const start = performance.now();
    redactor.redact(hostile);
    expect(performance.now() - start).toBeLessThan(1_000);
  });
});
