import { describe, it, expect } from "vitest";
import { validateOpenAI } from "./openapi.js";

// Shapes follow the examples in the OpenAI API reference.
const chatCompletion = {
  id: "chatcmpl-abc123",
  object: "chat.completion",
  created: 1741570283,
  model: "gpt-4o-2024-08-06",
  system_fingerprint: "fp_fc9f1d7035",
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content: null,
        refusal: null,
        tool_calls: [
          { id: "call_abc", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } },
        ],
      },
      logprobs: null,
      finish_reason: "tool_calls",
    },
  ],
  usage: {
    prompt_tokens: 82,
    completion_tokens: 17,
    total_tokens: 99,
    prompt_tokens_details: { cached_tokens: 64, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0 },
  },
};

const chunkBase = { id: "chatcmpl-abc123", object: "chat.completion.chunk", created: 1741570283, model: "gpt-4o-mini" };
const chunks = {
  role: { ...chunkBase, choices: [{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }] },
  content: { ...chunkBase, usage: null, choices: [{ index: 0, delta: { content: "Hel" }, finish_reason: null }] },
  toolCall: {
    ...chunkBase,
    choices: [
      {
        index: 0,
        delta: {
          tool_calls: [{ index: 0, id: "call_abc", type: "function", function: { name: "get_weather", arguments: "" } }],
        },
        finish_reason: null,
      },
    ],
  },
  toolArguments: {
    ...chunkBase,
    choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"ci' } }] }, finish_reason: null }],
  },
  finish: { ...chunkBase, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] },
  usage: { ...chunkBase, choices: [], usage: { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 } },
};

const embeddings = {
  object: "list",
  data: [{ object: "embedding", index: 0, embedding: [0.0023064255, -0.009327292] }],
  model: "text-embedding-3-small",
  usage: { prompt_tokens: 8, total_tokens: 8 },
};

const models = {
  object: "list",
  data: [{ id: "gpt-4o-mini", object: "model", created: 1686935002, owned_by: "openai" }],
};

const error = {
  error: { message: "Incorrect API key provided.", type: "invalid_request_error", param: null, code: "invalid_api_key" },
};

const chatRequest = {
  model: "gpt-4o-mini",
  messages: [
    { role: "system", content: "You are terse." },
    { role: "user", content: [{ type: "text", text: "Weather in Paris?" }] },
    { role: "assistant", content: null, tool_calls: chatCompletion.choices[0]?.message.tool_calls },
    { role: "tool", tool_call_id: "call_abc", content: "18C, sunny" },
  ],
  tools: [
    {
      type: "function",
      function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
    },
  ],
  stream: true,
  stream_options: { include_usage: true },
  temperature: 0.2,
};

const embeddingRequest = { model: "text-embedding-3-small", input: ["hello", "world"], encoding_format: "float" };

/** Copies a valid value and applies one breaking change to the copy. */
function broken<T>(value: T, breakIt: (copy: T) => void): T {
  const copy = structuredClone(value);
  breakIt(copy);
  return copy;
}

