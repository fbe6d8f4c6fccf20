/**
 * OpenAI's web search toward Claude. A chat request's `web_search_options`
 * becomes Anthropic's web search server tool (its approximate user location
 * carried over; `search_context_size` has no Anthropic counterpart), and the
 * web citations on the answer's text blocks become the message's
 * `url_citation` annotations, spanning the cited block's text in `content`
 * (indices in UTF-16 code units, as JavaScript strings count). Each search is
 * billed from `usage.server_tool_use` (usage.ts).
 */
import { asRecord, isRecord } from "../../core/record.js";
import { urlCitation, type UrlCitation } from "../../core/url-citation.js";

/** The version every model with web search takes (newer ones add dynamic filtering on some models). */
export const WEB_SEARCH_TOOL = "web_search_20250305";

export interface WebSearchToolParam {
  type: typeof WEB_SEARCH_TOOL;
  name: "web_search";
  user_location?: Record<string, string>;
}

const LOCATION_FIELDS = ["city", "region", "country", "timezone"] as const;

/** The server tool for a request's `web_search_options`; undefined when it has none. */
export function webSearchTool(options: unknown): WebSearchToolParam | undefined {
  const given = asRecord(options);
  if (!given) return undefined;
  const tool: WebSearchToolParam = { type: WEB_SEARCH_TOOL, name: "web_search" };
  const approximate = asRecord(asRecord(given.user_location)?.approximate);
  if (approximate) {
    const location: Record<string, string> = { type: "approximate" };
    for (const field of LOCATION_FIELDS) if (typeof approximate[field] === "string") location[field] = approximate[field];
    tool.user_location = location;
  }
  return tool;
}

/** The web citations of a text block placed at `start` in the joined content, as annotations. */
export function urlCitations(citations: unknown, start: number, length: number): UrlCitation[] {
  if (!Array.isArray(citations)) return [];
  const out: UrlCitation[] = [];
  for (const citation of citations) {
    if (!isRecord(citation) || citation.type !== "web_search_result_location" || typeof citation.url !== "string") continue;
    const title = typeof citation.title === "string" ? citation.title : "";
    out.push(urlCitation(start, start + length, citation.url, title));
  }
  return out;
}
