/**
 * Token estimates for when an upstream reports no usage (some streams, some
 * local servers). Counted with gpt-tokenizer's o200k_base (GPT-4o family);
 * other vendors' tokenizers differ by roughly ±20 %, so rows priced from these
 * counts are flagged `estimated` in the ledger.
 *
 * The tokenizer (~2 MB of ranks, ~150 ms to load) is imported on first use,
 * not at startup; call `preloadTokenizer()` after startup to warm it.
 *
 * Any key can send text that is slow to tokenize: BPE on high-entropy text
 * costs ~0.5 µs per character (9 MB of random words: seconds), and it grows
 * with the square of a pre-token's length (16 K characters of CJK without a
 * space: ~0.5 s). So long texts are counted in pieces with a yield to the
 * event loop between slices, long runs are cut, and one estimate counts at
 * most `EXACT_BUDGET_CHARS` exactly and bounds the rest by its bytes.
 */
import { setImmediate as yieldToEventLoop } from "node:timers/promises";
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

/** Characters tokenized between two yields to the event loop: ~10 ms of BPE on random words, ~35 ms on random CJK. */
export const SLICE_CHARS = 16_384;
/**
 * Longest run of whitespace, or of non-whitespace without a digit, tokenized
 * in one piece: a pre-token never spans more than such a run and a character,
 * and BPE cost grows with the square of its length. Real text rarely has one.
 */
export const MAX_RUN_CHARS = 512;
/**
 * Characters one estimate counts exactly: ~0.5 s of BPE on random words, ~0.1
 * s on source code, and enough for a prompt of ~250 K tokens, so prompts that
 * fit today's context windows are counted exactly.
 */
export const EXACT_BUDGET_CHARS = 1_048_576;

type Tokenize = (text: string) => number;
let loading: Promise<Tokenize> | undefined;

