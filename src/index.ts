export { createGateway, type Gateway, type GatewayOptions, type CallOptions, type GatewayCloseReport } from "./gateway/gateway.js";
export { startServer, type RunningServer, type ServerOptions } from "./server/http-server.js";
export { loadConfigFile, validateConfig, ConfigError } from "./config/load.js";
export type { SwitchyardConfig, SwitchyardConfigInput } from "./config/schema.js";
export { GatewayError, type ErrorKind } from "./core/errors.js";
export type * from "./core/chat.js";
export type * from "./core/embeddings.js";
export type { Usage, OpenAIUsage } from "./core/usage.js";
export type { RateLimitState } from "./core/rate-limit.js";
