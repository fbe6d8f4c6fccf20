/**
 * Replies to native turns (providers/anthropic/native.ts): the Anthropic
 * upstream's message, or its stream events, as it wrote them, with Switchyard's
 * `cost` added to the usage (as translated replies carry it).
 */
import { chunksOf, type StreamItem } from "../../core/chunk-text.js";
import type { ChatCompletion } from "../../core/chat.js";
import { asRecord, isRecord } from "../../core/record.js";
import type { Redactor } from "../../core/redact.js";
import { ANTHROPIC_EVENTS, ANTHROPIC_MESSAGE } from "../../providers/anthropic/native.js";
import type { StreamEncoder } from "../stream-encoder.js";
import { streamFailureEvent } from "./stream.js";

/** `usage` with `cost` set, when the request was priced; the upstream's counts stay as they were. */
function withCost(usage: unknown, cost: number | null | undefined): unknown {
  const counts = asRecord(usage);
  if (!counts || typeof cost !== "number" || !Number.isFinite(cost)) return usage;
  return { ...counts, cost };
}

/** The upstream's message for a native turn; undefined when the completion holds none. */
export function nativeMessage(completion: ChatCompletion, cost: number | null): Record<string, unknown> | undefined {
  const message = asRecord(completion[ANTHROPIC_MESSAGE]);
  return message && { ...message, usage: withCost(message.usage, cost) };
}

const MESSAGE_DELTA = "event: message_delta\n";

/**
 * The upstream's events as they came. `message_delta` (the final usage) and what
 * follows wait for the gateway's usage chunk, which comes right after the upstream's
 * last event and brings the cost.
 */
export function nativeSseEncoder(redactor: Redactor, requestId: string): StreamEncoder<string> {
  let held = "";
  let cost: number | undefined;
  return {
    batch(items: StreamItem[]): string | undefined {
      let text = "";
      for (const item of items) {
        for (const chunk of chunksOf(item)) {
          const events = chunk[ANTHROPIC_EVENTS];
          if (typeof events !== "string") {
            if (isRecord(chunk.usage) && typeof chunk.usage.cost === "number") cost = chunk.usage.cost;
          } else if (held !== "" || events.startsWith(MESSAGE_DELTA)) held += events;
          else text += events;
        }
      }
      return text || undefined;
    },
    failure: (error) => streamFailureEvent(error, redactor, requestId),
    end: () => costed(held, cost) || undefined,
  };
}

/** The held events with `cost` in message_delta's usage. */
function costed(held: string, cost: number | undefined): string {
  const dataStart = MESSAGE_DELTA.length + "data: ".length;
  const end = held.indexOf("\n\n");
  if (cost === undefined || !held.startsWith(MESSAGE_DELTA) || end < 0) return held;
  let event: unknown;
  try {
    event = JSON.parse(held.slice(dataStart, end));
  } catch {
    return held;
  }
  if (!isRecord(event)) return held;
  event.usage = withCost(event.usage, cost);
  return `${MESSAGE_DELTA}data: ${JSON.stringify(event)}${held.slice(end)}`;
}
