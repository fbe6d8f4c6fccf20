import type { EmbeddingsRequest, EmbeddingsResponse } from "../core/embeddings.js";
import { GatewayError } from "../core/errors.js";
import type { Usage } from "../core/usage.js";
import { resolvePlan } from "../router/plan.js";
import { runAttempts } from "../router/run-attempts.js";
import { providerFor, timeoutsFor, type RouteInfo } from "./chat.js";
import type { Runtime } from "./runtime.js";
import { callJson } from "./upstream-call.js";

export interface CompletedEmbeddings extends RouteInfo {
  response: EmbeddingsResponse;
  usage: Usage | undefined;
}

export async function createEmbeddings(runtime: Runtime, request: EmbeddingsRequest, signal: AbortSignal): Promise<CompletedEmbeddings> {
  const plan = resolvePlan(runtime.routes, request.model);
  const run = await runAttempts(
    plan,
    async (deployment) => {
      const provider = providerFor(runtime, deployment);
      const { embeddingsRequest, embeddingsResponse } = provider.adapter;
      if (!embeddingsRequest || !embeddingsResponse) {
        throw new GatewayError("bad_request", `Provider '${provider.name}' (${provider.type}) does not offer embeddings`, {
          code: "unsupported_operation",
          param: "model",
        });
      }
      const context = { model: deployment.model, apiKey: provider.nextKey() };
      const upstream = embeddingsRequest(request, context);
      const body = await callJson(provider, deployment.model, upstream, timeoutsFor(runtime, provider, deployment), signal, runtime.redactor);
      return embeddingsResponse(body, context);
    },
    signal,
  );
  return { ...run.value, deployment: run.deployment, attempts: run.attempts };
}
