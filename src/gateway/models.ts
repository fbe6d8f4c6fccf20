/**
 * What GET /v1/models lists: aliases, then each provider's models as
 * `provider/model` (declared in config, else asked from the upstream, cached);
 * and the reachability probe behind `switchyard doctor`.
 */
import { isModelAllowed } from "../auth/model-scope.js";
import type { VirtualKey } from "../auth/virtual-key.js";
import { NEVER_CANCELLED } from "../core/cancel-signal.js";
import type { ModelCard } from "../core/embeddings.js";
import type { ProviderRuntime, Runtime } from "./runtime.js";

const LIST_TIMEOUT_MS = 3_000;
const LIST_TTL_MS = 60_000;

/** The list being asked for is cached too: concurrent GET /v1/models share one upstream call, not one each. */
interface CachedList { at: number; models: Promise<string[]> }
const cache = new WeakMap<ProviderRuntime, CachedList>();

export interface ProbeResult {
  ok: boolean;
  detail: string;
  models: string[];
  /** The URL asked (no secret: keys travel in headers); undefined when the provider has no model list. */
  url?: string;
  /** The HTTP status, when the provider answered. */
  status?: number;
}

/** Asks the provider for its model list: the cheapest authenticated call every provider offers. */
export async function probeProvider(provider: ProviderRuntime, timeoutMs: number): Promise<ProbeResult> {
  const { modelsRequest, modelsResponse } = provider.adapter;
  if (!modelsRequest || !modelsResponse) return { ok: true, detail: "no model-list endpoint to probe", models: [] };
  const request = modelsRequest();
  const url = `${provider.settings.origin}${request.path}`;
  try {
    const response = await provider.client.fetchText(request, {
      signal: NEVER_CANCELLED,
      headersTimeoutMs: timeoutMs,
      bodyTimeoutMs: timeoutMs,
    });
    const { status, text } = response;
    if (status === 401 || status === 403) return { ok: false, detail: `the provider rejected the key (HTTP ${status})`, models: [], url, status };
    if (status >= 300) return { ok: false, detail: `HTTP ${status}`, models: [], url, status };
    // Reached, but what answered is no model list (an HTML page, another API): a wrong base_url, not a failed connection.
    let models: string[];
    try {
      models = modelsResponse(JSON.parse(text));
    } catch {
      return { ok: false, detail: `HTTP ${status}, but the answer is not a model list: check its base_url`, models: [], url, status };
    }
    return { ok: true, detail: `HTTP ${status}, ${models.length} models`, models, url, status };
  } catch (error) {
    const failure = provider.client.transportError(error, NEVER_CANCELLED);
    return { ok: false, detail: failure.kind === "timeout" ? "timed out" : failure.message, models: [], url };
  }
}

async function upstreamModels(provider: ProviderRuntime): Promise<string[]> {
  if (provider.declaredModels.length > 0) return provider.declaredModels;
  const cached = cache.get(provider);
  if (cached && Date.now() - cached.at < LIST_TTL_MS) return cached.models;
  // An unreachable provider (e.g. Ollama not running) simply lists nothing.
  const models = probeProvider(provider, LIST_TIMEOUT_MS).then((result) => result.models);
  cache.set(provider, { at: Date.now(), models });
  return models;
}

export async function listModels(runtime: Runtime): Promise<ModelCard[]> {
  const created = Math.floor(Date.now() / 1000);
  const cards: ModelCard[] = [...runtime.routes.aliases.keys()].map((id) => ({ id, object: "model", created, owned_by: "switchyard" }));
  const lists = await Promise.all([...runtime.providers.values()].map(async (p) => ({ provider: p, models: await upstreamModels(p) })));
  for (const { provider, models } of lists) {
    for (const model of models) cards.push({ id: `${provider.name}/${model}`, object: "model", created, owned_by: provider.name });
  }
  return cards;
}

/** The models a caller may see: all of them, or only those in a scoped key's scope. */
export async function visibleModels(runtime: Runtime, key: Pick<VirtualKey, "models"> | undefined): Promise<ModelCard[]> {
  const cards = await listModels(runtime);
  return key ? cards.filter((card) => isModelAllowed(key.models, card.id)) : cards;
}
