/**
 * The streaming chat pipeline. It waits for the first content (holding the
 * chunks that open a stream without any) before committing, so a deployment
 * that fails before anything was produced can still fail over; afterwards
 * failures end the stream. Usage is priced at the end and the
 * ledger row written when the stream is over, however it ends.
 */
import { chunksOf, dropPendingUsage, identityChunkOf, markUsagePending, type StreamItem } from "../core/chunk-text.js";
import type { CancelSignal } from "../core/cancel-signal.js";
import { GatewayError } from "../core/errors.js";
import type { ChatChunk, ChatRequest } from "../core/chat.js";
import { forgetJsonSource } from "../core/json-source.js";
import { extensibleCopy } from "../core/record.js";
import type { StreamTranslator } from "../providers/adapter.js";
import type { Deployment } from "../router/plan.js";
import { admissionOf, renderUsage, reservable } from "./chat.js";
import { callWithKey, observerFor, providerFor, timeoutsFor, type RouteInfo } from "./deployment-call.js";
import { RequestRecord } from "./request-record.js";
import { planChat } from "./plan-chat.js";
import type { RequestMeta } from "./route-request.js";
import type { Runtime } from "./runtime.js";
import { openStream, type OpenedStream } from "./upstream-call.js";
import type { StreamEncoder } from "./stream-encoder.js";
import { partialStreamUsage, ProducedText } from "./usage-estimate.js";
import { logInternalFailure } from "./internal-failure.js";
import { untilContent } from "./stream-content.js";

export interface ChatStreamSession extends RouteInfo {
  /**
   * The reply in the encoder's format, read once: canonical chunks in batches
   * (all a single upstream read produced, so each batch is one write to the
   * client), then one usage chunk (with `cost`) when the client asked for
   * usage, then the encoder's end; or its failure when the stream breaks.
   */
  body<T>(encoder: StreamEncoder<T>): AsyncGenerator<T>;
  /** The serving deployment has no price: its cost will be unknown (`x-switchyard-unpriced`). */
  unpriced: boolean;
}

/** Chunk objects, one batch at a time, failures thrown (the embedded API). */
export const CHUNK_OBJECTS: StreamEncoder<ChatChunk[]> = {
  batch: (items) => items.flatMap(chunksOf),
  failure(error) {
    throw error;
  },
  end: () => undefined,
};

export async function streamChat(runtime: Runtime, request: ChatRequest, signal: CancelSignal, meta: RequestMeta): Promise<ChatStreamSession> {
  const record = new RequestRecord(runtime, meta, request.model, true);
  const includeUsage = request.stream_options?.include_usage === true;
  const streamed = request.stream === true ? request : Object.assign(extensibleCopy(request), { stream: true });
  let run;
  try {
    const plan = planChat(runtime, request, meta, true);
    if (meta.key) record.admission = await runtime.governance.admit(meta.key, admissionOf(request, plan), () => reservable(plan), meta.requestId);
    run = await runtime.router.run(
      plan,
      async (deployment) => {
        const provider = providerFor(runtime, deployment);
        return callWithKey(provider, deployment, async (context) => {
          const upstream = provider.adapter.chatRequest(streamed, context);
          const translator = provider.adapter.chatStream(request, context);
          const opened = await openStream(provider, observerFor(runtime, provider, deployment, context.apiKey), upstream, translator, timeoutsFor(runtime, provider, deployment), signal, runtime.redactor);
          try {
            const first = await untilContent(() => opened.next());
            opened.firstTokenArrived();
            return { translator, first, opened };
          } catch (error) {
            opened.close();
            throw error;
          }
        });
      },
      signal,
      true,
    );
  } catch (error) {
    record.fail(error);
    record.finish();
    throw error;
  }
  record.route(run.deployment, run.attempts);
  record.firstToken();
  // The stream is open, so no attempt will build a request again: its JSON text can go now, not when the stream ends.
  forgetJsonSource(request);
  const { translator, first, opened } = run.value;
  const state: StreamState = { runtime, request, signal, includeUsage, record, translator, first, opened, deployment: run.deployment, release: run.release };
  return {
    body: (encoder) => streamBody(state, encoder),
    deployment: run.deployment,
    attempts: run.attempts,
    rateLimits: record.admission?.rateLimits,
    unpriced: !runtime.pricing.quote(run.deployment).priced,
  };
}

