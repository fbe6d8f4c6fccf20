/**
 * Routes HTTP requests to the gateway's operations. Thin: authenticate, parse,
 * validate, call, shape the reply. No provider or routing knowledge lives here.
 */
import { newRequestId } from "../../core/request-id.js";
import type { Redactor } from "../../core/redact.js";
import { GatewayError } from "../../core/errors.js";
import { anthropicErrorReply } from "../anthropic-front/errors.js";
import { anthropicMessages } from "../anthropic-front/route.js";
import { anthropicCountTokens } from "../anthropic-front/count-tokens.js";
import { completeChat, type CompletedChat } from "../chat.js";
import { streamChat } from "../chat-stream.js";
import { createEmbeddings } from "../embeddings.js";
import { visibleModels } from "../models.js";
import { tagsFromHeader } from "../route-request.js";
import type { Runtime } from "../runtime.js";
import { adminKeyRoute, ADMIN_ROUTES } from "./admin-routes.js";
import { authenticate } from "./authenticate.js";
import { decodeBody } from "./body-encoding.js";
import { refuseForeignBrowsers } from "./browser-guard.js";
import { DASHBOARD_ROUTES } from "./dashboard.js";
import { methodNotAllowed, readJson, sseHeaders, type Route } from "./common.js";
import { costHeaders, streamCostHeaders } from "./cost-headers.js";
import { preflight, withCors } from "./cors.js";
import { errorReply, jsonReply, jsonTextReply, routeHeaders } from "./reply.js";
import { logInternalFailure } from "../internal-failure.js";
import { chatSseEncoder } from "./sse-encode.js";
import type { GatewayHttpRequest, GatewayReply, RequestHead } from "./types.js";
import type { Principal } from "../../auth/key-authenticator.js";
import { parseChatRequest, parseEmbeddingsRequest } from "./wire-schemas.js";
import { modelByIdRoute } from "./model-by-id.js";

/** A finished non-stream call: the upstream's own text with usage spliced in when there is one, else `value` serialized. */
function completedReply(requestId: string, done: Pick<CompletedChat, "priced" | "usageEstimated" | "json" | "deployment" | "attempts">, value: unknown): GatewayReply {
  const headers = costHeaders(done.priced, done.usageEstimated, routeHeaders(requestId, done));
  return done.json === undefined ? jsonReply(200, value, headers) : jsonTextReply(200, done.json, headers);
}

const chatCompletions: Route = async (runtime, request, { requestId, meta }) => {
  const body = parseChatRequest(readJson(request));
  if (body.stream === true) {
    const session = await streamChat(runtime, body, request.signal, meta);
    return {
      status: 200,
      headers: streamCostHeaders(session, routeHeaders(requestId, session, sseHeaders())),
      body: session.body(chatSseEncoder(runtime.redactor)),
    };
  }
  const done = await completeChat(runtime, body, request.signal, meta);
  return completedReply(requestId, done, done.completion);
};

const embeddings: Route = async (runtime, request, { requestId, meta }) => {
  const body = parseEmbeddingsRequest(readJson(request));
  const done = await createEmbeddings(runtime, body, request.signal, meta);
  return completedReply(requestId, done, done.response);
};

/** Lists what the caller may use: a scoped key sees only its models. */
const models: Route = async (runtime, _request, { requestId, meta }) =>
  jsonReply(200, { object: "list", data: await visibleModels(runtime, meta.key) }, { "x-request-id": requestId });

const health: Route = async (runtime, _request, { requestId }) =>
  jsonReply(200, { status: "ok", providers: runtime.providers.size }, { "x-request-id": requestId });

const metrics: Route = async (runtime) => ({
  status: 200,
  headers: { "content-type": runtime.metrics.contentType },
  body: await runtime.metrics.render(),
});

const ROUTES: Record<string, Route> = {
  "POST /v1/chat/completions": chatCompletions,
  "POST /chat/completions": chatCompletions,
  "POST /v1/embeddings": embeddings,
  "POST /embeddings": embeddings,
  "GET /v1/models": models,
  "GET /models": models,
  "POST /v1/messages": anthropicMessages,
  "POST /v1/messages/count_tokens": anthropicCountTokens,
  "GET /health": health,
  "GET /metrics": metrics,
  ...ADMIN_ROUTES,
  ...DASHBOARD_ROUTES,
};

/** Each path's methods, for a 405's `Allow` header (RFC 9110 requires it); a GET route answers HEAD too. */
const ALLOWED_METHODS = new Map<string, string>();
for (const key of Object.keys(ROUTES)) {
  const [method, path] = key.split(" ") as [string, string];
  const methods = [ALLOWED_METHODS.get(path), method, method === "GET" ? "HEAD" : undefined].filter(Boolean);
  ALLOWED_METHODS.set(path, methods.join(", "));
}

