/**
 * Usage counted locally for upstreams that report none (or streams cut short):
 * the prompt as sent, plus the text produced. Rows priced from it say `estimated`.
 */
import { estimateCompletionTokens, estimatePromptTokens } from "../accounting/estimate.js";
import type { ChatCompletion, ChatRequest } from "../core/chat.js";
import { chunksOf, type StreamItem } from "../core/chunk-text.js";
import type { Usage } from "../core/usage.js";

export async function estimateUsage(request: ChatRequest, producedText: string): Promise<Usage> {
  const [prompt, output] = await Promise.all([
    estimatePromptTokens(request.messages, { tools: request.tools }),
    estimateCompletionTokens(producedText),
  ]);
  return { input: { total: prompt, cacheRead: 0, cacheWrite: 0 }, output: { total: output, reasoning: 0 } };
}

/**
 * A stream cut short whose upstream reported usage that is not final (see
 * `StreamTranslator.usageFinal`): its input counts stand, the output is what
 * was produced, counted locally (never less than the upstream said so far).
 */
export async function partialStreamUsage(request: ChatRequest, producedText: string, reported: Usage | undefined): Promise<Usage> {
  if (!reported) return estimateUsage(request, producedText);
  const output = await estimateCompletionTokens(producedText);
  const usage: Usage = { input: { ...reported.input }, output: { total: Math.max(output, reported.output.total), reasoning: reported.output.reasoning } };
  // Searches already reported were made (and billed) whatever the output did.
  if (reported.webSearchRequests !== undefined) usage.webSearchRequests = reported.webSearchRequests;
  return usage;
}

/** What a message or a stream delta produced: content, reasoning, tool call names and arguments. */
interface Produced {
  content?: unknown;
  reasoning_content?: unknown;
  tool_calls?: ReadonlyArray<{ function?: { name?: string; arguments?: string } }>;
}

function producedText(part: Produced | undefined): string {
  if (!part) return "";
  let text = "";
  if (typeof part.content === "string") text += part.content;
  if (typeof part.reasoning_content === "string") text += part.reasoning_content;
  for (const call of part.tool_calls ?? []) text += (call.function?.name ?? "") + (call.function?.arguments ?? "");
  return text;
}

export function completionText(completion: ChatCompletion): string {
  let text = "";
  for (const choice of completion.choices) text += producedText(choice.message);
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
    for (const item of this.collected) for (const chunk of chunksOf(item)) text += producedText(chunk.choices?.[0]?.delta);
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
