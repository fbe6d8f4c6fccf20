/**
 * Canonical chunks → Anthropic stream events, in Anthropic's order:
 * message_start, then per content block start / deltas / stop (one block open
 * at a time), then message_delta with the stop reason and cumulative usage,
 * then message_stop.
 */
import { chunksOf, type StreamItem } from "../../core/chunk-text.js";
import type { ChatChunk, ChunkDelta, FinishReason } from "../../core/chat.js";
import { asGatewayError } from "../../core/errors.js";
import { isRecord } from "../../core/record.js";
import { START_USAGE } from "../../providers/anthropic/stream.js";
import { THINKING_BLOCKS, thinkingBlocksOf } from "../../providers/anthropic/thinking-blocks.js";
import type { Redactor } from "../../core/redact.js";
import type { OpenAIUsage } from "../../core/usage.js";
import { anthropicErrorBody } from "./errors.js";
import { messageId, toolUseId } from "./ids.js";
import { matchedStopSequence, toStopReason } from "./stop-reason.js";
import type { AnthropicStreamEvent, ReplyOptions } from "./types.js";
import type { StreamEncoder } from "../stream-encoder.js";
import { toAnthropicUsage } from "./usage.js";

type BlockKind = "text" | "thinking" | "tool_use";

/** One upstream tool call and its arguments so far. */
interface ToolCall { id: string; name: string; arguments: string }

export class AnthropicStreamTranslator {
  private started = false;
  private nextIndex = 0;
  private open: { index: number; kind: BlockKind; call?: ToolCall } | undefined;
  /** OpenAI tool-call index → the call. */
  private readonly toolCalls = new Map<number, ToolCall>();
  /** Calls seen but without a block yet, in arrival order: their arguments are held until the open block can end. */
  private readonly waiting: ToolCall[] = [];
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

  /** The stream ended normally: close the open block and the message. */
  finish(): AnthropicStreamEvent[] {
    const events: AnthropicStreamEvent[] = [];
    if (!this.started) events.push(this.start(undefined));
    this.startWaitingCalls(events, true);
    this.close(events);
    const stopSequence = this.finishReason === "stop" ? this.stopSequence : null;
    const stopReason = this.refused && !this.wroteContent ? "refusal" : toStopReason(this.finishReason, this.toolCalls.size > 0, stopSequence);
    events.push({
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: stopReason === "stop_sequence" ? stopSequence : null },
      usage: toAnthropicUsage(this.usage),
    });
    events.push({ type: "message_stop" });
    return events;
  }

  private start(chunk: ChatChunk | undefined): AnthropicStreamEvent {
    this.started = true;
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
        // an Anthropic upstream's input counts come out of band on the first chunk.
        usage: toAnthropicUsage((chunk?.[START_USAGE] as OpenAIUsage | undefined) ?? chunk?.usage),
      },
    };
  }

  private translateDelta(delta: ChunkDelta, events: AnthropicStreamEvent[]): void {
    if (delta[THINKING_BLOCKS] !== undefined && this.options.thinking) this.signedThinking(delta[THINKING_BLOCKS], events);
    const reasoning = delta.reasoning_content;
    if (this.options.thinking && typeof reasoning === "string" && reasoning !== "") {
      this.ensureOpen("thinking", events);
      events.push({ type: "content_block_delta", index: this.open!.index, delta: { type: "thinking_delta", thinking: reasoning } });
    }
    const text = typeof delta.content === "string" && delta.content !== "" ? delta.content : undefined;
    const refusal = typeof delta.refusal === "string" && delta.refusal !== "" ? delta.refusal : undefined;
    if (text !== undefined) this.wroteContent = true;
    if (refusal !== undefined) this.refused = true;
    for (const piece of [text, refusal]) {
      if (piece === undefined) continue;
      this.ensureOpen("text", events);
      events.push({ type: "content_block_delta", index: this.open!.index, delta: { type: "text_delta", text: piece } });
    }
    if (!Array.isArray(delta.tool_calls)) return;
    delta.tool_calls.forEach((call, position) => {
      if (!isRecord(call)) return;
      const toolIndex = typeof call.index === "number" ? call.index : position;
      let state = this.toolCalls.get(toolIndex);
      if (!state) {
        state = { id: toolUseId(call.id), name: typeof call.function?.name === "string" ? call.function.name : "", arguments: "" };
        this.toolCalls.set(toolIndex, state);
        this.waiting.push(state);
      }
      const fragment = call.function?.arguments;
      if (typeof fragment === "string" && fragment !== "") {
        state.arguments += fragment;
        // The open call streams live; a waiting call's fragments go out when its block starts. A fragment
        // for a call whose block has ended cannot be sent: no event may follow a block's content_block_stop.
        if (this.open?.call === state) events.push({ type: "content_block_delta", index: this.open.index, delta: { type: "input_json_delta", partial_json: fragment } });
      }
      this.startWaitingCalls(events, false);
    });
  }

  /**
   * Gives waiting calls their blocks, in arrival order, once the open block can end. A new call does not
   * prove that the open one is complete: hosts may interleave parallel calls' fragments by index. So an
   * open tool call ends early only when its arguments are a whole JSON value; at the finish, always.
   * In the usual stream each call's arguments are whole before the next call starts, and nothing waits.
   */
  private startWaitingCalls(events: AnthropicStreamEvent[], finishing: boolean): void {
    while (this.waiting.length > 0) {
      const open = this.open?.call;
      if (open && !finishing && !isWholeJson(open.arguments)) return;
      this.close(events);
      const call = this.waiting.shift()!;
      const index = this.nextIndex++;
      this.open = { index, kind: "tool_use", call };
      events.push({ type: "content_block_start", index, content_block: { type: "tool_use", id: call.id, name: call.name, input: {} } });
      if (call.arguments !== "") events.push({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: call.arguments } });
    }
  }

  /** An Anthropic upstream's signature ends the open thinking block; a redacted block is sent whole. */
  private signedThinking(blocks: unknown, events: AnthropicStreamEvent[]): void {
    for (const block of thinkingBlocksOf(blocks)) {
      if (block.type === "thinking") {
        if (this.open?.kind !== "thinking") continue;
        events.push({ type: "content_block_delta", index: this.open.index, delta: { type: "signature_delta", signature: block.signature } });
        this.close(events);
      } else {
        this.close(events);
        const index = this.nextIndex++;
        events.push({ type: "content_block_start", index, content_block: block });
        events.push({ type: "content_block_stop", index });
      }
    }
  }

  private ensureOpen(kind: "text" | "thinking", events: AnthropicStreamEvent[]): void {
    if (this.open?.kind === kind) return;
    this.close(events);
    const index = this.nextIndex++;
    this.open = { index, kind };
    events.push({
      type: "content_block_start",
      index,
      content_block: kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" },
    });
  }

  private close(events: AnthropicStreamEvent[]): void {
    if (!this.open) return;
    events.push({ type: "content_block_stop", index: this.open.index });
    this.open = undefined;
  }
}

/** Whether tool-call arguments are a finished JSON object or array, which no further fragment can validly extend. */
function isWholeJson(text: string): boolean {
  const last = text.trimEnd().at(-1);
  if (last !== "}" && last !== "]") return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
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
    failure(error: unknown): string | undefined {
      const failure = asGatewayError(error);
      if (failure.kind === "client_closed") return undefined;
      return sseEvent(anthropicErrorBody(failure, redactor, requestId, { midStream: true }));
    },
    end: () => translator.finish().map(sseEvent).join(""),
  };
}
