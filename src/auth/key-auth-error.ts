/**
 * The 401 a client gets for a missing, malformed, unknown, revoked or expired
 * key. It is a `GatewayError` of kind "auth"; the extra fields feed the audit
 * log. Messages never contain what the client sent.
 */
import { GatewayError } from "../core/errors.js";

export type KeyAuthFailure = "missing_api_key" | "malformed_api_key" | "invalid_api_key" | "key_revoked" | "key_expired";

export class KeyAuthError extends GatewayError {
  /** Also the OpenAI error `code`. */
  readonly reason: KeyAuthFailure;
  /** The key's id when the secret matched a key (revoked, expired). */
  readonly keyId: string | null;
  /** Display prefix (`sk-sy-AbCd`) of the presented value, only when it has the shape of a virtual key. */
  readonly keyPrefix: string | null;

  constructor(reason: KeyAuthFailure, message: string, details: { keyId?: string | null; keyPrefix?: string | null } = {}) {
    super("auth", message, { code: reason });
    this.name = "KeyAuthError";
    this.reason = reason;
    this.keyId = details.keyId ?? null;
    this.keyPrefix = details.keyPrefix ?? null;
  }
}
