/**
 * What a request's prompt may cost in tokens, known before it is sent and
 * without a tokenizer: a bound for budget reservations (never below the true
 * count) and an estimate for the tokens-per-minute window.
 */
import type { AdmissionRequest } from "./governance.js";

/** An image costs at most this many tokens at any provider we price (a short URL says nothing of its size). */
const IMAGE_TOKEN_BOUND = 6_000;
/** Framing tokens per message (role, separators), as OpenAI counts them. */
const TOKENS_PER_MESSAGE = 4;

/** A prompt-token bound that costs nothing to compute: bytes of the content, plus framing. */
export function promptUpperBound(request: AdmissionRequest): number {
  if (!request.messages) return Buffer.byteLength(JSON.stringify(request.input ?? ""));
  let bytes = request.tools ? Buffer.byteLength(JSON.stringify(request.tools)) : 0;
  for (const message of request.messages) {
    bytes += TOKENS_PER_MESSAGE;
    const content = message.content;
    if (typeof content === "string") bytes += Buffer.byteLength(content);
    else for (const part of content ?? []) bytes += part.type === "image_url" ? IMAGE_TOKEN_BOUND : Buffer.byteLength(JSON.stringify(part));
    if (message.tool_calls) bytes += Buffer.byteLength(JSON.stringify(message.tool_calls));
  }
  return bytes;
}

/** Characters of a prompt per token, as rate limiters estimate a request before it runs. */
const CHARACTERS_PER_TOKEN = 4;
/** A client's absurd `max_tokens` is reserved as this (≈ 10^12): far past any limit, and summed safely. */
const MAX_EXPECTED_TOKENS = 2 ** 40;

/**
 * The tokens a request is expected to use, reserved against the key's `tpm` at admission:
 * its prompt estimated from its size, plus `max_tokens` for each choice when it sets one
 * (output beyond a reservation counts when the request finishes).
 */
export function expectedTokens(request: AdmissionRequest): number {
  const output = request.maxOutputTokens === undefined ? 0 : request.maxOutputTokens * (request.choices ?? 1);
  return Math.min(MAX_EXPECTED_TOKENS, Math.ceil(promptUpperBound(request) / CHARACTERS_PER_TOKEN) + output);
}
