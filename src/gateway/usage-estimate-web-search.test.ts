import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../core/chat.js";
import { partialStreamUsage } from "./usage-estimate.js";

describe("partialStreamUsage", () => {
  it("keeps the searches the upstream reported for a stream cut short", async () => {
    const request = { model: "m", messages: [{ role: "user", content: "Hi" }] } as ChatRequest;
    const reported = { input: { total: 100, cacheRead: 0, cacheWrite: 0 }, output: { total: 1, reasoning: 0 }, webSearchRequests: 2 };
    expect((await partialStreamUsage(request, "some text", reported)).webSearchRequests).toBe(2);
    const { webSearchRequests: _, ...without } = reported;
    expect("webSearchRequests" in (await partialStreamUsage(request, "some text", without))).toBe(false);
  });
});
