/**
 * Usage counted locally for upstreams that report none (or streams cut short):
 * the prompt as sent, plus the text produced. Rows priced from it say `estimated`.
 */
import { estimateCompletionTokens, estimatePromptTokens } from "../accounting/estimate.js";
import type { ChatCompletion, ChatRequest, ChunkDelta } from "../core/chat.js";
import { chunksOf, type StreamItem } from "../core/chunk-text.js";
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

/**
 * Collects streamed text cheaply, references only and read only if the text is
 * ever needed (usage to estimate, a prompt log to write), in the order it came.
 */
export class ProducedText {
  private readonly collected: StreamItem[] = [];

  addAll(items: readonly StreamItem[]): void {
    for (let i = 0; i < items.length; i++) this.collected.push(items[i]!);
  }

  get text(): string {
    let text = "";
    for (const item of this.collected) for (const chunk of chunksOf(item)) text += deltaText(chunk.choices?.[0]?.delta);
    return text;
  }

  /** Everything collected, in order. */
  get items(): readonly StreamItem[] {
    return this.collected;
  }

  get empty(): boolean {
    return this.collected.length === 0;
  }
}

function deltaText(delta: ChunkDelta | undefined): string {
  if (!delta) return "";
  let text = "";
  if (typeof delta.content === "string") text += delta.content;
  if (typeof delta.reasoning_content === "string") text += delta.reasoning_content;
  for (const call of delta.tool_calls ?? []) text += (call.function?.name ?? "") + (call.function?.arguments ?? "");
  return text;
}
