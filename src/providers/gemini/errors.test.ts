import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { validateOpenAI } from "../../../test/helpers/openapi.js";
import { geminiError, geminiRateLimit, secondsToPacificMidnight } from "./errors.js";

function fixtureText(name: string): string {
  return readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), "utf8");
}

const body = (code: number, status: string, message: string) => JSON.stringify({ error: { code, message, status } });

describe("geminiError", () => {
  it("reads RetryInfo.retryDelay (fractional) into a rate_limit error", () => {
    const error = geminiError("gemini", 429, { "retry-after": "5" }, fixtureText("gemini-error-429.json"));
    expect(error).toMatchObject({ kind: "rate_limit", status: 429, upstreamStatus: 429, retryAfterSeconds: 34.4, provider: "gemini" });
    expect(error.message).toContain("You exceeded your current quota");
    validateOpenAI("ErrorResponse", error.toJSON());
  });

  it("falls back to Retry-After when the body has no RetryInfo", () => {
    const error = geminiError("gemini", 429, { "retry-after": "12" }, body(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted"));
    expect(error).toMatchObject({ kind: "rate_limit", retryAfterSeconds: 12, code: "resource_exhausted" });
    expect(geminiError("gemini", 429, {}, body(429, "RESOURCE_EXHAUSTED", "x")).retryAfterSeconds).toBeUndefined();
  });

  it("treats an invalid key as the gateway's credential problem, never the client's", () => {
    const error = geminiError("gemini", 400, {}, fixtureText("gemini-error-api-key.json"));
    expect(error).toMatchObject({ kind: "upstream_auth", status: 502, code: "api_key_invalid" });
    expect(error.failover).toBe(true);
    expect(geminiError("gemini", 403, {}, body(403, "PERMISSION_DENIED", "Permission denied")).kind).toBe("upstream_auth");
    expect(geminiError("gemini", 401, {}, body(401, "UNAUTHENTICATED", "Request had invalid credentials")).kind).toBe("upstream_auth");
    expect(geminiError("gemini", 400, {}, body(400, "FAILED_PRECONDITION", "User location is not supported for the API use.")).kind).toBe(
      "upstream_auth",
    );
  });

  it("tells context overflow apart from other bad requests", () => {
    const overflow = geminiError("gemini", 400, {}, fixtureText("gemini-error-context.json"));
    expect(overflow).toMatchObject({ kind: "context_length_exceeded", status: 400, code: "context_length_exceeded" });
    const bad = geminiError("gemini", 400, {}, body(400, "INVALID_ARGUMENT", "Invalid JSON payload received. Unknown name \"foo\""));
    expect(bad).toMatchObject({ kind: "bad_request", status: 400, code: "invalid_argument" });
    expect(bad.message).toBe('Invalid JSON payload received. Unknown name "foo"');
  });

  it("maps server-side statuses", () => {
    expect(geminiError("gemini", 404, {}, body(404, "NOT_FOUND", "models/nope is not found")).kind).toBe("not_found");
    expect(geminiError("gemini", 500, {}, body(500, "INTERNAL", "An internal error has occurred")).kind).toBe("upstream_error");
    expect(geminiError("gemini", 503, {}, body(503, "UNAVAILABLE", "The model is overloaded")).kind).toBe("upstream_unavailable");
    expect(geminiError("gemini", 504, {}, body(504, "DEADLINE_EXCEEDED", "Deadline expired")).kind).toBe("timeout");
  });

  it("survives bodies that are not Google errors", () => {
    expect(geminiError("gemini", 502, {}, "<html>Bad Gateway</html>")).toMatchObject({ kind: "upstream_error", message: expect.stringContaining("Bad Gateway") });
    expect(geminiError("gemini", 500, {}, "").message).toContain("HTTP 500");
    expect(geminiError("gemini", 429, {}, JSON.stringify([{ error: { code: 429, status: "RESOURCE_EXHAUSTED", message: "slow down", details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "3s" }] } }])).retryAfterSeconds).toBe(3);
  });
});

describe("per-day quotas", () => {
  const exhausted = (quotaId: string) =>
    JSON.stringify({
      error: {
        code: 429, status: "RESOURCE_EXHAUSTED", message: "Quota exceeded",
        details: [
          { "@type": "type.googleapis.com/google.rpc.QuotaFailure", violations: [{ quotaMetric: "generativelanguage.googleapis.com/generate_requests", quotaId }] },
          { "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "3s" },
        ],
      },
    });

  it("a per-day quota waits until midnight Pacific time, not the 3 s RetryInfo suggests; a per-minute one keeps RetryInfo", () => {
    const daily = geminiError("gemini", 429, {}, exhausted("GenerateRequestsPerDayPerProjectPerModel-FreeTier"));
    expect(daily.retryAfterSeconds).toBe(Math.max(3, secondsToPacificMidnight(Date.now())));
    expect(daily.retryAfterSeconds).toBeGreaterThan(3);
    expect(geminiError("gemini", 429, {}, exhausted("GenerateRequestsPerMinutePerProjectPerModel-FreeTier")).retryAfterSeconds).toBe(3);
  });

  it("counts the seconds to the next Pacific midnight", () => {
    // 2026-12-07 20:00 UTC is 12:00 in Los Angeles (PST, UTC−8): twelve hours to go.
    expect(secondsToPacificMidnight(Date.UTC(2026, 11, 7, 20, 0, 0))).toBe(12 * 3_600);
  });
});

describe("geminiRateLimit", () => {
  it("is undefined without Retry-After (Gemini sends no rate-limit headers)", () => {
    expect(geminiRateLimit({ "content-type": "application/json" }, 1_000)).toBeUndefined();
  });

  it("records Retry-After when a proxy or Google sends one", () => {
    expect(geminiRateLimit({ "retry-after": "30" }, 1_000)).toEqual({ retryAfterAt: 31_000, observedAt: 1_000 });
  });
});
