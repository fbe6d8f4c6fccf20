/**
 * Ledger rows packed into columns: numbers in typed arrays, strings in arrays
 * that point at shared copies. A row kept this way leaves no per-request
 * object behind. Kept as objects, the newest 10,000 rows flowed into V8's old
 * generation at ~180 bytes a request (ten times everything else together), and
 * at 1,000 req/s that set off a full collection every few seconds, each one
 * holding requests back by tens of milliseconds.
 *
 * A ring: `push` past `maxRows` is the caller's to prevent (`shift` first).
 * Storage grows by doubling up to `maxRows`, so an idle gateway holds little.
 */
import { requestIdOf, storedRequestId, type LedgerRow } from "./ledger-row.js";
import type { SpendTotals } from "./ledger-store.js";

const STREAM = 1;
const UNPRICED = 2;
const ESTIMATED = 4;
const NO_COST = 8;
const NO_TTFT = 16;

/** Distinct strings shared at most; past it (unbounded client-chosen model names), a row keeps its own copy. */
const MAX_SHARED = 4_096;

const NUMBERS = ["ts", "input_tokens", "cached_tokens", "cache_write_tokens", "output_tokens", "reasoning_tokens", "cost_usd", "latency_ms", "ttft_ms", "status", "attempts"] as const;
/** `request_id` holds `storedRequestId(row)`: null where it equals `id`, one string per row, not two. */
const STRINGS = ["id", "request_id", "key_id", "requested_model", "provider", "model", "error_kind", "route", "price_version"] as const;

type NumberColumn = (typeof NUMBERS)[number];
type StringColumn = (typeof STRINGS)[number];

export class RowColumns {
  private capacity: number;
  private head = 0;
  private count = 0;
  private numbers = {} as Record<NumberColumn, Float64Array>;
  private strings = {} as Record<StringColumn, (string | null)[]>;
  private flags: Uint8Array;
  private readonly shared = new Map<string, string>();

  constructor(readonly maxRows: number) {
    this.capacity = Math.max(1, Math.min(maxRows, 1_024));
    for (const name of NUMBERS) this.numbers[name] = new Float64Array(this.capacity);
    for (const name of STRINGS) this.strings[name] = new Array<string | null>(this.capacity).fill(null);
    this.flags = new Uint8Array(this.capacity);
  }

  get size(): number {
    return this.count;
  }

  push(row: LedgerRow): void {
    if (this.count === this.capacity) this.grow();
    const at = (this.head + this.count) % this.capacity;
    this.count++;
    const n = this.numbers;
    n.ts[at] = row.ts;
    n.input_tokens[at] = row.input_tokens;
    n.cached_tokens[at] = row.cached_tokens;
    n.cache_write_tokens[at] = row.cache_write_tokens;
    n.output_tokens[at] = row.output_tokens;
    n.reasoning_tokens[at] = row.reasoning_tokens;
    n.cost_usd[at] = row.cost_usd ?? 0;
    n.latency_ms[at] = row.latency_ms;
    n.ttft_ms[at] = row.ttft_ms ?? 0;
    n.status[at] = row.status;
    n.attempts[at] = row.attempts;
    const s = this.strings;
    s.id[at] = row.id;
    s.request_id[at] = storedRequestId(row);
    s.key_id[at] = this.share(row.key_id);
    s.requested_model[at] = this.share(row.requested_model);
    s.provider[at] = this.share(row.provider);
    s.model[at] = this.share(row.model);
    s.error_kind[at] = this.share(row.error_kind);
    s.route[at] = this.share(row.route);
    s.price_version[at] = this.share(row.price_version);
    this.flags[at] =
      (row.stream ? STREAM : 0) | (row.unpriced ? UNPRICED : 0) | (row.estimated ? ESTIMATED : 0) | (row.cost_usd === null ? NO_COST : 0) | (row.ttft_ms === null ? NO_TTFT : 0);
  }

  /** Removes and returns the oldest row. */
  shift(): LedgerRow | undefined {
    if (this.count === 0) return undefined;
    const row = this.row(0);
    this.dropOldest();
    return row;
  }

