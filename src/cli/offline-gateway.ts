/**
 * The config of a command that serves nothing (keys, spend, models, doctor).
 * The master key guards the HTTP API only, so it is left out: these commands
 * work where its secret is not set (an operator's shell, a CI job).
 */
import type { SwitchyardConfig } from "../config/schema.js";

export function withoutMasterKey(config: SwitchyardConfig): SwitchyardConfig {
  return { ...config, server: { ...config.server, master_key: undefined } };
}

/**
 * Only the stores, for commands that read or write them (keys, spend, ledger): no provider
 * secret is read (each provider keeps what prices its models, its type and address, but no
 * `api_key` or `headers`), and key limits and budgets live in the shared state, which these
 * commands never touch, so a state store that is down (Redis) does not stop them.
 */
export function storesOnly(config: SwitchyardConfig): SwitchyardConfig {
  const providers = Object.fromEntries(Object.entries(config.providers).map(([name, provider]) => [name, { ...provider, api_key: undefined, headers: undefined }]));
  return withoutMasterKey({ ...config, providers, state: { url: "memory://" }, models: {}, routing: { ...config.routing, rules: [] } });
}

/**
 * Only the routing side, for what reads no ledger, keys or shared state (`models`, `doctor`'s
 * provider checks): in-memory stores, so a database that is down does not stop them and no
 * `./switchyard.db` is created where they are run.
 */
export function routingOnly(config: SwitchyardConfig): SwitchyardConfig {
  return withoutMasterKey({ ...config, storage: { url: "memory://" }, state: { url: "memory://" } });
}
