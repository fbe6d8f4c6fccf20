/** Audit events in process memory, newest kept: for tests and the embedded gateway without storage. */
import { auditLimit, completeAuditEvent, type AuditEvent, type AuditEventInput, type AuditQuery, type AuditStore } from "./audit-log.js";

export interface MemoryAuditStoreOptions {
  /** Oldest events are dropped beyond this many. */
  maxEvents?: number;
  now?: () => number;
}

export class MemoryAuditStore implements AuditStore {
  private events: AuditEvent[] = [];
  private readonly maxEvents: number;
  private readonly now: () => number;

  constructor(options: MemoryAuditStoreOptions = {}) {
    this.maxEvents = options.maxEvents ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  record(input: AuditEventInput): AuditEvent {
    const event = completeAuditEvent(input, this.now());
    this.events.push(event);
    if (this.events.length > this.maxEvents) this.events = this.events.slice(-this.maxEvents);
    return { ...event };
  }

  async list(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const limit = auditLimit(query.limit);
    const out: AuditEvent[] = [];
    // Stable newest-first: by ts, then by insertion order.
    const ordered = this.events.map((event, index) => ({ event, index })).sort((a, b) => b.event.ts - a.event.ts || b.index - a.index);
    const pageEnd = query.beforeId === undefined ? -1 : this.events.findIndex((event) => event.id === query.beforeId);
    for (const { event, index } of ordered) {
      if (query.before !== undefined && (event.ts > query.before || (event.ts === query.before && index >= pageEnd))) continue;
      if (query.action !== undefined && event.action !== query.action) continue;
      out.push({ ...event });
      if (out.length >= limit) break;
    }
    return out;
  }

  close(): void {}
}
