import { describe, expect, it } from "vitest";
import { GatewayError } from "../core/errors.js";
import { assertModelAllowed, isModelAllowed } from "./model-scope.js";

const MODELS = ["smart", "cheap", "openai/gpt-4o", "openai/gpt-4o-mini", "openai/o3", "anthropic/claude-sonnet-4-5", "gpt-4o", "openai"];

/** Pattern list → the models it allows, out of MODELS. */
const MATRIX: Array<[string[], string[]]> = [
  [[], MODELS],
  [["*"], MODELS],
  [["smart"], ["smart"]],
  [["smart", "cheap"], ["smart", "cheap"]],
  [["openai/gpt-4o"], ["openai/gpt-4o"]],
  [["openai/*"], ["openai/gpt-4o", "openai/gpt-4o-mini", "openai/o3"]],
  [["openai/gpt-4o*"], ["openai/gpt-4o", "openai/gpt-4o-mini"]],
  [["gpt-4o"], ["gpt-4o"]],
  [["anthropic/*", "smart"], ["smart", "anthropic/claude-sonnet-4-5"]],
  [["Smart", "OPENAI/*"], []],
  [["openai*"], ["openai/gpt-4o", "openai/gpt-4o-mini", "openai/o3", "openai"]],
  [["open*ai/gpt-4o"], []],
];

describe("isModelAllowed", () => {
  it.each(MATRIX)("%j allows exactly %j", (patterns, allowed) => {
    for (const model of MODELS) expect(isModelAllowed(patterns, model), `${JSON.stringify(patterns)} × ${model}`).toBe(allowed.includes(model));
  });

  it("a mid-pattern star is literal", () => {
    expect(isModelAllowed(["open*ai/x"], "open*ai/x")).toBe(true);
  });
});

describe("assertModelAllowed", () => {
  it("throws a 403 permission error naming the model", () => {
    expect(() => assertModelAllowed({ models: ["smart"] }, "smart")).not.toThrow();
    try {
      assertModelAllowed({ models: ["smart"] }, "openai/gpt-4o");
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(GatewayError);
      const e = error as GatewayError;
      expect(e.status).toBe(403);
      expect(e.toJSON()).toEqual({ error: { message: "This key is not allowed to use model 'openai/gpt-4o'", type: "permission_error", code: "model_not_allowed", param: "model" } });
    }
  });
});
