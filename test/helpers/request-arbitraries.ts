/**
 * Generated client requests for the input fuzz test: valid requests of each
 * route's format, then a few random mutations (a field anywhere set to any
 * JSON value, or deleted), so that most checks a request meets are passed and
 * the one after is hit with something unexpected. Also bodies that are not a
 * JSON object at all.
 */
import fc from "fast-check";

/** Text a model might see: plain, any code point, and a few that break naive code. */
export const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom("", "\u0000", "\ud800", "{{", "</s>", "data: [DONE]\n\n", "\\u0000") },
);
const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_-]{0,15}$/);
const imageUrl = fc.constantFrom("https://example.com/a.png", "data:image/png;base64,iVBORw0KGgo=");
const parameters = fc.constantFrom({ type: "object", properties: { a: { type: "string" } }, required: ["a"] }, { type: "object", properties: {} });

const userContent = fc.oneof(
  text,
  fc.array(fc.oneof(fc.record({ type: fc.constant("text"), text }), fc.record({ type: fc.constant("image_url"), image_url: fc.record({ url: imageUrl }) })), { minLength: 1, maxLength: 3 }),
);
const toolCall = fc.record({ id: name, type: fc.constant("function"), function: fc.record({ name, arguments: fc.constantFrom("{}", '{"a":"x"}') }) });
const conversation = fc
  .tuple(fc.option(text, { nil: undefined }), userContent, fc.option(fc.tuple(fc.array(toolCall, { minLength: 1, maxLength: 2 }), text), { nil: undefined }))
  .map(([system, content, tools]) => {
    const messages: Array<Record<string, unknown>> = [];
    if (system !== undefined) messages.push({ role: "system", content: system });
    messages.push({ role: "user", content });
    if (tools) {
      const [calls, result] = tools;
      messages.push({ role: "assistant", content: null, tool_calls: calls });
      for (const call of calls) messages.push({ role: "tool", tool_call_id: call.id, content: result });
      messages.push({ role: "user", content: "and then?" });
    }
    return messages;
  });

export const MODELS = ["oai/gpt-4o-mini", "claude/claude-sonnet-4-5", "google/gemini-2.5-flash", "smart"];
/** Mostly routable models, sometimes one that is not. */
const model = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...MODELS) }, { weight: 1, arbitrary: fc.constantFrom("nobody/model", "oai/", "/x", "claude") });
const optional = { requiredKeys: [] as never[] };

const validChat = fc
  .tuple(
    fc.record({ model, messages: conversation }),
    fc.record(
      {
        stream: fc.boolean(),
        stream_options: fc.record({ include_usage: fc.boolean() }),
        max_tokens: fc.integer({ min: 1, max: 4096 }),
        max_completion_tokens: fc.integer({ min: 1, max: 4096 }),
        temperature: fc.double({ min: 0, max: 2, noNaN: true }),
        top_p: fc.double({ min: 0, max: 1, noNaN: true }),
        n: fc.constant(1),
        stop: fc.oneof(fc.string({ minLength: 1, maxLength: 4 }), fc.array(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 })),
        tools: fc.array(fc.record({ type: fc.constant("function"), function: fc.record({ name, description: text, parameters }) }), { minLength: 1, maxLength: 2 }),
        tool_choice: fc.constantFrom("auto", "none", "required"),
        response_format: fc.constantFrom({ type: "text" }, { type: "json_object" }, { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } }),
        seed: fc.integer({ min: 0, max: 1000 }),
        user: name,
        models: fc.array(fc.constantFrom(...MODELS), { minLength: 1, maxLength: 2 }),
        provider: fc.record({ order: fc.array(fc.constantFrom("oai", "claude", "google"), { maxLength: 2 }), allow_fallbacks: fc.boolean(), sort: fc.constantFrom("price", "latency") }, optional),
      },
      optional,
    ),
  )
  .map(([required, extra]) => ({ ...required, ...extra }));