/** What a stream's body needs from `streamChat`, passed in rather than captured (see `streamBody`). */
interface StreamState {
  runtime: Runtime;
  request: ChatRequest;
  signal: CancelSignal;
  includeUsage: boolean;
  record: RequestRecord;
  translator: StreamTranslator;
  /** The first batch; undefined when the stream ended without one. */
  first: StreamItem[] | undefined;
  opened: OpenedStream;
  deployment: Deployment;
  release: () => void;
}

/**
 * The reply's body. A module-level generator, not one declared inside
 * `streamChat`: V8 gives every generator function object its own prototype
 * and initial map, kept in old space, so a generator declared per request
 * made the whole request (everything its closure captured) survive each
 * young-generation GC until a full one — 1.1 MB promoted per scavenge at 500
 * streams/s and 5–8 ms pauses, against 90 KB for non-stream requests.
 */
async function* streamBody<T>(state: StreamState, encoder: StreamEncoder<T>): AsyncGenerator<T> {
  const { runtime, request, signal, includeUsage, record, translator, first, opened, deployment, release } = state;
  const produced = new ProducedText();
  let complete = false;
  let failure: unknown;
  try {
    for (let batch = first; batch !== undefined; ) {
      produced.addAll(batch);
      if (includeUsage) markUsagePending(batch);
      else dropPendingUsage(batch);
      const out = encoder.batch(batch);
      if (out !== undefined) yield out;
      // Awaited only when the next read has not arrived yet (see OpenedStream.next).
      const next = opened.next();
      batch = next instanceof Promise ? await next : next;
    }
    complete = true;
  } catch (error) {
    record.fail(error);
    failure = error;
  } finally {
    opened.close();
    release();
    if (!complete) {
      // Not read to the end and no failure: the caller left (an abort, a closed connection, a `break`).
      if (failure === undefined) record.fail(signal.aborted ? signal.reason : new GatewayError("client_closed", "The caller stopped reading the stream"));
      // Providers bill streams cut short too: count what was produced when they reported nothing final.
      if (!record.usage) {
        const reported = translator.usage;
        if (reported && translator.usageFinal !== false) record.charge(reported, false);
        else if (reported || !produced.empty) record.charge(await partialStreamUsage(request, produced.text, reported), true);
      }
      record.finish();
    }
  }
  if (!complete) {
    logInternalFailure(runtime, failure, record.origin.requestId);
    const out = encoder.failure(failure);
    if (out !== undefined) yield out;
    return;
  }
  const reported = translator.usage;
  const estimated = reported === undefined || translator.usageFinal === false;
  const usage = estimated ? await partialStreamUsage(request, produced.text, reported) : reported;
  const priced = record.charge(usage, estimated);
  record.capturePrompt(request.messages, () => produced.text);
  record.finish();
  if (includeUsage) {
    // The usage chunk carries the stream's id, created and model, as OpenAI's does.
    const template = identityChunkOf(produced.items);
    const out = encoder.batch([
      {
        id: template?.id ?? `chatcmpl-${Date.now()}`,
        object: "chat.completion.chunk",
        created: template?.created ?? Math.floor(Date.now() / 1000),
        model: template?.model ?? deployment.model,
        choices: [],
        usage: renderUsage(translator.upstreamUsage, usage, priced),
      },
    ]);
    if (out !== undefined) yield out;
  }
  const out = encoder.end();
  if (out !== undefined) yield out;
}
