import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { anthropicError, anthropicErrorEvent } from "./errors.js";
import { parseAnthropicRateLimit } from "./rate-limit.js";

function body(name: string): string {
  return readFileSync(new URL(`./__fixtures__/anthropic-error-${name}.json`, import.meta.url), "utf8");
}

const error = (status: number, text: string, headers = {}) => anthropicError("anthropic", status, headers, text);

describe("anthropicError", () => {
  it("529 overloaded is upstream_unavailable: retryable, fails over", () => {
    const e = error(529, body("overloaded"));
    expect(e).toMatchObject({ kind: "upstream_unavailable", status: 503, upstreamStatus: 529, retryable: true, failover: true, provider: "anthropic" });
    expect(e.message).toBe("Provider 'anthropic' failed (HTTP 529): Overloaded");
    // The type decides even when a proxy changed the status.
    expect(error(500, body("overloaded")).kind).toBe("upstream_unavailable");
  });

  it("401/403 are upstream_auth: never the client's 401", () => {
    const e = error(401, body("auth"));
    expect(e).toMatchObject({ kind: "upstream_auth", status: 502, failover: true });
    expect(e.message).toMatch(/invalid x-api-key/);
    expect(error(403, JSON.stringify({ type: "error", error: { type: "permission_error", message: "no access" } })).kind).toBe("upstream_auth");
  });

  it("an out-of-credit 400 is the gateway account's problem, so it fails over", () => {
    expect(error(400, body("credit"))).toMatchObject({ kind: "upstream_auth", failover: true });
  });

  it("context-window 400s are context_length_exceeded with OpenAI's code", () => {
    const e = error(400, body("context"));
    expect(e).toMatchObject({ kind: "context_length_exceeded", status: 400, code: "context_length_exceeded" });
    expect(e.message).toBe("prompt is too long: 208310 tokens > 200000 maximum");
    const limit = JSON.stringify({
      type: "error",
      error: { type: "invalid_request_error", message: "input length and `max_tokens` exceed context limit: 197680 + 8192 > 200000, decrease input length or `max_tokens` and try again" },
    });
    expect(error(400, limit).kind).toBe("context_length_exceeded");
  });

  it("other 400s keep Anthropic's status and message", () => {
    const e = error(400, JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: "messages: roles must alternate" } }));
    expect(e).toMatchObject({ kind: "bad_request", status: 400, code: null });
    expect(e.message).toBe("messages: roles must alternate");
    expect(error(413, JSON.stringify({ type: "error", error: { type: "request_too_large", message: "Request exceeds the maximum size" } })).kind).toBe("payload_too_large");
  });

  it("429 is rate_limit with retry-after; 500 and non-JSON bodies are upstream_error", () => {
    expect(error(429, body("rate-limit"), { "retry-after": "17" })).toMatchObject({ kind: "rate_limit", status: 429, retryAfterSeconds: 17 });
    expect(error(500, JSON.stringify({ type: "error", error: { type: "api_error", message: "Internal server error" } })).kind).toBe("upstream_error");
    const html = error(502, "<html>Bad gateway</html>");
    expect(html).toMatchObject({ kind: "upstream_error", status: 502 });
  });
});

describe("parseAnthropicRateLimit", () => {
  const now = Date.parse("2026-11-28T12:00:00Z");

  it("reads requests and tokens buckets with RFC 3339 resets, and retry-after", () => {
    const state = parseAnthropicRateLimit(
      {
        "anthropic-ratelimit-requests-limit": "4000",
        "anthropic-ratelimit-requests-remaining": "3999",
        "anthropic-ratelimit-requests-reset": "2026-11-28T12:00:01Z",
        "anthropic-ratelimit-tokens-limit": "480000",
        "anthropic-ratelimit-tokens-remaining": "479000",
        "anthropic-ratelimit-tokens-reset": "2026-11-28T12:00:06.5Z",
        "anthropic-ratelimit-input-tokens-limit": "400000",
        "anthropic-ratelimit-input-tokens-remaining": "0",
        "retry-after": "3",
      },
      now,
    );
    expect(state).toEqual({
      requestsLimit: 4000,
      requestsRemaining: 3999,
      requestsResetAt: now + 1000,
      tokensLimit: 480000,
      tokensRemaining: 479000,
      tokensResetAt: now + 6500,
      retryAfterAt: now + 3000,
      observedAt: now,
    });
  });

  it("without the combined bucket, the tighter of input and output tokens stands in", () => {
    const state = parseAnthropicRateLimit(
      {
        "anthropic-ratelimit-input-tokens-limit": "400000",
        "anthropic-ratelimit-input-tokens-remaining": "300000",
        "anthropic-ratelimit-output-tokens-limit": ["80000"],
        "anthropic-ratelimit-output-tokens-remaining": ["8000"],
        "anthropic-ratelimit-output-tokens-reset": ["2026-11-28T12:00:30Z"],
      },
      now,
    );
    expect(state).toMatchObject({ tokensLimit: 80000, tokensRemaining: 8000, tokensResetAt: now + 30_000 });
  });

  it("is undefined without rate-limit headers and ignores garbage values", () => {
    expect(parseAnthropicRateLimit({ "content-type": "application/json" }, now)).toBeUndefined();
    expect(parseAnthropicRateLimit({ "anthropic-ratelimit-requests-remaining": "lots", "anthropic-ratelimit-requests-reset": "soon" }, now)).toBeUndefined();
  });
});

describe("anthropicErrorEvent", () => {
  it("keeps what an error after the 200 was: overload, timeout, or an upstream failure", () => {
    expect(anthropicErrorEvent("anthropic", { type: "overloaded_error", message: "Overloaded" }, "mid-stream").kind).toBe("upstream_unavailable");
    expect(anthropicErrorEvent("anthropic", { type: "timeout_error", message: "Request timed out" }, "mid-stream")).toMatchObject({ kind: "timeout", code: "timeout_error" });
    expect(anthropicErrorEvent("anthropic", { type: "api_error", message: "Internal" }, "mid-stream").kind).toBe("upstream_error");
    expect(anthropicErrorEvent("anthropic", undefined, "in its answer").kind).toBe("upstream_error");
  });
});
