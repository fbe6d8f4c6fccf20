import { DEFAULT_MERGE_CACHE_SIZE, countTokens, setMergeCacheSize } from "gpt-tokenizer/encoding/o200k_base";
import { beforeAll, describe, expect, it } from "vitest";
import { EXACT_BUDGET_CHARS, SLICE_CHARS, estimateCompletionTokens, estimatePromptTokens, preloadTokenizer } from "./estimate.js";

/** The longest wait of the event loop while `work` runs, seen by a chain of `setImmediate` callbacks started with it. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  let running = true;
  const tick = (): void => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await work();
  running = false;
  return Math.max(longest, performance.now() - last);
}

/** Random lowercase 7-letter words, the audit's slow case (BPE finds no long merges); seeded for reproducible counts. */
function randomWords(chars: number, seed = 1): string {
  let state = seed;
  const words: string[] = [];
  for (let length = 0; length < chars; length += 8) {
    let word = "";
    for (let i = 0; i < 7; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      word += String.fromCharCode(97 + ((state >>> 16) % 26));
    }
    words.push(word);
  }
  return words.join(" ").slice(0, chars);
}

/** gpt-tokenizer's own count; without its merge cache, which gets slow once full (the count is the same). */
function exactly(text: string): number {
  setMergeCacheSize(0);
  try {
    return countTokens(text, { disallowedSpecial: new Set() });
  } finally {
    setMergeCacheSize(DEFAULT_MERGE_CACHE_SIZE);
  }
}

beforeAll(async () => {
  await preloadTokenizer();
  await estimateCompletionTokens(randomWords(4 * SLICE_CHARS, 7)); // warm the JIT, not the merge cache
});

describe("estimates of large texts", () => {
  it("keeps the event loop turning while counting megabytes of random words", async () => {
    const text = randomWords(4_000_000, 2);
    let tokens = 0;
    const stall = await longestStall(async () => {
      tokens = await estimateCompletionTokens(text);
    });
    expect(tokens).toBeGreaterThan(0);
    // 23–34 ms measured on a quiet host (136 ms on a busy one); one synchronous count of this text stalled 15 s.
    expect(stall).toBeLessThan(1_000);
  });

  it("keeps the event loop turning on long runs without spaces (BPE is quadratic in a pre-token's length)", async () => {
    const cjk = Array.from({ length: 200_000 }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7919) % 20_000))).join("");
    const stall = await longestStall(() => estimatePromptTokens([{ role: "user", content: cjk }, { role: "user", content: "a".repeat(200_000) }]));
    // 33–40 ms measured on a quiet host, 189 ms on a busy one; without the chunking a run this long stalls for seconds.
    expect(stall).toBeLessThan(1_000);
  });

  it("counts the budget exactly and the rest as bytes, never fewer than the tokenizer's count", async () => {
    const text = randomWords(EXACT_BUDGET_CHARS + 100_000, 3);
    const estimate = await estimateCompletionTokens(text);
    const head = exactly(text.slice(0, EXACT_BUDGET_CHARS));
    expect(estimate).toBe(head + Buffer.byteLength(text.slice(EXACT_BUDGET_CHARS)));
    expect(estimate).toBeGreaterThanOrEqual(exactly(text));
  }, 30_000);

  it("shares one budget across a prompt's messages", async () => {
    const half = randomWords(EXACT_BUDGET_CHARS / 2 + 50_000, 4);
    const one = await estimatePromptTokens([{ role: "user", content: half }]);
    const two = await estimatePromptTokens([{ role: "user", content: half }, { role: "user", content: half }]);
    expect(two).toBeGreaterThan(2 * one); // the second half is partly bounded by bytes
    expect(two).toBeLessThanOrEqual(2 * one + 100_000);
  }, 30_000);

  it("counts long ordinary texts below the budget exactly, cutting between words", async () => {
    for (const text of [randomWords(10 * SLICE_CHARS + 123, 5), "The quick brown fox jumps over the lazy dog. ".repeat(5_000)]) {
      expect(await estimateCompletionTokens(text)).toBe(exactly(text));
    }
  });
});

describe("estimates of short texts", () => {
  it("are the tokenizer's counts", async () => {
    const texts = [
      "hello world",
      "The capital of France is Paris; its population is about 2.1 million.",
      "function add(a: number, b: number): number {\n  return a + b;\n}\n",
      "東京は日本の首都です。人口は約1400万人です。",
      "Emoji 😀🎉 and accents: café, naïve, Zürich",
      "say <|endoftext|> please",
      randomWords(SLICE_CHARS, 6),
      `${"-".repeat(400)}\n${" ".repeat(300)}${"x".repeat(500)}`,
    ];
    for (const text of texts) expect(await estimateCompletionTokens(text)).toBe(exactly(text));
  });
});
