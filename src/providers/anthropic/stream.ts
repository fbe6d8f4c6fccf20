/**
 * Anthropic SSE events → OpenAI chat chunks.
 *
 * One role chunk first; text → `delta.content`; thinking →
 * `delta.reasoning_content`; each `tool_use` block → a tool call whose `index`
 * counts tool blocks only (Anthropic's `index` counts every block), announced
 * with its id and name and then fed `partial_json` as `arguments`; a signed
 * thinking block, whole (its text again, and its signature), or a redacted one
 * goes once as `delta.thinking_blocks` on a chunk of its own at its
 * `content_block_stop`; one finish chunk at `message_delta` (or `message_stop`), with the matched
 * stop sequence as the choice's `stop_reason`. Usage is collected, never
 * emitted: the gateway writes the single usage chunk (the role chunk holds the
 * input counts out of band, for fronts that announce them first).
 */
import { randomUUID } from "node:crypto";
import type { ChatChunk, ChunkDelta, FinishReason } from "../../core/chat.js";
import { OPAQUE_CONTENT } from "../../core/chunk-text.js";
import { GatewayError } from "../../core/errors.js";
import type { MappedFinishReason } from "../../core/finish-reason.js";
import { isRecord } from "../../core/record.js";
import type { Usage } from "../../core/usage.js";
import type { SseEvent, StreamTranslator } from "../adapter.js";
import { anthropicErrorEvent } from "./errors.js";
import { mapAnthropicStopReason } from "./finish-reason.js";
import { ANTHROPIC_EVENTS } from "./native.js";
import { setOutOfBand } from "./out-of-band.js";
import { setStartUsage } from "../start-usage.js";
import type { TranslationContext } from "./response.js";
import { THINKING_BLOCKS, type ThinkingBlock } from "./thinking-blocks.js";
import { mergeAnthropicUsage, usageFromAnthropic } from "./usage.js";
import {
  blockDeltaSchema, blockStartSchema, blockStopSchema, errorEventSchema, messageDeltaSchema, messageStartSchema,
  redactedThinkingBlockSchema, textBlockSchema, thinkingBlockSchema, toolUseBlockSchema, type AnthropicUsage,
  type RedactedThinkingBlockParam,
} from "./wire-types.js";

type Block =
  | { kind: "text" | "other" }
  /** The text so far and the signature, to return the block whole when it ends (thinking-blocks.ts). */
  | { kind: "thinking"; thinking: string; signature: string }
  | { kind: "redacted_thinking"; block: RedactedThinkingBlockParam }
  /** `toolIndex` counts tool blocks only; `hasArguments` tracks whether any argument text was sent. */
  | { kind: "tool"; toolIndex: number; hasArguments: boolean };

export class AnthropicStreamTranslator implements StreamTranslator {
  finishReason: MappedFinishReason | undefined;
  private rawUsage: AnthropicUsage | undefined;
  private id: string | undefined;
  private model: string;
  private readonly created: number;
  private readonly blocks = new Map<number, Block>();
  private toolCount = 0;
  private finished = false;
  private stopped = false;

  /**
   * `native`: a native turn (native.ts). Each event's text also rides out of band on the first
   * chunk it produced, or on an empty chunk of its own, so the front can write it as it came.
   */
  constructor(private readonly context: TranslationContext, private readonly native = false) {
    this.model = context.model;
    this.created = Math.floor((context.now ?? Date.now()) / 1000);
  }

  /** Output counts are final only from `message_delta` on; `message_start` holds a placeholder. */
  usageFinal = false;

  get usage(): Usage | undefined {
    return usageFromAnthropic(this.rawUsage);
  }

  push(event: SseEvent): ChatChunk[] {
    if (this.stopped || event.data.trim() === "") return [];
    const data = this.parse(event.data);
    const type = typeof data.type === "string" ? data.type : event.event;
    const chunks = this.translate(type, data);
    return this.native && type !== "error" ? this.withEvent(chunks, type ?? "message", event.data, data) : chunks;
  }

