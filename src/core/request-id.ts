/**
 * Request ids: UUIDv7 (RFC 9562), a millisecond timestamp then random bits.
 * Time-ordered ids land at the right edge of the ledger's primary-key index
 * instead of at random pages, which halves the cost of a SQLite ledger insert
 * (measured: 16.5 → 7.5 µs per row with random v4 ids vs v7) and keeps
 * PostgreSQL's index compact. They sort by arrival, too.
 *
 * Written as ASCII bytes into one scratch buffer and read out as one string:
 * `randomUUID()` builds its text from twenty concatenated pieces (≈ 750 bytes
 * allocated per id, a third of a request's own garbage besides the bodies).
 */
import { randomFillSync } from "node:crypto";

const HEX = Buffer.from("0123456789abcdef", "latin1");
/** Random bytes drawn ahead, as `randomUUID` does: one call into the system's generator per 215 ids. */
const POOL = Buffer.alloc(4_096);
/** 18 random digits, one byte's low four bits each, and one byte for the variant's two bits. */
const PER_ID = 19;
let poolAt = POOL.length;
const text = Buffer.alloc(36);

/** The time part changes once a millisecond; requests arriving in the same one share it. */
let prefixMs = -1;

function writePrefix(now: number): void {
  const time = now.toString(16).padStart(12, "0");
  text.write(`${time.slice(0, 8)}-${time.slice(8, 12)}-7`, 0, "latin1");
  text[18] = 0x2d; // '-'
  text[23] = 0x2d;
  prefixMs = now;
}

/** `count` random hex digits at `at`, from the pool bytes starting at `from`. */
function writeHex(at: number, from: number, count: number): void {
  for (let i = 0; i < count; i++) text[at + i] = HEX[POOL[from + i]! & 15]!;
}

export function newRequestId(now = Date.now()): string {
  if (now !== prefixMs) writePrefix(now);
  if (poolAt + PER_ID > POOL.length) {
    randomFillSync(POOL);
    poolAt = 0;
  }
  const from = poolAt;
  poolAt += PER_ID;
  // xxxxxxxx-xxxx-7RRR-VRRR-RRRRRRRRRRRR: 3 + 3 + 12 random digits, V = 8..b (variant 10).
  writeHex(15, from, 3);
  text[19] = HEX[8 | (POOL[from + 18]! & 3)]!;
  writeHex(20, from + 3, 3);
  writeHex(24, from + 6, 12);
  return text.toString("latin1", 0, 36);
}
