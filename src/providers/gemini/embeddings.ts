/**
 * OpenAI embeddings ⇄ `:embedContent` (one input) / `:batchEmbedContents`
 * (several). Gemini reports no token counts, so the canonical usage is
 * undefined (nothing to price) while the OpenAI body carries zeros, which its
 * schema requires.
 */
import type { EmbeddingsRequest, EmbeddingsResponse } from "../../core/embeddings.js";
import { GatewayError } from "../../core/errors.js";
import type { EmbeddingsResult } from "../adapter.js";

export interface GeminiEmbeddingsCall {
  operation: "embedContent" | "batchEmbedContents";
  body: Record<string, unknown>;
}

function inputsOf(input: EmbeddingsRequest["input"]): string[] {
  const list = typeof input === "string" ? [input] : Array.isArray(input) ? input : [];
  if (list.length === 0) throw new GatewayError("bad_request", "input must be a non-empty string or array of strings", { param: "input" });
  if (!list.every((item): item is string => typeof item === "string")) {
    throw new GatewayError("bad_request", "Token-array input is not supported for this provider; send text", { param: "input" });
  }
  return list;
}

/** The embed call for `model` (a bare id such as `gemini-embedding-001`). */
export function toGeminiEmbeddings(request: EmbeddingsRequest, model: string): GeminiEmbeddingsCall {
  const inputs = inputsOf(request.input);
  const dimensions = typeof request.dimensions === "number" ? { outputDimensionality: request.dimensions } : {};
  if (inputs.length === 1) {
    return { operation: "embedContent", body: { content: { parts: [{ text: inputs[0] }] }, ...dimensions } };
  }
  const requests = inputs.map((text) => ({ model: `models/${model}`, content: { parts: [{ text }] }, ...dimensions }));
  return { operation: "batchEmbedContents", body: { requests } };
}

function isNumbers(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((item) => typeof item === "number");
}

function valuesOf(body: unknown): number[][] | undefined {
  if (body === null || typeof body !== "object") return undefined;
  const { embedding, embeddings } = body as { embedding?: { values?: unknown }; embeddings?: Array<{ values?: unknown }> };
  if (embedding && isNumbers(embedding.values)) return [embedding.values];
  if (Array.isArray(embeddings) && embeddings.every((entry) => isNumbers(entry?.values))) {
    return embeddings.map((entry) => entry.values as number[]);
  }
  return undefined;
}

/** Float32 little-endian, base64: what OpenAI returns for `encoding_format: "base64"` (the OpenAI SDK's default). */
function toBase64(values: number[]): string {
  const floats = Float32Array.from(values);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString("base64");
}

export function fromGeminiEmbeddings(body: unknown, request: EmbeddingsRequest | undefined, model: string, provider: string): EmbeddingsResult {
  const vectors = valuesOf(body);
  if (!vectors) throw new GatewayError("upstream_error", `Provider '${provider}' returned an unparsable embeddings response`, { provider });
  const base64 = request?.encoding_format === "base64";
  const response: EmbeddingsResponse = {
    object: "list",
    data: vectors.map((values, index) => ({ object: "embedding", index, embedding: base64 ? toBase64(values) : values })),
    model,
    usage: { prompt_tokens: 0, total_tokens: 0 },
  };
  return { response, usage: undefined };
}
