import { describe, expect, it } from "vitest";
import { forgetJsonSource, jsonSourceOf, rememberJsonSource } from "./json-source.js";

describe("json source", () => {
  it("remembers a parsed body's text on the object, unseen by serialization, keys and copies", () => {
    const text = '{"model":"fake/gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}';
    const body = JSON.parse(text) as Record<string, unknown>;
    rememberJsonSource(body, text);
    expect(jsonSourceOf(body)).toBe(text);
    expect(JSON.stringify(body)).toBe(text);
    expect(Object.keys(body)).toEqual(["model", "messages"]);
    expect(jsonSourceOf({ ...body })).toBeUndefined();
    expect(jsonSourceOf(Object.assign({}, body))).toBeUndefined();
    expect(jsonSourceOf(structuredClone(body))).toBeUndefined();
  });

  it("lets the text go on request, and remembers nothing for a primitive", () => {
    const body = JSON.parse("[1, 2]") as object;
    rememberJsonSource(body, "[1, 2]");
    forgetJsonSource(body);
    expect(jsonSourceOf(body)).toBeUndefined();
    expect(JSON.stringify(body)).toBe("[1,2]");
    expect(() => rememberJsonSource("text", '"text"')).not.toThrow();
    expect(jsonSourceOf({})).toBeUndefined();
  });
});
