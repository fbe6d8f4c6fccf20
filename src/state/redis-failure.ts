/**
 * Tells a Redis outage from a wrong command: a failure the client raised itself
 * (connection lost, `MaxRetriesPerRequestError`, a timeout) or a reply that says
 * the server cannot serve now becomes a StateUnavailableError; any other reply
 * error (a script bug, a wrong type) is passed through as it is.
 */
import { ReplyError } from "ioredis";
import { StateUnavailableError } from "./state-unavailable.js";

/** Replies of a server that is loading, a replica after a failover, out of memory or disk, or busy with a script. */
const UNAVAILABLE_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|OOM|MISCONF|NOREPLICAS)\b/;

export function redisFailure(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof StateUnavailableError) return error;
  if (error instanceof ReplyError && !UNAVAILABLE_REPLY.test(error.message)) return error;
  return new StateUnavailableError(error.message, { cause: error });
}
