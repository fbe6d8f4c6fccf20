import { describe, expect, it } from "vitest";
import { jsonDepthExceeds, MAX_JSON_DEPTH, readJson } from "./common.js";
import { NEVER_CANCELLED } from "../../core/cancel-signal.js";

const nested = (depth: number, open = "[", close = "]") => JSON.parse(open.repeat(depth) + close.repeat(depth));
const post = (text: string) => ({ method: "POST", path: "/v1/chat/completions", query: new URLSearchParams(), headers: {}, body: Buffer.from(text), signal: NEVER_CANCELLED });

describe("jsonDepthExceeds", () => {
  it("counts objects and arrays, up to and including the limit", () => {
    expect(jsonDepthExceeds(nested(64), 64)).toBe(false);
    expect(jsonDepthExceeds(nested(65), 64)).toBe(true);
    let object: unknown = "leaf";
    for (let i = 0; i < 65; i++) object = { a: 1, b: object };
    expect(jsonDepthExceeds(object, 65)).toBe(false);
    expect(jsonDepthExceeds(object, 64)).toBe(true);
    expect(jsonDepthExceeds("[[[[", 1)).toBe(false);
    expect(jsonDepthExceeds(null, 0)).toBe(false);
    expect(jsonDepthExceeds({}, 0)).toBe(true);
  });

  it("looks past wide containers to the deep one", () => {
    const wide = { messages: Array.from({ length: 1000 }, (_, i) => ({ role: "user", content: `m${i}` })), tools: [{ parameters: nested(70) }] };
    expect(jsonDepthExceeds(wide, MAX_JSON_DEPTH)).toBe(true);
    wide.tools = [];
    expect(jsonDepthExceeds(wide, MAX_JSON_DEPTH)).toBe(false);
  });
});

describe("readJson", () => {
  it("parses a body and rejects one nested too deeply, strings with brackets not counted", () => {
    const deepText = `{"tools":${"[".repeat(5000)}${"]".repeat(5000)}}`;
    expect(() => readJson(post(deepText))).toThrow(/nested more than 64 levels/);
    const bracketsInStrings = JSON.stringify({ content: "[".repeat(5000) + "{".repeat(5000) });
    expect(readJson(post(bracketsInStrings))).toEqual(JSON.parse(bracketsInStrings));
  });

  it("says where invalid JSON breaks without quoting it", () => {
    expect(() => readJson(post('{"api_key":"sk-secret-123",'))).toThrow(/^Request body is not valid JSON \(at position \d+\)$/);
  });
});
