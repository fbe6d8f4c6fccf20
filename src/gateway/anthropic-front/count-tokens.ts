/**
 * `POST /v1/messages/count_tokens`: Anthropic's token counting, which Claude
 * Code calls often (dozens of times at startup) to manage its context. The
 * model's first deployment counts when its provider can (Anthropic); otherwise,
 * or when that call fails, the gateway estimates locally and says so in
 * `x-switchyard-estimated`. Counting is free at Anthropic and makes no ledger
 * row here. A virtual key's model scope applies, and each count takes one of its
 * requests per minute (Anthropic rate-limits counting by requests too); it uses
 * none of the key's tokens per minute or budget.
 */
import { estimatePromptTokens } from "../../accounting/estimate.js";
import type { CancelSignal } from "../../core/cancel-signal.js";
import type { ChatRequest } from "../../core/chat.js";
import { GatewayError } from "../../core/errors.js";
import { betaNames } from "../../providers/anthropic/beta-header.js";
import type { Plan } from "../../router/router.js";
import { callDeployment, callWithKey } from "../deployment-call.js";
import { readJson, type RouteContext } from "../http/common.js";
import { jsonReply } from "../http/reply.js";
import type { GatewayHttpRequest, GatewayReply } from "../http/types.js";
import { planChat } from "../plan-chat.js";
import type { Runtime } from "../runtime.js";
import { anthropicErrorReply } from "./errors.js";
import { toChatRequest } from "./request.js";
import { parseAnthropicCountTokensRequest } from "./schema.js";

export async function anthropicCountTokens(runtime: Runtime, request: GatewayHttpRequest, { requestId, meta }: RouteContext): Promise<GatewayReply> {
  try {
    const body = parseAnthropicCountTokensRequest(readJson(request));
    // max_tokens shapes nothing that is counted; the translation wants one.
    const chat = toChatRequest({ ...body, max_tokens: body.max_tokens ?? 1 }, betaNames(request.headers["anthropic-beta"]));
    const plan = planChat(runtime, chat, meta, false);
    const rateLimits = meta.key
      ? await runtime.governance.admitRequestOnly(meta.key, { model: chat.model, routedModel: plan.model, models: chat.models as string[] | undefined }, requestId)
      : undefined;
    const counted = await countUpstream(runtime, plan, chat, request.signal);
    const inputTokens = counted ?? (await estimatePromptTokens(chat.messages, { tools: chat.tools }));
    return jsonReply(200, { input_tokens: inputTokens }, { ...rateLimits, "x-request-id": requestId, "request-id": requestId, "x-switchyard-estimated": String(counted === undefined) });
  } catch (error) {
    return anthropicErrorReply(error, requestId, runtime.redactor);
  }
}

/** The first deployment's count, when its provider counts; undefined when it cannot or the call failed. */
async function countUpstream(runtime: Runtime, plan: Plan, chat: ChatRequest, signal: CancelSignal): Promise<number | undefined> {
  const deployment = plan.deployments[0];
  const provider = deployment && runtime.providers.get(deployment.provider);
  const { countTokensRequest, countTokensResponse } = provider?.adapter ?? {};
  if (!deployment || !provider || !countTokensRequest || !countTokensResponse) return undefined;
  try {
    return await callWithKey(provider, deployment, async (context) => {
      const answer = await callDeployment(runtime, provider, deployment, context, countTokensRequest(chat, context), signal);
      return countTokensResponse(answer.body);
    });
  } catch (error) {
    if (error instanceof GatewayError && error.kind === "client_closed") throw error;
    runtime.log.warn({ provider: provider.name, err: error instanceof Error ? error.message : String(error) }, "count_tokens upstream call failed; estimating locally");
    return undefined;
  }
}
