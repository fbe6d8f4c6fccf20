/**
 * Virtual keys in PostgreSQL, shared by every gateway instance, behind the
 * synchronous `KeyStore` interface: a write-through cache.
 *
 * - `await PostgresKeyStore.open(pool)` migrates and loads every key into
 *   memory; `findByHash`, `get` and `list` answer from memory (no I/O on the
 *   request path).
 * - `create`, `update` and `revoke` change memory at once (and tell the
 *   `onChange` listeners), then write to PostgreSQL in the background, in
 *   call order, retrying a failed write once. `flush()` waits for the writes
 *   queued so far and rejects when one of them failed, so a caller that must
 *   know the change is stored (the admin API) awaits it. A write that fails
 *   is reported to `onError`; a key whose creation failed is dropped from
 *   memory, and a key whose change failed is re-read from the database by the
 *   next refresh (the database is the truth).
 * - Every `refreshIntervalMs` (default {@link DEFAULT_KEY_REFRESH_MS}, 2 s) the
 *   store reads the keys other instances changed and fires `onChange` for
 *   each, so a revoke on one instance is refused by every other within about
 *   that interval. `refresh()` does the same on demand. `adopt()` takes in a
 *   change another process has just stored (cluster workers relay theirs).
 *
 * Changes are found by `changed_at`, stamped from the database's clock on
 * every write (the hosts' clocks may disagree; `updated_at` is the writer's
 * clock, kept for display). Each refresh re-reads the rows stamped since
 * the previous one minus {@link CHANGE_LOOKBACK_MS}, so a write that
 * committed a little after its stamp is not missed; unchanged rows are
 * recognised and ignored.
 *
 * PostgreSQL text cannot hold U+0000, so a key name containing one is refused
 * (400). Models and metadata are stored as JSON text, verbatim.
 */
import type pg from "pg";
import { applyPostgresMigrations, DB_NOW_MS, pgNumber } from "../storage/postgres.js";
import type { KeyCreateInput, KeyPatch } from "./key-input.js";
import { applyKeyPatch, copyKey, newVirtualKey } from "./key-record.js";
import { KeyChangeListeners, type KeyChangeListener, type KeyStore, type KeyStoreOptions } from "./key-store.js";
import { KEY_COLUMNS as COLUMNS } from "./key-row.js";
import { assertStorableName, fromRow, KEY_PG_MIGRATIONS, PATCHABLE, sameKey, toRow } from "./postgres-key-rows.js";
import type { VirtualKey } from "./virtual-key.js";

export { KEY_PG_MIGRATIONS } from "./postgres-key-rows.js";

/** How often other instances' key changes are read (ms). */
export const DEFAULT_KEY_REFRESH_MS = 2_000;
/** How far before the previous refresh a refresh looks again, for writes that committed after their stamp (ms). */
export const CHANGE_LOOKBACK_MS = 30_000;
/** Pause before the one retry of a failed write (ms). */
const RETRY_DELAY_MS = 200;

export interface PostgresKeyStoreOptions extends KeyStoreOptions {
  /** Told about a failed background write or refresh; defaults to ignoring it. */
  onError?: (error: unknown) => void;
  /** Interval of the refresh that picks up other instances' changes (ms); 0 turns it off (call `refresh()` yourself). */
  refreshIntervalMs?: number;
}

interface Write {
  id: string;
  run: () => Promise<void>;
  /** Undo in memory after the write failed for good. */
  onFailure?: () => void;
}

