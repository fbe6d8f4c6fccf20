import { GatewayError } from "../core/errors.js";

/**
 * Refuses more stop sequences than a provider documents, before the upstream
 * call: the provider's own refusal names its field (`stop`, `stopSequences`),
 * which a client of another format (Anthropic's `stop_sequences`) never sent.
 */
export function checkStopSequenceCount(count: number, limit: number, who: string): void {
  if (count <= limit) return;
  throw new GatewayError("bad_request", `${who} accepts at most ${limit} stop sequences; this request has ${count}`, { code: "too_many_stop_sequences", param: "stop" });
}