describe("validateOpenAI", () => {
  it("accepts a chat completion with tool calls and cached-token usage", () => {
    expect(() => validateOpenAI("CreateChatCompletionResponse", chatCompletion)).not.toThrow();
  });

  it("rejects chat completions with a missing field or a wrong type, naming the path", () => {
    const noMessage = broken(chatCompletion, (c) => Reflect.deleteProperty(c.choices[0] ?? {}, "message"));
    expect(() => validateOpenAI("CreateChatCompletionResponse", noMessage)).toThrow(
      "/choices/0 must have required property 'message'",
    );
    const stringTokens = broken(chatCompletion, (c) => Object.assign(c.usage, { prompt_tokens: "82" }));
    expect(() => validateOpenAI("CreateChatCompletionResponse", stringTokens)).toThrow("/usage/prompt_tokens must be integer");
    const badFinish = broken(chatCompletion, (c) => Object.assign(c.choices[0] ?? {}, { finish_reason: "done" }));
    expect(() => validateOpenAI("CreateChatCompletionResponse", badFinish)).toThrow(/finish_reason must be equal to one of/);
    expect(() => validateOpenAI("CreateChatCompletionResponse", { ...chatCompletion, id: undefined })).toThrow(
      "(root) must have required property 'id'",
    );
  });

  it("accepts every kind of stream chunk, including the final usage chunk with no choices", () => {
    for (const chunk of Object.values(chunks)) {
      expect(() => validateOpenAI("CreateChatCompletionStreamResponse", chunk)).not.toThrow();
    }
  });

  it("rejects chunks without a delta, with a bad role, or a tool call delta without index", () => {
    const noDelta = broken(chunks.content, (c) => Reflect.deleteProperty(c.choices[0] ?? {}, "delta"));
    expect(() => validateOpenAI("CreateChatCompletionStreamResponse", noDelta)).toThrow("required property 'delta'");
    const badRole = broken(chunks.role, (c) => Object.assign(c.choices[0]?.delta ?? {}, { role: "robot" }));
    expect(() => validateOpenAI("CreateChatCompletionStreamResponse", badRole)).toThrow("/choices/0/delta/role");
    const noIndex = broken(chunks.toolArguments, (c) => Reflect.deleteProperty(c.choices[0]?.delta.tool_calls[0] ?? {}, "index"));
    expect(() => validateOpenAI("CreateChatCompletionStreamResponse", noIndex)).toThrow("required property 'index'");
    expect(() => validateOpenAI("CreateChatCompletionStreamResponse", { ...chunks.usage, choices: null })).toThrow(
      "/choices must be array",
    );
  });

  it("accepts an embeddings list and rejects one without usage or with a string vector", () => {
    expect(() => validateOpenAI("CreateEmbeddingResponse", embeddings)).not.toThrow();
    expect(() => validateOpenAI("CreateEmbeddingResponse", { ...embeddings, usage: undefined })).toThrow("'usage'");
    const stringVector = broken(embeddings, (e) => Object.assign(e.data[0] ?? {}, { embedding: "AAAA" }));
    expect(() => validateOpenAI("CreateEmbeddingResponse", stringVector)).toThrow("/data/0/embedding must be array");
  });

  it("accepts a models list and rejects a model without owned_by or a wrong object tag", () => {
    expect(() => validateOpenAI("ListModelsResponse", models)).not.toThrow();
    const noOwner = broken(models, (m) => Reflect.deleteProperty(m.data[0] ?? {}, "owned_by"));
    expect(() => validateOpenAI("ListModelsResponse", noOwner)).toThrow("/data/0 must have required property 'owned_by'");
    expect(() => validateOpenAI("ListModelsResponse", { ...models, object: "models" })).toThrow("/object");
  });

  it("accepts an error body and rejects one missing param or with a numeric message", () => {
    expect(() => validateOpenAI("ErrorResponse", error)).not.toThrow();
    const noParam = broken(error, (e) => Reflect.deleteProperty(e.error, "param"));
    expect(() => validateOpenAI("ErrorResponse", noParam)).toThrow("/error must have required property 'param'");
    const numericMessage = broken(error, (e) => Object.assign(e.error, { message: 401 }));
    expect(() => validateOpenAI("ErrorResponse", numericMessage)).toThrow("/error/message must be string");
  });

  it("checks the request bodies we forward upstream", () => {
    expect(() => validateOpenAI("CreateChatCompletionRequest", chatRequest)).not.toThrow();
    expect(() => validateOpenAI("CreateChatCompletionRequest", { ...chatRequest, messages: undefined })).toThrow("'messages'");
    const badRole = broken(chatRequest, (r) => Object.assign(r.messages[0] ?? {}, { role: "robot" }));
    expect(() => validateOpenAI("CreateChatCompletionRequest", badRole)).toThrow("/messages/0");
    expect(() => validateOpenAI("CreateEmbeddingRequest", embeddingRequest)).not.toThrow();
    expect(() => validateOpenAI("CreateEmbeddingRequest", { ...embeddingRequest, input: 42 })).toThrow("/input");
  });

  // The gateway passes provider extras through; these pin down what the spec allows.
  it("allows extra fields on responses, usage, messages and deltas", () => {
    const withExtras = broken(chatCompletion, (c) => {
      Object.assign(c, { provider: "groq", x_groq: { id: "req_1" } });
      Object.assign(c.usage, { cost: 0.00012 });
      Object.assign(c.choices[0]?.message ?? {}, { reasoning_content: "thinking", thinking_blocks: [{ type: "thinking", thinking: "thinking", signature: "sig" }] });
    });
    expect(() => validateOpenAI("CreateChatCompletionResponse", withExtras)).not.toThrow();
    const chunkWithExtras = broken(chunks.content, (c) => {
      Object.assign(c, { x_groq: { id: "req_1" }, provider: "groq" });
      Object.assign(c.choices[0]?.delta ?? {}, { reasoning_content: "hmm", thinking_blocks: [{ type: "redacted_thinking", data: "opaque" }] });
    });
    expect(() => validateOpenAI("CreateChatCompletionStreamResponse", chunkWithExtras)).not.toThrow();
    const usageWithCost = { ...chunks.usage, usage: { ...chunks.usage.usage, cost: 0.00012 } };
    expect(() => validateOpenAI("CreateChatCompletionStreamResponse", usageWithCost)).not.toThrow();
    expect(() => validateOpenAI("CreateChatCompletionRequest", { ...chatRequest, provider: { order: ["groq"] } })).not.toThrow();
  });

  it("rejects extra fields on an embeddings request (additionalProperties: false)", () => {
    expect(() => validateOpenAI("CreateEmbeddingRequest", { ...embeddingRequest, input_type: "query" })).toThrow(
      "(root) must NOT have additional properties 'input_type'",
    );
  });
});
