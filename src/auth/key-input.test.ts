import { describe, expect, it } from "vitest";
import { GatewayError } from "../core/errors.js";
import { parseKeyCreate, parseKeyPatch } from "./key-input.js";
import { applyKeyPatch, newVirtualKey } from "./key-record.js";

const NOW = Date.parse("2030-01-01T00:00:00Z");
const now = () => NOW;

function createError(body: unknown): GatewayError {
  try {
    parseKeyCreate(body, now);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    expect((error as GatewayError).status).toBe(400);
    return error as GatewayError;
  }
  throw new Error("expected a 400");
}

function patchError(body: unknown): GatewayError {
  try {
    parseKeyPatch(body, now);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error("expected a 400");
}

describe("parseKeyCreate", () => {
  it("applies defaults", () => {
    expect(parseKeyCreate({ name: "ci" }, now)).toEqual({
      name: "ci", models: [], rpm: null, tpm: null, budget_usd: null, budget_period: null,
      expires_at: null, metadata: {}, log_prompts: false,
    });
  });

  it("accepts every field; budget period defaults to monthly when a budget is set", () => {
    const body = parseKeyCreate({
      name: "  team-a  ", models: ["smart", "openai/*"], rpm: 60, tpm: 100_000, budget_usd: 25,
      expires_at: "2030-06-01T00:00:00Z", metadata: { team: "a", tier: 2, internal: true }, log_prompts: true,
    }, now);
    expect(body).toMatchObject({ name: "team-a", budget_period: "monthly", expires_at: Date.parse("2030-06-01T00:00:00Z"), log_prompts: true });
    expect(parseKeyCreate({ name: "x", budget_usd: 0, budget_period: "total" }, now).budget_period).toBe("total");
    expect(parseKeyCreate({ name: "x", expires_at: NOW + 1 }, now).expires_at).toBe(NOW + 1);
    expect(parseKeyCreate({ name: "x", expires_at: "2030-01-02" }, now).expires_at).toBe(Date.parse("2030-01-02T00:00:00Z"));
  });

  it.each([
    [{}, "name: expected a string", "name"],
    [{ name: "" }, "name: expected 1 to 100 characters", "name"],
    [{ name: "x".repeat(101) }, "name: expected 1 to 100 characters", "name"],
    [{ name: "x", models: "smart" }, "models: expected an array of model names or patterns", "models"],
    [{ name: "x", models: ["ok", 3] }, "models[1]: expected a string", "models[1]"],
    [{ name: "x", models: ["open*ai/x"] }, "models[0]: '*' is only allowed at the end of a pattern", "models[0]"],
    [{ name: "x", rpm: 0 }, "rpm: expected a positive integer", "rpm"],
    [{ name: "x", tpm: 1.5 }, "tpm: expected a positive integer", "tpm"],
    [{ name: "x", rpm: "60" }, "rpm: expected a positive integer", "rpm"],
    [{ name: "x", budget_usd: -1 }, "budget_usd: expected a number from 0 to 1000000000 (USD)", "budget_usd"],
    [{ name: "x", budget_usd: 1e10 }, "budget_usd: expected a number from 0 to 1000000000 (USD)", "budget_usd"],
    [{ name: "x", budget_usd: 5, budget_period: "yearly" }, 'budget_period: expected one of "daily", "weekly", "monthly", "total"', "budget_period"],
    [{ name: "x", budget_period: "daily" }, "budget_period: requires budget_usd", "budget_period"],
    [{ name: "x", expires_at: "2029-12-31T23:59:59Z" }, "expires_at: must be in the future", "expires_at"],
    [{ name: "x", expires_at: 1_900_000_000 }, "expires_at: must be in the future (epoch milliseconds, not seconds)", "expires_at"],
    [{ name: "x", expires_at: "next week" }, "expires_at: expected an ISO 8601 date-time with a time zone", "expires_at"],
    [{ name: "x", expires_at: "2031-01-01T00:00:00" }, "expires_at: expected an ISO 8601 date-time with a time zone", "expires_at"],
    [{ name: "x", metadata: { team: { nested: 1 } } }, "metadata.team: expected a string, number or boolean", "metadata.team"],
    [{ name: "x", metadata: [] }, "metadata: expected an object of strings, numbers and booleans", "metadata"],
    [{ name: "x", log_prompts: "yes" }, "log_prompts: expected true or false", "log_prompts"],
    [{ name: "x", hash: "abc" }, "unknown field 'hash'", "hash"],
    [[], "(body): expected a JSON object", null],
    [null, "(body): expected a JSON object", null],
  ])("rejects %j with %s", (body, message, param) => {
    const error = createError(body);
    expect(error.message).toContain(message);
    expect(error.param).toBe(param);
    expect(error.code).toBe("invalid_key_request");
  });

  it("reports every problem at once", () => {
    const error = createError({ name: "", rpm: -1 });
    expect(error.message).toBe("name: expected 1 to 100 characters; rpm: expected a positive integer");
  });
});

describe("parseKeyPatch", () => {
  it("keeps only the fields present; null clears a limit", () => {
    expect(parseKeyPatch({ rpm: null, name: "renamed" }, now)).toEqual({ rpm: null, name: "renamed" });
  });

  it("refuses revoked in any form: revocation is DELETE only", () => {
    for (const revoked of [false, true, null, "no"]) {
      const error = patchError({ revoked });
      expect(error.message).toBe("revoked: cannot be changed: revoke a key with DELETE /admin/keys/:id (revocation is permanent)");
      expect(error.param).toBe("revoked");
    }
  });

  it("refuses identity fields, empty bodies and past expiry", () => {
    expect(patchError({ id: "key_x", prefix: "sk" }).message).toBe("unknown fields 'id', 'prefix'");
    expect(patchError({}).message).toBe("(body): expected at least one field to change");
    expect(patchError({ expires_at: NOW - 1 }).message).toContain("expires_at: must be in the future");
  });
});

describe("applyKeyPatch", () => {
  const { key } = newVirtualKey({ name: "k" }, 1);

  it("sets a budget with a monthly default, clears it with its period", () => {
    const budgeted = applyKeyPatch(key, { budget_usd: 10 }, 2);
    expect(budgeted).toMatchObject({ budget_usd: 10, budget_period: "monthly", updated_at: 2, created_at: 1 });
    const weekly = applyKeyPatch(budgeted, { budget_period: "weekly" }, 3);
    expect(weekly.budget_period).toBe("weekly");
    expect(applyKeyPatch(weekly, { budget_usd: null }, 4)).toMatchObject({ budget_usd: null, budget_period: null });
  });

  it("refuses a budget period without a budget", () => {
    expect(() => applyKeyPatch(key, { budget_period: "daily" }, 2)).toThrow("budget_period: requires budget_usd");
  });

  it("never changes identity or revocation", () => {
    const next = applyKeyPatch(key, { name: "n", ...({ id: "key_evil", hash: "0", revoked_at: null } as object) }, 2);
    expect(next).toMatchObject({ id: key.id, hash: key.hash, prefix: key.prefix, name: "n" });
  });
});
