/**
 * A failure the gateway did not expect answers the client "Internal gateway
 * error" and nothing more; the operator gets its cause in the log, once, with
 * the request id to find it by, passed through the redactor like every message.
 */
import { asGatewayError } from "../core/errors.js";
import type { Runtime } from "./runtime.js";

export function logInternalFailure(runtime: Pick<Runtime, "log" | "redactor">, error: unknown, requestId: string): void {
  const failure = asGatewayError(error);
  if (failure.kind !== "internal") return;
  const cause = failure.cause ?? error;
  const detail = cause instanceof Error ? (cause.stack ?? `${cause.name}: ${cause.message}`) : String(cause);
  runtime.log.error({ requestId, err: runtime.redactor.redact(detail) }, `internal error: ${runtime.redactor.redact(failure.message)}`);
}
