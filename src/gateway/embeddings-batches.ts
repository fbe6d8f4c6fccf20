/**
 * An embeddings input list longer than a provider takes in one call (Gemini's
 * `batchEmbedContents`: 100 requests) is embedded in parts of at most the
 * provider's limit, a few at a time, and the answers joined in input order, so
 * a client may send what OpenAI accepts (up to 2,048 inputs) to any model.
 */
import type { EmbeddingsRequest } from "../core/embeddings.js";
import { emptyUsage, type Usage } from "../core/usage.js";
import type { EmbeddingsResult } from "../providers/adapter.js";

/** Parts in flight at once: enough to hide latency, few enough not to trip a provider's rate limit on one request. */
const PARTS_IN_FLIGHT = 4;

/** The request's input split into requests of at most `limit` inputs; the request itself when it fits. */
export function embeddingsParts(request: EmbeddingsRequest, limit: number | undefined): EmbeddingsRequest[] {
  const { input } = request;
  // A flat number[] is one tokenized input, not a list.
  const isList = Array.isArray(input) && input.length > 0 && typeof input[0] !== "number";
  if (limit === undefined || !isList || input.length <= limit) return [request];
  const parts: EmbeddingsRequest[] = [];
  for (let start = 0; start < input.length; start += limit) {
    parts.push({ ...request, input: input.slice(start, start + limit) as EmbeddingsRequest["input"] });
  }
  return parts;
}

/** Embeds every part with `embed` (at most PARTS_IN_FLIGHT at a time) and joins the answers as one. */
export async function embedParts(parts: EmbeddingsRequest[], embed: (part: EmbeddingsRequest) => Promise<EmbeddingsResult>): Promise<EmbeddingsResult> {
  if (parts.length === 1) return embed(parts[0]!);
  const results: EmbeddingsResult[] = new Array(parts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < parts.length) {
      const at = next++;
      results[at] = await embed(parts[at]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARTS_IN_FLIGHT, parts.length) }, worker));
  return joined(parts, results);
}

function joined(parts: EmbeddingsRequest[], results: EmbeddingsResult[]): EmbeddingsResult {
  const data: EmbeddingsResult["response"]["data"] = [];
  let offset = 0;
  results.forEach((result, at) => {
    for (const item of result.response.data) data.push({ ...item, index: offset + item.index });
    offset += (parts[at]!.input as unknown[]).length;
  });
  const first = results[0]!.response;
  // Usage is known only when every part reported it; otherwise the whole request is estimated.
  const usage = results.every((result) => result.usage !== undefined) ? sumUsage(results.map((result) => result.usage!)) : undefined;
  const prompt = usage?.input.total ?? 0;
  return { response: { ...first, data, usage: { prompt_tokens: prompt, total_tokens: prompt } }, usage };
}

/** Embeddings bill input tokens alone. */
function sumUsage(usages: Usage[]): Usage {
  const total = emptyUsage();
  for (const usage of usages) total.input.total += usage.input.total;
  return total;
}
