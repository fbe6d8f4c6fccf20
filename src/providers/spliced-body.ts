/**
 * An OpenAI-compatible upstream body made from the client's own JSON text:
 * when the only changes are the model (an alias resolved to the upstream's
 * name) and, for a stream, asking for usage, those are spliced into the text
 * and the rest goes upstream as the client wrote it (core/json-splice.ts).
 * Undefined whenever that cannot be done safely; the caller then serializes
 * the parsed request.
 */
import { topLevelValueRange, withTopLevel } from "../core/json-splice.js";

const STREAM_USAGE = '{"include_usage":true}';

/**
 * The client's text with its top-level `model` set to `model` and, when
 * `addStreamUsage`, `stream_options` added (the request must have none).
 * `requestedModel` is the model the text was parsed into: the splice is
 * checked against it.
 */
export function splicedBody(text: string, requestedModel: string, model: string, addStreamUsage: boolean): string | undefined {
  const range = topLevelValueRange(text, "model");
  // The value parses back to the model (so it is that string), or the text is not spliced.
  if (!range || JSON.parse(text.slice(range.start, range.end)) !== requestedModel) return undefined;
  const out = model === requestedModel ? text : text.slice(0, range.start) + JSON.stringify(model) + text.slice(range.end);
  return addStreamUsage ? withTopLevel(out, "stream_options", STREAM_USAGE) : out;
}
