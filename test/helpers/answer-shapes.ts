/**
 * What a client must be able to read, checked on raw answer text: the
 * OpenAI route's and `/v1/messages`' success and error shapes, streams
 * included, and nothing it must not (a secret, a stack trace, a source path).
 * Used by the fuzz tests.
 */
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const NOT_A_NUMBER = /NaN|Infinity/;
const REPOSITORY = fileURLToPath(new URL("../..", import.meta.url)).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const INTERNALS = new RegExp(`\\n\\s+at [\\w.<>]+ \\(|node:internal|${REPOSITORY}|file://`);

/** No secret, no stack frame, no path of the gateway's own files. */
export function expectNoLeak(text: string, secrets: readonly string[]): void {
  for (const secret of secrets) expect(text).not.toContain(secret);
  expect(text).not.toMatch(INTERNALS);
}

export const sseEvents = (text: string) => text.split(/\n\n+/).filter((event) => event.trim() !== "");

/** Every `data:` payload of an OpenAI stream: JSON objects with choices (or an error), then `[DONE]`. */
function expectOpenAIStream(text: string): void {
  expect(text.endsWith("data: [DONE]\n\n"), text.slice(-300)).toBe(true);
  for (const event of sseEvents(text)) {
    expect(event.startsWith("data: "), event).toBe(true);
    const payload = event.slice(6);
    if (payload === "[DONE]") continue;
    expect(payload).not.toMatch(NOT_A_NUMBER);
    const chunk = JSON.parse(payload);
    if (chunk.error) expect(chunk.error).toMatchObject({ message: expect.any(String) });
    else expect(chunk.choices, payload).toEqual(expect.any(Array));
  }
}

/** What the OpenAI route answered: its error shape, a stream of chunks, or a completion whose counts are the gateway's. */
export function expectOpenAIAnswer(status: number, text: string, stream: boolean): void {
  if (status !== 200) {
    const { error } = JSON.parse(text);
    expect(error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
    expect(error).toHaveProperty("code");
    expect(error).toHaveProperty("param");
  } else if (stream) {
    expectOpenAIStream(text);
  } else {
    expect(text).not.toMatch(NOT_A_NUMBER);
    const body = JSON.parse(text);
    expect(body.choices).toEqual(expect.any(Array));
    // The counts are the gateway's (the upstream's, when it could believe them); other fields pass as sent.
    const { prompt_tokens: prompt, completion_tokens: completion, total_tokens: total, cost: paid = 0 } = body.usage;
    for (const count of [prompt, completion]) expect(Number.isSafeInteger(count) && count >= 0, JSON.stringify(body.usage)).toBe(true);
    expect(total).toBe(prompt + completion);
    expect(Number.isFinite(paid) && paid >= 0).toBe(true);
  }
}

/** What `/v1/messages` answered, in Anthropic's shapes: an error, a stream that stops (or reports an error), or a message. */
export function expectAnthropicAnswer(status: number, text: string, stream: boolean): void {
  if (status !== 200) {
    expect(JSON.parse(text)).toMatchObject({ type: "error", error: { type: expect.any(String), message: expect.any(String) } });
  } else if (stream) {
    const events = sseEvents(text);
    for (const event of events) {
      const [name, data] = event.split("\n");
      expect(name, event).toMatch(/^event: \w+$/);
      expect(JSON.parse(data!.replace(/^data: /, "")).type, event).toBe(name!.slice(7));
    }
    expect(events.at(-1), text.slice(-300)).toMatch(/^event: (message_stop|error)\n/);
  } else {
    const body = JSON.parse(text);
    expect(body).toMatchObject({ type: "message", role: "assistant", content: expect.any(Array) });
    for (const count of [body.usage.input_tokens, body.usage.output_tokens]) expect(Number.isSafeInteger(count) && count >= 0, JSON.stringify(body.usage)).toBe(true);
  }
}