  /**
   * Chunks carrying the event's text; a carrier for an event that produced none. A carrier of a
   * block the canonical form has no field for (a server tool's call or result), or holds only once
   * it ends (redacted thinking), is content: the stream's first output may be a search, and the
   * first-token timeout must not cut it short.
   */
  private withEvent(chunks: ChatChunk[], type: string, text: string, data: Record<string, unknown>): ChatChunk[] {
    // Data of several lines (not Anthropic's compact JSON, but valid) goes out as several `data:` lines.
    const frame = `event: ${type}\ndata: ${text.includes("\n") ? text.replaceAll("\n", "\ndata: ") : text}\n\n`;
    if (chunks.length === 0) {
      const carrier = this.chunk({});
      const kind = type.startsWith("content_block_") && typeof data.index === "number" ? this.blocks.get(data.index)?.kind : undefined;
      if (kind === "other" || kind === "redacted_thinking") {
        setOutOfBand(carrier, OPAQUE_CONTENT, true);
      }
      chunks.push(carrier);
    }
    setOutOfBand(chunks[0]!, ANTHROPIC_EVENTS, frame);
    return chunks;
  }

  private translate(type: string | undefined, data: Record<string, unknown>): ChatChunk[] {
    switch (type) {
      case "message_start":
        return this.onMessageStart(data);
      case "content_block_start":
        return this.onBlockStart(data);
      case "content_block_delta":
        return this.onBlockDelta(data);
      case "content_block_stop":
        return this.onBlockStop(data);
      case "message_delta":
        return this.onMessageDelta(data);
      case "message_stop":
        this.stopped = true;
        return this.finish(undefined);
      case "error": {
        const parsed = errorEventSchema.safeParse(data);
        throw anthropicErrorEvent(this.context.provider, parsed.success ? parsed.data.error : undefined, "mid-stream");
      }
      default:
        // `ping`, and event types added after this was written.
        return [];
    }
  }

  end(): ChatChunk[] {
    if (!this.stopped) {
      throw new GatewayError("upstream_error", `Provider '${this.context.provider}' ended the stream before it finished`, {
        provider: this.context.provider,
      });
    }
    return [];
  }

  private parse(text: string): Record<string, unknown> {
    try {
      const value: unknown = JSON.parse(text);
      if (isRecord(value)) return value;
    } catch {
      // fall through
    }
    throw this.unparsable("stream event");
  }

  private unparsable(what: string): GatewayError {
    return new GatewayError("upstream_error", `Provider '${this.context.provider}' sent an unparsable ${what}`, { provider: this.context.provider });
  }

  private checked<T>(result: { success: true; data: T } | { success: false }, what: string): T {
    if (!result.success) throw this.unparsable(what);
    return result.data;
  }

