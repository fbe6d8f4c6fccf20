/**
 * OpenAI message content → Gemini parts. Media becomes `inlineData` (data URLs)
 * or `fileData` (http(s) URLs, which Gemini fetches itself).
 */
import type { ChatMessage, ContentPart } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import type { GeminiPart } from "./wire-types.js";

const MIME_BY_EXTENSION: Record<string, string> = {
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  heic: "image/heic",
  heif: "image/heif",
  pdf: "application/pdf",
};

function badRequest(message: string, param: string): GatewayError {
  return new GatewayError("bad_request", message, { param });
}

/** The MIME type a URL's extension suggests; Gemini needs one for `fileData`. */
export function guessMimeType(url: string): string {
  const path = url.split(/[?#]/, 1)[0] ?? "";
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return (extension && MIME_BY_EXTENSION[extension]) ?? "image/jpeg";
}

/** `data:<mime>;base64,<data>` → inlineData; undefined when `url` is not a data URL. */
function inlineDataFrom(url: string, param: string): GeminiPart | undefined {
  if (!url.startsWith("data:")) return undefined;
  const match = /^data:([^;,]+)((?:;[^;,]+)*),(.*)$/s.exec(url);
  if (!match || !match[2]!.split(";").includes("base64")) {
    throw badRequest("Only base64 data URLs are supported for inline media", param);
  }
  return { inlineData: { mimeType: match[1]!, data: match[3]! } };
}

function mediaFromUrl(url: string, param: string): GeminiPart {
  const inline = inlineDataFrom(url, param);
  if (inline) return inline;
  if (/^https?:\/\//i.test(url)) return { fileData: { mimeType: guessMimeType(url), fileUri: url } };
  throw badRequest("Image URLs must be http(s) or base64 data URLs", param);
}

function partOf(part: ContentPart, param: string): GeminiPart | undefined {
  const record = part as Record<string, unknown> & { type: string };
  switch (record.type) {
    case "text":
      return typeof record.text === "string" && record.text.length > 0 ? { text: record.text } : undefined;
    case "image_url": {
      const image = record.image_url as { url?: unknown } | undefined;
      if (typeof image?.url !== "string") throw badRequest("image_url.url must be a string", `${param}.image_url.url`);
      return mediaFromUrl(image.url, `${param}.image_url.url`);
    }
    case "input_audio": {
      const audio = record.input_audio as { data?: unknown; format?: unknown } | undefined;
      if (typeof audio?.data !== "string" || typeof audio.format !== "string") {
        throw badRequest("input_audio needs data and format", `${param}.input_audio`);
      }
      return { inlineData: { mimeType: `audio/${audio.format}`, data: audio.data } };
    }
    case "file": {
      const file = record.file as { file_data?: unknown } | undefined;
      const inline = typeof file?.file_data === "string" ? inlineDataFrom(file.file_data, `${param}.file.file_data`) : undefined;
      if (!inline) throw badRequest("Only inline file_data (a base64 data URL) is supported for this provider", `${param}.file`);
      return inline;
    }
    default:
      throw badRequest(`Content part type '${record.type}' is not supported for this provider`, `${param}.type`);
  }
}

/** A user message's content as parts (empty text is dropped: Gemini rejects empty parts). */
export function userParts(content: ChatMessage["content"], param: string): GeminiPart[] {
  if (content === null || content === undefined) return [];
  if (typeof content === "string") return content.length > 0 ? [{ text: content }] : [];
  const parts: GeminiPart[] = [];
  content.forEach((part, index) => {
    const converted = partOf(part, `${param}.content[${index}]`);
    if (converted) parts.push(converted);
  });
  return parts;
}

/** Text of a system, assistant or tool message: text (and refusal) parts joined. */
export function textOf(content: ChatMessage["content"], param: string): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content
    .map((part, index) => {
      const record = part as Record<string, unknown>;
      if (record.type === "text" && typeof record.text === "string") return record.text;
      if (record.type === "refusal" && typeof record.refusal === "string") return record.refusal;
      throw badRequest(`Content part type '${String(record.type)}' is not allowed in this message`, `${param}.content[${index}].type`);
    })
    .join("");
}
