/**
 * The Lua side of the Redis StateStore: each script touches one key, so every
 * operation is one atomic round trip (and works on Redis Cluster). Amounts
 * arrive as integer strings and go straight to HINCRBY; comparisons happen in
 * doubles, exact below 2^53. The decision math lives in TypeScript
 * (gcra.ts, token-window.ts), shared with the memory store.
 */
import { LuaScript } from "./lua-script.js";

/**
 * KEYS[1] budget hash; ARGV amount, limit, ttl ms (0 = keep forever), 1 when the hash is known to
 * exist → {admitted, spent, reserved}, or {-1, 0, 0} when a hash known to exist is gone: the data
 * was lost (a flush this process has not heard of yet), so nothing is admitted against it.
 */
export const reserveBudgetScript = new LuaScript(`
if ARGV[4] == '1' and redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0, 0} end
local usage = redis.call('HMGET', KEYS[1], 'spent', 'reserved')
local spent = tonumber(usage[1] or '0')
local reserved = tonumber(usage[2] or '0')
if spent + reserved + tonumber(ARGV[1]) > tonumber(ARGV[2]) then
  return {0, spent, reserved}
end
reserved = redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1])
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {1, spent, reserved}
`);

/** KEYS[1] budget hash; ARGV negated reservation, actual, ttl ms. Reserved is clamped at 0. */
export const settleBudgetScript = new LuaScript(`
if redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[1]) < 0 then
  redis.call('HSET', KEYS[1], 'reserved', 0)
end
redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1
`);

/** KEYS[1] budget hash; ARGV spent floor, ttl ms. Spent only ever grows. */
export const raiseSpentScript = new LuaScript(`
local spent = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
if spent < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'spent', ARGV[1]) end
if tonumber(ARGV[2]) > 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1
`);

/**
 * GCRA step. KEYS[1] TAT (epoch µs); ARGV now µs, interval µs, tolerance µs
 * → {admitted, tat as string}. The TAT expires once it is in the past (= full quota).
 */
export const takeRequestScript = new LuaScript(`
local now = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or ARGV[1])
if tat < now then tat = now end
if tat - now > tonumber(ARGV[3]) then
  return {0, string.format('%.0f', tat)}
end
tat = tat + tonumber(ARGV[2])
local stored = string.format('%.0f', tat)
redis.call('SET', KEYS[1], stored, 'PX', math.ceil((tat - now) / 1000))
return {1, stored}
`);

/** Lua adding `tokens` to `second` of the token window KEYS[1]; its TTL only ever grows to `ttl`. */
function recordTokensLua(second: string, tokens: string, ttl: string): string {
  return `redis.call('HINCRBY', KEYS[1], ${second}, ${tokens})
if redis.call('PTTL', KEYS[1]) < tonumber(${ttl}) then
  redis.call('PEXPIRE', KEYS[1], ${ttl})
end`;
}

/**
 * KEYS[1] token window hash (second → tokens); ARGV oldest live second, limit, reserve, this
 * second, TTL ms → {used, newest live second or -1} (both before the reservation), followed,
 * only when used reaches the limit, by the flat [second, tokens, …] of the live buckets (a
 * refusal's retry time needs them; an admission needs only the sum). An admission records its
 * reserve in this second, as addTokensScript does.
 */
export const checkTokensScript = new LuaScript(`
local fields = redis.call('HGETALL', KEYS[1])
local oldest = tonumber(ARGV[1])
local used, newest = 0, -1
local live = {}
for i = 1, #fields, 2 do
  local second = tonumber(fields[i])
  if second < oldest then
    redis.call('HDEL', KEYS[1], fields[i])
  else
    used = used + tonumber(fields[i + 1])
    if second > newest then newest = second end
    live[#live + 1] = fields[i]
    live[#live + 1] = fields[i + 1]
  end
end
if used < tonumber(ARGV[2]) then
  if tonumber(ARGV[3]) > 0 then
    ${recordTokensLua("ARGV[4]", "ARGV[3]", "ARGV[5]")}
  end
  return {used, newest}
end
local reply = {used, newest}
for i = 1, #live do reply[#reply + 1] = live[i] end
return reply
`);

/**
 * KEYS[1] token window hash; ARGV second, tokens, ttl ms, oldest live second.
 * The TTL only ever grows; stale buckets are pruned when the hash outgrows the window.
 */
export const addTokensScript = new LuaScript(`
${recordTokensLua("ARGV[1]", "ARGV[2]", "ARGV[3]")}
if redis.call('HLEN', KEYS[1]) > 64 then
  local oldest = tonumber(ARGV[4])
  for _, second in ipairs(redis.call('HKEYS', KEYS[1])) do
    if tonumber(second) < oldest then redis.call('HDEL', KEYS[1], second) end
  end
end
return 1
`);

/**
 * KEYS[1] the data's generation marker; ARGV a fresh random id → the marker's id, set to ARGV[1]
 * first when missing (a Redis that lost its data, or that never held any).
 */
export const generationScript = new LuaScript(`
local current = redis.call('GET', KEYS[1])
if current then return current end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`);

export const allScripts: readonly LuaScript[] = [
  reserveBudgetScript,
  settleBudgetScript,
  raiseSpentScript,
  takeRequestScript,
  checkTokensScript,
  addTokensScript,
  generationScript,
];
