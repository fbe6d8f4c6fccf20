import { describe, expect, it } from "vitest";
import { ChunkText, SseChunks, type StreamItem } from "../../core/chunk-text.js";
import { GatewayError } from "../../core/errors.js";
import { Redactor } from "../../core/redact.js";
import { encodeBatches } from "../stream-encoder.js";
import { chatSseEncoder } from "./sse-encode.js";

async function collect(batches: AsyncIterable<StreamItem[]>, redactor = new Redactor()): Promise<string> {
  let text = "";
  for await (const piece of encodeBatches(batches, chatSseEncoder(redactor))) text += piece;
  return text;
}

describe("chat SSE encoder", () => {
  const frame = 'data: {"id":"a"}\n\n';

  it("writes every item kind as data frames and ends with [DONE]", async () => {
    async function* batches() {
      yield [new SseChunks(frame + frame)];
      yield [new ChunkText('{"id":"b"}'), { id: "c" } as never];
    }
    expect(await collect(batches())).toBe(`${frame}${frame}data: {"id":"b"}\n\ndata: {"id":"c"}\n\ndata: [DONE]\n\n`);
  });

  it("ends a broken stream with a redacted error event, then [DONE]; a closed client gets nothing more", async () => {
    const redactor = new Redactor();
    redactor.add("sk-upstream-secret-1");
    async function* failing(error: Error) {
      yield [new ChunkText('{"id":"a"}')];
      throw error;
    }
    const broken = await collect(failing(new GatewayError("upstream_error", "upstream said sk-upstream-secret-1")), redactor);
    expect(broken).toMatch(/^data: \{"id":"a"\}\n\ndata: \{"error":\{.*\[REDACTED\].*\}\}\n\ndata: \[DONE\]\n\n$/);
    expect(broken).not.toContain("sk-upstream-secret-1");
    expect(await collect(failing(new GatewayError("client_closed", "gone")))).toBe('data: {"id":"a"}\n\n');
  });
});
