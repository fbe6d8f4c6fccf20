/**
 * An Anthropic message → an OpenAI chat completion. Text blocks are joined
 * into `content`, `tool_use` blocks become `tool_calls`, thinking becomes
 * `reasoning_content`, and the signed thinking and redacted thinking blocks go as they came into
 * `thinking_blocks` (thinking-blocks.ts: the client sends them back to continue a tool loop);
 * server-tool and other blocks have no OpenAI shape and are left out (the whole message rides
 * out of band for native turns); web citations on text become `url_citation` annotations
 * (web-search.ts). Usage is returned canonically: the gateway renders it.
 */
import type { ChatChoice, ChatCompletion, ToolCall } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import type { UrlCitation } from "../../core/url-citation.js";
import type { ChatResult } from "../adapter.js";
import { anthropicErrorEvent } from "./errors.js";
import { mapAnthropicStopReason } from "./finish-reason.js";
import { ANTHROPIC_MESSAGE } from "./native.js";
import { setOutOfBand } from "./out-of-band.js";
import { THINKING_BLOCKS, type ThinkingBlock } from "./thinking-blocks.js";
import { usageFromAnthropic } from "./usage.js";
import { urlCitations } from "./web-search.js";
import {
  errorBodySchema, messageSchema, redactedThinkingBlockSchema, textBlockSchema, thinkingBlockSchema, toolUseBlockSchema,
} from "./wire-types.js";

export interface TranslationContext {
  provider: string;
  /** The upstream model id requested; used when the answer does not name one. */
  model: string;
  /** Epoch milliseconds, for `created`. */
  now?: number;
}

function unparsable(provider: string, what: string): GatewayError {
  return new GatewayError("upstream_error", `Provider '${provider}' returned an unparsable ${what}`, { provider });
}

export function toChatResult(body: unknown, context: TranslationContext): ChatResult {
  const { provider } = context;
  const envelope = body as { type?: unknown; error?: unknown } | null;
  if (envelope?.type === "error") {
    const error = errorBodySchema.safeParse(envelope.error);
    throw anthropicErrorEvent(provider, error.success ? error.data : undefined, "in its answer");
  }
  const parsed = messageSchema.safeParse(body);
  if (!parsed.success) throw unparsable(provider, "message");
  const message = parsed.data;

  const text: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ToolCall[] = [];
  const signed: ThinkingBlock[] = [];
  const annotations: UrlCitation[] = [];
  let textLength = 0;
  for (const block of message.content) {
    const schema =
      block.type === "text" ? textBlockSchema
      : block.type === "thinking" ? thinkingBlockSchema
      : block.type === "redacted_thinking" ? redactedThinkingBlockSchema
      : block.type === "tool_use" ? toolUseBlockSchema
      : undefined;
    if (!schema) continue;
    const checked = schema.safeParse(block);
    if (!checked.success) throw unparsable(provider, `${block.type} block`);
    const known = checked.data;
    if (known.type === "text") {
      annotations.push(...urlCitations(block.citations, textLength, known.text.length));
      text.push(known.text);
      textLength += known.text.length;
    }
    else if (known.type === "thinking") {
      reasoning.push(known.thinking);
      // Anthropic checks the signature of what comes back: thinking without one cannot return.
      if (known.signature) signed.push({ type: "thinking", thinking: known.thinking, signature: known.signature });
    } else if (known.type === "redacted_thinking") signed.push(known);
    else {
      toolCalls.push({ id: known.id, type: "function", function: { name: known.name, arguments: JSON.stringify(known.input ?? {}) } });
    }
  }

  const finishReason = mapAnthropicStopReason(message.stop_reason);
  const choice: ChatChoice = {
    index: 0,
    message: {
      role: "assistant",
      content: text.length > 0 ? text.join("") : null,
      refusal: null,
      ...(toolCalls.length > 0 && { tool_calls: toolCalls }),
      ...(reasoning.length > 0 && { reasoning_content: reasoning.join("") }),
      ...(signed.length > 0 && { [THINKING_BLOCKS]: signed }),
      ...(annotations.length > 0 && { annotations }),
    },
    finish_reason: finishReason.unified,
    logprobs: null,
  };
  // "stop" does not say which stop sequence matched; vLLM's `stop_reason` on the choice does.
  if (message.stop_reason === "stop_sequence" && typeof message.stop_sequence === "string") choice.stop_reason = message.stop_sequence;
  const completion: ChatCompletion = {
    id: message.id,
    object: "chat.completion",
    created: Math.floor((context.now ?? Date.now()) / 1000),
    model: message.model ?? context.model,
    choices: [choice],
  };
  // For the Anthropic front's native turns (native.ts), which return the message as the upstream wrote it.
  setOutOfBand(completion, ANTHROPIC_MESSAGE, body);
  return { completion, usage: usageFromAnthropic(message.usage), finishReason };
}
