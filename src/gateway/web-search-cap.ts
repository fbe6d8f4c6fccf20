/**
 * How many web searches a chat request may make, for its budget reservation
 * (governance.ts): each search is billed per search and its results come back
 * as input in the same turn, so the worst case counts them (accounting/cost.ts).
 */
import type { ChatRequest } from "../core/chat.js";
import { isRecord } from "../core/record.js";
import { nativeBodyOf } from "../providers/anthropic/native.js";

/** Searches a web search tool without `max_uses` is assumed to make, for budget reservations. */
export const DEFAULT_WEB_SEARCH_USES = 10;

/**
 * The most web searches a request may make, for budget reservations: a native turn's web search
 * tools (`max_uses` each, `DEFAULT_WEB_SEARCH_USES` for one without) or `web_search_options`
 * (`DEFAULT_WEB_SEARCH_USES`); 0 for any other request.
 */
export function webSearchCapOf(request: ChatRequest): number {
  let cap = isRecord(request.web_search_options) ? DEFAULT_WEB_SEARCH_USES : 0;
  const tools = nativeBodyOf(request)?.tools;
  if (!Array.isArray(tools)) return cap;
  for (const tool of tools as Array<{ type?: unknown; max_uses?: unknown } | null>) {
    if (typeof tool?.type !== "string" || !tool.type.startsWith("web_search_")) continue;
    const uses = tool.max_uses;
    cap += typeof uses === "number" && Number.isInteger(uses) && uses >= 0 ? uses : DEFAULT_WEB_SEARCH_USES;
  }
  return cap;
}