const anthropicContent = fc.oneof(
  text,
  fc.array(fc.oneof(fc.record({ type: fc.constant("text"), text }), fc.record({ type: fc.constant("image"), source: fc.constant({ type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" }) })), { minLength: 1, maxLength: 3 }),
);
const validMessages = fc
  .tuple(
    fc.record({ model, max_tokens: fc.integer({ min: 1, max: 4096 }), messages: fc.array(anthropicContent, { minLength: 1, maxLength: 3 }) }),
    fc.record(
      {
        system: fc.oneof(text, fc.array(fc.record({ type: fc.constant("text"), text }), { minLength: 1, maxLength: 2 })),
        stream: fc.boolean(),
        tools: fc.array(fc.record({ name, description: text, input_schema: parameters }), { minLength: 1, maxLength: 2 }),
        tool_choice: fc.constantFrom({ type: "auto" }, { type: "any" }, { type: "none" }),
        thinking: fc.constantFrom({ type: "enabled", budget_tokens: 1024 }, { type: "disabled" }),
        stop_sequences: fc.array(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
        temperature: fc.double({ min: 0, max: 1, noNaN: true }),
        metadata: fc.record({ user_id: name }),
      },
      optional,
    ),
  )
  // Turns alternate, starting with the user's.
  .map(([required, extra]) => ({ ...required, messages: required.messages.map((content, i) => ({ role: i % 2 === 0 ? "user" : "assistant", content })), ...extra }));

const validEmbeddings = fc
  .tuple(
    fc.record({
      model: fc.oneof({ weight: 9, arbitrary: fc.constantFrom("oai/text-embedding-3-small", "google/text-embedding-004") }, { weight: 1, arbitrary: model }),
      input: fc.oneof(text, fc.array(text, { minLength: 1, maxLength: 3 }), fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 4 })),
    }),
    fc.record({ dimensions: fc.integer({ min: 1, max: 3072 }), encoding_format: fc.constant("float"), user: name }, optional),
  )
  .map(([required, extra]) => ({ ...required, ...extra }));

/** One change anywhere in a JSON value: `walk` picks a key at each level; the value replaces it (undefined deletes it). */
export interface Mutation {
  walk: number[];
  value: unknown;
}
export const mutation: fc.Arbitrary<Mutation> = fc.record({
  walk: fc.array(fc.nat(), { minLength: 1, maxLength: 4 }),
  value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined), fc.constantFrom(null, "", 0, -1, 1e308, [], {}, true)),
});

export function mutate<T extends object>(request: T, mutations: Mutation[]): T {
  const copy = structuredClone(request);
  for (const { walk, value } of mutations) {
    let at = copy as Record<string, unknown>;
    for (let step = 0; step < walk.length; step++) {
      const keys = Object.keys(at);
      if (keys.length === 0) break;
      const key = keys[walk[step]! % keys.length]!;
      const next = at[key];
      if (step === walk.length - 1 || next === null || typeof next !== "object") {
        if (value === undefined) delete at[key];
        else at[key] = value;
        break;
      }
      at = next as Record<string, unknown>;
    }
  }
  return copy;
}

/** Valid requests, a quarter of them as they are, the rest with one to three mutations. */
function mutated(valid: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<Record<string, unknown>> {
  return fc.tuple(valid, fc.oneof({ weight: 1, arbitrary: fc.constant<Mutation[]>([]) }, { weight: 3, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) })).map(([request, mutations]) => mutate(request, mutations));
}

export const chatRequests = mutated(validChat);
export const messagesRequests = mutated(validMessages);
export const embeddingsRequests = mutated(validEmbeddings);

/** Bytes that are not the JSON of an object: garbage, other JSON types, truncated requests. */
export const brokenBodies = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes).toString("latin1")),
  fc.jsonValue({ maxDepth: 2 }).filter((value) => value === null || typeof value !== "object" || Array.isArray(value)).map((value) => JSON.stringify(value)),
  validChat.chain((request) => {
    const json = JSON.stringify(request);
    return fc.integer({ min: 1, max: json.length - 1 }).map((cut) => json.slice(0, cut));
  }),
);
