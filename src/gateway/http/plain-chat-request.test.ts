import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isPlainChatRequest } from "./plain-chat-request.js";
import { chatRequestSchema, parseChatRequest } from "./wire-schemas.js";

/** Values near each field's boundaries, valid and invalid alike. */
const anyScalar = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.boolean(), fc.string({ maxLength: 4 }),
  fc.integer({ min: -3, max: 200 }), fc.double({ noNaN: false }), fc.constantFrom(0, 0.5, 1, 2, 2.0001, -0.1, 128, 129, 1e300, Infinity),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(anyScalar, fc.array(anyScalar, { maxLength: 2 }), fc.dictionary(fc.constantFrom("type", "x", "include_usage"), anyScalar, { maxKeys: 2 }));

/** Mostly valid, sometimes anything: most generated requests are valid or wrong in one place. */
const mostly = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 20 }, { arbitrary: anyValue, weight: 1 });
const finite = (min: number, max: number) => fc.double({ min, max, noNaN: true, noDefaultInfinity: true });

const role = mostly(fc.constantFrom("system", "developer", "user", "assistant", "tool", "function"));
const part = mostly(fc.record({ type: mostly(fc.constantFrom("text", "image_url")), text: fc.string({ maxLength: 3 }) }, { requiredKeys: ["type"] }));
const toolCall = mostly(
  fc.record({
    id: mostly(fc.string({ maxLength: 3 })),
    type: mostly(fc.constant("function")),
    function: mostly(fc.record({ name: mostly(fc.string({ maxLength: 3 })), arguments: mostly(fc.string({ maxLength: 3 })) })),
  }),
);
const message = mostly(
  fc.record(
    {
      role,
      content: mostly(fc.oneof(fc.string({ maxLength: 3 }), fc.constant(null), fc.array(part, { maxLength: 2 }))),
      name: mostly(fc.string({ maxLength: 3 })),
      tool_call_id: mostly(fc.string({ maxLength: 3 })),
      tool_calls: mostly(fc.array(toolCall, { maxLength: 2 })),
    },
    { requiredKeys: ["role"] },
  ),
);
/** Fields the check leaves to the schema: usually absent, so the check gets to decide. */
const rarely = fc.oneof({ arbitrary: fc.constant(undefined), weight: 12 }, { arbitrary: anyValue, weight: 1 });
const orNull = <T>(valid: fc.Arbitrary<T>) => mostly(fc.option(valid, { nil: null, freq: 4 }));
const request = fc.record(
  {
    model: mostly(fc.string({ minLength: 1, maxLength: 4 })),
    messages: mostly(fc.array(message, { minLength: 1, maxLength: 3 })),
    stream: orNull(fc.boolean()),
    stream_options: orNull(fc.record({ include_usage: mostly(fc.boolean()) }, { requiredKeys: [] })),
    max_tokens: orNull(fc.integer({ min: 1, max: 1 << 20 })),
    max_completion_tokens: orNull(fc.integer({ min: 1, max: 1 << 20 })),
    temperature: orNull(finite(0, 2)),
    top_p: orNull(finite(0, 1)),
    n: orNull(fc.integer({ min: 1, max: 128 })),
    seed: orNull(fc.integer()),
    presence_penalty: orNull(finite(-2, 2)),
    frequency_penalty: orNull(finite(-2, 2)),
    user: mostly(fc.string({ maxLength: 3 })),
    stop: rarely, tools: rarely, metadata: rarely, provider: rarely, extra_field: anyValue,
  },
  { requiredKeys: ["model", "messages"] },
);

describe("the plain chat request check", () => {
  it("accepts nothing the schema rejects", () => {
    let accepted = 0;
    fc.assert(
      fc.property(request, (value) => {
        if (isPlainChatRequest(value)) {
          accepted++;
          expect(chatRequestSchema.safeParse(value).success).toBe(true);
        }
      }),
      { numRuns: 20_000 },
    );
    // The property says something only if the check accepts a good share of what it sees.
    expect(accepted).toBeGreaterThan(1_000);
  });

  it("takes the common requests (the bench body, tool results, streams with usage)", () => {
    const common = [
      { model: "fake/gpt-4o-mini", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hi" }], temperature: 0.2, max_tokens: 256 },
      { model: "m", messages: [{ role: "user", content: [{ type: "text", text: "hi" }] }], stream: true, stream_options: { include_usage: true } },
      {
        model: "m",
        messages: [
          { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
          { role: "tool", tool_call_id: "c1", content: "42" },
        ],
        user: "u1", seed: 7, n: 1, top_p: 1, presence_penalty: 0, frequency_penalty: -0.5, custom_field: { any: "thing" },
      },
    ];
    for (const value of common) {
      expect(isPlainChatRequest(value)).toBe(true);
      expect(parseChatRequest(value)).toBe(value);
    }
  });

  it("leaves tools, routing fields and bad values to the schema and its errors", () => {
    const base = { model: "m", messages: [{ role: "user", content: "hi" }] };
    expect(isPlainChatRequest({ ...base, tools: [{ type: "function", function: { name: "f" } }] })).toBe(false);
    expect(isPlainChatRequest({ ...base, provider: { order: ["a"] } })).toBe(false);
    expect(isPlainChatRequest(Object.assign(Object.create({ model: 5 }), { messages: base.messages }))).toBe(false);
    expect(() => parseChatRequest({ ...base, temperature: 3 })).toThrow(/Invalid 'temperature'/);
    expect(() => parseChatRequest({ ...base, messages: [] })).toThrow(/messages must contain at least one message/);
    expect(() => parseChatRequest({ model: "m" })).toThrow(/'messages' is required/);
  });
});