export class PostgresKeyStore implements KeyStore {
  private readonly byId = new Map<string, VirtualKey>();
  private readonly idByHash = new Map<string, string>();
  private readonly listeners = new KeyChangeListeners();
  private readonly now: () => number;
  private readonly onError: (error: unknown) => void;
  /** Ids with a write queued or running, and how many. */
  private readonly pending = new Map<string, number>();
  /** Ids whose last write failed: re-read from the database by the next refresh. */
  private readonly unsynced = new Set<string>();
  /**
   * Per id, the write counter when its last write was queued or settled: a
   * refresh that started before then may have read the row before the write
   * landed, so it must not overwrite memory with it.
   */
  private readonly lastWriteAt = new Map<string, number>();
  /** Writes not yet settled; each resolves to its error, or undefined. */
  private readonly inFlight = new Set<Promise<unknown>>();
  private writeCounter = 0;
  private tail: Promise<unknown> = Promise.resolve();
  /** Database clock (ms) when the last refresh started. */
  private watermark = 0;
  private refreshing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(private readonly pool: pg.Pool, options: PostgresKeyStoreOptions) {
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => {});
  }

  /** Migrates the `virtual_keys` table, loads every key and starts the refresh timer. The pool stays the caller's. */
  static async open(pool: pg.Pool, options: PostgresKeyStoreOptions = {}): Promise<PostgresKeyStore> {
    const store = new PostgresKeyStore(pool, options);
    await applyPostgresMigrations(pool, "virtual_keys", KEY_PG_MIGRATIONS);
    await store.load();
    const interval = options.refreshIntervalMs ?? DEFAULT_KEY_REFRESH_MS;
    if (interval > 0) {
      store.timer = setInterval(() => {
        if (!store.refreshing) store.refresh().catch(() => undefined);
      }, interval);
      store.timer.unref();
    }
    return store;
  }

  create(input: KeyCreateInput): { key: VirtualKey; secret: string } {
    assertStorableName(input.name);
    const { key, secret } = newVirtualKey(input, this.now());
    this.remember(key);
    this.listeners.emit(copyKey(key));
    const row = toRow(key);
    this.enqueue({
      id: key.id,
      run: async () => {
        await this.pool.query(
          `INSERT INTO virtual_keys (${COLUMNS}, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, ${DB_NOW_MS}) ON CONFLICT (id) DO NOTHING`,
          [row.id, row.name, row.prefix, row.hash, row.models, row.rpm, row.tpm, row.budget_usd, row.budget_period, row.expires_at, row.metadata, row.log_prompts, row.created_at, row.updated_at, row.revoked_at],
        );
      },
      // Not stored: the key must not work here while it works nowhere else.
      onFailure: () => {
        const current = this.byId.get(key.id);
        if (current && current.created_at === key.created_at && current.hash === key.hash) {
          this.forget(key.id);
          this.listeners.emit(copyKey(current));
        }
      },
    });
    return { key: copyKey(key), secret };
  }

  findByHash(hash: string): VirtualKey | undefined {
    if (typeof hash !== "string") return undefined;
    const id = this.idByHash.get(hash);
    return id === undefined ? undefined : this.get(id);
  }

  get(id: string): VirtualKey | undefined {
    if (typeof id !== "string") return undefined;
    const key = this.byId.get(id);
    return key && copyKey(key);
  }

  list(): VirtualKey[] {
    // Map order is load order (created_at, then insertion); the sort is stable.
    return [...this.byId.values()].sort((a, b) => a.created_at - b.created_at).map(copyKey);
  }

  update(id: string, patch: KeyPatch): VirtualKey | undefined {
    const current = typeof id === "string" ? this.byId.get(id) : undefined;
    if (!current) return undefined;
    if (patch.name !== undefined) assertStorableName(patch.name);
    const next = applyKeyPatch(current, patch, this.now());
    this.remember(next);
    this.listeners.emit(copyKey(next));
    // Only the fields this patch touched (and the derived budget period), so
    // concurrent PATCHes of different fields on two instances both stay.
    const row = toRow(next);
    const columns: Array<(typeof PATCHABLE)[number]> = PATCHABLE.filter((column) => patch[column] !== undefined);
    if ((patch.budget_usd !== undefined || patch.budget_period !== undefined) && !columns.includes("budget_period")) columns.push("budget_period");
    const values: unknown[] = [id, row.updated_at, ...columns.map((column) => row[column])];
    const sets = columns.map((column, index) => `${column} = $${index + 3}`);
    this.enqueue({
      id,
      run: async () => {
        await this.pool.query(`UPDATE virtual_keys SET ${[...sets, "updated_at = $2", `changed_at = ${DB_NOW_MS}`].join(", ")} WHERE id = $1`, values);
      },
    });
    return copyKey(next);
  }

  revoke(id: string): boolean {
    const current = typeof id === "string" ? this.byId.get(id) : undefined;
    // An unsynced revocation (its write failed) may be repeated: that is how a caller retries it.
    if (!current || (current.revoked_at !== null && !this.unsynced.has(id))) return false;
    const now = this.now();
    const next: VirtualKey = { ...current, revoked_at: current.revoked_at ?? now, updated_at: now };
    this.remember(next);
    this.listeners.emit(copyKey(next));
    this.enqueue({
      id,
      run: async () => {
        await this.pool.query(`UPDATE virtual_keys SET revoked_at = $2, updated_at = $2, changed_at = ${DB_NOW_MS} WHERE id = $1 AND revoked_at IS NULL`, [id, next.revoked_at]);
      },
    });
    return true;
  }

  adopt(id: string, key: VirtualKey | null): void {
    if (this.closed || typeof id !== "string") return;
    const startedAt = this.writeCounter;
    if (key) this.applyRemote(key, startedAt);
    else if (!this.pending.has(id) && this.byId.has(id)) {
      const current = this.byId.get(id)!;
      this.forget(id);
      this.listeners.emit(copyKey(current));
    }
    // A refresh already running may have read the row before this change landed: it must not undo it.
    this.lastWriteAt.set(id, ++this.writeCounter);
  }

  onChange(listener: KeyChangeListener): () => void {
    return this.listeners.add(listener);
  }

  /**
   * Waits for every write queued before this call; rejects with the first
   * error among them (each failed write is also reported to `onError`).
   */
  async flush(): Promise<void> {
    const results = await Promise.all([...this.inFlight]);
    const failure = results.find((result) => result !== undefined);
    if (failure !== undefined) throw failure;
  }

  /**
   * Reads the keys changed in the database since the last refresh (by any
   * instance), updates memory and fires `onChange` for each key that
   * differs. Runs by itself every `refreshIntervalMs`.
   */
  async refresh(): Promise<void> {
    // One at a time; a caller arriving mid-refresh gets a refresh that starts after its call.
    while (this.refreshing) await this.refreshing.catch(() => undefined);
    const run = this.poll();
    this.refreshing = run;
    try {
      await run;
    } catch (error) {
      this.onError(error);
      throw error;
    } finally {
      this.refreshing = undefined;
    }
  }

  /** Stops the refresh timer and drops the listeners; queued writes still complete (await `flush()` before ending the pool). */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private async load(): Promise<void> {
    const watermark = await this.databaseNow();
    const { rows } = await this.pool.query<Record<string, unknown>>(`SELECT ${COLUMNS} FROM virtual_keys ORDER BY created_at, seq`);
    for (const row of rows) this.remember(fromRow(row));
    this.watermark = watermark;
  }

  private async poll(): Promise<void> {
    const startedAt = this.writeCounter;
    const watermark = await this.databaseNow();
    const resync = [...this.unsynced];
    const { rows } = await this.pool.query<Record<string, unknown>>(
      `SELECT ${COLUMNS} FROM virtual_keys WHERE changed_at > $1 OR id = ANY($2::text[]) ORDER BY created_at, seq`,
      [this.watermark - CHANGE_LOOKBACK_MS, resync],
    );
    const seen = new Set<string>();
    for (const row of rows) {
      const key = fromRow(row);
      seen.add(key.id);
      this.applyRemote(key, startedAt);
    }
    for (const id of resync) {
      if (this.pending.has(id) || (this.lastWriteAt.get(id) ?? 0) > startedAt) continue;
      this.unsynced.delete(id);
      // Never stored (its insert failed): it exists nowhere.
      const current = this.byId.get(id);
      if (!seen.has(id) && current) {
        this.forget(id);
        if (!this.closed) this.listeners.emit(copyKey(current));
      }
    }
    this.watermark = Math.max(this.watermark, watermark);
  }

  /** A key as the database has it, unless a local write made since the refresh began is still to land. */
  private applyRemote(remote: VirtualKey, refreshStartedAt: number): void {
    const current = this.byId.get(remote.id);
    const localWriteNewer = this.pending.has(remote.id) || (this.lastWriteAt.get(remote.id) ?? 0) > refreshStartedAt;
    if (localWriteNewer) {
      // Only a revocation gets through: it is permanent, whatever is still to land here.
      if (current && current.revoked_at === null && remote.revoked_at !== null) {
        const next = { ...current, revoked_at: remote.revoked_at, updated_at: Math.max(current.updated_at, remote.updated_at) };
        this.remember(next);
        this.listeners.emit(copyKey(next));
      }
      return;
    }
    this.unsynced.delete(remote.id);
    if (current && sameKey(current, remote)) return;
    this.remember(remote);
    this.listeners.emit(copyKey(remote));
  }

  private enqueue(write: Write): void {
    this.pending.set(write.id, (this.pending.get(write.id) ?? 0) + 1);
    this.lastWriteAt.set(write.id, ++this.writeCounter);
    const settled: Promise<unknown> = this.tail.then(async () => {
      try {
        await retryOnce(write.run);
        return undefined;
      } catch (error) {
        this.unsynced.add(write.id);
        write.onFailure?.();
        this.onError(error);
        return error ?? new Error("key store write failed");
      } finally {
        this.lastWriteAt.set(write.id, ++this.writeCounter);
        const left = (this.pending.get(write.id) ?? 1) - 1;
        if (left > 0) this.pending.set(write.id, left);
        else this.pending.delete(write.id);
      }
    });
    this.tail = settled;
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
  }

  private remember(key: VirtualKey): void {
    this.byId.set(key.id, key);
    this.idByHash.set(key.hash, key.id);
  }

  private forget(id: string): void {
    const key = this.byId.get(id);
    if (!key) return;
    this.byId.delete(id);
    if (this.idByHash.get(key.hash) === id) this.idByHash.delete(key.hash);
  }

  private async databaseNow(): Promise<number> {
    const { rows } = await this.pool.query<{ now_ms: string }>(`SELECT ${DB_NOW_MS} AS now_ms`);
    return pgNumber(rows[0]?.now_ms);
  }
}

/** One retry after a pause, except for errors that would fail the same way again (bad data, constraint). */
async function retryOnce(run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && (code.startsWith("22") || code.startsWith("23") || code.startsWith("42"))) throw error;
    await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
    await run();
  }
}
