import type { ChatCompletion, ChatRequest } from "../core/chat.js";
import type { EmbeddingsRequest, EmbeddingsResponse } from "../core/embeddings.js";
import { GatewayError, invalidResponse } from "../core/errors.js";
import { jsonSourceOf } from "../core/json-source.js";
import { extensibleCopy, isRecord } from "../core/record.js";
import { settleChoiceFinish, type MappedFinishReason } from "../core/finish-reason.js";
import type {
  CallContext, ChatResult, EmbeddingsResult, ProviderAdapter, ProviderSettings, UpstreamRequest,
} from "./adapter.js";
import { upstreamError } from "./openai-error.js";
import { OpenAIStreamTranslator } from "./openai-stream.js";
import { usageFromOpenAI } from "./openai-usage.js";
import type { OpenAIPreset } from "./presets.js";
import { headersPerKey } from "./headers-per-key.js";
import { parseOpenAIRateLimit } from "./rate-limit-headers.js";
import { splicedBody } from "./spliced-body.js";
import { checkStopSequenceCount } from "./stop-sequences.js";
import { normalizeToolCalls } from "./tool-call-shape.js";

/** Body fields that steer Switchyard itself and must not reach an upstream. */
const GATEWAY_FIELDS = ["models", "provider"];

const DEFAULT_AZURE_API_VERSION = "2024-10-21";

function authHeaders(preset: OpenAIPreset, apiKey: string | undefined): Record<string, string> {
  if (!apiKey || preset.auth === "none") return {};
  return preset.auth === "api-key" ? { "api-key": apiKey } : { authorization: `Bearer ${apiKey}` };
}

/** `metadata.tags` steers tag routing; OpenAI's metadata takes string values only. */
function stripRoutingTags(body: ChatRequest): void {
  if (!body.metadata || !("tags" in body.metadata)) return;
  const { tags: _tags, ...rest } = body.metadata;
  if (Object.keys(rest).length > 0) body.metadata = rest;
  else delete body.metadata;
}

/** The host's name for a field: the value moves unless the body already has the new name. */
function renameField(body: Record<string, unknown>, from: string, to: string): void {
  if (body[from] === undefined) return;
  body[to] ??= body[from];
  delete body[from];
}

