/**
 * A chat request's plan: the router's, narrowed to the deployments whose
 * provider can serve the request at all. A native Anthropic turn (server
 * tools, their blocks, the MCP connector: providers/anthropic/native.ts) is the
 * Anthropic format itself, so only Anthropic deployments may serve it; another
 * model in the same alias or fallback list is passed over, not sent a request
 * it would misread.
 */
import type { ChatRequest } from "../core/chat.js";
import { GatewayError } from "../core/errors.js";
import { nativeBodyOf, nativeCauseOf } from "../providers/anthropic/native.js";
import type { Deployment } from "../router/plan.js";
import type { Plan } from "../router/router.js";
import { routeRequestOf, type RequestMeta } from "./route-request.js";
import type { Runtime } from "./runtime.js";

export function planChat(runtime: Runtime, request: ChatRequest, meta: RequestMeta, stream: boolean): Plan {
  const plan = runtime.router.plan(routeRequestOf(request, meta, stream));
  if (nativeBodyOf(request) === undefined) return plan;
  const served = (deployment: Deployment) => runtime.providers.get(deployment.provider)?.adapter.type === "anthropic";
  const deployments = plan.deployments.filter(served);
  if (deployments.length === 0) {
    const cause = nativeCauseOf(request) ?? { what: "This request", param: "model" };
    throw new GatewayError(
      "bad_request",
      `${cause.what} is for Anthropic models, and model '${request.model}' has no Anthropic deployment (server tools, Anthropic-defined tools, MCP servers and their content blocks are passed to Anthropic as sent; other providers cannot read them)`,
      { code: "unsupported_content", param: cause.param },
    );
  }
  return { model: plan.model, deployments, contextFallback: () => plan.contextFallback().filter(served) };
}
