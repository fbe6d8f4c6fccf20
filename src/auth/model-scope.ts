/**
 * Which models a virtual key may use. A pattern is an alias (`smart`), a
 * `provider/model` id, or either ending in `*` as a prefix glob
 * (`openai/*`, `openai/gpt-4o*`, `*`). Matching is exact and case-sensitive,
 * like model ids upstream; `*` anywhere but the end is a literal character
 * (the admin API refuses such patterns).
 *
 * ```ts
 * isModelAllowed(["smart", "openai/gpt-4o*"], "openai/gpt-4o-mini"); // true
 * ```
 */
import { GatewayError } from "../core/errors.js";
import type { VirtualKey } from "./virtual-key.js";

/** True when `patterns` is empty (no restriction) or one of them matches `model`. */
export function isModelAllowed(patterns: readonly string[], model: string): boolean {
  if (patterns.length === 0) return true;
  for (const pattern of patterns) {
    if (pattern === model) return true;
    if (pattern.endsWith("*") && model.startsWith(pattern.slice(0, -1))) return true;
  }
  return false;
}

/**
 * Throws a 403 unless `key` may use `model`. Call it with the model the client
 * asked for, and with each `provider/model` the router resolves it to when a
 * key is scoped by provider.
 */
export function assertModelAllowed(key: Pick<VirtualKey, "models">, model: string): void {
  if (!isModelAllowed(key.models, model)) {
    const shown = model.length > 200 ? `${model.slice(0, 200)}…` : model;
    throw new GatewayError("permission", `This key is not allowed to use model '${shown}'`, { code: "model_not_allowed", param: "model" });
  }
}

/** Every model a request may reach by name: the one asked for, the one tag rules routed it to, and its `models` fallbacks. */
export function assertRequestAllowed(key: Pick<VirtualKey, "models">, request: { model: string; routedModel?: string; models?: readonly string[] }): void {
  assertModelAllowed(key, request.model);
  if (request.routedModel && request.routedModel !== request.model) assertModelAllowed(key, request.routedModel);
  for (const extra of request.models ?? []) assertModelAllowed(key, extra);
}
