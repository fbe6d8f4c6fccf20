/**
 * Token estimates for when an upstream reports no usage (some streams, some
 * local servers). Counted with gpt-tokenizer's o200k_base (GPT-4o family);
 * other vendors' tokenizers differ by roughly ±20 %, so rows priced from these
 * counts are flagged `estimated` in the ledger.
 *
 * The tokenizer (~2 MB of ranks, ~150 ms to load) is imported on first use,
 * not at startup; call `preloadTokenizer()` after startup to warm it.
 */
import type { ChatMessage, ContentPart, FunctionTool } from "../core/chat.js";

/** OpenAI's chat counting: each message costs 3 tokens of framing, a `name` 1 more. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_NAME = 1;
/** Every reply is primed with `<|start|>assistant<|message|>`. */
const REPLY_PRIMING_TOKENS = 3;
/** OpenAI's low-detail image price; image sizes are unknown here (URLs, base64), so flat estimates. */
export const IMAGE_TOKENS_LOW_DETAIL = 85;
/** A 1024×1024 high-detail image: 85 base + 4 tiles × 170. */
export const IMAGE_TOKENS_DEFAULT = 765;

type CountTokens = (text: string) => number;
let loading: Promise<CountTokens> | undefined;

function loadTokenizer(): Promise<CountTokens> {
  loading ??= import("gpt-tokenizer/encoding/o200k_base").then((tokenizer) => {
    // Text that happens to contain `<|endoftext|>` is text, not a control token.
    const options = { disallowedSpecial: new Set<string>() };
    return (text: string) => (text ? tokenizer.countTokens(text, options) : 0);
  });
  return loading;
}

/** Starts loading the tokenizer in the background; resolves when it is ready. */
export async function preloadTokenizer(): Promise<void> {
  await loadTokenizer();
}

export interface PromptEstimateOptions {
  /** Tool definitions sent with the request (counted as their JSON). */
  tools?: readonly FunctionTool[];
}

/**
 * Estimated prompt tokens of a chat request: per-message framing, role, name,
 * text content, tool calls and tool results, images at a flat estimate
 * (85 tokens with `detail: "low"`, else 765). Other part types (audio, files)
 * are counted by any `text` they carry and otherwise not at all.
 */
export async function estimatePromptTokens(messages: readonly ChatMessage[], options: PromptEstimateOptions = {}): Promise<number> {
  const count = await loadTokenizer();
  let total = REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    total += TOKENS_PER_MESSAGE + count(message.role);
    if (typeof message.name === "string") total += TOKENS_PER_NAME + count(message.name);
    total += contentTokens(message.content, count);
    for (const call of message.tool_calls ?? []) total += count(call.function.name) + count(call.function.arguments);
  }
  if (options.tools?.length) total += count(JSON.stringify(options.tools));
  return total;
}

/** Estimated tokens of generated text (content, reasoning and tool-call arguments joined). */
export async function estimateCompletionTokens(text: string): Promise<number> {
  const count = await loadTokenizer();
  return count(text);
}

function contentTokens(content: ChatMessage["content"], count: CountTokens): number {
  if (typeof content === "string") return count(content);
  if (!Array.isArray(content)) return 0;
  let total = 0;
  for (const part of content) total += partTokens(part, count);
  return total;
}

function partTokens(part: ContentPart, count: CountTokens): number {
  if (part.type === "image_url") {
    const detail = (part as { image_url?: { detail?: string } }).image_url?.detail;
    return detail === "low" ? IMAGE_TOKENS_LOW_DETAIL : IMAGE_TOKENS_DEFAULT;
  }
  const text = (part as { text?: unknown }).text;
  return typeof text === "string" ? count(text) : 0;
}
