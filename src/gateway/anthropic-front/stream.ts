/**
 * Canonical chunks → Anthropic stream events, in Anthropic's order:
 * message_start, then per content block start / deltas / stop (one block open
 * at a time: see block-sequencer.ts), then message_delta with the stop reason
 * and cumulative usage, then message_stop.
 */
import { chunksOf, type StreamItem } from "../../core/chunk-text.js";
import type { ChatChunk, ChunkDelta, FinishReason } from "../../core/chat.js";
import { asGatewayError } from "../../core/errors.js";
import { isRecord } from "../../core/record.js";
import { startUsageOf } from "../../providers/start-usage.js";
import { THINKING_BLOCKS, thinkingBlocksOf } from "../../providers/anthropic/thinking-blocks.js";
import type { Redactor } from "../../core/redact.js";
import { toOpenAIUsage, type OpenAIUsage } from "../../core/usage.js";
import { anthropicErrorBody } from "./errors.js";
import { BlockSequencer } from "./block-sequencer.js";
import { messageId } from "./ids.js";
import { matchedStopSequence, toStopReason } from "./stop-reason.js";
import type { AnthropicStreamEvent, ReplyOptions } from "./types.js";
import type { StreamEncoder } from "../stream-encoder.js";
import { cacheCreationOf, toAnthropicUsage } from "./usage.js";

export class AnthropicStreamTranslator {
  private started = false;
  private readonly blocks = new BlockSequencer();
  private finishReason: FinishReason | null = null;
  private stopSequence: string | null = null;
  private wroteContent = false;
  private refused = false;
  private usage: OpenAIUsage | undefined;

  constructor(private readonly options: ReplyOptions) {}

  /** Events for one chunk; the first chunk also opens the message. */
  push(chunk: ChatChunk): AnthropicStreamEvent[] {
    const events: AnthropicStreamEvent[] = [];
    if (!this.started) events.push(this.start(chunk));
    if (isRecord(chunk.usage)) this.usage = chunk.usage;
    // Only the first choice: Anthropic has no `n`, and the front never asks for more than one.
    // Chunks passed through unparsed by the upstream's translator are read warily: any field may be any value.
    const choice = Array.isArray(chunk.choices) ? chunk.choices.find((candidate) => isRecord(candidate) && candidate.index === 0) : undefined;
    if (!choice) return events;
    if (isRecord(choice.delta)) this.translateDelta(choice.delta, events);
    if (typeof choice.finish_reason === "string" && (choice.finish_reason as string) !== "") {
      this.finishReason = choice.finish_reason;
      this.stopSequence = matchedStopSequence(choice, this.options.stopSequences);
    }
    return events;
  }

  /** The stream ended normally: close the blocks and the message. */
  finish(): AnthropicStreamEvent[] {
    const events: AnthropicStreamEvent[] = [];
    if (!this.started) events.push(this.start(undefined));
    this.blocks.finish(events);
    const stopSequence = this.finishReason === "stop" ? this.stopSequence : null;
    const stopReason = this.refused && !this.wroteContent ? "refusal" : toStopReason(this.finishReason, this.blocks.usedTools, stopSequence);
    events.push({
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: stopReason === "stop_sequence" ? stopSequence : null },
      // Cumulative, input counts included: OpenAI-shaped streams report them only here (the SDK's final message reads them).
      usage: toAnthropicUsage(this.usage),
    });
    events.push({ type: "message_stop" });
    return events;
  }

  private start(chunk: ChatChunk | undefined): AnthropicStreamEvent {
    this.started = true;
    const startUsage = startUsageOf(chunk);
    return {
      type: "message_start",
      message: {
        id: messageId(chunk?.id),
        type: "message",
        role: "assistant",
        model: typeof chunk?.model === "string" && chunk.model !== "" ? chunk.model : this.options.requestedModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        // OpenAI-shaped streams report usage only at the end (message_delta repeats the real counts);
        // an Anthropic or Gemini upstream's input counts come out of band on the first chunk.
        usage: startUsage ? toAnthropicUsage(toOpenAIUsage(startUsage), cacheCreationOf(startUsage, "anthropic")) : toAnthropicUsage(chunk?.usage),
      },
    };
  }

  private translateDelta(delta: ChunkDelta, events: AnthropicStreamEvent[]): void {
    if (delta[THINKING_BLOCKS] !== undefined && this.options.thinking) this.blocks.signedThinking(thinkingBlocksOf(delta[THINKING_BLOCKS]), events);
    const reasoning = delta.reasoning_content;
    if (this.options.thinking && typeof reasoning === "string" && reasoning !== "") this.blocks.text("thinking", reasoning, events);
    const text = typeof delta.content === "string" && delta.content !== "" ? delta.content : undefined;
    const refusal = typeof delta.refusal === "string" && delta.refusal !== "" ? delta.refusal : undefined;
    if (text !== undefined) this.wroteContent = true;
    if (refusal !== undefined) this.refused = true;
    for (const piece of [text, refusal]) if (piece !== undefined) this.blocks.text("text", piece, events);
    if (!Array.isArray(delta.tool_calls)) return;
    delta.tool_calls.forEach((call, position) => {
      if (!isRecord(call)) return;
      const fragment = call.function?.arguments;
      this.blocks.toolCall(typeof call.index === "number" ? call.index : position, call.id, call.function?.name, typeof fragment === "string" ? fragment : undefined, events);
    });
  }
}

/** One server-sent event; Anthropic names each event after its `type`. */
export function sseEvent(event: { type: string }): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * The whole reply body of a streamed request. A failure after the first byte
 * ends the stream with an `error` event (as Anthropic does for overloads), never
 * a half-finished message that looks complete.
 */
export function anthropicSseEncoder(options: ReplyOptions, redactor: Redactor, requestId: string): StreamEncoder<string> {
  const translator = new AnthropicStreamTranslator(options);
  return {
    batch(items: StreamItem[]): string | undefined {
      let text = "";
      for (const item of items) for (const chunk of chunksOf(item)) for (const event of translator.push(chunk)) text += sseEvent(event);
      return text || undefined;
    },
    failure: (error) => streamFailureEvent(error, redactor, requestId),
    end: () => translator.finish().map(sseEvent).join(""),
  };
}

/** What ends a stream that failed after its first byte: an `error` event, unless the client left. */
export function streamFailureEvent(error: unknown, redactor: Redactor, requestId: string): string | undefined {
  const failure = asGatewayError(error);
  if (failure.kind === "client_closed") return undefined;
  return sseEvent(anthropicErrorBody(failure, redactor, requestId, { midStream: true }));
}
