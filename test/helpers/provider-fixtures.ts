/**
 * Recorded provider answers (`src/providers/<provider>/__fixtures__`) served by
 * fake upstreams in end-to-end tests.
 */
import { readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { sendJson } from "./fake-upstream.js";

export function providerFixture(provider: string, name: string): string {
  return readFileSync(new URL(`../../src/providers/${provider}/__fixtures__/${name}`, import.meta.url), "utf8");
}

/** Answers with the recording `<name>.chunks.txt` as a stream, or `<name>.json` as a whole body. */
export function sendRecorded(res: ServerResponse, provider: string, name: string, stream: boolean): void {
  if (stream) {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.end(providerFixture(provider, `${name}.chunks.txt`));
  } else sendJson(res, 200, JSON.parse(providerFixture(provider, `${name}.json`)));
}
