import { pino } from "pino";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../core/errors.js";
import { Redactor } from "../core/redact.js";
import { logInternalFailure } from "./internal-failure.js";

const SECRET = "prov-secret-4b3a2918d7c6";

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(piece: Buffer, _encoding, done) {
      for (const line of piece.toString().split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line));
      done();
    },
  });
  const redactor = new Redactor();
  redactor.add(SECRET);
  return { lines, runtime: { log: pino({ level: "info" }, sink), redactor } };
}

describe("logInternalFailure", () => {
  it("logs an unexpected failure's cause and stack with the request id, secrets redacted", () => {
    const { lines, runtime } = capture();
    const bug = new TypeError(`Cannot read properties of null (reading 'x') near ${SECRET}`);
    logInternalFailure(runtime as never, bug, "req-1");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, requestId: "req-1", msg: "internal error: Internal gateway error" });
    expect(lines[0]!.err).toContain("TypeError: Cannot read properties of null");
    expect(lines[0]!.err).toContain("internal-failure.test.ts");
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  it("says nothing of the failures the gateway expects (client errors, upstream failures)", () => {
    const { lines, runtime } = capture();
    for (const error of [new GatewayError("bad_request", "no"), new GatewayError("upstream_unavailable", "down"), new GatewayError("rate_limit", "slow")]) {
      logInternalFailure(runtime as never, error, "req-2");
    }
    expect(lines).toEqual([]);
  });
});
