/**
 * Native Anthropic turns: Messages requests the canonical (OpenAI-shaped) form
 * cannot hold, sent to an Anthropic upstream as the client wrote them and
 * answered with the upstream's own message or events.
 *
 * Server tools (`web_search_…`, `web_fetch_…`, `code_execution_…`), Anthropic-defined
 * client tools (`bash_…`, `text_editor_…`, `computer_…`, `memory_…`), the MCP
 * connector, and the blocks they leave in a conversation (`server_tool_use`,
 * `web_search_tool_result`, cited text, …) interleave with text in an order only
 * Anthropic's own format keeps. The Anthropic front marks such a request with
 * its body (out of band); the pipeline then routes it to Anthropic deployments
 * only, and the adapter sends that body with the deployment's model, reads the
 * answer canonically for usage, cost and logs, and hands the upstream's JSON
 * (or each stream event's text) back out of band for the front to return.
 */
import type { ChatRequest } from "../../core/chat.js";
import { setOutOfBand } from "./out-of-band.js";

/** The canonical request's out-of-band field holding the client's Messages body. */
export const ANTHROPIC_NATIVE = "anthropic_native";

/** The completion's out-of-band field holding the upstream's message, as parsed. */
export const ANTHROPIC_MESSAGE = "anthropic_message";

/** A stream chunk's out-of-band field holding the upstream events it stands for, as server-sent event text. */
export const ANTHROPIC_EVENTS = "anthropic_events";

/** The request's out-of-band field naming what made it native, for the error when no Anthropic deployment can serve it. */
export const NATIVE_CAUSE = "anthropic_native_cause";

/** What made a request native: a sentence's subject, and the field it is at. */
export interface NativeCause {
  what: string;
  param: string;
}

/** Fields of the front's request that are Switchyard's routing, never sent upstream. */
const GATEWAY_FIELDS: ReadonlySet<string> = new Set(["models", "provider"]);

export function nativeBodyOf(request: ChatRequest): Record<string, unknown> | undefined {
  return request[ANTHROPIC_NATIVE] as Record<string, unknown> | undefined;
}

export function markNative(request: ChatRequest, body: Record<string, unknown>, cause: NativeCause): void {
  setOutOfBand(request, ANTHROPIC_NATIVE, body);
  setOutOfBand(request, NATIVE_CAUSE, cause);
}

export function nativeCauseOf(request: ChatRequest): NativeCause | undefined {
  return request[NATIVE_CAUSE] as NativeCause | undefined;
}

/** The client's body as the deployment gets it: its model, the gateway's own fields left out. */
export function nativeUpstreamBody(body: Record<string, unknown>, model: string, fields?: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of fields ?? Object.keys(body)) {
    if (!GATEWAY_FIELDS.has(key) && body[key] !== undefined) out[key] = body[key];
  }
  out.model = model;
  return out;
}
