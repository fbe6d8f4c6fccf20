import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { displayPrefix, generateKeyId, generateSecret, hashSecret, sameDigest, SECRET_PATTERN, toPublicKey } from "./virtual-key.js";
import { newVirtualKey } from "./key-record.js";

describe("generateSecret", () => {
  it("is sk-sy- plus 43 base64url characters (32 random bytes)", () => {
    for (let i = 0; i < 200; i++) {
      const secret = generateSecret();
      expect(secret).toMatch(/^sk-sy-[A-Za-z0-9_-]{43}$/);
      expect(SECRET_PATTERN.test(secret)).toBe(true);
      expect(Buffer.from(secret.slice(6), "base64url")).toHaveLength(32);
    }
  });

  it("never repeats and uses the whole alphabet", () => {
    const secrets = new Set(Array.from({ length: 2000 }, generateSecret));
    expect(secrets.size).toBe(2000);
    const chars = new Set([...secrets].flatMap((s) => [...s.slice(6)]));
    expect(chars.size).toBe(64);
  });

  it("bytes look uniform: every bit position is set about half the time", () => {
    const n = 4000;
    const ones = new Array<number>(256).fill(0);
    for (let i = 0; i < n; i++) {
      const bytes = Buffer.from(generateSecret().slice(6), "base64url");
      for (let bit = 0; bit < 256; bit++) if (bytes[bit >> 3]! & (1 << (bit & 7))) ones[bit]!++;
    }
    // 6 standard deviations of a fair coin over n draws.
    const tolerance = 6 * Math.sqrt(n / 4);
    for (const count of ones) expect(Math.abs(count - n / 2)).toBeLessThan(tolerance);
  });
});

describe("key identity", () => {
  it("hashSecret is hex SHA-256 and displayPrefix the first 10 characters", () => {
    const secret = "sk-sy-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg";
    expect(hashSecret(secret)).toBe(createHash("sha256").update(secret).digest("hex"));
    expect(hashSecret(secret)).toMatch(/^[0-9a-f]{64}$/);
    expect(displayPrefix(secret)).toBe("sk-sy-AbCd");
  });

  it("ids are key_ plus 16 hex characters", () => {
    expect(generateKeyId()).toMatch(/^key_[0-9a-f]{16}$/);
  });

  it("a new record carries the hash and prefix, never the secret, and applies defaults", () => {
    const { key, secret } = newVirtualKey({ name: "ci", budget_usd: 5 }, 1000);
    expect(key.hash).toBe(hashSecret(secret));
    expect(key.prefix).toBe(secret.slice(0, 10));
    expect(JSON.stringify(key)).not.toContain(secret.slice(10));
    expect(key).toMatchObject({ models: [], rpm: null, tpm: null, budget_usd: 5, budget_period: "monthly", expires_at: null, metadata: {}, log_prompts: false, created_at: 1000, updated_at: 1000, revoked_at: null });
    expect(toPublicKey(key)).not.toHaveProperty("hash");
  });
});

describe("digests", () => {
  it("hashes a secret to hex SHA-256 and compares digests exactly", () => {
    // SHA-256("abc"), the FIPS 180-2 test vector.
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const digest = hashSecret("sk-sy-example");
    expect(sameDigest(digest, hashSecret("sk-sy-example"))).toBe(true);
    expect(sameDigest(digest, hashSecret("sk-sy-examplf"))).toBe(false);
    expect(sameDigest(digest, digest.slice(0, -1))).toBe(false);
    expect(sameDigest(digest, `${digest.slice(0, -1)}${digest.endsWith("0") ? "1" : "0"}`)).toBe(false);
  });
});
