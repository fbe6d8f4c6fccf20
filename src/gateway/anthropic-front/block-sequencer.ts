/**
 * Streamed content → Anthropic content blocks: one block open at a time,
 * indexes from 0, no event for a block outside its start and stop.
 *
 * OpenAI-shaped streams may interleave what Anthropic blocks cannot: parallel
 * calls' argument fragments by index, or text between one call's fragments. A
 * new call or text does not prove the open call complete, so an open tool call
 * keeps its block until its arguments are a whole JSON value (at the finish,
 * always), and what arrives meanwhile waits, in arrival order. A call announced
 * without arguments waits for its first fragment (or the finish), so the calls
 * and text after it stream instead of waiting behind a block that may never
 * receive anything; its block then comes after theirs.
 */
import type { ThinkingBlock } from "../../providers/anthropic/thinking-blocks.js";
import { toolUseId } from "./ids.js";
import type { AnthropicStreamEvent } from "./types.js";

type TextKind = "text" | "thinking";

/** One upstream tool call and its arguments so far. */
interface ToolCall { id: string; name: string; arguments: string }

/** Content that has no block yet. */
type Waiting = { kind: TextKind; text: string } | { kind: "tool_use"; call: ToolCall };

export class BlockSequencer {
  private nextIndex = 0;
  private open: { index: number; kind: TextKind | "tool_use"; call?: ToolCall } | undefined;
  /** OpenAI tool-call index → the call. */
  private readonly toolCalls = new Map<number, ToolCall>();
  private readonly waiting: Waiting[] = [];

  get usedTools(): boolean {
    return this.toolCalls.size > 0;
  }

  /** A text or reasoning piece: into the open block of its kind, a new block, or the queue while a call is open. */
  text(kind: TextKind, piece: string, events: AnthropicStreamEvent[]): void {
    if (this.waiting.length === 0 && this.canEndOpen(false)) {
      this.write(kind, piece, events);
      return;
    }
    const last = this.waiting.at(-1);
    if (last?.kind === kind) last.text += piece;
    else this.waiting.push({ kind, text: piece });
    this.drain(events, false);
  }

  /** One entry of a chunk's `tool_calls`: announces a call, extends its arguments, or both. */
  toolCall(toolIndex: number, id: unknown, name: unknown, fragment: string | undefined, events: AnthropicStreamEvent[]): void {
    let call = this.toolCalls.get(toolIndex);
    if (!call) {
      call = { id: toolUseId(id), name: typeof name === "string" ? name : "", arguments: "" };
      this.toolCalls.set(toolIndex, call);
      this.waiting.push({ kind: "tool_use", call });
    }
    if (fragment) {
      call.arguments += fragment;
      // A waiting call's fragments go out when its block starts. One for a call whose block has ended
      // cannot be sent (no event may follow a block's stop); it only arrives after arguments that were whole.
      if (this.open?.call === call) events.push({ type: "content_block_delta", index: this.open.index, delta: { type: "input_json_delta", partial_json: fragment } });
    }
    this.drain(events, false);
  }

  /** An Anthropic upstream's signature ends the open thinking block; a redacted block is sent whole. */
  signedThinking(blocks: readonly ThinkingBlock[], events: AnthropicStreamEvent[]): void {
    for (const block of blocks) {
      if (block.type === "thinking") {
        if (this.open?.kind !== "thinking") continue;
        events.push({ type: "content_block_delta", index: this.open.index, delta: { type: "signature_delta", signature: block.signature } });
        this.close(events);
      } else {
        this.close(events);
        const index = this.nextIndex++;
        events.push({ type: "content_block_start", index, content_block: { type: "redacted_thinking", data: block.data } });
        events.push({ type: "content_block_stop", index });
      }
    }
  }

  /** The stream ended: every waiting piece gets its block, in order, and the last block closes. */
  finish(events: AnthropicStreamEvent[]): void {
    this.drain(events, true);
    this.close(events);
  }

  /** Whether the open block may end now: any but a tool call whose arguments may still grow. */
  private canEndOpen(finishing: boolean): boolean {
    const call = this.open?.call;
    return call === undefined || finishing || isWholeJson(call.arguments);
  }

  /** Gives waiting pieces their blocks while the open block may end; calls without arguments wait for them until the finish. */
  private drain(events: AnthropicStreamEvent[], finishing: boolean): void {
    while (this.waiting.length > 0 && this.canEndOpen(finishing)) {
      const at = this.waiting.findIndex((item) => item.kind !== "tool_use" || finishing || item.call.arguments !== "");
      if (at < 0) return;
      const [item] = this.waiting.splice(at, 1);
      if (item!.kind === "tool_use") this.startToolUse(item!.call, events);
      else this.write(item!.kind, item!.text, events);
    }
  }

  private startToolUse(call: ToolCall, events: AnthropicStreamEvent[]): void {
    this.close(events);
    const index = this.nextIndex++;
    this.open = { index, kind: "tool_use", call };
    events.push({ type: "content_block_start", index, content_block: { type: "tool_use", id: call.id, name: call.name, input: {} } });
    if (call.arguments !== "") events.push({ type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: call.arguments } });
  }

  private write(kind: TextKind, piece: string, events: AnthropicStreamEvent[]): void {
    if (this.open?.kind !== kind) {
      this.close(events);
      const index = this.nextIndex++;
      this.open = { index, kind };
      events.push({
        type: "content_block_start",
        index,
        content_block: kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" },
      });
    }
    const index = this.open.index;
    events.push({ type: "content_block_delta", index, delta: kind === "text" ? { type: "text_delta", text: piece } : { type: "thinking_delta", thinking: piece } });
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
