/**
 * OpenAI content parts → Anthropic content blocks. Anything Anthropic cannot
 * take is a client error naming the offending part, never a silent drop.
 */
import type { ContentPart } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import { asRecord } from "../../core/record.js";
import type { DocumentBlockParam, ImageBlockParam, ImageMediaType, TextBlockParam } from "./wire-types.js";

export function badRequest(message: string, param: string): GatewayError {
  return new GatewayError("bad_request", message, { param });
}

const IMAGE_TYPES: Record<string, ImageMediaType> = {
  "image/jpeg": "image/jpeg",
  "image/jpg": "image/jpeg",
  "image/png": "image/png",
  "image/gif": "image/gif",
  "image/webp": "image/webp",
};

/** `data:<type>[;params];base64,<data>` split without running a regex over megabytes of base64. */
function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  const comma = url.indexOf(",");
  if (!url.startsWith("data:") || comma < 0) return undefined;
  const header = url.slice(5, comma).split(";");
  if (header.at(-1)?.toLowerCase() !== "base64") return undefined;
  return { mediaType: (header[0] ?? "").trim().toLowerCase(), data: url.slice(comma + 1) };
}

/** Keeps a client's `cache_control` marker (OpenRouter-style parts) so prompt caching still works. */
function withCacheControl<T extends object>(block: T, part: Record<string, unknown>): T {
  const cacheControl = asRecord(part.cache_control);
  return cacheControl ? { ...block, cache_control: cacheControl } : block;
}

export function textBlock(part: Record<string, unknown>, param: string): TextBlockParam | undefined {
  if (typeof part.text !== "string") throw badRequest("A text part needs a string 'text'", param);
  // Anthropic rejects empty text blocks; an empty part carries nothing anyway.
  if (part.text.length === 0) return undefined;
  return withCacheControl<TextBlockParam>({ type: "text", text: part.text }, part);
}

/** `image_url` data URLs become base64 sources, http(s) URLs become url sources. */
export function imageBlock(part: Record<string, unknown>, param: string): ImageBlockParam {
  const url = asRecord(part.image_url)?.url;
  if (typeof url !== "string") throw badRequest("An image_url part needs 'image_url.url'", param);
  if (url.startsWith("data:")) {
    const parsed = parseDataUrl(url);
    if (!parsed) throw badRequest("Image data URLs must be base64 (data:image/png;base64,…)", param);
    const mediaType = IMAGE_TYPES[parsed.mediaType];
    if (!mediaType) throw badRequest(`Anthropic accepts JPEG, PNG, GIF or WebP images, not '${parsed.mediaType}'`, param);
    return withCacheControl<ImageBlockParam>({ type: "image", source: { type: "base64", media_type: mediaType, data: parsed.data } }, part);
  }
  if (/^https?:\/\//i.test(url)) return withCacheControl<ImageBlockParam>({ type: "image", source: { type: "url", url } }, part);
  throw badRequest("Image URLs must be http(s) URLs or base64 data URLs", param);
}

/** OpenAI `file` parts with inline PDF data become document blocks; file ids do not exist at Anthropic. */
function documentBlock(part: Record<string, unknown>, param: string): DocumentBlockParam {
  const file = asRecord(part.file);
  const parsed = typeof file?.file_data === "string" ? parseDataUrl(file.file_data) : undefined;
  if (!parsed || parsed.mediaType !== "application/pdf") {
    throw badRequest("Anthropic accepts file parts only as inline PDF data (file.file_data: data:application/pdf;base64,…)", param);
  }
  const block: DocumentBlockParam = { type: "document", source: { type: "base64", media_type: "application/pdf", data: parsed.data } };
  if (typeof file?.filename === "string") block.title = file.filename;
  return withCacheControl(block, part);
}

export type UserBlock = TextBlockParam | ImageBlockParam | DocumentBlockParam;

type PartConverter<B> = (part: Record<string, unknown>, param: string) => B | undefined;

/** Which part types a place accepts, and how each becomes a block; any other type is refused by name. */
function convertParts<B>(parts: ContentPart[], param: string, converters: Record<string, PartConverter<B>>, refusal: (type: string) => string): B[] {
  const blocks: B[] = [];
  parts.forEach((part, j) => {
    const at = `${param}[${j}]`;
    const convert = Object.hasOwn(converters, part.type) ? converters[part.type] : undefined;
    if (!convert) throw badRequest(refusal(part.type), at);
    const block = convert(part as Record<string, unknown>, at);
    if (block) blocks.push(block);
  });
  return blocks;
}

const USER_PARTS: Record<string, PartConverter<UserBlock>> = { text: textBlock, image_url: imageBlock, file: documentBlock };
const TOOL_RESULT_PARTS: Record<string, PartConverter<TextBlockParam | ImageBlockParam>> = { text: textBlock, image_url: imageBlock };
/** `refusal` parts are text the assistant said. */
const TEXT_PARTS: Record<string, PartConverter<TextBlockParam>> = {
  text: textBlock,
  refusal: (part, param) => textBlock({ text: part.refusal }, param),
};

/** A user message's content. */
export function userBlocks(content: string | ContentPart[] | null | undefined, param: string): UserBlock[] {
  if (content === null || content === undefined || content === "") return [];
  if (typeof content === "string") return [{ type: "text", text: content }];
  return convertParts(content, param, USER_PARTS, (type) => `Content part type '${type}' is not supported by Anthropic`);
}

/** A tool message's content: Anthropic tool results take text and images. */
export function toolResultContent(
  content: string | ContentPart[] | null | undefined,
  param: string,
): string | Array<TextBlockParam | ImageBlockParam> | undefined {
  if (content === null || content === undefined || content === "") return undefined;
  if (typeof content === "string") return content;
  const blocks = convertParts(content, param, TOOL_RESULT_PARTS, (type) => `Tool results take text and image parts, not '${type}'`);
  return blocks.length > 0 ? blocks : undefined;
}

/** Text-only content (system and assistant messages). */
export function textOnlyBlocks(content: string | ContentPart[] | null | undefined, param: string): TextBlockParam[] {
  if (content === null || content === undefined || content === "") return [];
  if (typeof content === "string") return [{ type: "text", text: content }];
  return convertParts(content, param, TEXT_PARTS, (type) => `Only text parts are allowed here, not '${type}'`);
}
