import { describe, expect, it } from "vitest";
import type { ContentPart } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import { textOnlyBlocks, toolResultContent, userBlocks } from "./content.js";

const parts = (...list: Array<Record<string, unknown>>) => list as unknown as ContentPart[];

function refusal(run: () => unknown): { message: string; param: string | null | undefined } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return { message: (error as GatewayError).message, param: (error as GatewayError).param };
  }
  throw new Error("expected a refusal");
}

describe("content parts → Anthropic blocks", () => {
  it("user content takes text, images and PDFs, drops empty text, keeps cache_control", () => {
    const blocks = userBlocks(
      parts(
        { type: "text", text: "hi", cache_control: { type: "ephemeral" } },
        { type: "text", text: "" },
        { type: "image_url", image_url: { url: "https://example.com/cat.png" } },
        { type: "file", file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" } },
      ),
      "messages[0].content",
    );
    expect(blocks).toEqual([
      { type: "text", text: "hi", cache_control: { type: "ephemeral" } },
      { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
      { type: "document", source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" }, title: "a.pdf" },
    ]);
  });

  it("refuses each unsupported part type by name and position", () => {
    expect(refusal(() => userBlocks(parts({ type: "input_audio" }), "messages[1].content"))).toEqual({
      message: "Content part type 'input_audio' is not supported by Anthropic",
      param: "messages[1].content[0]",
    });
    expect(refusal(() => userBlocks(parts({ type: "text", text: "a" }, { type: "constructor" }), "m"))).toEqual({
      message: "Content part type 'constructor' is not supported by Anthropic",
      param: "m[1]",
    });
    expect(refusal(() => toolResultContent(parts({ type: "file", file: {} }), "messages[2].content")).message).toBe(
      "Tool results take text and image parts, not 'file'",
    );
    expect(refusal(() => textOnlyBlocks(parts({ type: "image_url", image_url: { url: "https://x/y.png" } }), "messages[0].content")).message).toBe(
      "Only text parts are allowed here, not 'image_url'",
    );
  });

  it("tool results keep strings, drop empty part lists; refusal parts are assistant text", () => {
    expect(toolResultContent("42", "m")).toBe("42");
    expect(toolResultContent(parts({ type: "text", text: "" }), "m")).toBeUndefined();
    expect(textOnlyBlocks(parts({ type: "refusal", refusal: "I can't" }, { type: "text", text: "sorry" }), "m")).toEqual([
      { type: "text", text: "I can't" },
      { type: "text", text: "sorry" },
    ]);
    expect(refusal(() => textOnlyBlocks(parts({ type: "refusal" }), "m"))).toEqual({ message: "A text part needs a string 'text'", param: "m[0]" });
  });
});
