/**
 * Who did what to keys and config, and which requests were refused. Events
 * are small and text fields are bounded and scrubbed of anything shaped like
 * a credential before they are kept.
 */
import { randomBytes } from "node:crypto";
import type { GatewayError } from "../core/errors.js";
import { Redactor } from "../core/redact.js";
import { KeyAuthError } from "./key-auth-error.js";
import type { Principal } from "./key-authenticator.js";
import { DISPLAY_PREFIX_LENGTH } from "./virtual-key.js";

export const AUDIT_ACTIONS = ["key.created", "key.updated", "key.revoked", "config.reloaded", "config.rejected", "request.denied"] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEvent {
  /** `aud_` + 16 hex characters. */
  id: string;
  /** Epoch ms. */
  ts: number;
  /** "master", "system", or the id of the virtual key that acted. */
  actor: string;
  action: AuditAction;
  /** Display prefix of the key involved (`sk-sy-AbCd`). */
  key_prefix: string | null;
  /** What was acted on: a key id, a model, a config source. */
  target: string | null;
  reason: string | null;
  /** HTTP status answered, for denied requests. */
  status: number | null;
  request_id: string | null;
}

/** What a caller records; id and ts are filled in when absent. */
export interface AuditEventInput {
  actor: string;
  action: AuditAction;
  key_prefix?: string | null;
  target?: string | null;
  reason?: string | null;
  status?: number | null;
  request_id?: string | null;
  id?: string;
  ts?: number;
}

export interface AuditQuery {
  /** Newest first; default 100, at most 1000. */
  limit?: number;
  /** Only events strictly older than this epoch ms (page with the last event's ts). */
  before?: number;
  /**
   * With `before`: the id of the previous page's last event, whose ts `before` is. Events of
   * that millisecond recorded before it then follow too, so pages neither skip nor repeat
   * events that share a millisecond (denied requests often do).
   */
  beforeId?: string;
  action?: AuditAction;
}

export interface AuditStore {
  /** Queues an event and returns it completed; never blocks on storage and never throws for storage failures. */
  record(event: AuditEventInput): AuditEvent;
  /**
   * Events newest first, including ones still queued. Async so a network
   * store (PostgreSQL) can answer; the embedded stores answer at once.
   */
  list(query?: AuditQuery): Promise<AuditEvent[]>;
  /** Writes what is queued; the shared database handle stays open. */
  close(): void;
}

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;

const scrubber = new Redactor();

/** Fills id and ts, bounds every text field and masks credential-shaped text. */
export function completeAuditEvent(input: AuditEventInput, now: number): AuditEvent {
  return {
    id: input.id ?? `aud_${randomBytes(8).toString("hex")}`,
    ts: input.ts ?? now,
    actor: text(input.actor, 64) ?? "system",
    action: input.action,
    key_prefix: input.key_prefix ? input.key_prefix.slice(0, DISPLAY_PREFIX_LENGTH) : null,
    target: text(input.target, 256),
    reason: text(input.reason, 512),
    status: typeof input.status === "number" && Number.isInteger(input.status) ? input.status : null,
    request_id: text(input.request_id, 128),
  };
}

export function auditLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_AUDIT_LIMIT;
  return Math.min(MAX_AUDIT_LIMIT, Math.max(1, Math.floor(limit)));
}

/**
 * The `request.denied` event for a refused request: the actor is the key when
 * one was identified, else "system". Works for KeyAuthError (401) and any
 * other GatewayError (403 model not allowed, 429 over budget).
 */
export function deniedRequestEvent(error: GatewayError, context: { principal?: Principal; target?: string | null; requestId?: string | null } = {}): AuditEventInput {
  const auth = error instanceof KeyAuthError ? error : undefined;
  const key = context.principal?.kind === "virtual" ? context.principal.key : undefined;
  const actor = context.principal?.kind === "master" ? "master" : key?.id ?? auth?.keyId ?? "system";
  return {
    actor,
    action: "request.denied",
    key_prefix: key?.prefix ?? auth?.keyPrefix ?? null,
    target: context.target ?? null,
    reason: error.code ? `${error.code}: ${error.message}` : error.message,
    status: error.status,
    request_id: context.requestId ?? null,
  };
}

function text(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined || value === "") return null;
  const clean = scrubber.redact(value);
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}
