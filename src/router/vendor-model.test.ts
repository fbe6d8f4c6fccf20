import { describe, expect, it } from "vitest";
import { PriceCatalog } from "../accounting/price-catalog.js";
import { vendorOwner, vendorTypeOf } from "./vendor-model.js";

const catalog = PriceCatalog.fromConfig();
const catalogVendor = (model: string) => catalog.vendorOf(model);

describe("bare vendor model names", () => {
  it("take the vendor from the catalog (dated snapshots included), else from the family prefix", () => {
    expect(vendorTypeOf("claude-sonnet-4-5-20250929", catalogVendor)).toBe("anthropic");
    expect(vendorTypeOf("gpt-4o-mini", catalogVendor)).toBe("openai");
    expect(vendorTypeOf("gemini-2.5-flash", catalogVendor)).toBe("gemini");
    // Not in the catalog yet: the family decides.
    expect(vendorTypeOf("claude-sonnet-9-9-20270101", catalogVendor)).toBe("anthropic");
    expect(vendorTypeOf("o7-mini", catalogVendor)).toBe("openai");
    expect(vendorTypeOf("gemini-9-ultra", catalogVendor)).toBe("gemini");
    // No vendor: names of no family, and provider/model names (those route by their prefix).
    expect(vendorTypeOf("llama3", catalogVendor)).toBeUndefined();
    expect(vendorTypeOf("omni-model", catalogVendor)).toBeUndefined();
    expect(vendorTypeOf("openai/gpt-4o", catalogVendor)).toBeUndefined();
  });

  it("route to the one provider of that type, and to none when the choice is ambiguous or missing", () => {
    const owner = vendorOwner(new Map([["claude", "anthropic"], ["oai", "openai"], ["oai-eu", "openai"]]), catalogVendor);
    expect(owner("claude-haiku-4-5")).toBe("claude");
    expect(owner("gpt-4o-mini")).toBeUndefined(); // two OpenAI providers: an alias says which
    expect(owner("gemini-2.5-flash")).toBeUndefined(); // no Gemini provider
  });
});
