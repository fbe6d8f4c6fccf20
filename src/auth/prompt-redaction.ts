/**
 * Scrubs personal data from prompts and completions before the ledger stores
 * them (only for keys with `log_prompts`): emails → `[EMAIL]`, card numbers →
 * `[CARD]`, each configured regex → `[REDACTED]`. Emails and cards are on
 * unless turned off.
 *
 * ```ts
 * const redactor = new PromptRedactor({ patterns: ["ACME-\\d{6}"] });
 * redactor.redact("mail bob@example.com, card 4111 1111 1111 1111"); // "mail [EMAIL], card [CARD]"
 * ```
 *
 * Custom patterns come from the operator's config and are trusted: a pattern
 * with catastrophic backtracking slows every logged request.
 */
import { z } from "zod";
import { CONFIG_OBJECT, ConfigError } from "../config/load.js";
import { redactCardNumbers } from "./card-numbers.js";

/**
 * Bounded (RFC 5321: 64-character local part, 63-character labels) and
 * anchored by a lookbehind, so long runs of letters cost linear time.
 */
const EMAIL = /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g;

/** Why `source` cannot be a redaction pattern, or undefined when it can. */
export function patternProblem(source: string): string | undefined {
  let regex: RegExp;
  try {
    regex = new RegExp(source, "g");
  } catch (error) {
    return `invalid regular expression (${(error as Error).message})`;
  }
  // A pattern matching "" would insert [REDACTED] between every character.
  if (regex.test("")) return "matches the empty string; it must match at least one character";
  return undefined;
}

export const promptRedactionSchema = z.strictObject({
  emails: z.boolean().default(true),
  card_numbers: z.boolean().default(true),
  /** JavaScript regular expression sources, matched case-sensitively. */
  patterns: z.array(z.string().min(1, "expected a non-empty regular expression").superRefine((source, ctx) => {
    const problem = patternProblem(source);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })).default([]),
});

export type PromptRedactionConfig = z.input<typeof promptRedactionSchema>;

export class PromptRedactor {
  private readonly emails: boolean;
  private readonly cards: boolean;
  private readonly patterns: RegExp[];

  /** Throws a ConfigError naming `path.patterns[i]` for a pattern that does not compile. */
  constructor(config: PromptRedactionConfig = {}, options: { source?: string; path?: string } = {}) {
    const path = options.path ?? "prompt_redaction";
    const problems: string[] = [];
    (config.patterns ?? []).forEach((source, index) => {
      const problem = typeof source === "string" ? patternProblem(source) : "expected a regular expression string";
      if (problem) problems.push(`${path}.patterns[${index}]: ${problem}`);
    });
    if (problems.length > 0) throw new ConfigError(options.source ?? CONFIG_OBJECT, problems);
    this.emails = config.emails ?? true;
    this.cards = config.card_numbers ?? true;
    this.patterns = (config.patterns ?? []).map((source) => new RegExp(source, "g"));
  }

  /** False when nothing is configured: callers may skip the work. */
  get active(): boolean {
    return this.emails || this.cards || this.patterns.length > 0;
  }

  redact(text: string): string {
    let out = text;
    if (this.emails && out.includes("@")) out = out.replace(EMAIL, "[EMAIL]");
    if (this.cards) out = redactCardNumbers(out);
    for (const pattern of this.patterns) out = out.replace(pattern, "[REDACTED]");
    return out;
  }

  /** Every string inside `value` (messages, content parts, tool arguments) redacted; keys are kept. */
  redactValue<T>(value: T): T {
    if (typeof value === "string") return this.redact(value) as T;
    if (Array.isArray(value)) return value.map((item: unknown) => this.redactValue(item)) as T;
    if (value !== null && typeof value === "object") {
      // fromEntries defines own properties, so a "__proto__" key stays data.
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.redactValue(item)])) as T;
    }
    return value;
  }
}
