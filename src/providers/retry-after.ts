import { RawHeaders } from "../transport/raw-headers.js";
import type { HeaderBag } from "./adapter.js";

/** The first value of the header `name` (lower-case). */
export function headerValue(headers: HeaderBag, name: string): string | undefined {
  if (headers instanceof RawHeaders) return headers.get(name);
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Seconds to wait from `retry-after-ms` or `retry-after` (delta-seconds or an
 * HTTP date). Undefined when absent or unparsable.
 */
export function parseRetryAfter(headers: HeaderBag, now: number): number | undefined {
  const ms = headerValue(headers, "retry-after-ms");
  if (ms !== undefined && /^\d+(\.\d+)?$/.test(ms.trim())) return Number(ms) / 1000;
  const value = headerValue(headers, "retry-after")?.trim();
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/g;
const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** Parses Go-style durations used in OpenAI reset headers: `1s`, `6m0s`, `12ms`, `2m59.56s`. */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  let total = 0;
  let matched = "";
  for (const match of trimmed.matchAll(DURATION_PART)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    matched += match[0];
  }
  return matched.length > 0 && matched.length === trimmed.length ? total : undefined;
}
