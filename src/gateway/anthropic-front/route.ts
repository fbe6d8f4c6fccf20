/**
 * `POST /v1/messages`: the Anthropic-compatible front. Any model Switchyard
 * routes (aliases, `provider/model`) answers in Anthropic's format, so the
 * Anthropic SDKs and Claude Code work by changing only the base URL.
 *
 * Auth headers (`x-api-key` or `Authorization: Bearer`) and `anthropic-version`
 * are accepted and not interpreted here; `anthropic-beta` goes on to Anthropic upstreams.
 */
import { betaNames } from "../../providers/anthropic/beta-header.js";
import { completeChat } from "../chat.js";
import { streamChat } from "../chat-stream.js";
import { readJson, sseHeaders, type RouteContext } from "../http/common.js";
import { costHeaders, streamCostHeaders } from "../http/cost-headers.js";
import { jsonReply, routeHeaders } from "../http/reply.js";
import type { GatewayHttpRequest, GatewayReply } from "../http/types.js";
import type { Runtime } from "../runtime.js";
import { nativeBodyOf } from "../../providers/anthropic/native.js";
import { anthropicErrorReply } from "./errors.js";
import { nativeMessage, nativeSseEncoder } from "./native-reply.js";
import { replyOptionsFor, toChatRequest } from "./request.js";
import { toAnthropicMessage } from "./response.js";
import { parseAnthropicRequest } from "./schema.js";
import { anthropicSseEncoder } from "./stream.js";
import { cacheCreationOf } from "./usage.js";

/** Errors are answered here, in Anthropic's shape, instead of the handler's OpenAI shape. */
export async function anthropicMessages(runtime: Runtime, request: GatewayHttpRequest, { requestId, meta }: RouteContext): Promise<GatewayReply> {
  try {
    const body = parseAnthropicRequest(readJson(request));
    const chat = toChatRequest(body, betaNames(request.headers["anthropic-beta"]));
    const options = replyOptionsFor(body);
    // Server tools and their blocks: the upstream's own message or events go back (providers/anthropic/native.ts).
    const native = nativeBodyOf(chat) !== undefined;
    if (chat.stream === true) {
      const session = await streamChat(runtime, chat, request.signal, meta);
      const headers = sseHeaders();
      headers["request-id"] = requestId;
      return {
        status: 200,
        headers: streamCostHeaders(session, routeHeaders(requestId, session, headers)),
        body: session.body(native ? nativeSseEncoder(runtime.redactor, requestId) : anthropicSseEncoder(options, runtime.redactor, requestId)),
      };
    }
    const done = await completeChat(runtime, chat, request.signal, meta);
    const headers = costHeaders(done.priced, done.usageEstimated, routeHeaders(requestId, done, { "request-id": requestId }));
    const message = native ? nativeMessage(done.completion, done.priced.costUsd) : undefined;
    if (message) return jsonReply(200, message, headers);
    // A count the gateway estimated has no lifetimes to report.
    const cacheCreation = done.usageEstimated ? undefined : cacheCreationOf(done.usage, runtime.providers.get(done.deployment.provider)?.adapter.type);
    return jsonReply(200, toAnthropicMessage(done.completion, options, cacheCreation), headers);
  } catch (error) {
    return anthropicErrorReply(error, requestId, runtime.redactor);
  }
}
