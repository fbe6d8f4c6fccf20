/**
 * Finds the API key a client sent: `Authorization: Bearer <key>` (OpenAI
 * SDKs) or `x-api-key: <key>` (Anthropic SDKs). Errors describe the expected
 * form and never echo the header, which may hold a secret.
 */
import { KeyAuthError } from "./key-auth-error.js";

/** Header values as Node (`IncomingHttpHeaders`) or `Headers.get()` give them. */
export interface AuthHeaders {
  authorization?: string | readonly string[] | null | undefined;
  "x-api-key"?: string | readonly string[] | null | undefined;
}

const EXPECTED = "send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'";
/** Far above any real key; longer values are refused before hashing. */
const MAX_KEY_LENGTH = 512;

/** The presented key, or throws a KeyAuthError (401). */
export function readPresentedKey(headers: AuthHeaders): string {
  const fromBearer = bearerToken(single(headers.authorization, "Authorization"));
  const fromApiKey = apiKeyHeader(single(headers["x-api-key"], "x-api-key"));
  if (fromBearer === undefined && fromApiKey === undefined) {
    throw new KeyAuthError("missing_api_key", `Missing API key: ${EXPECTED}`);
  }
  if (fromBearer !== undefined && fromApiKey !== undefined && fromBearer !== fromApiKey) {
    throw new KeyAuthError("malformed_api_key", "Conflicting API keys in the Authorization and x-api-key headers: send one key");
  }
  const key = (fromBearer ?? fromApiKey)!;
  if (key.length > MAX_KEY_LENGTH) throw new KeyAuthError("invalid_api_key", "Invalid API key");
  return key;
}

function single(value: string | readonly string[] | null | undefined, header: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value !== "string") {
    if (value.length > 1) throw new KeyAuthError("malformed_api_key", `Malformed ${header} header: send it once`);
    return single(value[0], header);
  }
  const trimmed = value.trim();
  return trimmed === "" ? undefined : trimmed;
}

function bearerToken(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = /^(\S+)(?:\s+(.*))?$/s.exec(value);
  if (!match || match[1]!.toLowerCase() !== "bearer") {
    throw new KeyAuthError("malformed_api_key", "Malformed Authorization header: expected 'Bearer <key>'");
  }
  const token = match[2]?.trim() ?? "";
  if (token === "") throw new KeyAuthError("missing_api_key", "Missing API key after 'Bearer' in the Authorization header");
  if (/\s/.test(token)) throw new KeyAuthError("malformed_api_key", "Malformed Authorization header: expected 'Bearer <key>'");
  return token;
}

function apiKeyHeader(value: string | undefined): string | undefined {
  if (value !== undefined && /\s/.test(value)) throw new KeyAuthError("malformed_api_key", "Malformed x-api-key header: expected the key alone");
  return value;
}
