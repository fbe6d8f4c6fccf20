/**
 * A prompt's usage that a stream knows as it opens (Anthropic's message_start,
 * Gemini's first chunk), carried on the first chunk for the Anthropic front's
 * own message_start. Out of band (not enumerable): OpenAI-shaped output shows
 * usage only at its end.
 */
import type { ChatChunk } from "../core/chat.js";
import type { Usage } from "../core/usage.js";
import { setOutOfBand } from "./anthropic/out-of-band.js";

const START_USAGE = "start_usage";

/** Canonical usage, so an Anthropic upstream's cache writes keep their lifetimes. */
export function setStartUsage(chunk: ChatChunk, usage: Usage): void {
  setOutOfBand(chunk, START_USAGE, usage);
}

export function startUsageOf(chunk: ChatChunk | undefined): Usage | undefined {
  return chunk?.[START_USAGE as keyof ChatChunk] as Usage | undefined;
}
