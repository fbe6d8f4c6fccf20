import { describe, expect, it } from "vitest";
import { toGeminiParameters, toGeminiSchema } from "./schema.js";

describe("toGeminiSchema", () => {
  it("drops keywords Gemini rejects and keeps the supported subset", () => {
    const schema = {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      type: "object",
      additionalProperties: false,
      strict: true,
      properties: {
        city: { type: "string", description: "City name", default: "Paris", examples: ["Paris"], minLength: 1 },
        days: { type: "integer", format: "int32", minimum: 1, maximum: 14 },
        tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 5 },
      },
      required: ["city", "missing"],
    };
    expect(toGeminiSchema(schema)).toEqual({
      type: "object",
      properties: {
        city: { type: "string", description: "City name", minLength: 1 },
        days: { type: "integer", format: "int32", minimum: 1, maximum: 14 },
        tags: { type: "array", items: { type: "string" }, minItems: 1, maxItems: 5 },
      },
      required: ["city"],
    });
  });

  it("turns type arrays with null into type + nullable, and other unions into anyOf", () => {
    expect(toGeminiSchema({ type: ["string", "null"] })).toEqual({ type: "string", nullable: true });
    expect(toGeminiSchema({ type: ["string", "number"] })).toEqual({ anyOf: [{ type: "string" }, { type: "number" }] });
  });

  it("turns anyOf/oneOf with a null member into nullable", () => {
    expect(toGeminiSchema({ anyOf: [{ type: "integer" }, { type: "null" }], description: "Age" })).toEqual({
      type: "integer",
      nullable: true,
      description: "Age",
    });
    expect(toGeminiSchema({ oneOf: [{ type: "string" }, { type: "integer" }, { type: "null" }] })).toEqual({
      nullable: true,
      anyOf: [{ type: "string" }, { type: "integer" }],
    });
  });

  it("maps const to enum, and keeps non-string enums only as guidance", () => {
    expect(toGeminiSchema({ const: "celsius" })).toEqual({ type: "string", enum: ["celsius"] });
    expect(toGeminiSchema({ enum: ["a", "b", null] })).toEqual({ type: "string", enum: ["a", "b"], nullable: true });
    expect(toGeminiSchema({ type: "integer", enum: [1, 2], description: "Level" })).toEqual({
      type: "integer",
      description: "Level (Allowed values: 1, 2)",
    });
  });

  it("gives a schema without `type` the one its keywords imply: Gemini requires a type on every schema", () => {
    // JSON Schema (and many MCP tools) leave `type` out beside `properties`, `items` or `const`.
    expect(toGeminiParameters({ properties: { city: { type: "string" }, tags: { items: { type: "string" } } }, required: ["city"] })).toEqual({
      type: "object",
      properties: { city: { type: "string" }, tags: { type: "array", items: { type: "string" } } },
      required: ["city"],
    });
    expect(toGeminiSchema({ const: 3 })).toEqual({ type: "integer", description: "Allowed values: 3" });
    expect(toGeminiSchema({ enum: [0.5, 1] })).toEqual({ type: "number", description: "Allowed values: 0.5, 1" });
    expect(toGeminiSchema({ const: true })).toEqual({ type: "boolean", description: "Allowed values: true" });
    expect(toGeminiSchema({ anyOf: [{ properties: { x: { type: "string" } } }, { type: "null" }] })).toEqual({
      type: "object",
      nullable: true,
      properties: { x: { type: "string" } },
    });
    // Nothing implies a type: left as it was.
    expect(toGeminiSchema({ description: "Anything" })).toEqual({ description: "Anything" });
  });

  it("keeps only formats Gemini accepts for the type", () => {
    expect(toGeminiSchema({ type: "string", format: "email" })).toEqual({ type: "string" });
    expect(toGeminiSchema({ type: "string", format: "date-time" })).toEqual({ type: "string", format: "date-time" });
    expect(toGeminiSchema({ type: "number", format: "double" })).toEqual({ type: "number", format: "double" });
  });

  it("inlines $ref from $defs and definitions, and cuts recursion", () => {
    const schema = {
      type: "object",
      properties: {
        home: { $ref: "#/$defs/Address", description: "Home address" },
        work: { $ref: "#/definitions/Address" },
        boss: { $ref: "#/$defs/Person" },
      },
      $defs: {
        Address: { type: "object", properties: { street: { type: "string" } }, required: ["street"], additionalProperties: false },
        Person: { type: "object", properties: { name: { type: "string" }, manager: { $ref: "#/$defs/Person" } } },
      },
      definitions: { Address: { type: "object", properties: { street: { type: "string" } } } },
    };
    expect(toGeminiSchema(schema)).toEqual({
      type: "object",
      properties: {
        home: { type: "object", properties: { street: { type: "string" } }, required: ["street"], description: "Home address" },
        work: { type: "object", properties: { street: { type: "string" } } },
        boss: { type: "object", properties: { name: { type: "string" }, manager: { type: "object" } } },
      },
    });
  });

  it("merges allOf members", () => {
    const schema = {
      description: "Both",
      allOf: [
        { type: "object", properties: { a: { type: "string" } }, required: ["a"] },
        { type: "object", properties: { b: { type: "number" } }, required: ["b"] },
      ],
    };
    expect(toGeminiSchema(schema)).toEqual({
      type: "object",
      description: "Both",
      properties: { a: { type: "string" }, b: { type: "number" } },
      required: ["a", "b"],
    });
  });

  it("omits parameters for a function without arguments", () => {
    expect(toGeminiParameters({ type: "object", properties: {}, additionalProperties: false })).toBeUndefined();
    expect(toGeminiParameters(undefined)).toBeUndefined();
    expect(toGeminiParameters({ type: "object", properties: { q: { type: "string" } } })).toEqual({
      type: "object",
      properties: { q: { type: "string" } },
    });
  });
});
