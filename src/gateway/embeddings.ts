import type { CancelSignal } from "../core/cancel-signal.js";
import type { EmbeddingsRequest, EmbeddingsResponse } from "../core/embeddings.js";
import { GatewayError } from "../core/errors.js";
import type { Usage } from "../core/usage.js";
import type { PricedUsage } from "../accounting/cost.js";
import { estimateCompletionTokens } from "../accounting/estimate.js";
import { withUsageSpliced } from "./chat.js";
import { embeddingsParts, embedParts } from "./embeddings-batches.js";
import { RequestRecord } from "./request-record.js";
import { callDeployment, callWithKey, providerFor, type RouteInfo } from "./deployment-call.js";
import { routeRequestOf, type RequestMeta } from "./route-request.js";
import type { Runtime } from "./runtime.js";
import type { Deployment } from "../router/plan.js";
import type { Plan } from "../router/router.js";

export interface CompletedEmbeddings extends RouteInfo {
  response: EmbeddingsResponse;
  usage: Usage;
  priced: PricedUsage;
  usageEstimated: boolean;
  /** `response` as JSON, when it could be made from the upstream's own text with the usage spliced in (vectors are not re-printed). */
  json?: string;
}

/** Embedding inputs counted locally, for upstreams (Gemini) that report no tokens. */
async function estimateEmbeddingUsage(request: EmbeddingsRequest): Promise<Usage> {
  const inputs = Array.isArray(request.input) ? request.input : [request.input];
  let total = 0;
  for (const input of inputs) {
    if (typeof input === "string") total += await estimateCompletionTokens(input);
    else if (typeof input === "number") total += 1;
    else total += input.length;
  }
  return { input: { total, cacheRead: 0, cacheWrite: 0 }, output: { total: 0, reasoning: 0 } };
}

/** A provider without embeddings, in the plan of an embeddings request. */
function offersEmbeddings(runtime: Runtime, deployment: Deployment): boolean {
  const provider = runtime.providers.get(deployment.provider);
  return provider === undefined || (provider.adapter.embeddingsRequest !== undefined && provider.adapter.embeddingsResponse !== undefined);
}

/**
 * The plan without deployments whose provider offers no embeddings (an alias may mix them):
 * they are passed over, not tried and counted as attempts. None left is the client's request
 * for something the model cannot do.
 */
function embeddingsPlan(runtime: Runtime, plan: Plan): Plan {
  const able = plan.deployments.filter((deployment) => offersEmbeddings(runtime, deployment));
  if (able.length === plan.deployments.length) return plan;
  if (able.length === 0) {
    const provider = providerFor(runtime, plan.deployments[0]!);
    throw new GatewayError("bad_request", `Provider '${provider.name}' (${provider.type}) does not offer embeddings`, { code: "unsupported_operation", param: "model" });
  }
  return { ...plan, deployments: able };
}

export async function createEmbeddings(runtime: Runtime, request: EmbeddingsRequest, signal: CancelSignal, meta: RequestMeta): Promise<CompletedEmbeddings> {
  const record = new RequestRecord(runtime, meta, request.model, false);
  try {
    return await embed(runtime, request, signal, meta, record);
  } catch (error) {
    record.fail(error);
    throw error;
  } finally {
    record.finish();
  }
}

async function embed(runtime: Runtime, request: EmbeddingsRequest, signal: CancelSignal, meta: RequestMeta, record: RequestRecord): Promise<CompletedEmbeddings> {
  const routeRequest = routeRequestOf(request, meta, false);
  const plan = embeddingsPlan(runtime, runtime.router.plan(routeRequest));
  // Every model the plan may reach is checked against the key's scope, `models` fallbacks included.
  const admission = { model: request.model, routedModel: plan.model, models: routeRequest.models, input: request.input };
  if (meta.key) record.admission = await runtime.governance.admit(meta.key, admission, () => plan.deployments, meta.requestId);
  const run = await runtime.router.run(
    plan,
    async (deployment) => {
      const provider = providerFor(runtime, deployment);
      const { embeddingsRequest, embeddingsResponse, embeddingsBatchLimit } = provider.adapter as Required<typeof provider.adapter>;
      return callWithKey(provider, deployment, (context) =>
        embedParts(embeddingsParts(request, embeddingsBatchLimit), async (part) => {
          const answer = await callDeployment(runtime, provider, deployment, context, embeddingsRequest(part, context), signal);
          return embeddingsResponse(answer.body, context, part, answer.text);
        }),
      );
    },
    signal,
    false,
  );
  record.route(run.deployment, run.attempts);
  const { response } = run.value;
  const usageEstimated = run.value.usage === undefined;
  const usage = run.value.usage ?? (await estimateEmbeddingUsage(request));
  const priced = record.charge(usage, usageEstimated);
  record.capturePrompt(request.input, () => "");
  response.usage = { prompt_tokens: usage.input.total, total_tokens: usage.input.total, ...(priced.costUsd !== null && { cost: priced.costUsd }) };
  const json = withUsageSpliced(run.value.sourceText, response.usage);
  return { response, usage, priced, usageEstimated, deployment: run.deployment, attempts: run.attempts, rateLimits: record.admission?.rateLimits, json };
}