/** The adapter shared by every OpenAI-compatible provider; `preset` carries the differences. */
export function createOpenAICompatibleAdapter(type: string, preset: OpenAIPreset, settings: ProviderSettings): ProviderAdapter {
  const retryableFinish = new Set(preset.retryableFinishReasons ?? []);
  // Azure's classic endpoints put the deployment in the path; its v1 surface does not.
  // `base_url: http://127.0.0.1:11434` (the server alone) means the server's API, not its root.
  const basePath = settings.basePath === "" && preset.rootPath ? preset.rootPath : settings.basePath;
  const azureDeploymentPaths = type === "azure" && !/\/openai\/v1$/.test(basePath);
  const apiVersion = settings.apiVersion ?? DEFAULT_AZURE_API_VERSION;
  const dropped = [...GATEWAY_FIELDS, ...(preset.dropFields ?? [])];
  const renamed = Object.entries(preset.renameFields ?? {});

  /** Whether the client's JSON can go upstream as written, but for the model and stream usage. */
  function sendableAsWritten(request: ChatRequest, addStreamUsage: boolean): boolean {
    if (preset.adjustRequest || (addStreamUsage && request.stream_options !== undefined)) return false;
    if (request.metadata && "tags" in request.metadata) return false;
    for (const field of dropped) if ((request as Record<string, unknown>)[field] !== undefined) return false;
    for (const [from] of renamed) if ((request as Record<string, unknown>)[from] !== undefined) return false;
    return true;
  }

  function path(operation: "chat/completions" | "embeddings" | "models", model: string): string {
    if (azureDeploymentPaths) {
      const query = `?api-version=${encodeURIComponent(apiVersion)}`;
      if (operation === "models") return `${basePath}/openai/models${query}`;
      // `.` and `..` survive encodeURIComponent and would move up the path: never a deployment name.
      if (/^\.+$/.test(model)) throw new GatewayError("bad_request", `Invalid deployment name '${model}'`, { code: "model_not_found", param: "model" });
      return `${basePath}/openai/deployments/${encodeURIComponent(model)}/${operation}${query}`;
    }
    return `${basePath}/${operation}`;
  }

  const headers = headersPerKey((apiKey) => ({ "content-type": "application/json", ...settings.headers, ...authHeaders(preset, apiKey) }));

  /** The client's own JSON with the model spliced in when nothing else changes; else the parsed request, adjusted and serialized. */
  function chatBody(request: ChatRequest, model: string): string {
    // Always ask for usage so streamed requests are priced; the gateway strips it if the client did not ask.
    const addStreamUsage = request.stream === true && preset.streamUsage && request.stream_options?.include_usage !== true;
    const source = jsonSourceOf(request);
    if (source !== undefined && sendableAsWritten(request, addStreamUsage)) {
      const spliced = splicedBody(source, request.model, model, addStreamUsage);
      if (spliced !== undefined) return spliced;
    }
    const body = extensibleCopy(request);
    body.model = model;
    for (const field of dropped) delete (body as Record<string, unknown>)[field];
    for (const [from, to] of renamed) renameField(body as Record<string, unknown>, from, to);
    stripRoutingTags(body);
    if (addStreamUsage) body.stream_options = { ...(body.stream_options ?? {}), include_usage: true };
    preset.takeOutOfBand?.(body, request);
    preset.adjustRequest?.(body);
    return JSON.stringify(body);
  }

  const parseFailure = (what: string) => invalidResponse(settings.name, `an unparsable ${what}`);

  return {
    type,

    chatRequest(request: ChatRequest, context: CallContext): UpstreamRequest {
      if (preset.maxStopSequences !== undefined && Array.isArray(request.stop)) checkStopSequenceCount(request.stop.length, preset.maxStopSequences, `Provider '${settings.name}'`);
      return { method: "POST", path: path("chat/completions", context.model), headers: headers(context.apiKey), body: chatBody(request, context.model) };
    },

    chatResponse(body: unknown, _context: CallContext, text?: string): ChatResult {
      // Every choice must hold a message: clients (and the gateway's own accounting) read `choices[i].message`.
      if (!isRecord(body) || !Array.isArray(body.choices) || !body.choices.every((choice) => isRecord(choice) && isRecord(choice.message))) {
        throw parseFailure("chat completion");
      }
      const completion = body as unknown as ChatCompletion;
      let finishReason: MappedFinishReason | undefined;
      let rewritten = false;
      for (const choice of completion.choices) {
        if (preset.normalizesToolCalls && normalizeToolCalls(choice.message.tool_calls)) rewritten = true;
        const mapped = settleChoiceFinish(choice, retryableFinish, settings.name, "response");
        if (mapped === undefined) continue;
        if (mapped.unified !== mapped.raw) rewritten = true;
        if (choice.index === 0 || finishReason === undefined) finishReason = mapped;
      }
      const sourceText = rewritten ? undefined : text;
      return { completion, usage: usageFromOpenAI(completion.usage), finishReason, sourceText };
    },

    chatStream() {
      return new OpenAIStreamTranslator(settings.name, retryableFinish, preset.normalizesToolCalls === true);
    },

    ...(preset.embeddings && {
      embeddingsRequest(request: EmbeddingsRequest, context: CallContext): UpstreamRequest {
        // Only the model changes: the client's own text when it is known (long inputs, token arrays).
        const source = jsonSourceOf(request);
        const spliced = source === undefined ? undefined : splicedBody(source, request.model, context.model, false);
        const body = spliced ?? JSON.stringify({ ...request, model: context.model });
        return { method: "POST", path: path("embeddings", context.model), headers: headers(context.apiKey), body };
      },
      embeddingsResponse(body: unknown, _context: CallContext, _request: EmbeddingsRequest, text?: string): EmbeddingsResult {
        if (!isRecord(body) || !Array.isArray(body.data)) throw parseFailure("embeddings response");
        const response = body as unknown as EmbeddingsResponse;
        const usage = usageFromOpenAI({ completion_tokens: 0, ...response.usage });
        return { response, usage, sourceText: text };
      },
    }),

    ...(preset.modelList !== "none" && {
      modelsRequest(): UpstreamRequest {
        // Ollama's native API sits beside its OpenAI-compatible `/v1`, under the same prefix (a reverse proxy's, say).
        const listPath = preset.modelList === "ollama-tags" ? `${basePath.replace(/\/v1$/, "")}/api/tags` : path("models", "");
        return { method: "GET", path: listPath, headers: headers(settings.apiKeys[0]) };
      },
      modelsResponse(body: unknown): string[] {
        if (!isRecord(body)) return [];
        const list = preset.modelList === "ollama-tags" ? body.models : body.data;
        if (!Array.isArray(list)) return [];
        return list
          .map((entry) => (isRecord(entry) ? (entry.id ?? entry.name ?? entry.model) : undefined))
          .filter((id): id is string => typeof id === "string");
      },
    }),

    error(status, headers, bodyText) {
      return upstreamError(settings.name, status, headers, bodyText);
    },

    rateLimit(headers, now) {
      return (preset.rateLimit ?? parseOpenAIRateLimit)(headers, now);
    },
  };
}
