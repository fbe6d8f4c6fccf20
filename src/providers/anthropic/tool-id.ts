/**
 * Anthropic validates `tool_use.id` (and so `tool_result.tool_use_id`) against
 * `^[a-zA-Z0-9_-]+$`; ids minted by other providers may not fit (Kimi K2 on
 * Fireworks, Together, Groq or vLLM answers `functions.get_weather:0`). A
 * conversation begun there and continued on Claude, by failover or a mixed
 * alias, would get a 400 for its history. Such ids are rewritten the same way
 * wherever they appear, so a call and its result still match; valid ids stay.
 */
import { createHash } from "node:crypto";

const VALID_TOOL_ID = /^[A-Za-z0-9_-]+$/;

export function anthropicToolId(id: string): string {
  if (VALID_TOOL_ID.test(id)) return id;
  // The digest keeps ids apart that differ only in replaced characters (`a:b`, `a.b`).
  const digest = createHash("sha256").update(id).digest("hex").slice(0, 8);
  return `${id.replace(/[^A-Za-z0-9_-]/g, "_")}_${digest}`;
}
