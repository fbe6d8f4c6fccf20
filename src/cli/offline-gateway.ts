/**
 * The config of a command that serves nothing (keys, spend, models, doctor).
 * The master key guards the HTTP API only, so it is left out: these commands
 * work where its secret is not set (an operator's shell, a CI job).
 */
import type { SwitchyardConfig } from "../config/schema.js";

export function withoutMasterKey(config: SwitchyardConfig): SwitchyardConfig {
  return { ...config, server: { ...config.server, master_key: undefined } };
}

/** Only the stores: no provider is built and no provider secret read. */
export function storesOnly(config: SwitchyardConfig): SwitchyardConfig {
  return withoutMasterKey({ ...config, providers: {}, models: {}, routing: { ...config.routing, rules: [] } });
}
