/**
 * One finished request in the ledger. Column names are the storage names
 * (snake_case) so rows pass through SQL and the admin API unchanged.
 */
export interface LedgerRow {
  /**
   * The row's own id; unique: a row written twice (a retried batch) is kept
   * once. The request id when the gateway generated it, a fresh one when the
   * client sent its own `x-request-id`, so a reused client id never merges rows.
   */
  id: string;
  /** The request id the client saw (`x-request-id`, its own or generated); stores keep it only where it differs from `id` (`storedRequestId`). */
  request_id: string;
  /** Epoch milliseconds when the request finished. */
  ts: number;
  /** Virtual key id; null for the master key or an open gateway. */
  key_id: string | null;
  /** Model the client asked for (alias, `provider/model`, ...). */
  requested_model: string;
  /** Configured provider name that served (or last failed); "" when no upstream was tried. */
  provider: string;
  /** Upstream model id; "" when no upstream was tried. */
  model: string;
  /** HTTP status returned to the client. */
  status: number;
  /** `GatewayError` kind on failure, else null. */
  error_kind: string | null;
  /** Upstream attempts made (retries and fallbacks included). */
  attempts: number;
  /** What the router did, e.g. `openai/gpt-4o:429>anthropic/claude-sonnet-4-5:200` ("" when no upstream was tried). */
  route: string;
  stream: boolean;
  /** All input tokens; cached_tokens and cache_write_tokens are subsets. */
  input_tokens: number;
  cached_tokens: number;
  cache_write_tokens: number;
  /** All output tokens; reasoning_tokens is a subset. */
  output_tokens: number;
  reasoning_tokens: number;
  /** USD; null when the model has no price (then `unpriced` is true). */
  cost_usd: number | null;
  unpriced: boolean;
  /** The cost is not exact: tokens were estimated locally, or the price is an estimate. */
  estimated: boolean;
  /** `PriceCatalog.version` the cost was computed with. */
  price_version: string;
  latency_ms: number;
  /** Time to first token of a stream; null for non-streams or when none arrived. */
  ttft_ms: number | null;
}

/**
 * `request_id` as stores keep it: null where it is the row id (the gateway
 * generated it, the common case), so no store holds every id twice. Reading
 * back, null means the row id (as for rows written before the column existed).
 */
export function storedRequestId(row: LedgerRow): string | null {
  return row.request_id == null || row.request_id === row.id ? null : String(row.request_id);
}

/** `request_id` read back from what `storedRequestId` kept: null (or a row older than the column) means the row id. */
export function requestIdOf(stored: unknown, id: string): string {
  return stored == null ? id : String(stored);
}
