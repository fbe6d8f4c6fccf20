/**
 * The non-stream chat pipeline shared by the HTTP fronts and the embedded API:
 * plan, run attempts through adapters, price the usage, and keep one ledger row.
 */
import type { CancelSignal } from "../core/cancel-signal.js";
import { withTopLevel } from "../core/json-splice.js";
import type { ChatCompletion, ChatRequest } from "../core/chat.js";
import type { MappedFinishReason } from "../core/finish-reason.js";
import { toOpenAIUsage, type OpenAIUsage, type Usage } from "../core/usage.js";
import type { PricedUsage } from "../accounting/cost.js";
import { callDeployment, callWithKey, providerFor, type RouteInfo } from "./deployment-call.js";
import type { AdmissionRequest } from "./governance.js";
import type { Plan } from "../router/router.js";
import { RequestRecord } from "./request-record.js";
import { planChat } from "./plan-chat.js";
import type { RequestMeta } from "./route-request.js";
import type { Runtime } from "./runtime.js";
import { completionText, estimateUsage } from "./usage-estimate.js";
import { webSearchCapOf } from "./web-search-cap.js";

export type { RouteInfo } from "./deployment-call.js";

export interface CompletedChat extends RouteInfo {
  completion: ChatCompletion;
  usage: Usage;
  finishReason: MappedFinishReason | undefined;
  priced: PricedUsage;
  /** Usage was counted locally because the upstream reported none. */
  usageEstimated: boolean;
  /** `completion` as JSON, when it could be made from the upstream's own text with the usage spliced in. */
  json?: string;
}

export function admissionOf(request: ChatRequest, plan: Plan): AdmissionRequest {
  return {
    model: request.model,
    routedModel: plan.model,
    tools: request.tools,
    models: request.models as string[] | undefined,
    messages: request.messages,
    maxOutputTokens: (request.max_completion_tokens ?? request.max_tokens) ?? undefined,
    choices: request.n ?? undefined,
    webSearches: webSearchCapOf(request),
  };
}

/** Every deployment the request may reach, context-window fallbacks included: the budget's worst case covers them all. */
export function reservable(plan: Plan): Plan["deployments"] {
  const fallback = plan.contextFallback();
  return fallback.length > 0 ? [...plan.deployments, ...fallback] : plan.deployments;
}

/** OpenAI's schema requires these keys on every choice; some hosts omit them. Returns whether any was added. */
function completeChoiceShape(completion: ChatCompletion): boolean {
  let added = false;
  for (const choice of completion.choices) {
    if (choice.logprobs === undefined) {
      choice.logprobs = null;
      added = true;
    }
    if (choice.message && choice.message.refusal === undefined) {
      choice.message.refusal = null;
      added = true;
    }
  }
  return added;
}

/** The upstream's own JSON text with `usage` set to Switchyard's, when there is such a text (see `ChatResult.sourceText`). */
export function withUsageSpliced(sourceText: string | undefined, usage: object): string | undefined {
  return sourceText === undefined ? undefined : withTopLevel(sourceText, "usage", JSON.stringify(usage));
}

/** Copies the keys of `from` that `into` lacks, but `skip`, field by field (no object spread: see record.ts). */
function addMissing(into: Record<string, unknown>, from: Record<string, unknown>, skip?: string): void {
  for (const key of Object.keys(from)) if (key !== skip && !Object.hasOwn(into, key)) into[key] = from[key];
}

const DETAILS = ["prompt_tokens_details", "completion_tokens_details"] as const;

/**
 * The usage object clients see: the canonical counts, the upstream's other
 * fields (its own token details, such as audio or predicted-output tokens,
 * included), and `cost` when priced.
 */
export function renderUsage(upstream: OpenAIUsage | null | undefined, usage: Usage, priced: PricedUsage): OpenAIUsage {
  const rendered: OpenAIUsage = toOpenAIUsage(usage);
  if (upstream) {
    // `cost` is Switchyard's price alone: an upstream's own figure (OpenRouter's credits) never stands in for it.
    addMissing(rendered as Record<string, unknown>, upstream as Record<string, unknown>, "cost");
    for (const details of DETAILS) {
      const theirs = upstream[details];
      if (theirs !== null && typeof theirs === "object") addMissing(rendered[details] as Record<string, unknown>, theirs as Record<string, unknown>);
    }
  }
  if (priced.costUsd !== null) rendered.cost = priced.costUsd;
  return rendered;
}

export async function completeChat(runtime: Runtime, request: ChatRequest, signal: CancelSignal, meta: RequestMeta): Promise<CompletedChat> {
  const record = new RequestRecord(runtime, meta, request.model, false);
  try {
    const plan = planChat(runtime, request, meta, false);
    if (meta.key) record.admission = await runtime.governance.admit(meta.key, admissionOf(request, plan), () => reservable(plan), meta.requestId);
    const run = await runtime.router.run(
      plan,
      async (deployment) => {
        const provider = providerFor(runtime, deployment);
        return callWithKey(provider, deployment, async (context) => {
          const upstream = provider.adapter.chatRequest(request, context);
          const answer = await callDeployment(runtime, provider, deployment, context, upstream, signal);
          return provider.adapter.chatResponse(answer.body, context, answer.text);
        });
      },
      signal,
      false,
    );
    record.route(run.deployment, run.attempts);
    const { completion, finishReason } = run.value;
    const usageEstimated = run.value.usage === undefined;
    const usage = run.value.usage ?? (await estimateUsage(request, completionText(completion)));
    const priced = record.charge(usage, usageEstimated);
    record.capturePrompt(request.messages, () => completionText(completion));
    completion.usage = renderUsage(completion.usage, usage, priced);
    const reshaped = completeChoiceShape(completion);
    const json = withUsageSpliced(reshaped ? undefined : run.value.sourceText, completion.usage);
    return { completion, usage, finishReason, priced, usageEstimated, deployment: run.deployment, attempts: run.attempts, rateLimits: record.admission?.rateLimits, json };
  } catch (error) {
    record.fail(error);
    throw error;
  } finally {
    record.finish();
  }
}
