/**
 * What GET /v1/models lists: aliases, then each provider's models as
 * `provider/model` (declared in config, else asked from the upstream, cached).
 */
import type { ModelCard } from "../core/embeddings.js";
import type { ProviderRuntime, Runtime } from "./runtime.js";

const LIST_TIMEOUT_MS = 3_000;
const LIST_TTL_MS = 60_000;

interface CachedList { at: number; models: string[] }
const cache = new WeakMap<ProviderRuntime, CachedList>();

async function upstreamModels(provider: ProviderRuntime): Promise<string[]> {
  if (provider.declaredModels.length > 0) return provider.declaredModels;
  const { modelsRequest, modelsResponse } = provider.adapter;
  if (!modelsRequest || !modelsResponse) return [];
  const cached = cache.get(provider);
  if (cached && Date.now() - cached.at < LIST_TTL_MS) return cached.models;
  try {
    const response = await provider.client.send(modelsRequest(), {
      signal: AbortSignal.timeout(LIST_TIMEOUT_MS),
      headersTimeoutMs: LIST_TIMEOUT_MS,
      bodyTimeoutMs: LIST_TIMEOUT_MS,
    });
    const text = await response.body.text();
    const models = response.status < 300 ? modelsResponse(JSON.parse(text)) : [];
    cache.set(provider, { at: Date.now(), models });
    return models;
  } catch {
    // An unreachable provider (e.g. Ollama not running) simply lists nothing.
    cache.set(provider, { at: Date.now(), models: [] });
    return [];
  }
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
