import { describe, expect, it } from "vitest";
import { headersPerKey } from "./headers-per-key.js";

describe("headersPerKey", () => {
  it("builds once per key and hands out frozen objects", () => {
    let builds = 0;
    const headers = headersPerKey((apiKey): Record<string, string> => {
      builds++;
      return apiKey ? { authorization: `Bearer ${apiKey}` } : {};
    });
    const a = headers("sk-a");
    expect(headers("sk-a")).toBe(a);
    expect(headers("sk-b")).toEqual({ authorization: "Bearer sk-b" });
    expect(headers(undefined)).toEqual({});
    expect(builds).toBe(3);
    expect(Object.isFrozen(a)).toBe(true);
    expect(() => {
      (a as Record<string, string>)["x-extra"] = "1";
    }).toThrow(TypeError);
  });

  it("starts over instead of growing without bound when keys keep changing", () => {
    let builds = 0;
    const headers = headersPerKey((apiKey) => {
      builds++;
      return { "x-key": apiKey ?? "" };
    });
    for (let i = 0; i < 200; i++) expect(headers(`sk-${i}`)).toEqual({ "x-key": `sk-${i}` });
    expect(builds).toBe(200);
    headers("sk-199");
    expect(builds).toBe(200);
    headers("sk-0");
    expect(builds).toBe(201);
  });
});
