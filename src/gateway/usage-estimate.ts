/**
 * Usage counted locally for upstreams that report none (or streams cut short):
 * the prompt as sent, plus the text produced. Rows priced from it say `estimated`.
 */
import { estimateCompletionTokens, estimatePromptTokens } from "../accounting/estimate.js";
import type { ChatCompletion, ChatRequest, ChunkDelta } from "../core/chat.js";
import { ChunkText, type StreamItem } from "../core/chunk-text.js";
import type { Usage } from "../core/usage.js";

export async function estimateUsage(request: ChatRequest, producedText: string): Promise<Usage> {
  const [prompt, output] = await Promise.all([
    estimatePromptTokens(request.messages, { tools: request.tools }),
    estimateCompletionTokens(producedText),
  ]);
  return { input: { total: prompt, cacheRead: 0, cacheWrite: 0 }, output: { total: output, reasoning: 0 } };
}

export function completionText(completion: ChatCompletion): string {
  let text = "";
  for (const choice of completion.choices) {
    const message = choice.message;
    if (typeof message?.content === "string") text += message.content;
    if (typeof message?.reasoning_content === "string") text += message.reasoning_content;
    for (const call of message?.tool_calls ?? []) text += call.function.name + call.function.arguments;
  }
  return text;
}

/** Collects streamed text cheaply (references only) in case usage has to be estimated. */
export class ProducedText {
  private readonly pieces: string[] = [];
  /** Chunks still in wire text: read only if the text is ever needed. */
  private readonly unread: ChunkText[] = [];

  add(delta: ChunkDelta | undefined): void {
    if (!delta) return;
    if (typeof delta.content === "string") this.pieces.push(delta.content);
    if (typeof delta.reasoning_content === "string") this.pieces.push(delta.reasoning_content);
    for (const call of delta.tool_calls ?? []) {
      if (call.function?.name) this.pieces.push(call.function.name);
      if (call.function?.arguments) this.pieces.push(call.function.arguments);
    }
  }

  addAll(items: readonly StreamItem[]): void {
    for (const item of items) {
      if (item instanceof ChunkText) this.unread.push(item);
      else this.add(item.choices[0]?.delta);
    }
  }

  get text(): string {
    for (const item of this.unread.splice(0)) this.add(item.chunk.choices?.[0]?.delta);
    return this.pieces.join("");
  }

  get empty(): boolean {
    return this.pieces.length === 0 && this.unread.length === 0;
  }
}
