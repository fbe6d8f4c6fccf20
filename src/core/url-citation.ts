/**
 * OpenAI's `url_citation` annotation on a chat completion's message: a web
 * source for `content.slice(start_index, end_index)`, the indices in UTF-16
 * code units (as JavaScript strings count, and so OpenAI's SDK clients slice).
 * Providers map their web citations to it: Anthropic's web search
 * (providers/anthropic/web-search.ts), Gemini's Grounding with Google Search
 * (providers/gemini/grounding.ts).
 */
export interface UrlCitation {
  type: "url_citation";
  url_citation: { start_index: number; end_index: number; url: string; title: string };
}

/** The annotation for `content.slice(start, end)`, cited from `url`. */
export function urlCitation(start: number, end: number, url: string, title: string): UrlCitation {
  return { type: "url_citation", url_citation: { start_index: start, end_index: end, url, title } };
}
