/**
 * Anthropic requires `max_tokens`; OpenAI clients usually leave it out and
 * expect "as long as the model likes". When the client sets no limit, the
 * model's documented maximum output is sent so answers are never cut short by
 * the gateway. Values from platform.claude.com model pages (checked 2026-11):
 * first match wins, so more specific ids come first.
 */
const MAX_OUTPUT_TOKENS: ReadonlyArray<readonly [RegExp, number]> = [
  // Claude 5 family (Fable, Mythos, Opus, Sonnet, Haiku 5.x): 128K.
  [/^claude-[a-z]+-5(\b|-)/, 128_000],
  // Opus 4.6–4.8 and Sonnet 4.6: 128K.
  [/^claude-(opus|sonnet)-4-[6-9](\b|-)/, 128_000],
  [/^claude-(opus|sonnet|haiku)-4-5(\b|-)/, 64_000],
  // Opus 4 and 4.1 (`claude-opus-4-0`, `claude-opus-4-1-20250805`, `claude-opus-4-20250514`).
  [/^claude-opus-4(\b|-)/, 32_000],
  [/^claude-sonnet-4(\b|-)/, 64_000],
  [/^claude-3-7-sonnet/, 64_000],
  [/^claude-3-5-(sonnet|haiku)/, 8_192],
  [/^claude-3-/, 4_096],
];

/** Anthropic's own minimum across current and legacy models: safe for ids we do not know. */
export const FALLBACK_MAX_TOKENS = 4_096;

/** The output limit to send when the client gave none. */
export function defaultMaxTokens(model: string): number {
  const id = model.toLowerCase();
  for (const [pattern, limit] of MAX_OUTPUT_TOKENS) if (pattern.test(id)) return limit;
  return FALLBACK_MAX_TOKENS;
}
