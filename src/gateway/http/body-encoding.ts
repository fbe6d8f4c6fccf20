/**
 * Request bodies sent compressed (`Content-Encoding: gzip`, `deflate` or `br`,
 * as some HTTP clients and proxies do for large prompts) are decoded before
 * they are read as JSON; the body limit applies to the decoded size, so a small
 * compressed body cannot expand without bound. Other codings get a 415.
 */
import { promisify } from "node:util";
import { brotliDecompress, gunzip, inflate, type ZlibOptions } from "node:zlib";
import { GatewayError } from "../../core/errors.js";

type Decoder = (input: Buffer, options: ZlibOptions) => Promise<Buffer>;

const DECODERS: Record<string, Decoder> = {
  gzip: promisify(gunzip),
  "x-gzip": promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};

function unsupported(coding: string): GatewayError {
  return new GatewayError("bad_request", `Content-Encoding '${coding}' is not supported; send the body uncompressed, or as gzip, deflate or br`, {
    status: 415,
    code: "unsupported_content_encoding",
  });
}

/** The body as sent before `header`'s codings were applied (in order), at most `limit` bytes once decoded. */
export async function decodeBody(body: Buffer, header: string | string[], limit: number): Promise<Buffer> {
  const codings = String(header).split(",").map((coding) => coding.trim().toLowerCase()).filter((coding) => coding !== "" && coding !== "identity");
  for (const coding of codings) if (!DECODERS[coding]) throw unsupported(coding);
  let decoded = body;
  // Codings are listed in the order they were applied: undo the last first.
  for (const coding of codings.reverse()) {
    try {
      decoded = await DECODERS[coding]!(decoded, { maxOutputLength: limit });
    } catch (error) {
      if ((error as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
        throw new GatewayError("payload_too_large", `Request body exceeds the limit of ${limit} bytes once decoded`, { code: "request_too_large" });
      }
      throw new GatewayError("bad_request", `Request body is not valid ${coding} data`, { code: "invalid_request_body" });
    }
  }
  return decoded;
}