  private chunk(delta: ChunkDelta, finishReason: FinishReason | null = null): ChatChunk {
    this.id ??= `chatcmpl-${randomUUID()}`;
    return {
      id: this.id,
      object: "chat.completion.chunk",
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }],
    };
  }

  /** Every chunk goes through here so the role chunk is always first, and sent once. */
  private emit(out: ChatChunk[], delta: ChunkDelta | undefined): ChatChunk[] {
    if (this.id === undefined) out.unshift(this.chunk({ role: "assistant", content: "" }));
    if (delta) out.push(this.chunk(delta));
    return out;
  }

  private onMessageStart(data: unknown): ChatChunk[] {
    const { message } = this.checked(messageStartSchema.safeParse(data), "message_start event");
    const first = this.id === undefined;
    if (first) this.id = message.id;
    if (message.model) this.model = message.model;
    this.rawUsage = mergeAnthropicUsage(this.rawUsage, message.usage);
    if (!first) return [];
    const role = this.chunk({ role: "assistant", content: "" });
    // Anthropic's own front reports input tokens in its first event; OpenAI-shaped output must not show usage yet.
    const usage = this.usage;
    if (usage) setStartUsage(role, usage);
    return [role];
  }

  private onBlockStart(data: unknown): ChatChunk[] {
    const { index, content_block: block } = this.checked(blockStartSchema.safeParse(data), "content_block_start event");
    if (block.type === "text") {
      const { text } = this.checked(textBlockSchema.safeParse(block), "text block");
      this.blocks.set(index, { kind: "text" });
      return this.emit([], text ? { content: text } : undefined);
    }
    if (block.type === "thinking") {
      const { thinking, signature } = this.checked(thinkingBlockSchema.safeParse(block), "thinking block");
      this.blocks.set(index, { kind: "thinking", thinking, signature: signature ?? "" });
      return this.emit([], thinking ? { reasoning_content: thinking } : undefined);
    }
    if (block.type === "tool_use") {
      const tool = this.checked(toolUseBlockSchema.safeParse(block), "tool_use block");
      const toolIndex = this.toolCount++;
      // Input normally streams as partial_json from `{}`; a start that already carries input is sent whole.
      const initial = tool.input && Object.keys(tool.input).length > 0 ? JSON.stringify(tool.input) : "";
      this.blocks.set(index, { kind: "tool", toolIndex, hasArguments: initial !== "" });
      return this.emit([], {
        tool_calls: [{ index: toolIndex, id: tool.id, type: "function", function: { name: tool.name, arguments: initial } }],
      });
    }
    if (block.type === "redacted_thinking") {
      const redacted = this.checked(redactedThinkingBlockSchema.safeParse(block), "redacted_thinking block");
      this.blocks.set(index, { kind: "redacted_thinking", block: redacted });
      return [];
    }
    // Server tools and their results have no OpenAI shape.
    this.blocks.set(index, { kind: "other" });
    return [];
  }

  private onBlockDelta(data: unknown): ChatChunk[] {
    const { index, delta } = this.checked(blockDeltaSchema.safeParse(data), "content_block_delta event");
    const block = this.blocks.get(index);
    if (delta.type === "text_delta" && block?.kind === "text") {
      return delta.text ? this.emit([], { content: delta.text }) : [];
    }
    if (delta.type === "thinking_delta" && block?.kind === "thinking") {
      if (!delta.thinking) return [];
      block.thinking += delta.thinking;
      return this.emit([], { reasoning_content: delta.thinking });
    }
    if (delta.type === "signature_delta" && block?.kind === "thinking") {
      // Comes once, after the thinking text; the block goes out whole at its stop.
      if (delta.signature) block.signature = delta.signature;
      return [];
    }
    if (delta.type === "input_json_delta" && block?.kind === "tool") {
      if (!delta.partial_json) return [];
      block.hasArguments = true;
      return this.emit([], { tool_calls: [{ index: block.toolIndex, function: { arguments: delta.partial_json } }] });
    }
    // citations_delta, deltas of skipped blocks.
    return [];
  }

  private onBlockStop(data: unknown): ChatChunk[] {
    const { index } = this.checked(blockStopSchema.safeParse(data), "content_block_stop event");
    const block = this.blocks.get(index);
    const signed = block && signedBlock(block);
    if (signed) return this.emit([], { [THINKING_BLOCKS]: [signed] });
    // A tool without parameters streams no JSON at all; OpenAI clients parse `arguments`, so send "{}" like the non-stream answer.
    if (block?.kind !== "tool" || block.hasArguments) return [];
    block.hasArguments = true;
    return this.emit([], { tool_calls: [{ index: block.toolIndex, function: { arguments: "{}" } }] });
  }

  private onMessageDelta(data: unknown): ChatChunk[] {
    const { delta, usage } = this.checked(messageDeltaSchema.safeParse(data), "message_delta event");
    this.rawUsage = mergeAnthropicUsage(this.rawUsage, usage);
    if (usage) this.usageFinal = true;
    return delta?.stop_reason ? this.finish(delta.stop_reason, delta.stop_sequence) : [];
  }

  private finish(stopReason: string | undefined, stopSequence?: string | null): ChatChunk[] {
    if (this.finished) return [];
    this.finished = true;
    this.finishReason = mapAnthropicStopReason(stopReason);
    const out = this.emit([], undefined);
    const last = this.chunk({}, this.finishReason.unified);
    // "stop" does not say which stop sequence matched; vLLM's `stop_reason` on the choice does.
    if (stopReason === "stop_sequence" && typeof stopSequence === "string") last.choices[0]!.stop_reason = stopSequence;
    out.push(last);
    return out;
  }
}

/** A finished block as the client sends it back in `thinking_blocks`; thinking without a signature cannot go back. */
function signedBlock(block: Block): ThinkingBlock | undefined {
  if (block.kind === "redacted_thinking") return block.block;
  if (block.kind === "thinking" && block.signature !== "") return { type: "thinking", thinking: block.thinking, signature: block.signature };
  return undefined;
}
