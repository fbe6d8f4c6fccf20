import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../core/chat.js";
import { rememberJsonSource } from "../core/json-source.js";
import type { ProviderSettings } from "./adapter.js";
import { createOpenAICompatibleAdapter } from "./openai-compatible.js";
import { OPENAI_PRESETS, type OpenAIPresetName } from "./presets.js";
import { splicedBody } from "./spliced-body.js";

describe("splicedBody", () => {
  it("replaces only the model and keeps every other byte", () => {
    const text = '{"seed":12345678901234567890,"model":"alias","temperature":0.10000000000000000555,"messages":[{"role":"user","content":"caf\\u00e9"}]}';
    expect(splicedBody(text, "alias", "gpt-4o-mini", false)).toBe(text.replace('"alias"', '"gpt-4o-mini"'));
    expect(splicedBody(text, "alias", "alias", false)).toBe(text);
  });

  it("asks for stream usage by adding the member at the end", () => {
    const text = '{"model":"a","stream":true}\n';
    expect(JSON.parse(splicedBody(text, "a", "b", true)!)).toEqual({ model: "b", stream: true, stream_options: { include_usage: true } });
  });

  it("refuses text that does not hold the model it was parsed into, or a model that is not a string", () => {
    expect(splicedBody('{"model":"a"}', "other", "b", false)).toBeUndefined();
    expect(splicedBody('{"messages":[]}', "a", "b", false)).toBeUndefined();
    expect(splicedBody('{"model":null}', "a", "b", false)).toBeUndefined();
  });
});

function adapterFor(type: OpenAIPresetName) {
  const settings: ProviderSettings = { name: type, type, origin: "https://example.test", basePath: "/v1", apiKeys: ["k1"], headers: {} };
  return createOpenAICompatibleAdapter(type, OPENAI_PRESETS[type], settings);
}

/** Text that JSON.parse reads back, quotes, backslashes, control characters and the word model included. */
const text = fc.oneof(fc.string(), fc.constantFrom('"model":"x"', "model", '\\"', "\n\t", "{[", "]}", "caf\u00e9 \u{1F600}"));
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: "small" }, text, fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie("value"), { maxLength: 3 }), fc.dictionary(fc.oneof(text, fc.constant("model")), tie("value"), { maxKeys: 3 })),
})).value;
const chatRequest = fc.record(
  {
    model: text,
    messages: fc.array(fc.record({ role: fc.constantFrom("system", "user", "assistant"), content: text }), { maxLength: 4 }),
    stream: fc.boolean(),
    stream_options: fc.oneof(fc.constant(null), fc.record({ include_usage: fc.boolean() })),
    metadata: fc.dictionary(fc.oneof(text, fc.constantFrom("tags", "model")), fc.string(), { maxKeys: 3 }),
    top_k: fc.integer(),
    seed: fc.integer(),
    models: fc.array(text, { maxLength: 2 }),
    extra: value,
  },
  { requiredKeys: ["model", "messages"] },
);

describe("the spliced body and the serialized one", () => {
  it("say the same to every OpenAI-compatible preset", () => {
    const presets: OpenAIPresetName[] = ["openai", "azure", "mistral", "openai-compatible", "deepseek"];
    fc.assert(
      fc.property(chatRequest, fc.constantFrom(0, 2, "\t"), text, fc.constantFrom(...presets), (request, indent, upstreamModel, preset) => {
        // Azure refuses `.` and `..` as deployment names before any body is made (preset-quirks.test.ts).
        fc.pre(!(preset === "azure" && /^\.+$/.test(upstreamModel)));
        const adapter = adapterFor(preset);
        const context = { model: upstreamModel, apiKey: "k1" };
        const serialized = adapter.chatRequest(request as ChatRequest, context).body!;
        const sourceText = JSON.stringify(request, null, indent);
        const parsed = JSON.parse(sourceText) as ChatRequest;
        rememberJsonSource(parsed, sourceText);
        const spliced = adapter.chatRequest(parsed, context).body!;
        expect(JSON.parse(spliced)).toEqual(JSON.parse(serialized));
      }),
      { numRuns: 500 },
    );
  });

  it("is the client's own text when only the model changes", () => {
    const sourceText = '{ "model": "alias", "messages": [ { "role": "user", "content": "hi" } ], "seed": 12345678901234567890 }';
    const parsed = JSON.parse(sourceText) as ChatRequest;
    rememberJsonSource(parsed, sourceText);
    expect(adapterFor("openai").chatRequest(parsed, { model: "gpt-4o", apiKey: "k1" }).body).toBe(sourceText.replace('"alias"', '"gpt-4o"'));
  });
});
