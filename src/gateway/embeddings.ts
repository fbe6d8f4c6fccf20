import type { EmbeddingsRequest, EmbeddingsResponse } from "../core/embeddings.js";
import { GatewayError } from "../core/errors.js";
import type { Usage } from "../core/usage.js";
import { observerFor, providerFor, timeoutsFor, type RouteInfo } from "./chat.js";
import { NO_META, routeRequestOf, type RequestMeta } from "./route-request.js";
import type { Runtime } from "./runtime.js";
import { callJson } from "./upstream-call.js";

export interface CompletedEmbeddings extends RouteInfo {
  response: EmbeddingsResponse;
  usage: Usage | undefined;
}

export async function createEmbeddings(runtime: Runtime, request: EmbeddingsRequest, signal: AbortSignal, meta: RequestMeta = NO_META): Promise<CompletedEmbeddings> {
  const plan = runtime.router.plan(routeRequestOf(request, meta, false));
  const run = await runtime.router.run(
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
      const body = await callJson(provider, observerFor(runtime, deployment), upstream, timeoutsFor(runtime, provider, deployment), signal, runtime.redactor);
      return embeddingsResponse(body, context, request);
    },
    signal,
    false,
  );
  return { ...run.value, deployment: run.deployment, attempts: run.attempts };
}
