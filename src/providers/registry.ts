/**
 * Provider types by name. OpenAI-compatible hosts are presets; providers with
 * their own wire format register a factory here.
 */
import type { ProviderAdapter, ProviderSettings } from "./adapter.js";
import { createOpenAICompatibleAdapter } from "./openai-compatible.js";
import { OPENAI_PRESETS, isOpenAIPreset } from "./presets.js";
import { geminiProviderType } from "./gemini/index.js";
import { anthropicProviderType } from "./anthropic/index.js";

export interface ProviderType {
  /** Default base URL; undefined means the config must give `base_url`. */
  baseUrl: string | undefined;
  keyRequired: boolean;
  envKey: string | undefined;
  create(settings: ProviderSettings): ProviderAdapter;
}

/** Provider types with their own wire format, one line each. */
const NATIVE: Record<string, ProviderType> = {
  anthropic: anthropicProviderType,
  gemini: geminiProviderType,
};

export function providerType(type: string): ProviderType | undefined {
  if (Object.hasOwn(NATIVE, type)) return NATIVE[type];
  if (!isOpenAIPreset(type)) return undefined;
  const preset = OPENAI_PRESETS[type];
  return {
    baseUrl: "baseUrl" in preset ? preset.baseUrl : undefined,
    keyRequired: preset.keyRequired,
    envKey: "envKey" in preset ? preset.envKey : undefined,
    create: (settings) => createOpenAICompatibleAdapter(type, preset, settings),
  };
}

export function providerTypeNames(): string[] {
  return [...Object.keys(OPENAI_PRESETS), ...Object.keys(NATIVE)].sort();
}
