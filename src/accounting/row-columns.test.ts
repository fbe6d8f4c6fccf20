import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LedgerRow } from "./ledger-row.js";
import { RowColumns } from "./row-columns.js";

const text = fc.string({ maxLength: 12 });
const count = fc.nat({ max: 2_000_000 });
const anyRow: fc.Arbitrary<LedgerRow> = fc.record({
  id: fc.uuid(),
  request_id: fc.uuid(),
  ts: fc.integer({ min: 0, max: 4_000_000_000_000 }),
  key_id: fc.option(text, { nil: null }),
  requested_model: text,
  provider: text,
  model: text,
  status: fc.integer({ min: 100, max: 599 }),
  error_kind: fc.option(text, { nil: null }),
  attempts: fc.nat({ max: 20 }),
  route: text,
  stream: fc.boolean(),
  input_tokens: count,
  cached_tokens: count,
  cache_write_tokens: count,
  output_tokens: count,
  reasoning_tokens: count,
  cost_usd: fc.option(fc.double({ min: 0, max: 1_000, noNaN: true }), { nil: null }),
  unpriced: fc.boolean(),
  estimated: fc.boolean(),
  price_version: text,
  latency_ms: fc.double({ min: 0, max: 1e6, noNaN: true }),
  ttft_ms: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: null }),
});
/** Mostly the common case: the request id is the row id (the gateway generated it). */
const ledgerRow = fc.tuple(anyRow, fc.boolean()).map(([row, own]): LedgerRow => (own ? { ...row, request_id: row.id } : row));

describe("RowColumns", () => {
  it("gives back every field of every row, in order, across growth and wrap-around", () => {
    fc.assert(
      fc.property(fc.array(ledgerRow, { maxLength: 300 }), fc.integer({ min: 1, max: 64 }), (rows, maxRows) => {
        const columns = new RowColumns(maxRows);
        const kept: LedgerRow[] = [];
        for (const row of rows) {
          if (columns.size === maxRows) expect(columns.shift()).toEqual(kept.shift());
          columns.push(row);
          kept.push(row);
        }
        expect(columns.size).toBe(kept.length);
        kept.forEach((row, i) => {
          expect(columns.row(i)).toEqual(row);
          expect(columns.ts(i)).toBe(row.ts);
        });
      }),
    );
  });

  it("a zero and a null cost or ttft stay apart; a row past maxRows is refused", () => {
    const columns = new RowColumns(2);
    const base = fc.sample(ledgerRow, { numRuns: 1, seed: 7 })[0]!;
    columns.push({ ...base, cost_usd: 0, ttft_ms: null });
    columns.push({ ...base, cost_usd: null, ttft_ms: 0 });
    expect([columns.row(0).cost_usd, columns.row(0).ttft_ms, columns.row(1).cost_usd, columns.row(1).ttft_ms]).toEqual([0, null, null, 0]);
    expect(() => columns.push(base)).toThrow(RangeError);
    expect(() => columns.row(2)).toThrow(RangeError);
  });
});
