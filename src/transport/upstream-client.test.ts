import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { afterAll, describe, expect, it } from "vitest";
import { NEVER_CANCELLED } from "../core/cancel-signal.js";
import { classifyError } from "../router/classify.js";
import { UpstreamClient } from "./upstream-client.js";

const client = new UpstreamClient("p", "http://127.0.0.1:9");
const signal = new AbortController().signal;
afterAll(() => client.close());
const failure = (code: string) => Object.assign(new Error(`connect failed: ${code}`), { code });

describe("transport errors and what the router does with them", () => {
  it("moves on at once when the address is wrong (no such host, TLS refused)", () => {
    for (const code of ["ENOTFOUND", "ERR_TLS_CERT_ALTNAME_INVALID", "ERR_SSL_WRONG_VERSION_NUMBER", "CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE"]) {
      const error = client.transportError(failure(code), signal);
      expect(error).toMatchObject({ kind: "upstream_error", code: "upstream_unreachable", status: 502 });
      expect(classifyError(error)).toBe("next");
    }
  });

  it("treats a connect timeout as a timeout: the next deployment at once, not three more 10 s waits", () => {
    const { ConnectTimeoutError } = createRequire(import.meta.url)("undici/lib/core/errors.js") as { ConnectTimeoutError: new (message?: string) => Error };
    const error = client.transportError(new ConnectTimeoutError("Connect Timeout Error"), signal);
    expect(error).toMatchObject({ kind: "timeout", status: 504, message: "Cannot connect to provider 'p' within 10 s" });
    expect(classifyError(error)).toBe("next");
  });

  it("retries what may pass: a refused or reset connection, a DNS timeout", () => {
    for (const code of ["ECONNREFUSED", "ECONNRESET", "EAI_AGAIN", "UND_ERR_SOCKET"]) {
      const error = client.transportError(failure(code), signal);
      expect(error).toMatchObject({ kind: "upstream_unavailable", code: "upstream_connection_failed", status: 503, message: `Connection to provider 'p' failed (${code})` });
      expect(classifyError(error)).toBe("retry");
    }
  });
});

describe("an answer too large to take", () => {
  let server: Server | undefined;
  let big: UpstreamClient | undefined;
  afterAll(async () => {
    await big?.close();
    server?.close();
  });

  it("fails as an invalid answer (the next deployment at once) instead of never settling", async () => {
    // 8 KiB of JSON, in chunks, against a 1 KiB limit; a small answer from the same server still passes.
    server = createServer((request, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      if (request.url === "/small") return res.end('{"ok":true}');
      for (let i = 0; i < 8; i++) res.write(`{"pad":"${"a".repeat(1000)}"}\n`);
      res.end();
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    big = new UpstreamClient("big", `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const options = { signal: NEVER_CANCELLED, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000, deadlineMs: 5_000, maxBodyBytes: 1024 };
    const error = await big.fetchText({ method: "GET", path: "/big", headers: {} }, options).then(() => undefined, (failure: unknown) => failure);
    expect(error).toMatchObject({ kind: "upstream_error", code: "invalid_response", status: 502, message: "Provider 'big' returned an answer larger than 1024 bytes" });
    expect(classifyError(error as never)).toBe("next");
    await expect(big.fetchText({ method: "GET", path: "/small", headers: {} }, options)).resolves.toMatchObject({ status: 200, text: '{"ok":true}' });
  });
});
