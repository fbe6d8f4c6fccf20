/**
 * Canonical ChatCompletion → Anthropic Messages response.
 */
import type { ChatCompletion } from "../../core/chat.js";
import { isRecord } from "../../core/record.js";
import { THINKING_BLOCKS, thinkingBlocksOf } from "../../providers/anthropic/thinking-blocks.js";
import { messageId, toolUseId } from "./ids.js";
import { matchedStopSequence, toStopReason } from "./stop-reason.js";
import type { AnthropicCacheCreation, AnthropicMessage, AnthropicResponseBlock, ReplyOptions } from "./types.js";
import { toAnthropicUsage } from "./usage.js";

/**
 * Tool arguments as the object Anthropic's `input` must be. Empty arguments
 * are a no-argument call. Some models double-encode (a JSON string holding the
 * object); that is unwrapped. Anything else (truncated or non-object JSON)
 * becomes `{}`: the block must still be an object, and an empty input fails the
 * client's own schema check, which reports back to the model instead of running
 * a tool on a guess.
 */
export function toolInput(argumentsText: unknown): Record<string, unknown> {
  if (typeof argumentsText !== "string" || argumentsText.trim() === "") return {};
  try {
    let parsed: unknown = JSON.parse(argumentsText);
    if (typeof parsed === "string") parsed = JSON.parse(parsed);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/** `cacheCreation`: the upstream's cache writes by lifetime, when it reported them (see usage.ts). */
export function toAnthropicMessage(completion: ChatCompletion, options: ReplyOptions, cacheCreation?: AnthropicCacheCreation): AnthropicMessage {
  const choice = completion.choices[0];
  const message = choice?.message;
  const content: AnthropicResponseBlock[] = [];

  const reasoning = message?.reasoning_content;
  // An Anthropic upstream's blocks come signed (out of band), and the client must be able to send them back.
  const signed = options.thinking && message?.[THINKING_BLOCKS] !== undefined ? thinkingBlocksOf(message[THINKING_BLOCKS]) : [];
  if (signed.length > 0) content.push(...signed);
  else if (options.thinking && typeof reasoning === "string" && reasoning !== "") {
    content.push({ type: "thinking", thinking: reasoning, signature: "" });
  }
  const text = typeof message?.content === "string" && message.content !== "" ? message.content : message?.refusal;
  if (typeof text === "string" && text !== "") content.push({ type: "text", text });
  // The answer may come from a host that passed the gateway's checks with odd fields: read warily.
  for (const call of Array.isArray(message?.tool_calls) ? message.tool_calls : []) {
    if (!isRecord(call) || !isRecord(call.function)) continue;
    const name = typeof call.function.name === "string" ? call.function.name : "";
    content.push({ type: "tool_use", id: toolUseId(call.id), name, input: toolInput(call.function.arguments) });
  }

  const usedTools = content.some((block) => block.type === "tool_use");
  const refused = typeof message?.refusal === "string" && message.refusal !== "" && !message.content;
  const stopSequence = choice?.finish_reason === "stop" ? matchedStopSequence(choice, options.stopSequences) : null;
  const stopReason = refused ? "refusal" : toStopReason(choice?.finish_reason, usedTools, stopSequence);
  return {
    id: messageId(completion.id),
    type: "message",
    role: "assistant",
    model: typeof completion.model === "string" && completion.model !== "" ? completion.model : options.requestedModel,
    content,
    stop_reason: stopReason,
    stop_sequence: stopReason === "stop_sequence" ? stopSequence : null,
    usage: toAnthropicUsage(completion.usage, cacheCreation),
  };
}
