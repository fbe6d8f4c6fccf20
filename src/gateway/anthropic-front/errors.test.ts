import { describe, expect, it } from "vitest";
import { GatewayError, type ErrorKind } from "../../core/errors.js";
import { Redactor } from "../../core/redact.js";
import { anthropicErrorBody, anthropicErrorReply, anthropicErrorType } from "./errors.js";

describe("anthropicErrorType", () => {
  it("follows the truthful status", () => {
    const cases: Array<[ErrorKind, string]> = [
      ["bad_request", "invalid_request_error"],
      ["context_length_exceeded", "invalid_request_error"],
      ["auth", "authentication_error"],
      ["permission", "permission_error"],
      ["not_found", "not_found_error"],
      ["payload_too_large", "request_too_large"],
      ["rate_limit", "rate_limit_error"],
      ["budget_exceeded", "rate_limit_error"],
      ["upstream_error", "api_error"],
      ["upstream_auth", "api_error"],
      ["upstream_unavailable", "overloaded_error"],
      ["timeout", "timeout_error"],
      ["internal", "api_error"],
    ];
    for (const [kind, type] of cases) expect(anthropicErrorType(new GatewayError(kind, "x")), kind).toBe(type);
    expect(anthropicErrorType(new GatewayError("bad_request", "x", { status: 422 }))).toBe("invalid_request_error");
  });
});

describe("anthropicErrorBody mid-stream", () => {
  it("names a timeout timeout_error, a provider's capacity overloaded_error, anything else api_error", () => {
    const type = (kind: ErrorKind) => anthropicErrorBody(new GatewayError(kind, "x"), new Redactor(), "r", { midStream: true }).error.type;
    expect(type("timeout")).toBe("timeout_error");
    expect(type("upstream_unavailable")).toBe("overloaded_error");
    expect(type("rate_limit")).toBe("overloaded_error");
    expect(type("upstream_error")).toBe("api_error");
    expect(type("internal")).toBe("api_error");
  });
});

describe("anthropicErrorReply", () => {
  it("keeps the status and headers and writes Anthropic's body", () => {
    const redactor = new Redactor();
    redactor.add("sk-upstream-secret-1");
    const reply = anthropicErrorReply(
      new GatewayError("rate_limit", "Provider 'openai' failed: key sk-upstream-secret-1 over limit", { retryAfterSeconds: 2.5 }),
      "req_42",
      redactor,
    );
    expect(reply.status).toBe(429);
    expect(reply.headers).toMatchObject({ "content-type": "application/json", "x-request-id": "req_42", "request-id": "req_42", "retry-after": "3" });
    expect(JSON.parse(reply.body as string)).toEqual({
      type: "error",
      error: { type: "rate_limit_error", message: "Provider 'openai' failed: key [REDACTED] over limit" },
      request_id: "req_42",
    });
  });

  it("hides unknown failures behind a generic 500", () => {
    const reply = anthropicErrorReply(new Error("stack details"), "r", new Redactor());
    expect(reply.status).toBe(500);
    expect(JSON.parse(reply.body as string).error).toEqual({ type: "api_error", message: "Internal gateway error" });
  });
});
