import { randomBytes } from "node:crypto";

const UNSAFE = /[^A-Za-z0-9_-]/g;

function randomId(prefix: string): string {
  return `${prefix}${randomBytes(12).toString("base64url")}`;
}

/** `msg_…` from the upstream's completion id (an Anthropic upstream's is already one), so logs on both sides can be matched. */
export function messageId(completionId: unknown): string {
  const core = typeof completionId === "string" ? completionId.replace(/^(chatcmpl-|msg_)/, "").replace(UNSAFE, "_") : "";
  return core ? `msg_${core}` : randomId("msg_");
}

/**
 * Tool-use ids are opaque to clients but must match `^[A-Za-z0-9_-]+$`; the
 * client echoes them back as `tool_use_id`, so a cleaned id stays consistent.
 */
export function toolUseId(callId: unknown): string {
  const clean = typeof callId === "string" ? callId.replace(UNSAFE, "_") : "";
  return clean || randomId("toolu_");
}
