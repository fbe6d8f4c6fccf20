import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import { PLACEHOLDER_USER_TURN } from "../placeholder-turn.js";
import { SKIP_THOUGHT_SIGNATURE, requiresThoughtSignature, toGeminiRequest } from "./request.js";

function build(request: Partial<ChatRequest>, model = "gemini-2.5-flash") {
  return toGeminiRequest({ model, messages: [], ...request } as ChatRequest, model);
}

function rejection(run: () => unknown): GatewayError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error("expected a GatewayError");
}

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: {
      type: "object",
      properties: { city: { type: "string" }, unit: { type: ["string", "null"], enum: ["celsius", "fahrenheit", null] } },
      required: ["city"],
      additionalProperties: false,
    },
    strict: true,
  },
};

describe("toGeminiRequest", () => {
  it("moves system and developer messages to systemInstruction and merges same-role turns", () => {
    const body = build({
      messages: [
        { role: "system", content: "Be terse." },
        { role: "user", content: "Hi" },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "user", content: [{ type: "text", text: "How are you?" }] },
        { role: "assistant", content: "Bien." },
        { role: "assistant", content: "Et toi ?" },
        { role: "user", content: "" },
        { role: "user", content: "Fine" },
      ],
    });
    expect(body.systemInstruction).toEqual({ parts: [{ text: "Be terse." }, { text: "Answer in French." }] });
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "Hi" }, { text: "How are you?" }] },
      { role: "model", parts: [{ text: "Bien." }, { text: "Et toi ?" }] },
      { role: "user", parts: [{ text: "Fine" }] },
    ]);
    expect(body.generationConfig).toBeUndefined();
  });

  it("sends a placeholder user turn when the conversation has none: Gemini refuses empty contents", () => {
    const body = build({ messages: [{ role: "system", content: "Write a haiku about the sea." }] });
    expect(body.systemInstruction).toEqual({ parts: [{ text: "Write a haiku about the sea." }] });
    expect(body.contents).toEqual([{ role: "user", parts: [{ text: PLACEHOLDER_USER_TURN }] }]);
  });

  it("sends data-URL images inline and http(s) images as fileData with a guessed MIME type", () => {
    const body = build({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Compare these" },
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
            { type: "image_url", image_url: { url: "https://example.com/cat.webp?size=large" } },
            { type: "image_url", image_url: { url: "https://example.com/render", detail: "low" } },
          ],
        },
      ],
    });
    expect(body.contents[0]!.parts).toEqual([
      { text: "Compare these" },
      { inlineData: { mimeType: "image/png", data: "iVBORw0KGgo=" } },
      { fileData: { mimeType: "image/webp", fileUri: "https://example.com/cat.webp?size=large" } },
      { fileData: { mimeType: "image/jpeg", fileUri: "https://example.com/render" } },
    ]);
  });

  it("rejects media it cannot express", () => {
    const image = (url: string) => build({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }] });
    expect(rejection(() => image("ftp://example.com/a.png")).kind).toBe("bad_request");
    expect(rejection(() => image("data:image/png,rawbytes")).param).toBe("messages[0].content[0].image_url.url");
  });

  it("declares tools with reduced schemas and maps every tool_choice form", () => {
    const noArgs = { type: "function" as const, function: { name: "get_time", parameters: { type: "object", properties: {} } } };
    const base = { messages: [{ role: "user" as const, content: "Weather in Paris?" }], tools: [weatherTool, noArgs] };
    const body = build(base);
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: "get_weather",
            description: "Current weather",
            parameters: {
              type: "object",
              properties: { city: { type: "string" }, unit: { type: "string", nullable: true, enum: ["celsius", "fahrenheit"] } },
              required: ["city"],
            },
          },
          { name: "get_time" },
        ],
      },
    ]);
    expect(body.toolConfig).toBeUndefined();
    const mode = (tool_choice: ChatRequest["tool_choice"]) => build({ ...base, tool_choice }).toolConfig?.functionCallingConfig;
    expect(mode("auto")).toEqual({ mode: "AUTO" });
    expect(mode("none")).toEqual({ mode: "NONE" });
    expect(mode("required")).toEqual({ mode: "ANY" });
    expect(mode({ type: "function", function: { name: "get_weather" } })).toEqual({ mode: "ANY", allowedFunctionNames: ["get_weather"] });
    // Without tools a tool_choice has nothing to steer.
    expect(build({ messages: base.messages, tool_choice: "none" }).toolConfig).toBeUndefined();
  });

  it("replays tool calls as functionCall parts and answers them with functionResponse parts in one user turn", () => {
    const body = build({
      messages: [
        { role: "user", content: "Weather in Paris and London?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
            { id: "call_b", type: "function", function: { name: "get_forecast", arguments: '{"city":"London"}' } },
          ],
        },
        { role: "tool", tool_call_id: "call_a", content: '{"tempC":15}' },
        { role: "tool", tool_call_id: "call_b", content: "Rain all week" },
        { role: "tool", tool_call_id: "call_a", content: "[1,2]" },
      ],
      tools: [weatherTool],
    });
    expect(body.contents).toEqual([
      { role: "user", parts: [{ text: "Weather in Paris and London?" }] },
      {
        role: "model",
        parts: [
          { functionCall: { name: "get_weather", args: { city: "Paris" } } },
          { functionCall: { name: "get_forecast", args: { city: "London" } } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "get_weather", response: { tempC: 15 } } },
          { functionResponse: { name: "get_forecast", response: { content: "Rain all week" } } },
          { functionResponse: { name: "get_weather", response: { content: "[1,2]" } } },
        ],
      },
    ]);
  });

  it("adds Google's skip-validator thought signature to replayed calls for Gemini 3 only", () => {
    const messages: ChatRequest["messages"] = [
      { role: "user", content: "Weather?" },
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          { id: "call_a", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
          { id: "call_b", type: "function", function: { name: "get_weather", arguments: '{"city":"Rome"}' } },
        ],
      },
    ];
    const parts = build({ messages }, "gemini-3-pro-preview").contents[1]!.parts;
    expect(parts.map((part) => part.thoughtSignature)).toEqual([undefined, SKIP_THOUGHT_SIGNATURE, undefined]);
    expect(build({ messages }).contents[1]!.parts.some((part) => part.thoughtSignature)).toBe(false);
    expect(requiresThoughtSignature("gemini-3.1-flash")).toBe(true);
    expect(requiresThoughtSignature("gemini-2.5-pro")).toBe(false);
    expect(requiresThoughtSignature("gemma-3-27b-it")).toBe(false);
  });

  it("rejects invalid tool-call arguments and tool results that answer nothing", () => {
    const badArgs = rejection(() =>
      build({
        messages: [
          { role: "user", content: "x" },
          { role: "assistant", content: null, tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: "{oops" } }] },
        ],
      }),
    );
    expect(badArgs.kind).toBe("bad_request");
    expect(badArgs.param).toBe("messages[1].tool_calls[0].function.arguments");
    const orphan = rejection(() => build({ messages: [{ role: "tool", tool_call_id: "nope", content: "42" }] }));
    expect(orphan.param).toBe("messages[0].tool_call_id");
  });

  it("maps sampling options into generationConfig", () => {
    const body = build({
      messages: [{ role: "user", content: "List three colors" }],
      max_tokens: 100,
      max_completion_tokens: 256,
      temperature: 0.2,
      top_p: 0.9,
      stop: "END",
      n: 2,
      seed: 7,
      presence_penalty: 0.5,
      frequency_penalty: 0.25,
    });
    expect(body.generationConfig).toEqual({
      maxOutputTokens: 256,
      temperature: 0.2,
      topP: 0.9,
      stopSequences: ["END"],
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.5,
      frequencyPenalty: 0.25,
    });
    expect(build({ messages: [{ role: "user", content: "x" }], max_tokens: 50, stop: ["a", "b"] }).generationConfig).toEqual({
      maxOutputTokens: 50,
      stopSequences: ["a", "b"],
    });
  });

  it("asks for JSON, with a reduced responseSchema for json_schema", () => {
    const messages: ChatRequest["messages"] = [{ role: "user", content: "A person" }];
    expect(build({ messages, response_format: { type: "json_object" } }).generationConfig).toEqual({ responseMimeType: "application/json" });
    const body = build({
      messages,
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "person",
          strict: true,
          schema: {
            $schema: "http://json-schema.org/draft-07/schema#",
            type: "object",
            properties: { name: { type: "string" }, age: { anyOf: [{ type: "integer" }, { type: "null" }] }, kind: { const: "human" } },
            required: ["name", "age", "kind"],
            additionalProperties: false,
          },
        },
      },
    });
    expect(body.generationConfig).toEqual({
      responseMimeType: "application/json",
      responseSchema: {
        type: "object",
        properties: { name: { type: "string" }, age: { type: "integer", nullable: true }, kind: { type: "string", enum: ["human"] } },
        required: ["name", "age", "kind"],
      },
    });
  });

  it("maps reasoning_effort to a thinking budget like Google's OpenAI-compatible endpoint", () => {
    const messages: ChatRequest["messages"] = [{ role: "user", content: "Prove it" }];
    expect(build({ messages, reasoning_effort: "medium" }).generationConfig).toEqual({
      thinkingConfig: { thinkingBudget: 8192, includeThoughts: true },
    });
    expect(build({ messages, reasoning_effort: "none" }).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 0 } });
    expect(build({ messages, reasoning_effort: "extreme" }).generationConfig).toBeUndefined();
  });

  it("maps Anthropic's thinking budget, as /v1/messages clients send it", () => {
    const messages: ChatRequest["messages"] = [{ role: "user", content: "Prove it" }];
    const thinking = { type: "enabled", budget_tokens: 1024 };
    expect(build({ messages, thinking } as Partial<ChatRequest>).generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 1024, includeThoughts: true } });
    expect(build({ messages, thinking: { type: "disabled" } } as Partial<ChatRequest>).generationConfig).toBeUndefined();
  });
});
