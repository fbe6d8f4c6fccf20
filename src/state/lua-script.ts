/**
 * A Lua script run with EVALSHA so each call sends only the hash. Scripts are
 * loaded once at connect; if Redis has forgotten them (restart, failover,
 * SCRIPT FLUSH) the NOSCRIPT reply falls back to EVAL, which caches it again.
 * A Redis that cannot answer fails the call with a StateUnavailableError.
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";
import { redisFailure } from "./redis-failure.js";

export type ScriptArg = string | number;

export class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash("sha1").update(source).digest("hex");
  }

  async load(redis: Redis): Promise<void> {
    await redis.script("LOAD", this.source);
  }

  async run(redis: Redis, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw redisFailure(error);
    }
    try {
      return await redis.eval(this.source, keys.length, ...keys, ...args);
    } catch (error) {
      throw redisFailure(error);
    }
  }
}
