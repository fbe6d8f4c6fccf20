/**
 * The chat pipeline shared by the HTTP front and the embedded API: resolve the
 * plan, run attempts through adapters, and return an OpenAI-shaped result with
 * what happened (provider, model, attempts, route).
 */
import type { ChatChunk, ChatCompletion, ChatRequest } from "../core/chat.js";
import { GatewayError } from "../core/errors.js";
import type { MappedFinishReason } from "../core/finish-reason.js";
import { toOpenAIUsage, type Usage } from "../core/usage.js";
import type { CallContext, StreamTranslator } from "../providers/adapter.js";
import type { Deployment } from "../router/plan.js";
import type { AttemptTrace } from "../router/run-attempts.js";
import { routeRequestOf, type RequestMeta, NO_META } from "./route-request.js";
import type { ProviderRuntime, Runtime, Timeouts } from "./runtime.js";
import { callJson, openStream, type RateLimitObserver } from "./upstream-call.js";

export interface RouteInfo {
  deployment: Deployment;
  attempts: AttemptTrace[];
}

export interface CompletedChat extends RouteInfo {
  completion: ChatCompletion;
  usage: Usage | undefined;
  finishReason: MappedFinishReason | undefined;
}

export interface ChatStreamSession extends RouteInfo {
  /** Canonical chunks; ends with one usage chunk when the client asked for usage. Throws GatewayError mid-stream. */
  chunks: AsyncGenerator<ChatChunk>;
  /** Usage and finish reason once the stream has ended. */
  result(): { usage: Usage | undefined; finishReason: MappedFinishReason | undefined };
}

export function providerFor(runtime: Runtime, deployment: Deployment): ProviderRuntime {
  const provider = runtime.providers.get(deployment.provider);
  if (!provider) throw new GatewayError("upstream_unavailable", `Provider '${deployment.provider}' is not available`);
  return provider;
}

export function observerFor(runtime: Runtime, deployment: Deployment): RateLimitObserver {
  return (state) => runtime.router.health.observeRateLimit(deployment.id, state);
}

export function timeoutsFor(runtime: Runtime, provider: ProviderRuntime, deployment: Deployment): Timeouts {
  const alias = deployment.alias ? runtime.aliasTimeouts.get(deployment.alias) : undefined;
  return {
    totalMs: alias?.totalMs ?? provider.timeouts.totalMs,
    firstTokenMs: alias?.firstTokenMs ?? provider.timeouts.firstTokenMs,
    streamIdleMs: provider.timeouts.streamIdleMs,
  };
}

/** OpenAI's schema requires these keys on every choice; some hosts omit them. */
function completeChoiceShape(completion: ChatCompletion): void {
  for (const choice of completion.choices) {
    if (choice.logprobs === undefined) choice.logprobs = null;
    if (choice.message && choice.message.refusal === undefined) choice.message.refusal = null;
  }
}

export async function completeChat(runtime: Runtime, request: ChatRequest, signal: AbortSignal, meta: RequestMeta = NO_META): Promise<CompletedChat> {
  const plan = runtime.router.plan(routeRequestOf(request, meta, false));
  const run = await runtime.router.run(
    plan,
    async (deployment) => {
      const provider = providerFor(runtime, deployment);
      const context: CallContext = { model: deployment.model, apiKey: provider.nextKey() };
      const upstream = provider.adapter.chatRequest(request, context);
      const body = await callJson(provider, observerFor(runtime, deployment), upstream, timeoutsFor(runtime, provider, deployment), signal, runtime.redactor);
      return provider.adapter.chatResponse(body, context);
    },
    signal,
    false,
  );
  const { completion, usage, finishReason } = run.value;
  if (usage) completion.usage = { ...completion.usage, ...toOpenAIUsage(usage) };
  completeChoiceShape(completion);
  return { completion, usage, finishReason, deployment: run.deployment, attempts: run.attempts };
}

/**
 * Opens a stream and waits for its first chunk before committing: until a byte
 * has been produced for the client, a failing deployment can still fail over.
 */
export async function streamChat(runtime: Runtime, request: ChatRequest, signal: AbortSignal, meta: RequestMeta = NO_META): Promise<ChatStreamSession> {
  const plan = runtime.router.plan(routeRequestOf(request, meta, true));
  const includeUsage = request.stream_options?.include_usage === true;
  const run = await runtime.router.run(
    plan,
    async (deployment) => {
      const provider = providerFor(runtime, deployment);
      const context: CallContext = { model: deployment.model, apiKey: provider.nextKey() };
      const upstream = provider.adapter.chatRequest({ ...request, stream: true }, context);
      const opened = await openStream(provider, observerFor(runtime, deployment), upstream, timeoutsFor(runtime, provider, deployment), signal, runtime.redactor);
      const translator = provider.adapter.chatStream(request, context);
      const chunks = translateEvents(provider, opened, translator);
      try {
        const first = await chunks.next();
        opened.firstTokenArrived();
        return { translator, chunks, first, opened };
      } catch (error) {
        opened.close();
        throw error;
      }
    },
    signal,
    true,
  );
  const { translator, chunks, first, opened } = run.value;

  async function* output(): AsyncGenerator<ChatChunk> {
    let template: ChatChunk | undefined;
    try {
      if (!first.done) {
        template = first.value;
        yield first.value;
        for await (const chunk of chunks) yield chunk;
      }
    } finally {
      opened.close();
      run.release();
    }
    if (includeUsage && translator.usage) {
      yield {
        id: template?.id ?? `chatcmpl-${Date.now()}`,
        object: "chat.completion.chunk",
        created: template?.created ?? Math.floor(Date.now() / 1000),
        model: template?.model ?? run.deployment.model,
        choices: [],
        usage: toOpenAIUsage(translator.usage),
      };
    }
  }

  return {
    chunks: output(),
    deployment: run.deployment,
    attempts: run.attempts,
    result: () => ({ usage: translator.usage, finishReason: translator.finishReason }),
  };
}

async function* translateEvents(
  provider: ProviderRuntime,
  opened: Awaited<ReturnType<typeof openStream>>,
  translator: StreamTranslator,
): AsyncGenerator<ChatChunk> {
  try {
    for await (const batch of opened.events) {
      for (const event of batch) {
        for (const chunk of translator.push(event)) yield chunk;
      }
    }
    for (const chunk of translator.end()) yield chunk;
  } catch (error) {
    throw provider.client.transportError(error, opened.signal);
  }
}
