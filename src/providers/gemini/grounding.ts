/**
 * OpenAI's web search toward Gemini: Grounding with Google Search. A chat
 * request's `web_search_options` becomes the `google_search` tool; OpenAI's
 * approximate `user_location` (city, region, country) and `search_context_size`
 * have no counterpart (Gemini takes a location only as coordinates, in
 * `toolConfig.retrievalConfig`) and are dropped. A candidate's
 * `groundingMetadata` becomes the message's `url_citation` annotations, and its
 * `webSearchQueries` the searches billed (`Usage.webSearchRequests`: Gemini 3
 * bills grounding per search query, so a `pricing:` entry's `web_search_per_1k`
 * prices each one). The metadata is read leniently (wire-types.ts): what does
 * not fit is left out, never the answer.
 */
import { isRecord } from "../../core/record.js";
import { urlCitation, type UrlCitation } from "../../core/url-citation.js";
import type { Usage } from "../../core/usage.js";
import type { GeminiGoogleSearchTool, GeminiGroundingMetadata } from "./wire-types.js";

/** The tool for a request's `web_search_options`; undefined when it has none. */
export function googleSearchTool(options: unknown): GeminiGoogleSearchTool | undefined {
  return isRecord(options) ? { google_search: {} } : undefined;
}

/**
 * A candidate's grounding supports as `url_citation` annotations on its joined
 * text, `content`: one per support and web source it names. Gemini places a
 * segment by UTF-8 byte offsets within one Part, but clients slice `content`
 * as a JavaScript string, so the segment is found by its text: searched from
 * where the previous support's segment started (supports come in order), else
 * from the start, and spanned in UTF-16 code units. A support without text, or
 * whose text is not in `content`, is skipped, as is a chunk index naming no web
 * source.
 */
export function groundingCitations(metadata: GeminiGroundingMetadata | undefined, content: string): UrlCitation[] {
  const chunks = metadata?.groundingChunks ?? [];
  const out: UrlCitation[] = [];
  let from = 0;
  for (const support of metadata?.groundingSupports ?? []) {
    const text = support?.segment.text;
    if (!support || !text) continue;
    let start = content.indexOf(text, from);
    if (start < 0) start = content.indexOf(text);
    if (start < 0) continue;
    from = start;
    const cited = new Set<number>();
    for (const index of support.groundingChunkIndices ?? []) {
      const web = index === undefined || cited.has(index) ? undefined : chunks[index]?.web;
      if (!web) continue;
      cited.add(index!);
      out.push(urlCitation(start, start + text.length, web.uri, web.title ?? ""));
    }
  }
  return out;
}

/**
 * The searches a candidate's grounding reports, undefined when it reports no
 * query list: its distinct non-empty `webSearchQueries` (Google's pricing
 * ignores empty queries when it counts the unique queries it bills).
 */
export function webSearchQueryCount(metadata: GeminiGroundingMetadata | undefined): number | undefined {
  const queries = metadata?.webSearchQueries;
  if (!queries) return undefined;
  return new Set(queries.filter((query): query is string => typeof query === "string" && query.length > 0)).size;
}

/** Usage with its searches counted (none: unchanged); nothing to add them to without token counts. */
export function withWebSearches(usage: Usage | undefined, searches: number): Usage | undefined {
  return usage && searches > 0 ? { ...usage, webSearchRequests: searches } : usage;
}