/** The client's own `x-request-id`, when it sent a valid one. */
function clientRequestId(headers: GatewayHttpRequest["headers"]): string | undefined {
  const given = headers["x-request-id"];
  return typeof given === "string" && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : undefined;
}

/** The client's own request id when valid, else a new one (README: `x-request-id`). */
export const requestIdFor = (headers: GatewayHttpRequest["headers"]): string => clientRequestId(headers) ?? newRequestId();

function routeFor(request: RequestHead): Route {
  const route = ROUTES[`${request.method} ${request.path}`] ?? adminKeyRoute(request.path) ?? modelByIdRoute(request.path);
  if (route) return route;
  // node:http sends no body for HEAD; the fetch adapter drops it.
  const get = request.method === "HEAD" ? ROUTES[`GET ${request.path}`] : undefined;
  if (get) return get;
  const allowed = ALLOWED_METHODS.get(request.path);
  if (allowed) throw methodNotAllowed(request, allowed);
  throw new GatewayError("not_found", `No route for ${request.method} ${request.path}`, { code: "unknown_url" });
}

/** Errors in the client's dialect: Anthropic's shape under /v1/messages, OpenAI's elsewhere. */
export function errorReplyFor(path: string, error: unknown, requestId: string, redactor: Redactor): GatewayReply {
  return path.startsWith("/v1/messages") ? anthropicErrorReply(error, requestId, redactor) : errorReply(error, requestId, redactor);
}

/** An admin route called in-process by a trusted caller (the CLI): no authentication. */
export async function handleAdmin(runtime: Runtime, request: GatewayHttpRequest): Promise<GatewayReply> {
  const requestId = newRequestId();
  try {
    if (!request.path.startsWith("/admin/")) throw new GatewayError("not_found", `Not an admin route: ${request.path}`);
    return await routeFor(request)(runtime, request, { requestId, meta: { requestId, clientRequestId: false, keyId: null, tags: [] } });
  } catch (error) {
    return errorReply(error, requestId, runtime.redactor);
  }
}

export function handleHttp(runtime: Runtime, request: GatewayHttpRequest): Promise<GatewayReply> {
  const origins = runtime.corsOrigins;
  if (origins.length === 0) return serve(runtime, request);
  const answer = preflight(request, origins);
  return answer ? Promise.resolve(answer) : serve(runtime, request).then((reply) => withCors(request, reply, origins));
}

/** What the request line and headers alone decide: the route, and who may call it (throws when no one may). */
function admit(runtime: Runtime, request: RequestHead, requestId: string): { route: Route; principal: Principal | undefined } {
  const route = routeFor(request);
  refuseForeignBrowsers(request, runtime.corsOrigins, runtime.masterKey === undefined);
  return { route, principal: authenticate(runtime, request, requestId) };
}

/**
 * The reply for a request refused on its head alone (no such route, a foreign browser, no valid
 * credential), or undefined when it may go on. The server asks before reading a large body, so a
 * client without a credential cannot make the gateway hold megabytes per connection.
 */
export function refuseBeforeBody(runtime: Runtime, request: RequestHead): GatewayReply | undefined {
  const origins = runtime.corsOrigins;
  if (request.method === "OPTIONS" && origins.length > 0) return undefined; // a preflight: answered by handleHttp
  const requestId = requestIdFor(request.headers);
  try {
    admit(runtime, request, requestId);
    return undefined;
  } catch (error) {
    logInternalFailure(runtime, error, requestId);
    const reply = errorReplyFor(request.path, error, requestId, runtime.redactor);
    return origins.length === 0 ? reply : withCors(request, reply, origins);
  }
}

async function serve(runtime: Runtime, request: GatewayHttpRequest): Promise<GatewayReply> {
  const given = clientRequestId(request.headers);
  const requestId = given ?? newRequestId();
  try {
    const { route, principal } = admit(runtime, request, requestId);
    const encoding = request.headers["content-encoding"];
    if (encoding !== undefined && request.body) request.body = await decodeBody(request.body, encoding, runtime.config.server.max_body_bytes);
    const key = principal?.kind === "virtual" ? principal.key : undefined;
    const meta = { requestId, clientRequestId: given !== undefined, keyId: key?.id ?? null, key, tags: tagsFromHeader(request.headers["x-switchyard-tags"]), bodyBytes: request.body?.length };
    return await route(runtime, request, { requestId, meta });
  } catch (error) {
    logInternalFailure(runtime, error, requestId);
    return errorReplyFor(request.path, error, requestId, runtime.redactor);
  }
}
