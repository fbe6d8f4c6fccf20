/**
 * A model name as clients may send it (`model`, and each of `models`). Real
 * ids are short (fine-tuned and OpenRouter ids run to some 60 characters), but
 * a name is kept in every ledger row (asked for, served, route), in the prompt
 * log and the route headers, and keys the router's plan cache: unbounded, one
 * client with an unscoped key could fill the disk and the heap with requests
 * whose model was megabytes long.
 */
import { z } from "zod";

export const MAX_MODEL_NAME_LENGTH = 256;

export const modelNameSchema = z
  .string()
  .min(1, "model must not be empty")
  .max(MAX_MODEL_NAME_LENGTH, `a model name must be at most ${MAX_MODEL_NAME_LENGTH} characters`);

/** The same test without zod, for the plain-request fast path. */
export function isModelName(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_MODEL_NAME_LENGTH;
}
