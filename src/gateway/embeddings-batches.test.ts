import { describe, expect, it } from "vitest";
import type { EmbeddingsRequest } from "../core/embeddings.js";
import type { EmbeddingsResult } from "../providers/adapter.js";
import { embeddingsParts, embedParts } from "./embeddings-batches.js";

const request = (input: EmbeddingsRequest["input"]): EmbeddingsRequest => ({ model: "m", input, dimensions: 8 });

/** A fake provider's answer: one vector per input, holding the input; `tokens` reported or not. */
function answer(part: EmbeddingsRequest, tokens: boolean): EmbeddingsResult {
  const inputs = part.input as string[];
  return {
    response: { object: "list", model: "m", data: inputs.map((text, index) => ({ object: "embedding", index, embedding: [Number(text)] })), usage: { prompt_tokens: 0, total_tokens: 0 } },
    usage: tokens ? { input: { total: inputs.length * 2, cacheRead: 0, cacheWrite: 0 }, output: { total: 0, reasoning: 0 } } : undefined,
  };
}

describe("embeddingsParts", () => {
  it("leaves a request that fits, a single input, a token array and a provider without a limit whole", () => {
    for (const [input, limit] of [[["a", "b"], 2], ["a", 1], [[1, 2, 3], 2], [["a", "b", "c"], undefined]] as const) {
      const whole = request(input as EmbeddingsRequest["input"]);
      expect(embeddingsParts(whole, limit)).toEqual([whole]);
    }
  });

  it("splits a longer list into parts of the limit, keeping the other fields", () => {
    const parts = embeddingsParts(request(["1", "2", "3", "4", "5"]), 2);
    expect(parts.map((part) => part.input)).toEqual([["1", "2"], ["3", "4"], ["5"]]);
    expect(parts.every((part) => part.dimensions === 8 && part.model === "m")).toBe(true);
    expect(embeddingsParts(request([[1], [2], [3]]), 2).map((part) => part.input)).toEqual([[[1], [2]], [[3]]]);
  });
});

describe("embedParts", () => {
  it("joins the parts' vectors in input order with their indexes renumbered, whatever order the answers arrive in", async () => {
    const input = Array.from({ length: 23 }, (_, index) => String(index));
    const parts = embeddingsParts(request(input), 5);
    let inFlight = 0;
    let most = 0;
    const joined = await embedParts(parts, async (part) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20 - (part.input as string[]).length * 3));
      inFlight--;
      return answer(part, true);
    });
    expect(joined.response.data.map((item) => [item.index, item.embedding[0]])).toEqual(input.map((text, index) => [index, Number(text)]));
    expect(joined.usage?.input.total).toBe(46);
    expect(joined.response.usage).toEqual({ prompt_tokens: 46, total_tokens: 46 });
    expect(joined.sourceText).toBeUndefined();
    expect(most).toBe(4);
  });

  it("reports no usage when a part reported none (the whole request is then estimated)", async () => {
    const parts = embeddingsParts(request(["1", "2", "3"]), 2);
    let call = 0;
    const joined = await embedParts(parts, async (part) => answer(part, call++ === 0));
    expect(joined.usage).toBeUndefined();
  });

  it("fails as its first failing part does", async () => {
    const parts = embeddingsParts(request(["1", "2", "3"]), 1);
    await expect(embedParts(parts, async (part) => {
      if ((part.input as string[])[0] === "2") throw new Error("upstream 500");
      return answer(part, true);
    })).rejects.toThrow("upstream 500");
  });
});
