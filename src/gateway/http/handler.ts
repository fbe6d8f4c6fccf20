/**
 * Routes HTTP requests to the gateway's operations. Thin: parse, validate,
 * call, shape the reply. No provider or routing knowledge lives here.
 */
import { randomUUID } from "node:crypto";
import { GatewayError } from "../../core/errors.js";
import type { Redactor } from "../../core/redact.js";
import { anthropicErrorReply } from "../anthropic-front/errors.js";
import { anthropicMessages } from "../anthropic-front/route.js";
import { completeChat, streamChat } from "../chat.js";
import { createEmbeddings } from "../embeddings.js";
import { listModels } from "../models.js";
import type { Runtime } from "../runtime.js";
import { providersReport } from "./admin-providers.js";
import { metaOf, readJson, SSE_HEADERS, type Route } from "./common.js";
import { errorReply, jsonReply, routeHeaders } from "./reply.js";
import { encodeChatSse } from "./sse-encode.js";
import type { GatewayHttpRequest, GatewayReply } from "./types.js";
import { parseChatRequest, parseEmbeddingsRequest } from "./wire-schemas.js";

const chatCompletions: Route = async (runtime, request, requestId) => {
  const body = parseChatRequest(readJson(request));
  if (body.stream === true) {
    const session = await streamChat(runtime, body, request.signal, metaOf(request));
    return {
      status: 200,
      headers: { ...SSE_HEADERS, ...routeHeaders(requestId, session) },
      body: encodeChatSse(session.chunks, runtime.redactor),
    };
  }
  const done = await completeChat(runtime, body, request.signal, metaOf(request));
  return jsonReply(200, done.completion, routeHeaders(requestId, done));
};

const embeddings: Route = async (runtime, request, requestId) => {
  const body = parseEmbeddingsRequest(readJson(request));
  const done = await createEmbeddings(runtime, body, request.signal, metaOf(request));
  return jsonReply(200, done.response, routeHeaders(requestId, done));
};

const models: Route = async (runtime, _request, requestId) =>
  jsonReply(200, { object: "list", data: await listModels(runtime) }, { "x-request-id": requestId });

const health: Route = async (runtime, _request, requestId) =>
  jsonReply(200, { status: "ok", providers: runtime.providers.size }, { "x-request-id": requestId });

const adminProviders: Route = async (runtime, _request, requestId) => jsonReply(200, providersReport(runtime), { "x-request-id": requestId });

const ROUTES: Record<string, Route> = {
  "POST /v1/chat/completions": chatCompletions,
  "POST /chat/completions": chatCompletions,
  "POST /v1/embeddings": embeddings,
  "POST /embeddings": embeddings,
  "GET /v1/models": models,
  "GET /models": models,
  "GET /health": health,
  "GET /admin/providers": adminProviders,
  "POST /v1/messages": anthropicMessages,
};

const KNOWN_PATHS = new Set(Object.keys(ROUTES).map((key) => key.slice(key.indexOf(" ") + 1)));

function requestIdOf(request: GatewayHttpRequest): string {
  const given = request.headers["x-request-id"];
  return typeof given === "string" && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** Errors in the client's dialect: Anthropic's shape under /v1/messages, OpenAI's elsewhere. */
export function errorReplyFor(path: string, error: unknown, requestId: string, redactor: Redactor): GatewayReply {
  return path.startsWith("/v1/messages") ? anthropicErrorReply(error, requestId, redactor) : errorReply(error, requestId, redactor);
}

export async function handleHttp(runtime: Runtime, request: GatewayHttpRequest): Promise<GatewayReply> {
  const requestId = requestIdOf(request);
  const route = ROUTES[`${request.method} ${request.path}`];
  try {
    if (!route) {
      if (KNOWN_PATHS.has(request.path)) {
        throw new GatewayError("bad_request", `Method ${request.method} is not allowed on ${request.path}`, { status: 405, code: "method_not_allowed" });
      }
      throw new GatewayError("not_found", `No route for ${request.method} ${request.path}`, { code: "unknown_url" });
    }
    return await route(runtime, request, requestId);
  } catch (error) {
    return errorReplyFor(request.path, error, requestId, runtime.redactor);
  }
}
