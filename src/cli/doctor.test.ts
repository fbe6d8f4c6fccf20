/**
 * `switchyard doctor` against a local fake upstream: it names the URL it
 * probed, and an OpenAI-compatible server without a model listing is a warning.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { echoHandler, sendJson, startFakeUpstream, type FakeUpstream } from "../../test/helpers/fake-upstream.js";
import { ConfigError } from "../config/load.js";
import { runDoctor } from "./doctor.js";

let upstream: FakeUpstream;
let output: string[];

beforeAll(async () => {
  upstream = await startFakeUpstream();
});
afterAll(() => upstream.close());
beforeEach(() => {
  output = [];
  vi.spyOn(console, "log").mockImplementation((...parts) => void output.push(parts.join(" ")));
});
afterEach(() => {
  vi.restoreAllMocks();
  upstream.handle(echoHandler);
  process.exitCode = undefined;
});

function configFile(providers: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "sy-doctor-")), "switchyard.yaml");
  writeFileSync(file, `storage: { url: "memory://" }\nserver: { master_key: "sk-master-0123456789" }\nproviders:\n${providers}\n`);
  return file;
}

/** Upstream without GET /models, as many self-hosted servers are. */
function withoutModelList(status = 404) {
  upstream.handle((request, res) => (request.url.endsWith("/models") ? sendJson(res, status, { error: "not found" }) : echoHandler(request, res)));
}

describe("switchyard doctor", () => {
  it("names the probed URL of a reachable provider", async () => {
    await runDoctor({ config: configFile(`  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }`) });
    expect(output).toContainEqual(expect.stringMatching(new RegExp(`^✓ fake: reachable \\(HTTP 200, 1 models, \\d+ ms; GET ${upstream.baseUrl}/models\\)$`)));
    expect(process.exitCode).toBeUndefined();
  });

  it("warns, without failing, when an OpenAI-compatible upstream has no model listing", async () => {
    withoutModelList();
    await runDoctor({ config: configFile(`  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }`) });
    expect(output).toContain(`! fake: reachable, but lists no models (HTTP 404 from GET ${upstream.baseUrl}/models); declare them under providers.fake.models`);
    expect(output.at(-1)).toBe("\nAll checks passed.");
    expect(process.exitCode).toBeUndefined();
    // Declared already: says they are used, rather than asking for them.
    output.length = 0;
    await runDoctor({ config: configFile(`  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}", models: [a, b] }`) });
    expect(output).toContain(`! fake: reachable, but lists no models (HTTP 404 from GET ${upstream.baseUrl}/models); the 2 declared under providers.fake.models are listed instead`);
  });

  it("still fails other statuses, and a 404 from a vendor's listing, naming the URL", async () => {
    withoutModelList(500);
    await runDoctor({ config: configFile(`  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }`) });
    expect(output).toContain(`✗ fake: HTTP 500 (GET ${upstream.baseUrl}/models)`);
    expect(process.exitCode).toBe(1);

    withoutModelList(404);
    process.exitCode = undefined;
    await runDoctor({ config: configFile(`  vendor: { type: groq, base_url: "${upstream.baseUrl}", api_key: "gsk-test-0123456789abcdef" }`) });
    expect(output).toContain(`✗ vendor: HTTP 404 (GET ${upstream.baseUrl}/models)`);
    expect(process.exitCode).toBe(1);
  });

  it("says a reachable provider answering with no model list is no connection failure", async () => {
    upstream.handle((_request, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>a login page</html>");
    });
    await runDoctor({ config: configFile(`  vendor: { type: groq, base_url: "${upstream.baseUrl}", api_key: "gsk-test-0123456789abcdef" }`) });
    expect(output).toContain(`✗ vendor: HTTP 200, but the answer is not a model list: check its base_url (GET ${upstream.baseUrl}/models)`);
    expect(process.exitCode).toBe(1);
  });

  it("warns, without failing, about secrets written into the file as literals", async () => {
    await runDoctor({ config: configFile(`  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}", api_key: "sk-literal-0123456789" }`) });
    expect(output).toContain("! server.master_key is a literal value; prefer env:NAME or file:/path");
    expect(output).toContain("! provider 'fake': api_key is a literal value; prefer env:NAME or file:/path");
    expect(output.join("\n")).not.toContain("sk-literal-0123456789");
    expect(output.at(-1)).toBe("\nAll checks passed.");
    expect(process.exitCode).toBeUndefined();
  });

  it("reports a master key that does not resolve as a problem, and still checks the providers", async () => {
    delete process.env.SY_DOCTOR_NO_MASTER;
    const file = configFile(`  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }`);
    writeFileSync(file, readFileSync(file, "utf8").replace('"sk-master-0123456789"', "env:SY_DOCTOR_NO_MASTER"));
    await runDoctor({ config: file });
    expect(output).toContain("✗ server.master_key: environment variable SY_DOCTOR_NO_MASTER is not set (switchyard start would refuse to run)");
    expect(output).toContainEqual(expect.stringMatching(/^✓ fake: reachable/));
    expect(process.exitCode).toBe(1);
  });

  it("reports a storage that cannot be opened as a problem, and still checks the providers", async () => {
    const file = configFile(`  fake: { type: openai-compatible, base_url: "${upstream.baseUrl}" }`);
    writeFileSync(file, readFileSync(file, "utf8").replace('"memory://"', '"postgres://sy:pw-0123@127.0.0.1:1/sy"'));
    await runDoctor({ config: file });
    expect(output).toContainEqual(expect.stringMatching(/^✗ storage\.url: cannot open the PostgreSQL .*ECONNREFUSED.*\(switchyard start would refuse to run\)$/));
    expect(output.join("\n")).not.toContain("pw-0123");
    expect(output).toContainEqual(expect.stringMatching(/^✓ fake: reachable/));
    expect(process.exitCode).toBe(1);
  });

  it("rejects a non-http(s) base_url before saying the config is valid", async () => {
    await expect(runDoctor({ config: configFile(`  fake: { type: openai-compatible, base_url: "ftp://files.example/v1" }`) })).rejects.toThrow(ConfigError);
    expect(output.join("\n")).not.toContain("valid");
  });
});