function loadTokenizer(): Promise<Tokenize> {
  loading ??= import("gpt-tokenizer/encoding/o200k_base").then((tokenizer) => {
    // Text that happens to contain `<|endoftext|>` is text, not a control token.
    const options = { disallowedSpecial: new Set<string>() };
    // The merge cache is an LRU on a Map whose eviction (deleting the first
    // key) slows down as deleted entries pile up: once it is full, random words
    // cost ~5 µs per character instead of ~0.5. Text adds at most one entry
    // per two characters (one-character ASCII pieces are not cached, adjacent
    // letters merge), so clearing it every 2 × its size keeps it from filling.
    let charsSinceClear = 0;
    return (text: string) => {
      if (!text) return 0;
      charsSinceClear += text.length;
      if (charsSinceClear > 2 * tokenizer.DEFAULT_MERGE_CACHE_SIZE) {
        tokenizer.clearMergeCache();
        charsSinceClear = text.length;
      }
      return tokenizer.countTokens(text, options);
    };
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
  const tally = new TokenTally(await loadTokenizer());
  let fixed = REPLY_PRIMING_TOKENS;
  for (const message of messages) {
    fixed += TOKENS_PER_MESSAGE;
    tally.add(message.role);
    if (typeof message.name === "string") {
      fixed += TOKENS_PER_NAME;
      tally.add(message.name);
    }
    fixed += addContent(message.content, tally);
    for (const call of message.tool_calls ?? []) {
      tally.add(call.function.name);
      tally.add(call.function.arguments);
    }
  }
  if (options.tools?.length) tally.add(JSON.stringify(options.tools));
  return fixed + (await tally.total());
}

/** Estimated tokens of generated text (content, reasoning and tool-call arguments joined). */
export async function estimateCompletionTokens(text: string): Promise<number> {
  const tally = new TokenTally(await loadTokenizer());
  tally.add(text);
  return tally.total();
}

/** Adds the content's texts to the tally; returns the flat image estimates. */
function addContent(content: ChatMessage["content"], tally: TokenTally): number {
  if (typeof content === "string") {
    tally.add(content);
    return 0;
  }
  if (!Array.isArray(content)) return 0;
  let images = 0;
  for (const part of content) images += addPart(part, tally);
  return images;
}

function addPart(part: ContentPart, tally: TokenTally): number {
  if (part.type === "image_url") {
    const detail = (part as { image_url?: { detail?: string } }).image_url?.detail;
    return detail === "low" ? IMAGE_TOKENS_LOW_DETAIL : IMAGE_TOKENS_DEFAULT;
  }
  const text = (part as { text?: unknown }).text;
  if (typeof text === "string") tally.add(text);
  return 0;
}

/**
 * The tokens of one estimate's texts, with one budget of exactly counted
 * characters. Texts are counted as they are added while they are short and
 * the synchronous work stays within a slice (so a typical prompt costs what a
 * plain `countTokens` costs); the others wait for `total()`, which counts them
 * in pieces and yields to the event loop between slices.
 */
class TokenTally {
  private tokens = 0;
  private exactCharsLeft = EXACT_BUDGET_CHARS;
  private charsSinceYield = 0;
  private readonly pending: string[] = [];

  constructor(private readonly tokenize: Tokenize) {}

  add(text: string): void {
    const length = text.length;
    if (length > SLICE_CHARS - this.charsSinceYield || length > this.exactCharsLeft
      || (length > MAX_RUN_CHARS && pieceEnd(text, 0, length) < length)) {
      this.pending.push(text);
      return;
    }
    this.exactCharsLeft -= length;
    this.charsSinceYield += length;
    this.tokens += this.tokenize(text);
  }

  async total(): Promise<number> {
    for (const text of this.pending) this.tokens += await this.countInPieces(text);
    this.pending.length = 0;
    return this.tokens;
  }

  private async countInPieces(text: string): Promise<number> {
    const exactEnd = text.length <= this.exactCharsLeft ? text.length : outsidePair(text, this.exactCharsLeft);
    this.exactCharsLeft -= exactEnd;
    let tokens = 0;
    for (let start = 0; start < exactEnd;) {
      if (this.charsSinceYield > 0 && this.charsSinceYield + Math.min(exactEnd - start, SLICE_CHARS) > SLICE_CHARS) {
        await yieldToEventLoop();
        this.charsSinceYield = 0;
      }
      const end = pieceEnd(text, start, exactEnd);
      tokens += this.tokenize(text.slice(start, end));
      this.charsSinceYield += end - start;
      start = end;
    }
    // Every token covers at least one byte, so the UTF-8 length of the rest is
    // an upper bound on its tokens: budget reservations and context checks err
    // on the safe side instead of spending unbounded CPU on one request.
    if (exactEnd < text.length) tokens += Buffer.byteLength(text) - Buffer.byteLength(text.slice(0, exactEnd));
    return tokens;
  }
}

/**
 * Where the piece of `text` starting at `start` ends (at most `end`): before a
 * run that may be one pre-token grows past `MAX_RUN_CHARS`, else after
 * `SLICE_CHARS`, at a space after a word when there is one near there (the
 * tokenizer splits there anyway, so the count does not change).
 */
function pieceEnd(text: string, start: number, end: number): number {
  const limit = Math.min(end, start + SLICE_CHARS);
  let inSpace = false;
  let run = 0;
  let wordEnd = start;
  for (let i = start; i < limit; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0x30 && code <= 0x39) {
      // Digits split every pre-token but their own groups of at most three.
      inSpace = false;
      run = 0;
      continue;
    }
    const space = isWhitespace(code);
    if (space !== inSpace) {
      if (code === 0x20 && i > start) wordEnd = i;
      inSpace = space;
      run = 0;
    }
    if (++run > MAX_RUN_CHARS) return outsidePair(text, i);
  }
  if (limit === end) return end;
  return wordEnd > limit - SLICE_CHARS / 4 ? wordEnd : outsidePair(text, limit);
}

/** `at`, or one before it when that would split a surrogate pair. */
function outsidePair(text: string, at: number): number {
  const before = text.charCodeAt(at - 1);
  return before >= 0xd800 && before <= 0xdbff ? at - 1 : at;
}

/** The `\s` of the tokenizer's split pattern. */
function isWhitespace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0xa0) return false;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028
    || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}
