import { describe, expect, it } from "vitest";
import type { LedgerRow } from "../accounting/ledger-row.js";
import { MAX_SERIES, Metrics, OTHER_MODEL, UNLISTED_MODEL } from "./metrics.js";

function row(provider: string, model: string, unpriced: boolean): LedgerRow {
  return {
    id: "r", request_id: "r", ts: 0, key_id: null, requested_model: `${provider}/${model}`, provider, model, status: 200, error_kind: null,
    attempts: 1, route: "", stream: false, input_tokens: 10, cached_tokens: 0, cache_write_tokens: 0, output_tokens: 5, reasoning_tokens: 0,
    cost_usd: unpriced ? null : 0.001, unpriced, estimated: false, price_version: "v", latency_ms: 5, ttft_ms: null,
  };
}

const series = (text: string) => text.split("\n").filter((line) => line.startsWith("switchyard_requests_total{"));

describe("Metrics labels", () => {
  it("stay bounded however many models clients invent, and keep configured and priced models by name", async () => {
    const metrics = new Metrics({
      ledger: () => ({ queued: 0, written: 0, failedWrites: 0, dropped: 0 }),
      inFlight: () => [],
      configured: (provider, model) => provider === "local" && model === "llama3",
    });
    for (let i = 0; i < 5_000; i++) metrics.observe(row("openai", `gpt-client-invented-${i}`, true));
    metrics.observe(row("local", "llama3", true));
    metrics.observe(row("openai", "gpt-4o-mini", false));
    const lines = series(await metrics.render());
    expect(lines).toContain(`switchyard_requests_total{provider="openai",model="${UNLISTED_MODEL}",status="200",stream="false"} 5000`);
    expect(lines).toContain('switchyard_requests_total{provider="local",model="llama3",status="200",stream="false"} 1');
    expect(lines).toContain('switchyard_requests_total{provider="openai",model="gpt-4o-mini",status="200",stream="false"} 1');
    expect(lines).toHaveLength(3);
    metrics.close();
  });

  it("a self-hosted provider's invented names (free by default, refused by its server) are unlisted; the names it served keep their label", async () => {
    const metrics = new Metrics({
      ledger: () => ({ queued: 0, written: 0, failedWrites: 0, dropped: 0 }),
      inFlight: () => [],
      configured: () => false,
      pricedByDefault: (provider) => provider === "vllm",
    });
    for (let i = 0; i < 3_000; i++) metrics.observe({ ...row("vllm", `invented-${i}`, false), status: 404 });
    metrics.observe(row("vllm", "qwen-served", false));
    metrics.observe({ ...row("openai", "gpt-4o", false), status: 429 });
    const lines = series(await metrics.render());
    expect(lines).toContain(`switchyard_requests_total{provider="vllm",model="${UNLISTED_MODEL}",status="404",stream="false"} 3000`);
    expect(lines).toContain('switchyard_requests_total{provider="vllm",model="qwen-served",status="200",stream="false"} 1');
    // A catalog model keeps its name on failures too.
    expect(lines).toContain('switchyard_requests_total{provider="openai",model="gpt-4o",status="429",stream="false"} 1');
    expect(lines).toHaveLength(3);
    metrics.close();
  });

  it("past the series cap, new models share one series", async () => {
    const metrics = new Metrics({ ledger: () => ({ queued: 0, written: 0, failedWrites: 0, dropped: 0 }), inFlight: () => [] });
    for (let i = 0; i < MAX_SERIES + 500; i++) metrics.observe(row("openai", `priced-${i}`, false));
    const lines = series(await metrics.render());
    expect(lines).toHaveLength(MAX_SERIES + 1);
    expect(lines).toContain(`switchyard_requests_total{provider="openai",model="${OTHER_MODEL}",status="200",stream="false"} 500`);
    metrics.close();
  });
});