  /** Removes the oldest row without building it (read what you need of it first). */
  dropOldest(): void {
    if (this.count === 0) return;
    this.strings.id[this.head] = null;
    this.strings.request_id[this.head] = null;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
  }

  /** Adds row `index`'s counts to `into`, as one more request, without building the row. */
  addTotalsTo(index: number, into: SpendTotals): void {
    const at = this.slot(index);
    const n = this.numbers;
    into.requests += 1;
    into.input_tokens += n.input_tokens[at]!;
    into.cached_tokens += n.cached_tokens[at]!;
    into.cache_write_tokens += n.cache_write_tokens[at]!;
    into.output_tokens += n.output_tokens[at]!;
    into.reasoning_tokens += n.reasoning_tokens[at]!;
    into.cost_usd += n.cost_usd[at]!; // 0 where the row has no cost
    if (this.flags[at]! & UNPRICED) into.unpriced_requests += 1;
  }

  /** String column `name` of row `index` (0 = oldest), without building the row. */
  text(index: number, name: "id" | "key_id" | "provider" | "model"): string | null {
    return this.strings[name][this.slot(index)]!;
  }

  /** Row `index` (0 = oldest) as a fresh object. */
  row(index: number): LedgerRow {
    const at = this.slot(index);
    const n = this.numbers;
    const s = this.strings;
    const flags = this.flags[at]!;
    return {
      id: s.id[at]!,
      request_id: requestIdOf(s.request_id[at], s.id[at]!),
      ts: n.ts[at]!,
      key_id: s.key_id[at]!,
      requested_model: s.requested_model[at]!,
      provider: s.provider[at]!,
      model: s.model[at]!,
      status: n.status[at]!,
      error_kind: s.error_kind[at]!,
      attempts: n.attempts[at]!,
      route: s.route[at]!,
      stream: (flags & STREAM) !== 0,
      input_tokens: n.input_tokens[at]!,
      cached_tokens: n.cached_tokens[at]!,
      cache_write_tokens: n.cache_write_tokens[at]!,
      output_tokens: n.output_tokens[at]!,
      reasoning_tokens: n.reasoning_tokens[at]!,
      cost_usd: flags & NO_COST ? null : n.cost_usd[at]!,
      unpriced: (flags & UNPRICED) !== 0,
      estimated: (flags & ESTIMATED) !== 0,
      price_version: s.price_version[at]!,
      latency_ms: n.latency_ms[at]!,
      ttft_ms: flags & NO_TTFT ? null : n.ttft_ms[at]!,
    };
  }

  /** The timestamp of row `index` (0 = oldest), without building the row. */
  ts(index: number): number {
    return this.numbers.ts[this.slot(index)]!;
  }

  private slot(index: number): number {
    if (index < 0 || index >= this.count) throw new RangeError(`row ${index} of ${this.count}`);
    return (this.head + index) % this.capacity;
  }

  private share(value: string | null): string | null {
    if (value === null) return null;
    const known = this.shared.get(value);
    if (known !== undefined) return known;
    if (this.shared.size < MAX_SHARED) this.shared.set(value, value);
    return value;
  }

  /** Doubles the storage (up to maxRows), oldest row first. */
  private grow(): void {
    const capacity = Math.min(this.maxRows, this.capacity * 2);
    if (capacity === this.capacity) throw new RangeError(`RowColumns holds at most ${this.maxRows} rows`);
    const order = (index: number) => (this.head + index) % this.capacity;
    for (const name of NUMBERS) {
      const next = new Float64Array(capacity);
      for (let i = 0; i < this.count; i++) next[i] = this.numbers[name][order(i)]!;
      this.numbers[name] = next;
    }
    for (const name of STRINGS) {
      const next = new Array<string | null>(capacity).fill(null);
      for (let i = 0; i < this.count; i++) next[i] = this.strings[name][order(i)]!;
      this.strings[name] = next;
    }
    const flags = new Uint8Array(capacity);
    for (let i = 0; i < this.count; i++) flags[i] = this.flags[order(i)]!;
    this.flags = flags;
    this.head = 0;
    this.capacity = capacity;
  }
}
